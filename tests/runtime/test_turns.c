/* Turns, counted: exact histogram buckets for turns of known size, no turn
 * above the batch maximum and busy actors taking turns (round robin), dead
 * letters kept out of the handled count, nothing starving behind a
 * ping-pong pair in the LIFO slot (one worker: deque and inject queue),
 * zactor_system_wait returning ZACTOR_ESTOPPED on a busy system, and not
 * returning while actors woken from a handler still run.
 * Counts only: no assertion on time; a watchdog turns a hang into a
 * failure. One case per run: test_turns <case>. */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "rt_test.h"

typedef struct Small {
    uint64_t seq;
} Small;
TEST_SLOT(PlainSlot, Small small;);

enum { TAG_MSG, TAG_HOLD, TAG_FEED };

/* ------------------------------------------------------------------ */
/* A gate actor holds the only worker while the test queues messages. */

static test_gate gate;

static void on_hold(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    test_gate_hold(&gate);
}

/* Sinks: count their messages; stop_at > 0 stops the actor after that many. */
typedef struct Sink {
    uint64_t handled;
    uint64_t stop_at;
} Sink;

/* Runs of consecutive messages of one sink (one worker: a run is a turn
 * when two sinks alternate). Touched only by the one worker. */
static zactor_ref feed_a, feed_b;
static uint64_t feed_count; /* messages per sink in the round robin case */
static const void *run_last;
static uint64_t run_length, run_max, run_switches, sinks_finished;
/* The next sink to handle a message stops after this many (0: never). */
static uint64_t stop_at_next;

static void on_msg(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)msg;
    Sink *sink = self;
    if (sink->handled == 0 && stop_at_next) {
        sink->stop_at = stop_at_next;
        stop_at_next = 0;
    }
    sink->handled++;
    if (self == run_last) {
        run_length++;
    } else {
        run_last = self;
        run_length = 1;
        run_switches++;
    }
    /* Once a sink is done the other's remaining messages run back to
     * back, over several turns: only runs while both have work count. */
    if (run_length > run_max && sinks_finished == 0)
        run_max = run_length;
    if (feed_count && sink->handled == feed_count)
        sinks_finished++;
    if (sink->stop_at && sink->handled == sink->stop_at)
        zactor_stop(ctx);
}

/* Floods two sinks from a handler on the one worker: the first send puts
 * the first sink in the LIFO slot, the second moves it to the deque and
 * takes the slot; both then run as busy actors of this worker's deque. */
static const zactor_actor_type sink_type;

static void on_feed(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    Small small = {0};
    for (uint64_t i = 0; i < feed_count; i++) {
        small.seq = i;
        CHECK_EQ(zactor_send(feed_a, &sink_type, TAG_MSG, &small, sizeof small), 0);
        CHECK_EQ(zactor_send(feed_b, &sink_type, TAG_MSG, &small, sizeof small), 0);
    }
}

static const zactor_handler_entry sink_handlers[] = {TEST_ENTRY(on_msg), TEST_ENTRY(on_hold),
                                                     TEST_ENTRY(on_feed)};
static const zactor_actor_type sink_type =
    TEST_ACTOR_TYPE(name("test.TurnSink"), state(Sink), slot(PlainSlot), handlers(sink_handlers));

static void send_n(zactor_ref to, uint32_t tag, uint64_t n)
{
    Small small = {0};
    for (uint64_t i = 0; i < n; i++) {
        small.seq = i;
        CHECK_EQ(zactor_send(to, &sink_type, tag, &small, sizeof small), 0);
    }
}

static void read_stats(zactor_system *sys, zactor_stats *stats)
{
    zactor_worker_stats workers[8];
    CHECK_EQ(zactor_stats_read(sys, stats, workers, 8), 0);
}

/* Holds the one worker, queues what queue() sends, lets it go. */
static void held(zactor_system *sys, zactor_ref holder, void (*queue)(void *), void *arg)
{
    test_gate_close(&gate);
    send_n(holder, TAG_HOLD, 1);
    test_gate_wait_held(&gate);
    queue(arg);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
}

