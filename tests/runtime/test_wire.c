/* test_wire.c - the generated wire encoders and decoders (docs/wire.md):
 * the worked example byte for byte, every kind of malformed input
 * rejected with ZACTOR_EINVAL (and, under ASan/LSan, without a read past
 * the end or a leak), and random round trips. Refs go through a fake
 * mapping: four made-up refs on node 7. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_test.h"
#include "wire.zidl.h"

/* The generated source dispatches to these; no system runs here. */
void wt_Box_on_Example(wt_Box *self, zactor_ctx *ctx, const wt_Example *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void wt_Box_on_All(wt_Box *self, zactor_ctx *ctx, const wt_All *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void wt_Box_on_Empty(wt_Box *self, zactor_ctx *ctx, const wt_Empty *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void wt_Box_on_Ask(wt_Box *self, zactor_ctx *ctx, const wt_Ask *msg, wt_Answer *reply)
{
    (void)self, (void)ctx, (void)msg, (void)reply;
}

void wt_Box_on_Local(wt_Box *self, zactor_ctx *ctx, const wt_Local *msg)
{
    (void)self, (void)ctx, (void)msg;
}

void wt_Box_on_Peek(wt_Box *self, zactor_ctx *ctx, const wt_Peek *msg, wt_Local *reply)
{
    (void)self, (void)ctx, (void)msg, (void)reply;
}

#define NODE 7u
#define REFS 4u
static char cells[REFS]; /* stand-ins for actor cells: only their addresses count */

static zactor_ref fake_ref(unsigned i)
{
    zactor_ref ref = {(zactor_cell *)(void *)&cells[i], 1};
    return ref;
}

/* Actor i is id 42 + i on NODE. */
static int encode_ref(void *user, zactor_ref ref, uint64_t *node, uint64_t *actor)
{
    (void)user;
    for (unsigned i = 0; i < REFS; i++) {
        if (ref.cell == fake_ref(i).cell) {
            *node = NODE;
            *actor = 42 + i;
            return 0;
        }
    }
    return ZACTOR_EDEAD; /* an error of the mapping's own, passed through */
}

static int decode_ref(void *user, uint64_t node, uint64_t actor, zactor_ref *out)
{
    (void)user;
    if (node != NODE || actor < 42 || actor >= 42 + REFS)
        return ZACTOR_ENOENT;
    *out = fake_ref((unsigned)(actor - 42));
    return 0;
}

static zactor_wire_ctx ctx = {encode_ref, decode_ref, NULL};

static void put_le32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static wt_Example example(void)
{
    wt_Example msg = WT_EXAMPLE_INIT;
    msg.id = 0x01020304;
    msg.mood = WT_MOOD_SAD;
    msg.done = true;
    msg.at.x = -2;
    msg.at.y = 0x1234;
    msg.ratio = 1.5f;
    msg.owner.raw = fake_ref(0);
    strcpy(msg.name, "hi");
    static const uint8_t data[] = {0xde, 0xad, 0xbe};
    CHECK_EQ(zactor_bytes_copy(data, sizeof data, &msg.data), 0);
    return msg;
}

/* docs/wire.md's worked example, after the type id. */
static const uint8_t example_fields[] = {
    0x04, 0x03, 0x02, 0x01,                         /* id: u32 0x01020304 */
    0xff,                                           /* mood: i8 SAD = -1 */
    0x01,                                           /* done: true */
    0xfe, 0xff,                                     /* at.x: i16 -2 */
    0x34, 0x12,                                     /* at.y: u16 0x1234 */
    0x00, 0x00, 0xc0, 0x3f,                         /* ratio: f32 1.5 = 0x3fc00000 */
    0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* owner: node 7 */
    0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*        actor 42 */
    0x02, 0x00, 0x00, 0x00, 'h',  'i',              /* name: length 2, "hi" */
    0x03, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe,       /* data: length 3, the bytes */
};
#define EXAMPLE_LEN (4 + sizeof example_fields)
#define NAME_LENGTH_AT 34 /* offsets in the frame */
#define DATA_LENGTH_AT 40
#define MOOD_AT 8
#define DONE_AT 9

static void expected_example(uint8_t *frame)
{
    put_le32(frame, WT_EXAMPLE_TYPE_ID);
    memcpy(frame + 4, example_fields, sizeof example_fields);
}

static int decode_example(const uint8_t *in, size_t len)
{
    wt_Example out;
    int err = wt_Example_wire_decode(in, len, &ctx, &out);
    if (err == 0)
        zactor_bytes_release(out.data);
    return err;
}

static void test_example_bytes(void)
{
    wt_Example msg = example();
    uint8_t expected[EXAMPLE_LEN];
    expected_example(expected);
    uint8_t frame[64];
    size_t len = 0;
    CHECK_EQ(wt_Example_wire_size(&msg), EXAMPLE_LEN);
    CHECK_EQ(wt_Example_wire_encode(&msg, &ctx, frame, sizeof frame, &len), 0);
    CHECK_EQ(len, EXAMPLE_LEN);
    CHECK(memcmp(frame, expected, EXAMPLE_LEN) == 0);

    wt_Example back;
    CHECK_EQ(wt_Example_wire_decode(frame, len, &ctx, &back), 0);
    CHECK_EQ(back.id, 0x01020304);
    CHECK_EQ(back.mood, WT_MOOD_SAD);
    CHECK(back.done);
    CHECK_EQ(back.at.x, -2);
    CHECK_EQ(back.at.y, 0x1234);
    CHECK(back.ratio == 1.5f);
    CHECK(back.owner.raw.cell == fake_ref(0).cell);
    CHECK(strcmp(back.name, "hi") == 0);
    CHECK_EQ(zactor_bytes_size(back.data), 3);
    CHECK(memcmp(zactor_bytes_data(back.data), zactor_bytes_data(msg.data), 3) == 0);
    CHECK(back.data.buffer != msg.data.buffer); /* a buffer of its own */
    zactor_bytes_release(back.data);

    /* Through the file's table, by the frame's type id. */
    uint32_t type_id = 0;
    CHECK_EQ(zactor_wire_type_id(frame, len, &type_id), 0);
    const zactor_wire_entry *entry =
        zactor_wire_find(wt_wire_wire_table, WT_WIRE_WIRE_COUNT, type_id);
    CHECK(entry != NULL);
    CHECK(strcmp(entry->name, "wt.Example") == 0);
    CHECK_EQ(entry->size, sizeof(wt_Example));
    CHECK_EQ(entry->wire_size(&msg), EXAMPLE_LEN);
    CHECK_EQ(entry->decode(frame, len, &ctx, &back), 0);
    CHECK(strcmp(back.name, "hi") == 0);
    CHECK(entry->drop != NULL); /* Example holds bytes */
    entry->drop(&back);
    uint8_t again[64];
    CHECK_EQ(entry->encode(&msg, &ctx, again, sizeof again, &len), 0);
    CHECK(len == EXAMPLE_LEN && memcmp(again, expected, EXAMPLE_LEN) == 0);
    zactor_bytes_release(msg.data);
}

static void test_table(void)
{
    CHECK_EQ(WT_WIRE_WIRE_COUNT, 6);
    for (size_t i = 1; i < WT_WIRE_WIRE_COUNT; i++)
        CHECK(wt_wire_wire_table[i - 1].type_id < wt_wire_wire_table[i].type_id);
    const uint32_t ids[] = {WT_EXAMPLE_TYPE_ID, WT_ALL_TYPE_ID,    WT_EMPTY_TYPE_ID,
                            WT_ASK_TYPE_ID,     WT_ANSWER_TYPE_ID, WT_PEEK_TYPE_ID};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const zactor_wire_entry *entry =
            zactor_wire_find(wt_wire_wire_table, WT_WIRE_WIRE_COUNT, ids[i]);
        CHECK(entry != NULL && entry->type_id == ids[i]);
    }
    uint32_t unknown = WT_EXAMPLE_TYPE_ID ^ WT_ALL_TYPE_ID ^ WT_EMPTY_TYPE_ID;
    CHECK(zactor_wire_find(wt_wire_wire_table, WT_WIRE_WIRE_COUNT, unknown) == NULL);
    CHECK(WT_LOCAL_LOCAL_ONLY == 1);
    CHECK(zactor_wire_find(wt_wire_wire_table, WT_WIRE_WIRE_COUNT, WT_LOCAL_TYPE_ID) == NULL);
    CHECK(zactor_wire_find(NULL, 0, WT_ALL_TYPE_ID) == NULL);
    CHECK(zactor_wire_find(wt_wire_wire_table, WT_WIRE_WIRE_COUNT, WT_EMPTY_TYPE_ID)->drop == NULL);
    uint32_t id;
    CHECK_EQ(zactor_wire_type_id((const uint8_t *)"abc", 3, &id), ZACTOR_EINVAL);

    /* The empty message: its type id alone. */
    wt_Empty empty = WT_EMPTY_INIT;
    uint8_t frame[8];
    size_t len;
    CHECK_EQ(wt_Empty_wire_size(&empty), 4);
    CHECK_EQ(wt_Empty_wire_size(NULL), 0);
    CHECK_EQ(wt_All_wire_size(NULL), 0);
    CHECK_EQ(wt_Empty_wire_encode(&empty, NULL, frame, sizeof frame, &len), 0);
    CHECK_EQ(len, 4);
    CHECK_EQ(wt_Empty_wire_decode(frame, 4, NULL, &empty), 0);
    CHECK_EQ(wt_Empty_wire_decode(frame, 3, NULL, &empty), ZACTOR_EINVAL);
    CHECK_EQ(wt_Empty_wire_decode(frame, 5, NULL, &empty), ZACTOR_EINVAL);
}

/* The entry of Box's handler table for messages of type_id. */
static const zactor_handler_entry *handler_entry(const zactor_actor_type *type, uint32_t type_id)
{
    for (uint32_t i = 0; i < type->handler_count; i++) {
        if (type->handlers[i].message_type_id == type_id)
            return &type->handlers[i];
    }
    return NULL;
}

/* Each handler entry points at its message's entry in the wire table (the
 * same pointer zactor_wire_find gives), a request's also at its reply's;
 * a local-only message has none (docs/wire.md, "Handler entries"). */
static void test_handler_entries(void)
{
    const zactor_actor_type *type = wt_Box_child(NULL, NULL, ZACTOR_RESTART_TEMPORARY).type;
    CHECK(type != NULL);
    CHECK_EQ(type->handler_count, 6);
    const struct {
        uint32_t type_id, reply_type_id;
        bool travels, reply_travels;
    } cases[] = {
        {WT_EXAMPLE_TYPE_ID, 0, true, false}, {WT_ALL_TYPE_ID, 0, true, false},
        {WT_EMPTY_TYPE_ID, 0, true, false},   {WT_ASK_TYPE_ID, WT_ANSWER_TYPE_ID, true, true},
        {WT_LOCAL_TYPE_ID, 0, false, false},  {WT_PEEK_TYPE_ID, WT_LOCAL_TYPE_ID, true, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const zactor_handler_entry *entry = handler_entry(type, cases[i].type_id);
        CHECK(entry != NULL);
        const zactor_wire_entry *wire =
            zactor_wire_find(wt_wire_wire_table, WT_WIRE_WIRE_COUNT, cases[i].type_id);
        CHECK(cases[i].travels ? wire != NULL : wire == NULL);
        CHECK(entry->wire == wire);
        const zactor_wire_entry *reply_wire =
            cases[i].reply_travels
                ? zactor_wire_find(wt_wire_wire_table, WT_WIRE_WIRE_COUNT, cases[i].reply_type_id)
                : NULL;
        CHECK(!cases[i].reply_travels || reply_wire != NULL);
        CHECK(entry->reply_wire == reply_wire);
        CHECK_EQ(entry->flags, cases[i].reply_type_id != 0 ? ZACTOR_HANDLER_REQUEST : 0u);
    }
}

static void test_malformed(void)
{
    uint8_t frame[EXAMPLE_LEN + 1];
    expected_example(frame);
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN), 0);

    /* Every truncation: a fresh allocation of exactly n bytes, so that
     * ASan sees any read past the end. */
    for (size_t n = 0; n < EXAMPLE_LEN; n++) {
        uint8_t *cut = malloc(n + 1);
        CHECK(cut != NULL);
        memcpy(cut, frame, n);
        CHECK_EQ(decode_example(cut, n), ZACTOR_EINVAL);
        free(cut);
    }

    /* Every single-byte change of a length field. */
    const size_t lengths[] = {NAME_LENGTH_AT, DATA_LENGTH_AT};
    for (size_t l = 0; l < 2; l++) {
        for (size_t b = 0; b < 4; b++) {
            uint8_t original = frame[lengths[l] + b];
            for (unsigned v = 0; v < 256; v++) {
                if (v == original)
                    continue;
                frame[lengths[l] + b] = (uint8_t)v;
                CHECK_EQ(decode_example(frame, EXAMPLE_LEN), ZACTOR_EINVAL);
            }
            frame[lengths[l] + b] = original;
        }
    }

    /* An oversized bytes length: refused before any allocation. */
    put_le32(frame + DATA_LENGTH_AT, 0xffffffffu);
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN), ZACTOR_EINVAL);
    put_le32(frame + DATA_LENGTH_AT, 3);

    /* A string longer than its bound, and one with a NUL inside. */
    put_le32(frame + NAME_LENGTH_AT, 9);
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN), ZACTOR_EINVAL);
    put_le32(frame + NAME_LENGTH_AT, 2);
    frame[NAME_LENGTH_AT + 5] = '\0';
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN), ZACTOR_EINVAL);
    frame[NAME_LENGTH_AT + 5] = 'i';

    /* An enum value that is no enumerator, a bool of 2. */
    frame[MOOD_AT] = 5;
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN), ZACTOR_EINVAL);
    frame[MOOD_AT] = 0xff;
    frame[DONE_AT] = 2;
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN), ZACTOR_EINVAL);
    frame[DONE_AT] = 1;

    /* Trailing garbage, another type id. */
    frame[EXAMPLE_LEN] = 0;
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN + 1), ZACTOR_EINVAL);
    put_le32(frame, WT_ALL_TYPE_ID);
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN), ZACTOR_EINVAL);
    put_le32(frame, WT_EXAMPLE_TYPE_ID);

    /* A ref the mapping does not know: its own code; no mapping: EARG. */
    frame[26] = 99;
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN), ZACTOR_ENOENT);
    frame[26] = 42;
    wt_Example out;
    CHECK_EQ(wt_Example_wire_decode(frame, EXAMPLE_LEN, NULL, &out), ZACTOR_EARG);
    CHECK_EQ(decode_example(frame, EXAMPLE_LEN), 0);
    CHECK_EQ(wt_Example_wire_decode(NULL, 0, &ctx, &out), ZACTOR_EARG);
    CHECK_EQ(wt_Example_wire_decode(frame, EXAMPLE_LEN, &ctx, NULL), ZACTOR_EARG);
}

