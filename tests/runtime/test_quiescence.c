/* zactor_system_wait: returns 0 only after a long chain of messages has
 * completed and every `on start` ran (the handlers' plain writes are
 * visible afterwards); may be called again; sends and spawns after it work;
 * from inside a handler it returns ZACTOR_EDEADLK. */
#include <stdatomic.h>
#include <stddef.h>

#include "rt_test.h"

#define RING_SIZE 100

typedef struct Token {
    uint64_t hops_left;
} Token;

typedef struct Link {
    zactor_ref next;
} Link;

TEST_SLOT(HopSlot, Token token; Link link;);

typedef struct Hop {
    uint32_t index;
    bool started;
    zactor_ref next;
    uint64_t seen; /* plain: main reads it after wait */
    int wait_rc;
} Hop;

static Hop *registry[RING_SIZE + 1];
static const zactor_actor_type hop_type;
static atomic_int send_failures;

static void hop_on_start(void *self, zactor_ctx *ctx)
{
    (void)ctx;
    Hop *hop = self;
    sleep_ms(1); /* wait must cover an `on start` that is slow to run */
    hop->started = true;
    registry[hop->index] = hop;
}

static void hop_on_token(void *self, zactor_ctx *ctx, const void *msg)
{
    Hop *hop = self;
    const Token *token = msg;
    if (hop->seen++ == 0)
        hop->wait_rc = zactor_system_wait(zactor_ctx_system(ctx));
    if (token->hops_left == 0)
        return;
    Token next = {token->hops_left - 1};
    if (zactor_send(hop->next, &hop_type, 0, &next, sizeof next) != 0)
        atomic_fetch_add(&send_failures, 1);
}

static void hop_on_link(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    ((Hop *)self)->next = ((const Link *)msg)->next;
}

static const zactor_handler_entry hop_handlers[] = {TEST_ENTRY(hop_on_token),
                                                    TEST_ENTRY(hop_on_link)};
static const zactor_actor_type hop_type =
    TEST_ACTOR_TYPE(name("test.Hop"), state(Hop), slot(HopSlot), handlers(hop_handlers),
                    on_start(hop_on_start));

static uint64_t total_seen(unsigned count)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < count; i++)
        sum += registry[i]->seen;
    return sum;
}

static void send_token(zactor_ref to, uint64_t hops)
{
    Token token = {hops};
    CHECK_EQ(zactor_send(to, &hop_type, 0, &token, sizeof token), 0);
}

int main(void)
{
    /* Default worker count, pinned: exercises the hwloc paths too. */
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.pin_threads = true;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    CHECK(zactor_system_workers(sys) >= 1);
    zactor_ref refs[RING_SIZE];
    for (uint32_t i = 0; i < RING_SIZE; i++) {
        Hop init = {i, false, {NULL, 0}, 0, 0};
        refs[i] = zactor_spawn(sys, &hop_type, &init);
        CHECK(!zactor_ref_is_null(refs[i]));
    }
    for (uint32_t i = 0; i < RING_SIZE; i++) {
        Link link = {refs[(i + 1) % RING_SIZE]};
        CHECK_EQ(zactor_send(refs[i], &hop_type, 1, &link, sizeof link), 0);
    }
    /* Every `on start` ran, even the slow ones. */
    CHECK_EQ(zactor_system_wait(sys), 0);
    for (uint32_t i = 0; i < RING_SIZE; i++)
        CHECK(registry[i] && registry[i]->started);

    /* A long chain: one message in flight at a time, each sent by a handler. */
    uint64_t hops = scaled(200000);
    send_token(refs[0], hops - 1);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(total_seen(RING_SIZE), hops);
    for (uint32_t i = 0; i < RING_SIZE; i++)
        CHECK_EQ(registry[i]->wait_rc, ZACTOR_EDEADLK);

    /* Again, at once: nothing is running. */
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);

    /* Sends after wait work, and a second wait covers them. */
    send_token(refs[RING_SIZE / 2], 999);
    send_token(refs[0], 999);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(total_seen(RING_SIZE), hops + 2000);

    /* So do spawns. */
    Hop init = {RING_SIZE, false, refs[0], 0, 0};
    zactor_ref late = zactor_spawn(sys, &hop_type, &init);
    CHECK(!zactor_ref_is_null(late));
    send_token(late, 10);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK(registry[RING_SIZE]->started);
    CHECK_EQ(registry[RING_SIZE]->seen, 1);
    CHECK_EQ(total_seen(RING_SIZE), hops + 2000 + 10);

    CHECK_EQ(atomic_load(&send_failures), 0);
    zactor_system_destroy(sys);
    return 0;
}