static unsigned bit_length(uint64_t n)
{
    unsigned bits = 0;
    while (n) {
        bits++;
        n >>= 1;
    }
    return bits;
}

typedef struct Queue {
    zactor_ref to;
    uint64_t n;
    zactor_ref to2;
    uint64_t n2;
} Queue;

static void queue_n(void *arg)
{
    Queue *q = arg;
    send_n(q->to, TAG_MSG, q->n);
    if (q->n2)
        send_n(q->to2, TAG_MSG, q->n2);
}

/* A turn of n messages lands in bucket bit_length(n): the holder's turn of
 * 1 and the sink's turn of n (n <= the first turn's limit, 64). */
static void case_buckets(void)
{
    static const uint64_t sizes[] = {1, 2, 3, 4, 7, 8, 31, 32, 63, 64};
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        zactor_system *sys = start_system(1);
        zactor_ref holder = zactor_spawn(sys, &sink_type, NULL);
        zactor_ref sink = zactor_spawn(sys, &sink_type, NULL);
        CHECK(!zactor_ref_is_null(holder) && !zactor_ref_is_null(sink));
        CHECK_EQ(zactor_system_wait(sys), 0);
        zactor_stats before, after;
        read_stats(sys, &before);
        Queue q = {sink, n, {0}, 0};
        held(sys, holder, queue_n, &q);
        read_stats(sys, &after);
        CHECK_EQ(after.messages - before.messages, n + 1);
        uint64_t expect[ZACTOR_STATS_BATCH_BUCKETS] = {0};
        expect[1]++;
        expect[bit_length(n)]++;
        /* Bucket 0 (empty turns) is not controlled; every other is exact. */
        for (unsigned b = 1; b < ZACTOR_STATS_BATCH_BUCKETS; b++) {
            if (after.batches[b] - before.batches[b] != expect[b])
                fprintf(stderr, "turn of %llu: bucket %u\n", (unsigned long long)n, b);
            CHECK_EQ(after.batches[b] - before.batches[b], expect[b]);
        }
        zactor_system_destroy(sys);
    }
}

/* Two sinks flooded by a feeder's handler (so both wait in the worker's
 * deque, not in the inject queue): no turn handles more than 1024 (the
 * batch maximum) and they alternate (round robin: a requeued busy actor
 * goes behind the other, so each run of one sink's messages is one of its
 * turns). */
static void case_round_robin(void)
{
    const uint64_t per_sink = scaled(60000);
    zactor_system *sys = start_system(1);
    zactor_ref feeder = zactor_spawn(sys, &sink_type, NULL);
    feed_a = zactor_spawn(sys, &sink_type, NULL);
    feed_b = zactor_spawn(sys, &sink_type, NULL);
    feed_count = per_sink;
    CHECK_EQ(zactor_system_wait(sys), 0);
    zactor_stats before, after;
    read_stats(sys, &before);
    run_last = NULL;
    run_max = run_switches = sinks_finished = 0;
    send_n(feeder, TAG_FEED, 1);
    CHECK_EQ(zactor_system_wait(sys), 0);
    read_stats(sys, &after);
    CHECK_EQ(after.messages - before.messages, 2 * per_sink + 1);
    /* The histogram's last bucket holds 1024 and up: it cannot tell a turn
     * of 1024 from a longer one; the runs can. */
    fprintf(stderr, "round robin: longest run %llu, switches %llu\n", (unsigned long long)run_max,
            (unsigned long long)run_switches);
    CHECK(run_max <= 1024);
    /* The sinks alternate (how often depends on their adaptive limits). */
    CHECK(run_switches > 2);
    zactor_system_destroy(sys);
}

/* An actor stopped with messages queued: the handled count in the stats
 * is what its handler saw (plus the holder's 1), the rest are dead letters. */
