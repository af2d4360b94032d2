/* Zero-copy bytes through generated code (bytes.zidl):
 *   zero_copy   the handler sees the sender's buffer (same address, same
 *               contents), empty handles arrive empty, nothing leaks (LSan);
 *   retain      a handler that retains keeps the buffer past its return;
 *   dead        bytes of messages never handled are released: queued when
 *               the actor stopped, sent to a stopped actor, queued at
 *               destroy; the dead-letter hook hears of each. */
#include <stdatomic.h>
#include <string.h>

#include "bytes.zidl.h"
#include "rt_test.h"

#define PAYLOAD 4096u

static atomic_ullong blobs_seen, empties_seen, bad_blobs, checks_passed;
static test_gate gate;

void rt_Sink_on_Blob(rt_Sink *self, zactor_ctx *ctx, const rt_Blob *msg)
{
    (void)ctx;
    const unsigned char *data = zactor_bytes_data(msg->data);
    size_t size = zactor_bytes_size(msg->data);
    if (data == NULL) {
        self->empties++;
        atomic_fetch_add(&empties_seen, 1);
        if (size != 0 || msg->sender_data != 0)
            atomic_fetch_add(&bad_blobs, 1);
        return;
    }
    self->blobs++;
    atomic_fetch_add(&blobs_seen, 1);
    bool same = (uintptr_t)data == (uintptr_t)msg->sender_data && size == PAYLOAD &&
                ((uintptr_t)data % 64) == 0;
    for (size_t i = 0; same && i < size; i++)
        same = data[i] == (unsigned char)(i * 7u + (size_t)data[0]);
    if (!same)
        atomic_fetch_add(&bad_blobs, 1);
}

void rt_Sink_on_Keep(rt_Sink *self, zactor_ctx *ctx, const rt_Keep *msg)
{
    (void)ctx;
    zactor_bytes_release(self->kept);
    self->kept = zactor_bytes_retain(msg->data);
}

void rt_Sink_on_Check(rt_Sink *self, zactor_ctx *ctx, const rt_Check *msg)
{
    (void)ctx;
    const unsigned char *data = zactor_bytes_data(self->kept);
    bool ok = data != NULL && zactor_bytes_size(self->kept) == PAYLOAD;
    for (size_t i = 0; ok && i < PAYLOAD; i++)
        ok = data[i] == msg->expected;
    if (ok)
        atomic_fetch_add(&checks_passed, 1);
}

void rt_Sink_on_Hold(rt_Sink *self, zactor_ctx *ctx, const rt_Hold *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    test_gate_hold(&gate);
}

void rt_Sink_on_Quit(rt_Sink *self, zactor_ctx *ctx, const rt_Quit *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

void rt_Sink_on_stop(rt_Sink *self, zactor_ctx *ctx)
{
    (void)ctx;
    zactor_bytes_release(self->kept);
    self->kept.buffer = NULL;
}

/* A buffer of PAYLOAD bytes whose pattern starts at seed. */
static zactor_bytes patterned(unsigned char seed)
{
    zactor_bytes bytes;
    CHECK_EQ(zactor_bytes_alloc(PAYLOAD, &bytes), 0);
    unsigned char *data = zactor_bytes_data(bytes);
    for (size_t i = 0; i < PAYLOAD; i++)
        data[i] = (unsigned char)(i * 7u + seed);
    return bytes;
}

static void test_zero_copy(void)
{
    zactor_system *sys = start_system(2);
    rt_Sink_ref sink = rt_Sink_spawn(sys, NULL);
    CHECK(!zactor_ref_is_null(sink.raw));
    uint64_t n = scaled(2000);
    for (uint64_t i = 0; i < n; i++) {
        rt_Blob blob = RT_BLOB_INIT;
        blob.data = patterned((unsigned char)i);
        blob.sender_data = (uint64_t)(uintptr_t)zactor_bytes_data(blob.data);
        CHECK_EQ(rt_Sink_send_Blob(sink, &blob), 0);
        rt_Blob empty = RT_BLOB_INIT; /* the zero handle: an empty payload */
        CHECK_EQ(rt_Sink_send_Blob(sink, &empty), 0);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&blobs_seen), n);
    CHECK_EQ(atomic_load(&empties_seen), n);
    CHECK_EQ(atomic_load(&bad_blobs), 0);

    zactor_bytes none;
    CHECK_EQ(zactor_bytes_alloc(0, &none), 0);
    CHECK(none.buffer == NULL && zactor_bytes_data(none) == NULL && zactor_bytes_size(none) == 0);
    zactor_bytes_release(zactor_bytes_retain(none));
    CHECK_EQ(zactor_bytes_alloc(1, NULL), ZACTOR_EARG);
    zactor_bytes copy;
    CHECK_EQ(zactor_bytes_copy("abc", 3, &copy), 0);
    CHECK(memcmp(zactor_bytes_data(copy), "abc", 3) == 0 && zactor_bytes_size(copy) == 3);
    zactor_bytes_release(copy);
    zactor_system_destroy(sys);
}