static void test_encode_errors(void)
{
    wt_Example msg = example();
    uint8_t frame[64];
    size_t len = 123;
    CHECK_EQ(wt_Example_wire_encode(&msg, &ctx, frame, EXAMPLE_LEN - 1, &len), ZACTOR_EARG);
    CHECK_EQ(len, EXAMPLE_LEN); /* what it takes */
    CHECK_EQ(wt_Example_wire_encode(NULL, &ctx, frame, sizeof frame, &len), ZACTOR_EARG);
    CHECK_EQ(wt_Example_wire_encode(&msg, &ctx, NULL, sizeof frame, &len), ZACTOR_EARG);
    CHECK_EQ(wt_Example_wire_encode(&msg, &ctx, frame, sizeof frame, NULL), ZACTOR_EARG);
    CHECK_EQ(wt_Example_wire_encode(&msg, NULL, frame, sizeof frame, &len), ZACTOR_EARG);
    CHECK_EQ(len, 0);
    msg.owner.raw.cell = NULL; /* not in the mapping */
    CHECK_EQ(wt_Example_wire_encode(&msg, &ctx, frame, sizeof frame, &len), ZACTOR_EDEAD);
    msg.owner.raw = fake_ref(1);
    memset(msg.name, 'x', sizeof msg.name); /* no NUL */
    CHECK_EQ(wt_Example_wire_encode(&msg, &ctx, frame, sizeof frame, &len), ZACTOR_EINVAL);
    strcpy(msg.name, "ok");
    msg.mood = 7;
    CHECK_EQ(wt_Example_wire_encode(&msg, &ctx, frame, sizeof frame, &len), ZACTOR_EINVAL);
    msg.mood = WT_MOOD_HAPPY;
    CHECK_EQ(wt_Example_wire_encode(&msg, &ctx, frame, sizeof frame, &len), 0);
    zactor_bytes_release(msg.data);
}

