/* Small (inline), medium (pooled) and large (heap) messages arrive intact,
 * in order, and boxed payloads are suitably aligned. Usage: WORKERS. */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"

/* One tag per size; 56 bytes is the largest inline payload of this slot. */
static const size_t sizes[] = {8, 56, 57, 100, 1000, 1024, 1025, 4096, 100000};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

typedef struct Inline56 {
    unsigned char bytes[56];
} Inline56;
TEST_SLOT(BlobSlot, Inline56 small;);
_Static_assert(sizeof(BlobSlot) == 64, "56 inline bytes");

typedef struct Checker {
    uint64_t next_seq[SIZE_COUNT];
    uint64_t bad;
    uint64_t received;
} Checker;

static Checker *checker;

static void fill(unsigned char *buf, size_t size, uint64_t seq)
{
    memcpy(buf, &seq, sizeof seq);
    for (size_t i = sizeof seq; i < size; i++)
        buf[i] = (unsigned char)(seq * 31 + i * 7);
}

static void check(Checker *self, size_t index, const unsigned char *msg)
{
    uint64_t seq;
    memcpy(&seq, msg, sizeof seq);
    if (seq != self->next_seq[index]++)
        self->bad++;
    for (size_t i = sizeof seq; i < sizes[index]; i++) {
        if (msg[i] != (unsigned char)(seq * 31 + i * 7)) {
            self->bad++;
            break;
        }
    }
    if (sizes[index] > 56 && ((uintptr_t)msg % 16) != 0)
        self->bad++;
    self->received++;
}

#define HANDLER(i)                                                        \
    static void on_size_##i(void *self, zactor_ctx *ctx, const void *msg) \
    {                                                                     \
        (void)ctx;                                                        \
        check(self, i, msg);                                              \
    }
HANDLER(0)
HANDLER(1)
HANDLER(2)
HANDLER(3)
HANDLER(4)
HANDLER(5)
HANDLER(6)
HANDLER(7)
HANDLER(8)

static void checker_on_start(void *self, zactor_ctx *ctx)
{
    (void)ctx;
    checker = self;
}

static const zactor_handler_entry checker_handlers[SIZE_COUNT] = {
    TEST_ENTRY(on_size_0), TEST_ENTRY(on_size_1), TEST_ENTRY(on_size_2),
    TEST_ENTRY(on_size_3), TEST_ENTRY(on_size_4), TEST_ENTRY(on_size_5),
    TEST_ENTRY(on_size_6), TEST_ENTRY(on_size_7), TEST_ENTRY(on_size_8)};
static const zactor_actor_type checker_type =
    TEST_ACTOR_TYPE(name("test.Checker"), state(Checker), slot(BlobSlot),
                    handlers(checker_handlers), on_start(checker_on_start));

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    zactor_system *sys = start_system((unsigned)atoi(argv[1]));
    zactor_ref to = zactor_spawn(sys, &checker_type, NULL);
    CHECK(!zactor_ref_is_null(to));
    unsigned char *buf = malloc(sizes[SIZE_COUNT - 1]);
    CHECK(buf != NULL);
    uint64_t rounds = scaled(2000);
    for (uint64_t seq = 0; seq < rounds; seq++) {
        for (uint32_t i = 0; i < SIZE_COUNT; i++) {
            if (sizes[i] >= 100000 && seq % 10 != 0)
                continue; /* keep the big ones rarer */
            fill(buf, sizes[i], seq / (sizes[i] >= 100000 ? 10 : 1));
            CHECK_EQ(zactor_send(to, &checker_type, i, buf, sizes[i]), 0);
        }
        /* The caller's buffer may be reused at once: scribble on it. */
        memset(buf, 0xAB, sizes[SIZE_COUNT - 1]);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK(checker != NULL);
    CHECK_EQ(checker->bad, 0);
    uint64_t big = (rounds + 9) / 10;
    CHECK_EQ(checker->received, rounds * (SIZE_COUNT - 1) + big);
    for (uint32_t i = 0; i + 1 < SIZE_COUNT; i++)
        CHECK_EQ(checker->next_seq[i], rounds);
    CHECK_EQ(checker->next_seq[SIZE_COUNT - 1], big);
    free(buf);
    zactor_system_destroy(sys);
    return 0;
}
