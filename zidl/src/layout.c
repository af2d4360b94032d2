/* layout.c - C layout, size classes, dependency order and type ids.
 *
 * Sizes follow the C rules on LP64 (x86-64, AArch64): each field at the
 * next multiple of its alignment, the struct padded to a multiple of its
 * largest alignment, an empty struct one placeholder byte. The generated
 * header asserts the size class against the real compiler, so a platform
 * where this disagrees fails to build rather than misbehave.
 *
 * Type id: XXH32, seed 0, of the message's canonical text:
 *
 *   message    = "message " qualified "{" { field } "}"
 *   field      = type " " name [ "[" N "]" ] ";"
 *   type       = "bool" | "i8" ... "u64" | "f32" | "f64" | "ptr"
 *              | "string<" N ">" | "ref<" qualified ">"
 *              | "struct " qualified "{" { field } "}"      (expanded)
 *              | "message " qualified "{" { field } "}"     (expanded)
 *              | "enum " qualified ":" scalar "{" { name "=" value "," } "}"
 *   qualified  = [ package "." ] name
 *
 * with no other spaces; N and values in decimal, negative values with '-'.
 * For example `package p; message M { u8 a[2]; }` hashes
 * "message p.M{u8 a[2];}". The text names the package, the message and
 * every field's name and type in order, so the id changes exactly when the
 * wire layout or a name in it changes.
 */
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "passes.h"

/* Canonical texts longer than this are refused rather than hashed: nested
 * expansion could otherwise grow exponentially on hostile input. */
#define MAX_CANONICAL_LENGTH (UINT64_C(1) << 24)

typedef struct layouter {
    zidl__file *file;
    zidl__diag *diag;
    zidl__arena *arena;
    bool failed;
} layouter;

static void scalar_layout(zidl__scalar scalar, uint64_t *size)
{
    static const uint64_t sizes[] = {
        [ZIDL__BOOL] = 1, [ZIDL__I8] = 1,  [ZIDL__I16] = 2, [ZIDL__I32] = 4,
        [ZIDL__I64] = 8,  [ZIDL__U8] = 1,  [ZIDL__U16] = 2, [ZIDL__U32] = 4,
        [ZIDL__U64] = 8,  [ZIDL__F32] = 4, [ZIDL__F64] = 8,
    };
    *size = sizes[scalar];
}

static void lay_out(layouter *l, zidl__decl *decl);

/* Size and alignment of one element of the field's type. */
static void type_layout(layouter *l, const zidl__type *type, uint64_t *size, uint64_t *align)
{
    switch (type->kind) {
    case ZIDL__TYPE_SCALAR:
        scalar_layout(type->scalar, size);
        *align = *size;
        return;
    case ZIDL__TYPE_STRING:
        *size = type->string_max + 1;
        *align = 1;
        return;
    case ZIDL__TYPE_REF: /* zactor_ref: a pointer and a uint32_t */
        *size = 16;
        *align = 8;
        return;
    case ZIDL__TYPE_PTR:
    case ZIDL__TYPE_BYTES:
        *size = 8;
        *align = 8;
        return;
    case ZIDL__TYPE_DECL:
        if (type->decl->kind == ZIDL__DECL_ENUM) {
            scalar_layout(type->decl->underlying, size);
            *align = *size;
            return;
        }
        lay_out(l, type->decl);
        *size = type->decl->size;
        *align = type->decl->align;
        return;
    case ZIDL__TYPE_NAMED:
        break;
    }
    *size = 1; /* unreachable after resolve and check */
    *align = 1;
}

static bool holds_bytes(const zidl__type *type)
{
    return type->kind == ZIDL__TYPE_BYTES ||
           (type->kind == ZIDL__TYPE_DECL && type->decl->holds_bytes);
}

static bool holds_ptr(const zidl__type *type)
{
    return type->kind == ZIDL__TYPE_PTR || (type->kind == ZIDL__TYPE_DECL && type->decl->holds_ptr);
}

static bool has_defaults(const zidl__field *field)
{
    const zidl__type *type = &field->type;
    return field->has_default || (type->kind == ZIDL__TYPE_DECL && type->decl->has_defaults);
}

/* The INIT macro of a type with defaults lists every element of an array
 * of it (C has no "repeat" initialiser); keep that text bounded. */