/* The helpers on their own, where the generated code's own checks come
 * first: a writer never goes past its end, and refuses a string without
 * its NUL. */
static void test_helpers(void)
{
    uint8_t buf[8];
    memset(buf, 0xaa, sizeof buf);
    zactor_wire_writer w = {buf, buf + 6, NULL, 0};
    zactor_wire_put_u32(&w, 0x04030201u);
    zactor_wire_put_u32(&w, 0x08070605u); /* 2 bytes left: refused */
    CHECK_EQ(w.error, ZACTOR_EINVAL);
    CHECK(buf[0] == 1 && buf[3] == 4 && buf[4] == 0xaa && buf[5] == 0xaa);

    char unterminated[4] = {'a', 'b', 'c', 'd'};
    zactor_wire_writer s = {buf, buf + sizeof buf, NULL, 0};
    zactor_wire_put_string(&s, unterminated, sizeof unterminated);
    CHECK_EQ(s.error, ZACTOR_EINVAL);
    CHECK_EQ(zactor_wire_string_size(unterminated, sizeof unterminated), 4 + 4);

    char text[4] = "ab";
    zactor_wire_writer t = {buf, buf + sizeof buf, NULL, 0};
    zactor_wire_put_string(&t, text, sizeof text);
    CHECK_EQ(t.error, 0);
    CHECK(t.at == buf + 6 && buf[0] == 2 && buf[4] == 'a' && buf[5] == 'b');
    char back[4] = "xyz";
    zactor_wire_reader r = {buf, buf + 6, NULL, 0};
    zactor_wire_get_string(&r, back, sizeof back);
    CHECK(zactor_wire_reader_finish(&r) == 0 && strcmp(back, "ab") == 0);
    zactor_wire_reader small = {buf, buf + 6, NULL, 0};
    zactor_wire_get_string(&small, back, 2); /* a bound of 1: length 2 is refused */
    CHECK_EQ(small.error, ZACTOR_EINVAL);

    /* Signed values come back from their two's complement bits. */
    zactor_wire_writer n = {buf, buf + sizeof buf, NULL, 0};
    zactor_wire_put_i64(&n, INT64_MIN);
    zactor_wire_reader m = {buf, buf + 8, NULL, 0};
    CHECK(zactor_wire_get_i64(&m) == INT64_MIN);
    zactor_wire_reader k = {buf, buf + 8, NULL, 0};
    buf[0] = 0x80;
    CHECK(zactor_wire_get_i8(&k) == INT8_MIN);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void random_string(char *s, size_t array_size)
{
    size_t length = next() % array_size;
    for (size_t i = 0; i < length; i++)
        s[i] = (char)(1 + next() % 255);
    s[length] = '\0';
}

static zactor_bytes random_bytes(void)
{
    uint8_t data[64];
    size_t size = next() % (sizeof data + 1);
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)next();
    zactor_bytes bytes;
    CHECK_EQ(zactor_bytes_copy(data, size, &bytes), 0);
    return bytes;
}

