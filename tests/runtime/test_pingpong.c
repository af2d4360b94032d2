/* Ping-pong: two actors, one message in flight, N round trips. Checks the
 * count and the sequence, and prints the round-trip rate. */
#include <stdatomic.h>
#include <stddef.h>

#include "rt_test.h"

typedef struct Ball {
    uint64_t seq;
    zactor_ref reply_to;
} Ball;
TEST_SLOT(BallSlot, Ball ball;);

typedef struct Player {
    zactor_ref peer;
    uint64_t expected;
    uint64_t remaining;
    uint64_t errors;
} Player;

static const zactor_actor_type player_type;
static Player *pinger;
static atomic_int send_failures;

static void serve(zactor_ref to, zactor_ctx *ctx, uint64_t seq)
{
    Ball ball = {seq, zactor_self(ctx)};
    if (zactor_send(to, &player_type, 0, &ball, sizeof ball) != 0)
        atomic_fetch_add(&send_failures, 1);
}

static void player_on_start(void *self, zactor_ctx *ctx)
{
    Player *player = self;
    if (player->remaining == 0)
        return; /* the ponger */
    pinger = player;
    serve(player->peer, ctx, player->expected);
}

static void player_on_ball(void *self, zactor_ctx *ctx, const void *msg)
{
    Player *player = self;
    const Ball *ball = msg;
    if (player->remaining == 0) { /* ponger: bounce it back */
        serve(ball->reply_to, ctx, ball->seq);
        return;
    }
    if (ball->seq != player->expected)
        player->errors++;
    player->expected++;
    if (--player->remaining > 0)
        serve(player->peer, ctx, player->expected);
}

static const zactor_handler_entry player_handlers[] = {TEST_ENTRY(player_on_ball)};
static const zactor_actor_type player_type =
    TEST_ACTOR_TYPE(name("test.Player"), state(Player), slot(BallSlot), handlers(player_handlers),
                    on_start(player_on_start));

int main(int argc, char **argv)
{
    unsigned workers = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
    uint64_t trips = argc > 2 ? strtoull(argv[2], NULL, 10) : scaled(1000000);
    zactor_system *sys = start_system(workers);
    Player ponger_init = {{NULL, 0}, 0, 0, 0};
    zactor_ref ponger = zactor_spawn(sys, &player_type, &ponger_init);
    CHECK(!zactor_ref_is_null(ponger));
    CHECK_EQ(zactor_system_wait(sys), 0);
    double start = now_seconds();
    Player pinger_init = {ponger, 0, trips, 0};
    CHECK(!zactor_ref_is_null(zactor_spawn(sys, &player_type, &pinger_init)));
    CHECK_EQ(zactor_system_wait(sys), 0);
    double elapsed = now_seconds() - start;
    CHECK_EQ(atomic_load(&send_failures), 0);
    CHECK(pinger != NULL);
    CHECK_EQ(pinger->errors, 0);
    CHECK_EQ(pinger->expected, trips);
    printf("ping-pong, %u workers: %llu round trips in %.3f s = %.0f round trips/s\n",
           zactor_system_workers(sys), (unsigned long long)trips, elapsed, (double)trips / elapsed);
    zactor_system_destroy(sys);
    return 0;
}