static void check_default_array(layouter *l, const zidl__field *field)
{
    if (!field->is_array || field->type.kind != ZIDL__TYPE_DECL ||
        !field->type.decl->has_defaults || field->array_len <= ZIDL__MAX_DEFAULT_ELEMENTS)
        return;
    zidl__diag_report(l->diag, l->file, field->array_loc, ZIDL__ERROR,
                      "array '%s' has %llu elements of '%s', which has default values: "
                      "at most %llu are allowed (its initialiser lists each one)",
                      field->name, (unsigned long long)field->array_len, field->type.decl->name,
                      (unsigned long long)ZIDL__MAX_DEFAULT_ELEMENTS);
    l->failed = true;
}

static bool needs_validation(const zidl__type *type)
{
    if (type->kind == ZIDL__TYPE_STRING)
        return true;
    if (type->kind != ZIDL__TYPE_DECL)
        return false;
    return type->decl->kind == ZIDL__DECL_ENUM || type->decl->needs_validation;
}

static void lay_out(layouter *l, zidl__decl *decl)
{
    if (decl->laid_out)
        return;
    decl->laid_out = true;
    uint64_t offset = 0;
    uint64_t align = 1;
    bool holds_too_large = false; /* already reported at the inner type */
    for (size_t i = 0; i < decl->fields.count && offset <= ZIDL__MAX_TYPE_SIZE; i++) {
        const zidl__field *field = decl->fields.items[i];
        uint64_t size, field_align;
        type_layout(l, &field->type, &size, &field_align);
        if (size > ZIDL__MAX_TYPE_SIZE)
            holds_too_large = true;
        if (field->is_array)
            size *= field->array_len; /* <= 2^20 * (2^24 + 1): no overflow */
        offset = (offset + field_align - 1) / field_align * field_align + size;
        if (field_align > align)
            align = field_align;
        if (needs_validation(&field->type))
            decl->needs_validation = true;
        if (holds_bytes(&field->type))
            decl->holds_bytes = true;
        if (holds_ptr(&field->type))
            decl->holds_ptr = true;
        if (has_defaults(field))
            decl->has_defaults = true;
        check_default_array(l, field);
    }
    decl->size = offset == 0 ? 1 : (offset + align - 1) / align * align;
    decl->align = align;
    if (decl->size > ZIDL__MAX_TYPE_SIZE) {
        decl->size = ZIDL__MAX_TYPE_SIZE + 1; /* saturate for the types around it */
        l->failed = true;
        if (!holds_too_large)
            zidl__diag_report(l->diag, l->file, decl->loc, ZIDL__ERROR,
                              "%s%s '%s' is too large: more than %llu bytes",
                              decl->kind == ZIDL__DECL_ACTOR ? "the state of " : "",
                              zidl__decl_kind_name(decl->kind), decl->name,
                              (unsigned long long)ZIDL__MAX_TYPE_SIZE);
    }
    /* A message holding bytes is large whatever its C size (spec section
     * 1); the emitters still use its C size to store it inline. */
    if (decl->holds_bytes)
        decl->size_class = ZIDL__SIZE_LARGE;
    else if (decl->size <= 64)
        decl->size_class = ZIDL__SIZE_SMALL;
    else if (decl->size <= 1024)
        decl->size_class = ZIDL__SIZE_MEDIUM;
    else
        decl->size_class = ZIDL__SIZE_LARGE;
    if (decl->kind != ZIDL__DECL_ACTOR)
        ZIDL__LIST_PUSH(l->arena, l->file->data_order, decl);
}

/* The package is the one of the file that declares decl, which may be
 * imported. */
static void put_qualified(zidl__strbuf *out, const zidl__decl *decl)
{
    const char *package = zidl__file_package(decl->file);
    if (package != NULL)
        zidl__strbuf_printf(out, "%s.", package);
    zidl__strbuf_puts(out, decl->name);
}

static void put_canonical_decl(layouter *l, zidl__strbuf *out, zidl__decl *decl);

static void put_canonical_type(layouter *l, zidl__strbuf *out, const zidl__type *type)
{
    switch (type->kind) {
    case ZIDL__TYPE_SCALAR:
        zidl__strbuf_puts(out, zidl__scalar_name(type->scalar));
        return;
    case ZIDL__TYPE_STRING:
        zidl__strbuf_printf(out, "string<%llu>", (unsigned long long)type->string_max);
        return;
    case ZIDL__TYPE_REF:
        zidl__strbuf_puts(out, "ref<");
        put_qualified(out, type->decl);
        zidl__strbuf_putc(out, '>');
        return;
    case ZIDL__TYPE_PTR:
        zidl__strbuf_puts(out, "ptr");
        return;
    case ZIDL__TYPE_BYTES:
        zidl__strbuf_puts(out, "bytes");
        return;
    case ZIDL__TYPE_DECL:
        put_canonical_decl(l, out, type->decl);
        return;
    case ZIDL__TYPE_NAMED:
        return;
    }
}