static wt_Mood random_mood(void)
{
    static const wt_Mood moods[] = {WT_MOOD_SAD, WT_MOOD_CALM, WT_MOOD_HAPPY};
    return moods[next() % 3];
}

static float random_f32(void)
{
    uint32_t bits = (uint32_t)next();
    float f;
    memcpy(&f, &bits, sizeof f); /* any bit pattern, NaNs included */
    return f;
}

static void random_all(wt_All *m)
{
    *m = (wt_All)WT_ALL_INIT;
    m->flag = next() & 1;
    m->a = (int8_t)next();
    m->b = (int16_t)next();
    m->c = (int32_t)next();
    m->d = (int64_t)next();
    m->e = (uint8_t)next();
    m->f = (uint16_t)next();
    m->g = (uint32_t)next();
    m->h = next();
    m->ratio = random_f32();
    uint64_t bits = next();
    memcpy(&m->precise, &bits, sizeof bits);
    for (size_t i = 0; i < 3; i++)
        m->moods[i] = random_mood();
    random_string(m->name, sizeof m->name);
    for (size_t i = 0; i < 2; i++) {
        random_string(m->tags[i].label, sizeof m->tags[i].label);
        m->tags[i].weight = next();
        m->path[i].x = (int16_t)next();
        m->path[i].y = (uint16_t)next();
        m->parts[i] = random_bytes();
        m->refs[i].raw = fake_ref((unsigned)(next() % REFS));
    }
    m->data = random_bytes();
    m->inner.id = (uint32_t)next();
    m->inner.mood = random_mood();
    m->inner.done = next() & 1;
    m->inner.ratio = random_f32();
    m->inner.owner.raw = fake_ref((unsigned)(next() % REFS));
    random_string(m->inner.name, sizeof m->inner.name);
    m->inner.data = random_bytes();
}

