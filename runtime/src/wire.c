/* wire.c - the out-of-line helpers of the wire format (docs/wire.md):
 * floats, strings, bytes and refs, the frame's type id and the type-id
 * table search. The integer helpers are static inline in zactor.h; the
 * generated encoders and decoders call both. Nothing here is shared
 * between threads: a writer or reader belongs to its caller. */
#include <stdint.h>
#include <string.h>

#include "zactor/zactor.h"

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8,
               "the wire format needs binary32 floats and binary64 doubles");

void zactor_wire_put_f32(zactor_wire_writer *w, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    zactor_wire_put_u32(w, bits);
}

void zactor_wire_put_f64(zactor_wire_writer *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    zactor_wire_put_u64(w, bits);
}

float zactor_wire_get_f32(zactor_wire_reader *r)
{
    uint32_t bits = zactor_wire_get_u32(r);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

double zactor_wire_get_f64(zactor_wire_reader *r)
{
    uint64_t bits = zactor_wire_get_u64(r);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static size_t wire_string_length(const char *s, size_t array_size)
{
    const char *nul = memchr(s, '\0', array_size);
    return nul != NULL ? (size_t)(nul - s) : array_size;
}

size_t zactor_wire_string_size(const char *s, size_t array_size)
{
    return 4 + wire_string_length(s, array_size);
}

void zactor_wire_put_string(zactor_wire_writer *w, const char *s, size_t array_size)
{
    size_t length = wire_string_length(s, array_size);
    if (length == array_size || length > UINT32_MAX) {
        zactor_wire_writer_fail(w, ZACTOR_EINVAL);
        return;
    }
    zactor_wire_put_u32(w, (uint32_t)length);
    if (!zactor_wire_writer_room(w, length))
        return;
    memcpy(w->at, s, length);
    w->at += length;
}

void zactor_wire_get_string(zactor_wire_reader *r, char *out, size_t array_size)
{
    uint32_t length = zactor_wire_get_u32(r);
    if (r->error != 0)
        return;
    if (length >= array_size) {
        zactor_wire_reader_fail(r, ZACTOR_EINVAL);
        return;
    }
    const uint8_t *p = zactor_wire_reader_take(r, length);
    if (p == NULL)
        return;
    if (memchr(p, '\0', length) != NULL) {
        zactor_wire_reader_fail(r, ZACTOR_EINVAL);
        return;
    }
    memcpy(out, p, length);
    out[length] = '\0';
}

void zactor_wire_put_bytes(zactor_wire_writer *w, zactor_bytes bytes)
{
    size_t size = zactor_bytes_size(bytes);
    if (size > UINT32_MAX) {
        zactor_wire_writer_fail(w, ZACTOR_EINVAL);
        return;
    }
    zactor_wire_put_u32(w, (uint32_t)size);
    if (size == 0 || !zactor_wire_writer_room(w, size))
        return;
    memcpy(w->at, zactor_bytes_data(bytes), size);
    w->at += size;
}

void zactor_wire_get_bytes(zactor_wire_reader *r, zactor_bytes *out)
{
    out->buffer = NULL;
    uint32_t size = zactor_wire_get_u32(r);
    if (r->error != 0)
        return;
    /* The claim is checked against the input before anything is
     * allocated: a hostile length costs nothing. */
    const uint8_t *p = zactor_wire_reader_take(r, size);
    if (p == NULL || size == 0)
        return;
    int err = zactor_bytes_copy(p, size, out);
    if (err != 0)
        zactor_wire_reader_fail(r, err);
}

void zactor_wire_put_ref(zactor_wire_writer *w, zactor_ref ref)
{
    if (w->error != 0)
        return;
    if (w->ctx == NULL || w->ctx->encode_ref == NULL) {
        zactor_wire_writer_fail(w, ZACTOR_EARG);
        return;
    }
    uint64_t node = 0, actor = 0;
    int err = w->ctx->encode_ref(w->ctx->user, ref, &node, &actor);
    if (err != 0) {
        zactor_wire_writer_fail(w, err);
        return;
    }
    zactor_wire_put_u64(w, node);
    zactor_wire_put_u64(w, actor);
}

void zactor_wire_get_ref(zactor_wire_reader *r, zactor_ref *out)
{
    uint64_t node = zactor_wire_get_u64(r);
    uint64_t actor = zactor_wire_get_u64(r);
    if (r->error != 0)
        return;
    if (r->ctx == NULL || r->ctx->decode_ref == NULL) {
        zactor_wire_reader_fail(r, ZACTOR_EARG);
        return;
    }
    int err = r->ctx->decode_ref(r->ctx->user, node, actor, out);
    if (err != 0)
        zactor_wire_reader_fail(r, err);
}

int zactor_wire_type_id(const uint8_t *in, size_t len, uint32_t *type_id)
{
    if (in == NULL || type_id == NULL)
        return ZACTOR_EARG;
    zactor_wire_reader r = {in, in + len, NULL, 0};
    *type_id = zactor_wire_get_u32(&r);
    return r.error;
}

const zactor_wire_entry *zactor_wire_find(const zactor_wire_entry *table, size_t count,
                                          uint32_t type_id)
{
    if (table == NULL)
        return NULL;
    size_t lo = 0, hi = count; /* the entry, if any, is in [lo, hi) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (table[mid].type_id < type_id)
            lo = mid + 1;
        else if (table[mid].type_id > type_id)
            hi = mid;
        else
            return &table[mid];
    }
    return NULL;
}
