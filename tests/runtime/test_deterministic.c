/* Deterministic mode: with the same seed, the same handlers run in the same
 * order (a recorded trace is identical); another seed gives another order
 * but the same final result. Everything is sent from handlers: one root
 * actor spawns the others from `on start`. */
#include <stddef.h>
#include <string.h>

#include "rt_test.h"

#define PLAYERS 8
#define TRACE_MAX 20000

typedef struct Hit {
    uint32_t hops_left;
} Hit;

typedef struct Roster {
    zactor_ref players[PLAYERS];
} Roster;

TEST_SLOT(PlayerSlot, Hit hit;);

typedef struct Player {
    uint32_t id;
    uint64_t rng;
    uint64_t hits;
    zactor_ref players[PLAYERS];
} Player;

static uint32_t trace[TRACE_MAX];
static size_t trace_length;
static uint64_t total_hits;
static const zactor_actor_type player_type;

static void record(uint32_t event)
{
    if (trace_length < TRACE_MAX)
        trace[trace_length++] = event;
}

static void player_on_hit(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    Player *player = self;
    const Hit *hit = msg;
    player->hits++;
    total_hits++;
    record(player->id << 16 | (hit->hops_left & 0xFFFF));
    if (hit->hops_left == 0)
        return;
    /* The player's choices depend only on its own state, not on timing. */
    player->rng = player->rng * 6364136223846793005u + 1442695040888963407u;
    Hit next = {hit->hops_left - 1};
    zactor_ref to = player->players[(player->rng >> 33) % PLAYERS];
    CHECK_EQ(zactor_send(to, &player_type, 0, &next, sizeof next), 0);
}

static void player_on_roster(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    memcpy(((Player *)self)->players, ((const Roster *)msg)->players,
           sizeof(((Player *)self)->players));
}

static const zactor_handler_entry player_handlers[] = {TEST_ENTRY(player_on_hit),
                                                       TEST_ENTRY(player_on_roster)};
static const zactor_actor_type player_type =
    TEST_ACTOR_TYPE(name("test.Player"), state(Player), slot(PlayerSlot),
                    handlers(player_handlers));

/* Root: spawns the players, hands out the roster, serves several balls. */
typedef struct Root {
    char unused;
} Root;

static void root_on_start(void *self, zactor_ctx *ctx)
{
    (void)self;
    Roster roster;
    for (uint32_t i = 0; i < PLAYERS; i++) {
        Player init = {i, 0x12345u + i, 0, {{NULL, 0}}};
        roster.players[i] = zactor_spawn(zactor_ctx_system(ctx), &player_type, &init);
        CHECK(!zactor_ref_is_null(roster.players[i]));
    }
    for (uint32_t i = 0; i < PLAYERS; i++)
        CHECK_EQ(zactor_send(roster.players[i], &player_type, 1, &roster, sizeof roster), 0);
    for (uint32_t ball = 0; ball < 4; ball++) {
        Hit hit = {500};
        CHECK_EQ(zactor_send(roster.players[ball], &player_type, 0, &hit, sizeof hit), 0);
    }
}

static const zactor_actor_type root_type =
    TEST_ACTOR_TYPE(name("test.Root"), state(Root), slot(PlayerSlot), handlers(player_handlers),
                    on_start(root_on_start));

/* Runs the game under a seed; copies its trace into out. */
static size_t play(uint64_t seed, uint32_t *out)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = 4; /* ignored: deterministic mode runs one worker */
    cfg.deterministic_seed = seed;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    CHECK_EQ(zactor_system_workers(sys), 1);
    trace_length = 0;
    total_hits = 0;
    CHECK(!zactor_ref_is_null(zactor_spawn(sys, &root_type, NULL)));
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(total_hits, 4 * 501);
    memcpy(out, trace, trace_length * sizeof *trace);
    zactor_system_destroy(sys);
    return trace_length;
}

static uint32_t first[TRACE_MAX], again[TRACE_MAX], other[TRACE_MAX];

int main(void)
{
    size_t n1 = play(42, first);
    size_t n2 = play(42, again);
    size_t n3 = play(7, other);
    CHECK_EQ(n1, 4 * 501);
    CHECK_EQ(n2, n1);
    CHECK_EQ(n3, n1);
    CHECK(memcmp(first, again, n1 * sizeof *first) == 0);
    CHECK(memcmp(first, other, n1 * sizeof *first) != 0);
    return 0;
}