static void release_all(const wt_All *m)
{
    zactor_bytes_release(m->data);
    zactor_bytes_release(m->parts[0]);
    zactor_bytes_release(m->parts[1]);
    zactor_bytes_release(m->inner.data);
}

/* Encodes m into a buffer of exactly its size. */
static uint8_t *encode_all(const wt_All *m, size_t *len)
{
    size_t size = wt_All_wire_size(m);
    uint8_t *frame = malloc(size);
    CHECK(frame != NULL);
    CHECK_EQ(wt_All_wire_encode(m, &ctx, frame, size, len), 0);
    CHECK_EQ(*len, size);
    return frame;
}

/* Random messages survive a round trip: decoding a frame and encoding
 * the result gives the same frame, and the fields compare equal. Then a
 * random byte of each frame is changed: the decoder either refuses it or
 * accepts exactly what it would encode (the format has one encoding per
 * value). */
static void test_random(void)
{
    unsigned rounds = (unsigned)scaled(4000);
    for (unsigned round = 0; round < rounds; round++) {
        wt_All m, back;
        random_all(&m);
        size_t len, again_len;
        uint8_t *frame = encode_all(&m, &len);
        CHECK_EQ(wt_All_wire_decode(frame, len, &ctx, &back), 0);
        CHECK(back.h == m.h && back.d == m.d && back.c == m.c && back.b == m.b);
        CHECK(strcmp(back.name, m.name) == 0 && strcmp(back.inner.name, m.inner.name) == 0);
        CHECK(memcmp(&back.ratio, &m.ratio, sizeof m.ratio) == 0);
        CHECK_EQ(zactor_bytes_size(back.inner.data), zactor_bytes_size(m.inner.data));
        uint8_t *again = encode_all(&back, &again_len);
        CHECK(again_len == len && memcmp(again, frame, len) == 0);
        release_all(&back);
        free(again);

        size_t at = next() % len;
        frame[at] ^= (uint8_t)(1 + next() % 255);
        int err = wt_All_wire_decode(frame, len, &ctx, &back);
        if (err == 0) {
            again = encode_all(&back, &again_len);
            CHECK(again_len == len && memcmp(again, frame, len) == 0);
            release_all(&back);
            free(again);
        } else {
            CHECK(err == ZACTOR_EINVAL || err == ZACTOR_ENOENT);
        }
        free(frame);
        release_all(&m);
    }
}

int main(void)
{
    test_example_bytes();
    test_table();
    test_handler_entries();
    test_malformed();
    test_encode_errors();
    test_helpers();
    test_random();
    printf("test_wire: ok\n");
    return 0;
}