static void case_dead_not_handled(void)
{
    enum { QUEUED = 40, STOP_AT = 5 };
    zactor_system *sys = start_system(1);
    zactor_ref holder = zactor_spawn(sys, &sink_type, NULL);
    zactor_ref sink = zactor_spawn(sys, &sink_type, NULL);
    CHECK_EQ(zactor_system_wait(sys), 0);
    /* The sink's stop_at is set by its first message: see on_msg. */
    zactor_stats before, after;
    read_stats(sys, &before);
    Queue q = {sink, QUEUED, {0}, 0};
    stop_at_next = STOP_AT;
    held(sys, holder, queue_n, &q);
    read_stats(sys, &after);
    CHECK_EQ(after.dead_letters - before.dead_letters, QUEUED - STOP_AT);
    CHECK_EQ(after.messages - before.messages, STOP_AT + 1);
    zactor_system_destroy(sys);
}

/* ------------------------------------------------------------------ */
/* Starvation behind a ping-pong pair, one worker. A and B send each
 * other a ball (each send puts the partner in the LIFO slot); C, the
 * witness, waits in the deque (sent from A's handler before A's send to B
 * displaces it from the slot) or in the inject queue (sent from outside).
 * Policy: every 31 picks the deque's oldest entry goes first, every 61
 * the inject queue: C runs within about 31 round trips. Bound: 1000. */

enum { TAG_BALL, TAG_WITNESS };
enum { STARVE_BOUND = 1000, DEQUE_AT = 1000 };

static const zactor_actor_type player_type;
static zactor_ref player_a, player_b, witness;
static _Atomic uint64_t rounds;         /* A's balls */
static _Atomic uint64_t baseline;       /* rounds when C was surely queued; 0: not yet */
static _Atomic uint64_t witness_rounds; /* rounds when C ran; 0: not yet */
static bool witness_from_handler;

static void on_ball(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    Small ball = *(const Small *)msg;
    zactor_ref me = zactor_self(ctx);
    bool is_a = me.cell == player_a.cell;
    if (is_a) {
        uint64_t r = atomic_fetch_add(&rounds, 1) + 1;
        if (atomic_load(&witness_rounds) != 0)
            return; /* C ran: the game ends */
        uint64_t base = atomic_load(&baseline);
        if (base && r - base > STARVE_BOUND) {
            fprintf(stderr, "starved: the witness waited %llu round trips\n",
                    (unsigned long long)(r - base));
            exit(1);
        }
        if (witness_from_handler && r == DEQUE_AT) {
            Small w = {r};
            CHECK_EQ(zactor_send(witness, &player_type, TAG_WITNESS, &w, sizeof w), 0);
            atomic_store(&baseline, r);
        }
    }
    ball.seq++;
    CHECK_EQ(zactor_send(is_a ? player_b : player_a, &player_type, TAG_BALL, &ball, sizeof ball),
             0);
}

static void on_witness(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    uint64_t r = atomic_load(&rounds);
    atomic_store(&witness_rounds, r ? r : 1);
}

static const zactor_handler_entry player_handlers[] = {TEST_ENTRY(on_ball), TEST_ENTRY(on_witness)};
static const zactor_actor_type player_type =
    TEST_ACTOR_TYPE(name("test.Player"), state(Sink), slot(PlainSlot), handlers(player_handlers));