static void test_retain(void)
{
    zactor_system *sys = start_system(2);
    rt_Sink_ref sink = rt_Sink_spawn(sys, NULL);
    for (unsigned round = 0; round < 50; round++) {
        rt_Keep keep;
        CHECK_EQ(zactor_bytes_alloc(PAYLOAD, &keep.data), 0);
        memset(zactor_bytes_data(keep.data), (int)round, PAYLOAD);
        CHECK_EQ(rt_Sink_send_Keep(sink, &keep), 0);
        /* By now the runtime may have released the Keep message's reference:
         * only the handler's retain keeps the buffer alive for Check. */
        CHECK_EQ(zactor_system_wait(sys), 0);
        CHECK_EQ(rt_Sink_send_Check(sink, &(rt_Check){(uint8_t)round}), 0);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&checks_passed), 50);
    zactor_system_destroy(sys); /* on stop releases the last kept buffer */
}

static atomic_ullong hooked;
static atomic_ullong hooked_wrong;

static void count_dead_letter(void *user, const char *actor_type_name, uint32_t message_type_id)
{
    CHECK(user == &hooked);
    if (strcmp(actor_type_name, "rt.Sink") != 0 || message_type_id != RT_BLOB_TYPE_ID)
        atomic_fetch_add(&hooked_wrong, 1);
    atomic_fetch_add(&hooked, 1);
}

static void hold(rt_Sink_ref sink)
{
    test_gate_close(&gate);
    CHECK_EQ(rt_Sink_send_Hold(sink, &(rt_Hold){0}), 0);
    test_gate_wait_held(&gate);
}

static void send_blobs(rt_Sink_ref sink, unsigned count, int expected)
{
    for (unsigned i = 0; i < count; i++) {
        rt_Blob blob = {patterned((unsigned char)i), 0};
        CHECK_EQ(rt_Sink_send_Blob(sink, &blob), expected);
    }
}

static void test_dead_letters(void)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = 1;
    cfg.dead_letter_hook = count_dead_letter;
    cfg.dead_letter_user = &hooked;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);

    /* Queued behind a Quit: handled never, released at the stop. */
    rt_Sink_ref sink = rt_Sink_spawn(sys, NULL);
    hold(sink);
    CHECK_EQ(rt_Sink_send_Quit(sink, &(rt_Quit){0}), 0);
    send_blobs(sink, 20, 0);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_system_dead_letters(sys), 20);
    CHECK_EQ(atomic_load(&hooked), 20);
    CHECK_EQ(atomic_load(&blobs_seen), 0);

    /* Sent to the stopped actor: refused, and the send still took the bytes. */
    send_blobs(sink, 5, ZACTOR_EDEAD);
    CHECK_EQ(zactor_system_dead_letters(sys), 20);

    /* Queued when the system is destroyed. */
    rt_Sink_ref late = rt_Sink_spawn(sys, NULL);
    hold(late);
    send_blobs(late, 7, 0);
    zactor_system_stop(sys);
    test_gate_open(&gate);
    zactor_system_destroy(sys);
    CHECK_EQ(atomic_load(&hooked), 27);
    CHECK_EQ(atomic_load(&hooked_wrong), 0);
    CHECK_EQ(atomic_load(&blobs_seen), 0);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    if (strcmp(argv[1], "zero_copy") == 0)
        test_zero_copy();
    else if (strcmp(argv[1], "retain") == 0)
        test_retain();
    else if (strcmp(argv[1], "dead") == 0)
        test_dead_letters();
    else
        CHECK(!"unknown case");
    return 0;
}