static void put_enum(zidl__strbuf *out, const zidl__decl *decl)
{
    zidl__strbuf_puts(out, "enum ");
    put_qualified(out, decl);
    zidl__strbuf_printf(out, ":%s{", zidl__scalar_name(decl->underlying));
    for (size_t i = 0; i < decl->enumerators.count; i++) {
        const zidl__enumerator *en = decl->enumerators.items[i];
        zidl__strbuf_printf(out, "%s=%s%llu,", en->name, en->value.negative ? "-" : "",
                            (unsigned long long)en->value.magnitude);
    }
    zidl__strbuf_putc(out, '}');
}

/* Appends the canonical text of a struct, message or enum, memoised per
 * declaration; stops appending once the text is too long. */
static void put_canonical_decl(layouter *l, zidl__strbuf *out, zidl__decl *decl)
{
    if (decl->kind == ZIDL__DECL_ENUM) {
        put_enum(out, decl);
        return;
    }
    if (decl->canonical == NULL) {
        zidl__strbuf text;
        zidl__strbuf_init(&text, l->arena->mem);
        zidl__strbuf_printf(&text, "%s ", zidl__decl_kind_name(decl->kind));
        put_qualified(&text, decl);
        zidl__strbuf_putc(&text, '{');
        for (size_t i = 0; i < decl->fields.count && text.len <= MAX_CANONICAL_LENGTH; i++) {
            const zidl__field *field = decl->fields.items[i];
            put_canonical_type(l, &text, &field->type);
            zidl__strbuf_printf(&text, " %s", field->name);
            if (field->is_array)
                zidl__strbuf_printf(&text, "[%llu]", (unsigned long long)field->array_len);
            zidl__strbuf_putc(&text, ';');
        }
        zidl__strbuf_putc(&text, '}');
        decl->canonical = zidl__arena_strndup(l->arena, zidl__strbuf_str(&text), text.len);
        zidl__strbuf_free(&text);
    }
    if (out->len <= MAX_CANONICAL_LENGTH)
        zidl__strbuf_puts(out, decl->canonical);
}

/* Where a type id was first seen in this run. */
typedef struct id_owner {
    zidl__file *file;
    const zidl__decl *decl;
} id_owner;

static void assign_type_id(layouter *l, zidl__decl *message, zidl__symtab *type_ids)
{
    zidl__strbuf text;
    zidl__strbuf_init(&text, l->arena->mem);
    put_canonical_decl(l, &text, message);
    if (text.len > MAX_CANONICAL_LENGTH) {
        zidl__diag_report(l->diag, l->file, message->loc, ZIDL__ERROR,
                          "message '%s' nests too much to compute its type id "
                          "(its canonical form exceeds %llu bytes)",
                          message->name, (unsigned long long)MAX_CANONICAL_LENGTH);
        zidl__strbuf_free(&text);
        return;
    }
    message->type_id = XXH32(text.data, text.len, 0);
    zidl__strbuf_free(&text);

    char key[16];
    snprintf(key, sizeof key, "%08x", (unsigned)message->type_id);
    id_owner *owner = zidl__arena_alloc(l->arena, sizeof *owner);
    owner->file = l->file;
    owner->decl = message;
    const id_owner *first = zidl__symtab_put(type_ids, zidl__arena_strdup(l->arena, key), owner);
    if (first == NULL)
        return;
    zidl__diag_report(l->diag, l->file, message->loc, ZIDL__ERROR,
                      "the type id 0x%s of message '%s' collides with the type id of "
                      "message '%s'; rename one of them",
                      key, message->name, first->decl->name);
    zidl__diag_report(l->diag, first->file, first->decl->loc, ZIDL__NOTE, "'%s' is declared here",
                      first->decl->name);
}

void zidl__layout(zidl__file *file, zidl__diag *diag, zidl__arena *arena, zidl__symtab *type_ids)
{
    layouter l = {file, diag, arena, false};
    for (size_t i = 0; i < file->decls.count; i++) {
        zidl__decl *decl = file->decls.items[i];
        if (decl->kind != ZIDL__DECL_ENUM)
            lay_out(&l, decl);
    }
    if (l.failed)
        return;
    for (size_t i = 0; i < file->decls.count; i++) {
        zidl__decl *decl = file->decls.items[i];
        if (decl->kind == ZIDL__DECL_MESSAGE)
            assign_type_id(&l, decl, type_ids);
    }
}