static void starve(bool from_handler)
{
    zactor_system *sys = start_system(1);
    player_a = zactor_spawn(sys, &player_type, NULL);
    player_b = zactor_spawn(sys, &player_type, NULL);
    witness = zactor_spawn(sys, &player_type, NULL);
    CHECK_EQ(zactor_system_wait(sys), 0);
    atomic_store(&rounds, 0);
    atomic_store(&baseline, 0);
    atomic_store(&witness_rounds, 0);
    witness_from_handler = from_handler;
    Small ball = {0};
    CHECK_EQ(zactor_send(player_a, &player_type, TAG_BALL, &ball, sizeof ball), 0);
    if (!from_handler) {
        while (atomic_load(&rounds) < 1000)
            sleep_ms(1);
        Small w = {0};
        CHECK_EQ(zactor_send(witness, &player_type, TAG_WITNESS, &w, sizeof w), 0);
        /* Read after the send: C is in the inject queue (or done). */
        uint64_t base = atomic_load(&rounds);
        atomic_store(&baseline, base);
    }
    CHECK_EQ(zactor_system_wait(sys), 0);
    uint64_t ran = atomic_load(&witness_rounds);
    CHECK(ran != 0);
    fprintf(stderr, "witness (%s) ran %lld round trips after it was queued\n",
            from_handler ? "deque" : "inject", (long long)ran - (long long)atomic_load(&baseline));
    CHECK(ran <= atomic_load(&baseline) + STARVE_BOUND);
    zactor_system_destroy(sys);
}

/* ------------------------------------------------------------------ */
/* zactor_system_wait on a system that is never quiescent (an actor sends
 * itself messages forever) returns ZACTOR_ESTOPPED once another thread, or
 * a handler, calls zactor_system_stop. A watchdog fails the test after 10 s. */

static const zactor_actor_type busy_type;
static _Atomic uint64_t busy_handled;
static atomic_bool stop_from_handler;
static atomic_bool waiting, wait_done;
static int wait_result;

static void on_busy(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    atomic_fetch_add(&busy_handled, 1);
    if (atomic_load(&stop_from_handler)) {
        atomic_store(&stop_from_handler, false);
        zactor_system_stop(zactor_ctx_system(ctx));
    }
    /* ESTOPPED once stopping. */
    (void)zactor_send(zactor_self(ctx), &busy_type, TAG_MSG, msg, sizeof(Small));
}

static const zactor_handler_entry busy_handlers[] = {TEST_ENTRY(on_busy), TEST_ENTRY(on_busy)};
static const zactor_actor_type busy_type =
    TEST_ACTOR_TYPE(name("test.Busy"), state(Sink), slot(PlainSlot), handlers(busy_handlers));

static void *waiter_main(void *arg)
{
    atomic_store(&waiting, true);
    wait_result = zactor_system_wait(arg);
    atomic_store(&wait_done, true);
    return NULL;
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < 10000 && !atomic_load(&wait_done); i++)
        sleep_ms(1);
    if (!atomic_load(&wait_done)) {
        fprintf(stderr, "zactor_system_wait did not return 10 s after zactor_system_stop\n");
        _exit(1);
    }
    return NULL;
}

static void case_stop_wakes_wait(void)
{
    for (int from_handler = 0; from_handler < 2; from_handler++) {
        zactor_system *sys = start_system(2);
        zactor_ref busy = zactor_spawn(sys, &busy_type, NULL);
        CHECK(!zactor_ref_is_null(busy));
        atomic_store(&busy_handled, 0);
        atomic_store(&waiting, false);
        atomic_store(&wait_done, false);
        /* Four messages in flight, each handled one sending the next: after
         * the stop (sends fail) three at least stay queued, so the system
         * never becomes quiescent and only the stop can end the wait. */
        Small small = {0};
        for (int i = 0; i < 4; i++)
            CHECK_EQ(zactor_send(busy, &busy_type, TAG_MSG, &small, sizeof small), 0);
        pthread_t waiter, watchdog;
        CHECK_EQ(pthread_create(&waiter, NULL, waiter_main, sys), 0);
        while (!atomic_load(&waiting) || atomic_load(&busy_handled) < 1000)
            sleep_ms(1);
        /* Give the waiter time to block (not asserted: a waiter that has
         * not blocked yet must see the stop too). */
        sleep_ms(50);
        CHECK(!atomic_load(&wait_done));
        if (from_handler)
            atomic_store(&stop_from_handler, true);
        else
            zactor_system_stop(sys);
        CHECK_EQ(pthread_create(&watchdog, NULL, watchdog_main, NULL), 0);
        CHECK_EQ(pthread_join(waiter, NULL), 0);
        CHECK_EQ(pthread_join(watchdog, NULL), 0);
        CHECK_EQ(wait_result, ZACTOR_ESTOPPED);
        zactor_system_destroy(sys);
    }
}

/* ------------------------------------------------------------------ */
/* Quiescence with activations from a handler: the root, sent a message
 * from outside, sends to two idle leaves from its handler (two workers:
 * the first leaf leaves the LIFO slot for the deque, where the other
 * worker steals it) and keeps running until the first leaf is done and a
 * while longer. zactor_system_wait must not return before the root and
 * both leaves are done: a worker that counts an activation against idle
 * turns it never had (`active` below the true count) lets the other
 * worker's flush bring `active` to 0 while the root still runs. The
 * root's pauses are bounded so that a correct runtime only waits. */

enum { TAG_ROOT, TAG_LEAF };
static const zactor_actor_type fan_type;
static zactor_ref fan_leaves[2];
static atomic_bool leaf_done[2], root_done, wait_returned;

static void on_root(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    for (uint64_t i = 0; i < 2; i++) {
        Small small = {i};
        CHECK_EQ(zactor_send(fan_leaves[i], &fan_type, TAG_LEAF, &small, sizeof small), 0);
    }
    double until = now_seconds() + 2.0;
    while (!atomic_load(&leaf_done[0]) && now_seconds() < until)
        sleep_ms(1);
    until = now_seconds() + 0.2;
    while (!atomic_load(&wait_returned) && now_seconds() < until)
        sleep_ms(1);
    atomic_store(&root_done, true);
}

static void on_leaf(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    atomic_store(&leaf_done[((const Small *)msg)->seq], true);
}

static const zactor_handler_entry fan_handlers[] = {TEST_ENTRY(on_root), TEST_ENTRY(on_leaf)};
static const zactor_actor_type fan_type =
    TEST_ACTOR_TYPE(name("test.Fan"), state(Sink), slot(PlainSlot), handlers(fan_handlers));

static void case_fanout_quiescence(void)
{
    for (unsigned round = 0; round < 3; round++) {
        zactor_system *sys = start_system(2);
        zactor_ref root = zactor_spawn(sys, &fan_type, NULL);
        fan_leaves[0] = zactor_spawn(sys, &fan_type, NULL);
        fan_leaves[1] = zactor_spawn(sys, &fan_type, NULL);
        CHECK_EQ(zactor_system_wait(sys), 0);
        atomic_store(&leaf_done[0], false);
        atomic_store(&leaf_done[1], false);
        atomic_store(&root_done, false);
        atomic_store(&wait_returned, false);
        Small small = {0};
        CHECK_EQ(zactor_send(root, &fan_type, TAG_ROOT, &small, sizeof small), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
        atomic_store(&wait_returned, true);
        CHECK(atomic_load(&root_done));
        CHECK(atomic_load(&leaf_done[0]));
        CHECK(atomic_load(&leaf_done[1]));
        zactor_system_destroy(sys);
    }
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "";
    if (!strcmp(which, "buckets"))
        case_buckets();
    else if (!strcmp(which, "round_robin"))
        case_round_robin();
    else if (!strcmp(which, "dead"))
        case_dead_not_handled();
    else if (!strcmp(which, "starve_deque"))
        starve(true);
    else if (!strcmp(which, "starve_inject"))
        starve(false);
    else if (!strcmp(which, "stop_wait"))
        case_stop_wakes_wait();
    else if (!strcmp(which, "fanout"))
        case_fanout_quiescence();
    else {
        fprintf(stderr, "usage: test_turns "
                        "buckets|round_robin|dead|starve_deque|starve_inject|stop_wait|fanout\n");
        return 2;
    }
    printf("turns %s: ok\n", which);
    return 0;
}
