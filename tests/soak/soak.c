/*
 * soak: the runtime under a long, mixed load, with every message accounted
 * for (docs/reliability.md). Rounds of:
 *
 *   - three profiles, each fed by a thread of its own: SMALL sinks (1 M at
 *     scale 1) get a 64-byte message each, MEDIUM sinks (100 K) 1 KiB,
 *     LARGE sinks (10 K) a 10 KiB `bytes` buffer; about 1% of each profile
 *     is churned every round (half told to Quit before their message, half
 *     killed after it) and spawned again, and the ended refs are sent to
 *     once more next round, which must return ZACTOR_EDEAD;
 *   - asks to a sample of the small sinks, replies checked;
 *   - tickers arming one-shot and periodic timers, cancelling some;
 *   - a supervisor whose workers fail and stop and are started again;
 *   - a second node (this binary, `--role echo`, a child process over
 *     tcp://127.0.0.1) that answers pings with pongs and asks.
 *
 * After each round main waits for quiescence and checks, per kind, that
 * every message sent (the send returned 0) was handled or counted as a
 * dead letter. Every interval it prints a SAMPLE line with the RSS; at the
 * end RESULT lines and the RSS growth per hour after warm-up. Exits 1 on
 * any error or mismatch, 2 on a bad command line.
 *
 *   soak [--duration S] [--scale F] [--interval S] [--seed N] [--workers N]
 */
#define _GNU_SOURCE /* pipe2 */
#include "soak.zidl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "soak"
#define USAGE                                                                            \
    "usage: soak [--duration SECONDS] [--scale FACTOR] [--interval SECONDS] [--seed N] " \
    "[--workers N]"

#define FULL_SMALL 1000000.0
#define FULL_MEDIUM 100000.0
#define FULL_LARGE 10000.0
#define LARGE_BYTES 10240u
#define CHURN_PER_MILLE 10u
#define PROBES_PER_ROUND 64u
#define TICKERS 4u
#define ONESHOTS 8u
#define PERIODIC_FIRINGS 5u
#define PERIODIC_NS 1000000u
#define PERIODIC_TICK UINT32_MAX
#define WORKERS 8u
#define JOBS_PER_WORKER 16u
#define REMOTE_ASKS 16u
#define ASK_TIMEOUT_NS (UINT64_C(60) * 1000000000u)
#define SETUP_TIMEOUT_NS (UINT64_C(20) * 1000000000u)
#define PONG_WAIT_S 120
/* Longer than the default 800 ms: two loaded cores running both nodes and
 * three senders must not declare the other node down for a stall. */
#define DOWN_AFTER_MS 10000u
#define MAX_ERROR_LINES 20
#define MAX_SAMPLES 100000u

/* ------------------------------------------------------------------ */
/* Counters: per kind, per thread                                        */

enum kind { SMALL, MEDIUM, LARGE, QUIT, PROBE, TICK, JOB, PING, PONG, REMOTE_ASK, OTHER, KINDS };
static const char *const kind_names[KINDS] = {"small", "medium",     "large", "quit",
                                              "probe", "tick",       "job",   "ping",
                                              "pong",  "remote_ask", "other"};

/* SENT: the send returned 0 (for ticks, the firings due). HANDLED: a
 * handler ran. DEAD: the dead-letter hook named its type. REFUSED: the
 * send returned ZACTOR_EDEAD, where churn allows it. */
enum column { SENT, HANDLED, DEAD, REFUSED, COLUMNS };

/* Each thread counts into a block of its own (handlers run on every
 * worker: one shared counter would be a contended cache line per
 * message). Only its thread writes a block; readers sum every block. */
typedef struct counter_block {
    _Atomic uint64_t n[COLUMNS][KINDS];
    struct counter_block *next;
} counter_block;

static _Thread_local counter_block *thread_block;
static _Atomic(counter_block *) all_blocks;

static counter_block *my_block(void)
{
    counter_block *block = thread_block;
    if (block)
        return block;
    block = calloc(1, sizeof *block);
    if (!block) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        abort();
    }
    /* release: a reader that finds the block sees it zeroed. */
    block->next = atomic_load_explicit(&all_blocks, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&all_blocks, &block->next, block,
                                                  memory_order_release, memory_order_relaxed))
        ;
    thread_block = block;
    return block;
}

static void count(enum column column, enum kind kind, uint64_t by)
{
    _Atomic uint64_t *cell = &my_block()->n[column][kind];
    /* Only this thread writes the cell: a load and a store, no RMW. */
    atomic_store_explicit(cell, atomic_load_explicit(cell, memory_order_relaxed) + by,
                          memory_order_relaxed);
}

static uint64_t total(enum column column, enum kind kind)
{
    uint64_t sum = 0;
    for (counter_block *b = atomic_load_explicit(&all_blocks, memory_order_acquire); b; b = b->next)
        sum += atomic_load_explicit(&b->n[column][kind], memory_order_relaxed);
    return sum;
}

static void free_blocks(void)
{
    counter_block *b = atomic_exchange(&all_blocks, NULL);
    while (b) {
        counter_block *next = b->next;
        free(b);
        b = next;
    }
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */

static atomic_ullong errors;

static void soak_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void soak_error(const char *fmt, ...)
{
    unsigned long long n = atomic_fetch_add(&errors, 1) + 1;
    if (n > MAX_ERROR_LINES)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: ERROR %s\n", PROGRAM, line);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: a reproducible stream per thread from --seed. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * UINT64_C(2685821657736338717);
}

/* The kind of a dead letter, from its type id (the hook's argument). */
static void on_dead_letter(void *user, const char *actor_type_name, uint32_t type_id)
{
    (void)user;
    (void)actor_type_name;
    enum kind kind;
    switch (type_id) {
    case SOAK_SMALL_TYPE_ID:
        kind = SMALL;
        break;
    case SOAK_MEDIUM_TYPE_ID:
        kind = MEDIUM;
        break;
    case SOAK_LARGE_TYPE_ID:
        kind = LARGE;
        break;
    case SOAK_QUIT_TYPE_ID:
        kind = QUIT;
        break;
    case SOAK_PROBE_TYPE_ID:
        kind = PROBE;
        break;
    case SOAK_TICK_TYPE_ID:
        kind = TICK;
        break;
    case SOAK_JOB_TYPE_ID:
        kind = JOB;
        break;
    case SOAK_PING_TYPE_ID:
        kind = PING;
        break;
    case SOAK_PONG_TYPE_ID:
        kind = PONG;
        break;
    default:
        kind = OTHER;
        break;
    }
    count(DEAD, kind, 1);
}

/* ------------------------------------------------------------------ */
/* Sinks                                                                */

static uint64_t check_word(uint64_t seq, uint32_t index)
{
    return seq ^ ((uint64_t)index * UINT64_C(0x9e3779b97f4a7c15));
}

/* One sender per profile: each sink's seqs strictly increase. */
static void sink_take(uint64_t *last, uint32_t index, uint64_t seq, uint64_t check,
                      const char *what)
{
    if (seq <= *last || check != check_word(seq, index))
        soak_error("%s sink %u: seq %" PRIu64 " after %" PRIu64 ", check %s", what, index, seq,
                   *last, check == check_word(seq, index) ? "ok" : "wrong");
    *last = seq;
}

void soak_SmallSink_on_Small(soak_SmallSink *self, zactor_ctx *ctx, const soak_Small *msg)
{
    (void)ctx;
    sink_take(&self->last, self->index, msg->seq, msg->check, "small");
    count(HANDLED, SMALL, 1);
}

void soak_SmallSink_on_Quit(soak_SmallSink *self, zactor_ctx *ctx, const soak_Quit *msg)
{
    (void)self;
    (void)msg;
    count(HANDLED, QUIT, 1);
    zactor_stop(ctx);
}

void soak_SmallSink_on_Probe(soak_SmallSink *self, zactor_ctx *ctx, const soak_Probe *msg,
                             soak_ProbeReply *reply)
{
    (void)ctx;
    count(HANDLED, PROBE, 1);
    reply->value3 = msg->value * 3 + 1;
    reply->last = self->last;
    reply->index = self->index;
}

void soak_MediumSink_on_Medium(soak_MediumSink *self, zactor_ctx *ctx, const soak_Medium *msg)
{
    (void)ctx;
    sink_take(&self->last, self->index, msg->seq, msg->check, "medium");
    count(HANDLED, MEDIUM, 1);
}

void soak_MediumSink_on_Quit(soak_MediumSink *self, zactor_ctx *ctx, const soak_Quit *msg)
{
    (void)self;
    (void)msg;
    count(HANDLED, QUIT, 1);
    zactor_stop(ctx);
}

void soak_LargeSink_on_Large(soak_LargeSink *self, zactor_ctx *ctx, const soak_Large *msg)
{
    (void)ctx;
    const uint8_t *data = zactor_bytes_data(msg->payload);
    uint64_t first = 0, last = 0;
    if (zactor_bytes_size(msg->payload) != LARGE_BYTES || !data) {
        soak_error("large sink %u: payload of %zu bytes", self->index,
                   zactor_bytes_size(msg->payload));
    } else {
        memcpy(&first, data, sizeof first);
        memcpy(&last, data + LARGE_BYTES - sizeof last, sizeof last);
        if (first != msg->seq || last != ~msg->seq)
            soak_error("large sink %u: payload words do not match seq %" PRIu64, self->index,
                       msg->seq);
    }
    sink_take(&self->last, self->index, msg->seq, check_word(msg->seq, self->index), "large");
    count(HANDLED, LARGE, 1);
}

void soak_LargeSink_on_Quit(soak_LargeSink *self, zactor_ctx *ctx, const soak_Quit *msg)
{
    (void)self;
    (void)msg;
    count(HANDLED, QUIT, 1);
    zactor_stop(ctx);
}

/* ------------------------------------------------------------------ */
/* Profiles: one sender thread each                                     */

typedef struct profile {
    const char *name;
    enum kind kind;
    uint32_t count;
    zactor_system *sys;
    zactor_ref *refs;  /* the live sink of each index */
    zactor_ref *stale; /* last round's churned refs: sends must return EDEAD */
    uint32_t *churned; /* this round's churned indices */
    uint32_t churn;
    bool have_stale; /* stale[] holds last round's refs */
    uint32_t probes; /* asks per round (the small profile only) */
    uint64_t random;
    zactor_ref (*spawn)(zactor_system *sys, uint32_t index);
    int (*send)(zactor_ref to, uint64_t seq, uint32_t index);
    int (*quit)(zactor_ref to);
    uint64_t spawn_failures;
} profile;

static zactor_ref spawn_small(zactor_system *sys, uint32_t index)
{
    return soak_SmallSink_spawn(sys, &(soak_SmallSink){.index = index}).raw;
}

static zactor_ref spawn_medium(zactor_system *sys, uint32_t index)
{
    return soak_MediumSink_spawn(sys, &(soak_MediumSink){.index = index}).raw;
}

static zactor_ref spawn_large(zactor_system *sys, uint32_t index)
{
    return soak_LargeSink_spawn(sys, &(soak_LargeSink){.index = index}).raw;
}

static int send_small(zactor_ref to, uint64_t seq, uint32_t index)
{
    soak_Small msg = SOAK_SMALL_INIT;
    msg.seq = seq;
    msg.check = check_word(seq, index);
    return soak_SmallSink_send_Small((soak_SmallSink_ref){to}, &msg);
}

static int send_medium(zactor_ref to, uint64_t seq, uint32_t index)
{
    /* static: 1 KiB per call would be a large stack frame for nothing. */
    static _Thread_local soak_Medium msg;
    msg.seq = seq;
    msg.check = check_word(seq, index);
    return soak_MediumSink_send_Medium((soak_MediumSink_ref){to}, &msg);
}

static int send_large(zactor_ref to, uint64_t seq, uint32_t index)
{
    (void)index;
    soak_Large msg = SOAK_LARGE_INIT;
    int rc = zactor_bytes_alloc(LARGE_BYTES, &msg.payload);
    if (rc != 0)
        return rc;
    uint8_t *data = zactor_bytes_data(msg.payload);
    uint64_t last = ~seq;
    memcpy(data, &seq, sizeof seq);
    memcpy(data + LARGE_BYTES - sizeof last, &last, sizeof last);
    msg.seq = seq;
    return soak_LargeSink_send_Large((soak_LargeSink_ref){to}, &msg); /* takes the buffer */
}

static int quit_small(zactor_ref to)
{
    return soak_SmallSink_send_Quit((soak_SmallSink_ref){to}, &(soak_Quit){0});
}

static int quit_medium(zactor_ref to)
{
    return soak_MediumSink_send_Quit((soak_MediumSink_ref){to}, &(soak_Quit){0});
}

static int quit_large(zactor_ref to)
{
    return soak_LargeSink_send_Quit((soak_LargeSink_ref){to}, &(soak_Quit){0});
}

/* A send whose target may have ended this round (churn): 0 or EDEAD. */
static void count_churned_send(enum kind kind, int rc, const char *what)
{
    if (rc == 0)
        count(SENT, kind, 1);
    else if (rc == ZACTOR_EDEAD)
        count(REFUSED, kind, 1);
    else
        soak_error("%s: send to a churned sink: %s", what, zactor_err_name(rc));
}

/* An ask to small sink i after this round's Small: its reply must show
 * that Small handled (one sender: FIFO), unless the sink was churned. */
static void probe(profile *p, uint32_t i, uint64_t seq, bool churned)
{
    soak_ProbeReply reply;
    uint64_t value = seq * 1000003u + i;
    int rc = soak_SmallSink_ask_Probe((soak_SmallSink_ref){p->refs[i]}, &(soak_Probe){value},
                                      &reply, ASK_TIMEOUT_NS);
    if (rc == 0) {
        count(SENT, PROBE, 1);
        if (reply.value3 != value * 3 + 1 || reply.index != i || reply.last != seq)
            soak_error("probe of small sink %u: reply (%" PRIu64 ", %" PRIu64
                       ", %u) for value %" PRIu64 " in round %" PRIu64,
                       i, reply.value3, reply.last, reply.index, value, seq);
    } else if (rc == ZACTOR_EDEAD && churned) {
        count(REFUSED, PROBE, 1);
    } else {
        soak_error("probe of small sink %u: %s", i, zactor_err_name(rc));
    }
}

static void profile_round(profile *p, uint64_t seq)
{
    /* Last round's churned refs have ended (main waited for quiescence):
     * a send to one is refused, even if its cell holds a new actor. */
    for (uint32_t k = 0; p->have_stale && k < p->churn; k++) {
        int rc = p->send(p->stale[k], seq, p->churned[k]);
        if (rc != ZACTOR_EDEAD)
            soak_error("%s: send to an ended sink returned %s", p->name,
                       rc == 0 ? "0" : zactor_err_name(rc));
        if (rc == 0)
            count(SENT, p->kind, 1); /* it will show as handled or dead: say so too */
    }

    /* This round's churn: evenly spread from a random start, so distinct. */
    uint32_t start = (uint32_t)(next_random(&p->random) % p->count);
    uint32_t stride = p->count / p->churn;
    for (uint32_t k = 0; k < p->churn; k++)
        p->churned[k] = (start + k * stride) % p->count;
    /* The even ones are told to Quit before their message. */
    for (uint32_t k = 0; k < p->churn; k += 2) {
        int rc = p->quit(p->refs[p->churned[k]]);
        if (rc == 0)
            count(SENT, QUIT, 1);
        else
            soak_error("%s: Quit: %s", p->name, zactor_err_name(rc));
    }

    uint32_t probe_every = p->probes ? p->count / p->probes : 0;
    for (uint32_t i = 0; i < p->count; i++) {
        /* Is i churned this round? i is churned iff (i - start) mod count
         * is a multiple of stride below churn * stride. */
        uint32_t offset = (i + p->count - start) % p->count;
        bool churned = offset % stride == 0 && offset / stride < p->churn;
        int rc = p->send(p->refs[i], seq, i);
        if (churned) {
            count_churned_send(p->kind, rc, p->name);
            if ((offset / stride) % 2 == 1) {
                /* The odd ones are killed after their message. */
                int kr = zactor_kill(p->refs[i], 0);
                if (kr != 0)
                    soak_error("%s: kill of sink %u: %s", p->name, i, zactor_err_name(kr));
            }
        } else if (rc == 0) {
            count(SENT, p->kind, 1);
        } else {
            soak_error("%s: send to sink %u: %s", p->name, i, zactor_err_name(rc));
        }
        if (probe_every && i % probe_every == 0)
            probe(p, i, seq, churned);
    }

    /* New sinks in the churned places; the old refs are tried next round. */
    for (uint32_t k = 0; k < p->churn; k++) {
        uint32_t i = p->churned[k];
        p->stale[k] = p->refs[i];
        zactor_ref fresh = p->spawn(p->sys, i);
        if (zactor_ref_is_null(fresh)) {
            soak_error("%s: spawn: %s", p->name, zactor_err_name(zactor_ref_error(fresh)));
            p->spawn_failures++;
        }
        p->refs[i] = fresh;
    }
    p->have_stale = true;
}

/* ------------------------------------------------------------------ */
/* Timers                                                               */

/* A ticker's round, written by its handlers, read by main after wait. */
typedef struct ticker_book {
    uint32_t oneshots_armed;
    uint32_t oneshots_cancelled;
    uint32_t oneshots_fired;
    uint32_t periodic_target;
    uint32_t periodic_fired;
    bool periodic_cancelled;
    uint32_t cancelled_mask; /* the one-shots cancelled, by number */
    zactor_timer periodic;
} ticker_book;

void soak_Ticker_on_Arm(soak_Ticker *self, zactor_ctx *ctx, const soak_Arm *msg)
{
    ticker_book *book = self->book;
    soak_Ticker_ref me = {zactor_self(ctx)};
    *book = (ticker_book){.periodic_target = msg->periodic};
    int rc =
        soak_Ticker_send_Tick_every(me, &(soak_Tick){PERIODIC_TICK}, PERIODIC_NS, &book->periodic);
    if (rc != 0)
        soak_error("ticker: every: %s", zactor_err_name(rc));
    for (uint32_t n = 0; n < msg->oneshots && n < 32; n++) {
        zactor_timer timer;
        rc = soak_Ticker_send_Tick_after(me, &(soak_Tick){n}, (n % 4) * PERIODIC_NS / 2, &timer);
        if (rc != 0) {
            soak_error("ticker: after: %s", zactor_err_name(rc));
            continue;
        }
        book->oneshots_armed++;
        if (n % 2 == 1) {
            /* This handler is running, so no firing of ours can have been
             * taken for handling yet: the cancel must win. */
            rc = zactor_timer_cancel(timer);
            if (rc != 0)
                soak_error("ticker: cancel of a pending one-shot: %s", zactor_err_name(rc));
            book->oneshots_cancelled++;
            book->cancelled_mask |= UINT32_C(1) << n;
        }
    }
}

void soak_Ticker_on_Tick(soak_Ticker *self, zactor_ctx *ctx, const soak_Tick *msg)
{
    (void)ctx;
    ticker_book *book = self->book;
    count(HANDLED, TICK, 1);
    if (msg->n == PERIODIC_TICK) {
        if (book->periodic_cancelled)
            soak_error("ticker: a periodic firing after its cancel");
        if (++book->periodic_fired == book->periodic_target) {
            int rc = zactor_timer_cancel(book->periodic);
            if (rc != 0)
                soak_error("ticker: cancel of the periodic timer: %s", zactor_err_name(rc));
            book->periodic_cancelled = true;
        }
        return;
    }
    if (msg->n < 32 && (book->cancelled_mask & (UINT32_C(1) << msg->n)))
        soak_error("ticker: cancelled one-shot %u fired", msg->n);
    book->oneshots_fired++;
}

/* ------------------------------------------------------------------ */
/* Supervised workers                                                   */

static atomic_ullong worker_starts, worker_stops, worker_ends_asked;

void soak_Worker_on_start(soak_Worker *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    atomic_fetch_add(&worker_starts, 1);
}

void soak_Worker_on_stop(soak_Worker *self, zactor_ctx *ctx)
{
    (void)self;
    (void)ctx;
    atomic_fetch_add(&worker_stops, 1);
}

void soak_Worker_on_Job(soak_Worker *self, zactor_ctx *ctx, const soak_Job *msg)
{
    (void)self;
    count(HANDLED, JOB, 1);
    if (msg->action == 1) {
        atomic_fetch_add(&worker_ends_asked, 1);
        zactor_fail(ctx, 1);
    } else if (msg->action == 2) {
        atomic_fetch_add(&worker_ends_asked, 1);
        zactor_stop(ctx);
    }
}

static void supervised_round(zactor_system *sys, uint64_t seq)
{
    zactor_ref sup;
    int rc = zactor_name_lookup(sys, "supervisor", zactor_supervisor_type(), &sup);
    if (rc != 0)
        soak_error("the supervisor is gone: %s", zactor_err_name(rc));
    for (uint32_t w = 0; w < WORKERS; w++) {
        char name[32];
        snprintf(name, sizeof name, "worker.%u", w);
        soak_Worker_ref worker;
        /* After the last round's quiescence every restart is done. */
        rc = soak_Worker_lookup(sys, name, &worker);
        if (rc != 0) {
            soak_error("lookup of %s: %s", name, zactor_err_name(rc));
            continue;
        }
        uint8_t action = 0;
        uint32_t end_at = JOBS_PER_WORKER;
        if (w == seq % WORKERS) {
            action = 1;
            end_at = JOBS_PER_WORKER / 2;
        } else if (seq % 3 == 0 && w == (seq + WORKERS / 2) % WORKERS) {
            action = 2;
            end_at = JOBS_PER_WORKER - 4;
        }
        for (uint32_t j = 0; j < JOBS_PER_WORKER; j++) {
            soak_Job job = {.seq = seq, .action = j == end_at ? action : 0};
            rc = soak_Worker_send_Job(worker, &job);
            if (rc == 0)
                count(SENT, JOB, 1);
            else if (rc == ZACTOR_EDEAD && j > end_at)
                count(REFUSED, JOB, 1); /* it failed or stopped already */
            else
                soak_error("job to %s: %s", name, zactor_err_name(rc));
        }
    }
}

/* ------------------------------------------------------------------ */
/* The remote leg                                                       */

static uint64_t echo_pings, echo_pongs, echo_pong_errors, echo_adds;

void soak_Echo_on_Ping(soak_Echo *self, zactor_ctx *ctx, const soak_Ping *msg)
{
    (void)self;
    (void)ctx;
    echo_pings++; /* one echo actor: its handlers run one at a time */
    if (soak_Collector_send_Pong(msg->from, &(soak_Pong){msg->seq}) == 0)
        echo_pongs++;
    else
        echo_pong_errors++;
}

void soak_Echo_on_Add(soak_Echo *self, zactor_ctx *ctx, const soak_Add *msg, soak_Sum *reply)
{
    (void)self;
    (void)ctx;
    echo_adds++;
    reply->sum = msg->a + msg->b;
}

void soak_Echo_on_Count(soak_Echo *self, zactor_ctx *ctx, const soak_Count *msg, soak_Counts *reply)
{
    (void)self;
    (void)msg;
    reply->pings = echo_pings;
    reply->pongs = echo_pongs;
    reply->pong_errors = echo_pong_errors;
    reply->adds = echo_adds;
    reply->dead_letters = zactor_system_dead_letters(zactor_ctx_system(ctx));
}

void soak_Collector_on_Pong(soak_Collector *self, zactor_ctx *ctx, const soak_Pong *msg)
{
    (void)ctx;
    /* One echo answers main's pings in order: seqs strictly increase. */
    if (msg->seq <= self->last)
        soak_error("pong %" PRIu64 " after %" PRIu64, msg->seq, self->last);
    self->last = msg->seq;
    count(HANDLED, PONG, 1);
}

/* Set once main is done with the echo node: its going away is no error. */
static atomic_bool remote_closing;

/* "main" or "echo": which node this process is, for messages. */
static const char *node_role = "main";

static void node_hook(void *user, const zactor_node_event *event)
{
    (void)user;
    const char *role = node_role;
    if (event->kind == ZACTOR_NODE_UP ||
        (event->kind == ZACTOR_NODE_DOWN && atomic_load(&remote_closing)))
        return;
    soak_error("%s node: peer %s: event %d %s", role, event->peer, (int)event->kind, event->reason);
}

static zactor_system *system_start(unsigned workers, const char *node_name, const char *role)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = workers;
    cfg.dead_letter_hook = on_dead_letter;
    zactor_system *sys;
    int rc = zactor_system_start(&cfg, &sys);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: zactor_system_start: %s\n", PROGRAM, role, zactor_strerror(rc));
        exit(1);
    }
    zactor_node_config node;
    zactor_node_config_init(&node);
    node.name = node_name;
    node.down_after_ms = DOWN_AFTER_MS;
    node.hook = node_hook;
    node_role = role;
    rc = zactor_node_start(sys, &node);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: zactor_node_start: %s\n", PROGRAM, role, zactor_strerror(rc));
        exit(1);
    }
    return sys;
}

/* The second node: serves "echo" until its stdin closes. */
static int echo_main(unsigned workers)
{
    zactor_system *sys = system_start(workers, "soak-echo", "echo");
    soak_Echo_ref echo = soak_Echo_spawn(sys, NULL);
    int rc = zactor_ref_error(echo.raw);
    if (rc == 0)
        rc = soak_Echo_register(sys, "echo", echo);
    char bound[ZACTOR_NODE_ENDPOINT_MAX + 1];
    if (rc == 0)
        rc = zactor_node_listen(sys, "tcp://127.0.0.1:0", bound, sizeof bound);
    if (rc != 0) {
        fprintf(stderr, "%s: echo: %s\n", PROGRAM, zactor_strerror(rc));
        return 1;
    }
    printf("LISTEN %s\n", bound);
    fflush(stdout);
    char buf[64];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n > 0 || (n < 0 && errno == EINTR))
            continue;
        break; /* end of file: the main node is done (or gone) */
    }
    atomic_store(&remote_closing, true);
    zactor_system_destroy(sys);
    free_blocks();
    return atomic_load(&errors) == 0 ? 0 : 1;
}

typedef struct remote_leg {
    pid_t child;
    int to_child;
    soak_Echo_ref echo;
    soak_Collector_ref collector;
    uint64_t pings;
    uint64_t pings_per_round;
} remote_leg;

/* Starts this binary as the echo node and connects to it. */
static int remote_start(zactor_system *sys, remote_leg *leg, unsigned workers)
{
    int down[2], up[2];
    if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0)
        return -1;
    char workers_arg[16];
    snprintf(workers_arg, sizeof workers_arg, "%u", workers);
    pid_t child = fork();
    if (child < 0)
        return -1;
    if (child == 0) {
        dup2(down[0], STDIN_FILENO);
        dup2(up[1], STDOUT_FILENO);
        execl("/proc/self/exe", PROGRAM, "--role", "echo", "--workers", workers_arg, (char *)NULL);
        _exit(127);
    }
    close(down[0]);
    close(up[1]);
    leg->child = child;
    leg->to_child = down[1];
    FILE *from_child = fdopen(up[0], "r");
    char line[ZACTOR_NODE_ENDPOINT_MAX + 16], endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
    bool got = from_child && fgets(line, sizeof line, from_child) &&
               sscanf(line, "LISTEN %255s", endpoint) == 1;
    if (from_child)
        fclose(from_child);
    if (!got) {
        fprintf(stderr, "%s: the echo node did not start\n", PROGRAM);
        return -1;
    }
    int rc = zactor_node_connect(sys, endpoint, SETUP_TIMEOUT_NS, NULL, 0);
    if (rc == 0)
        rc = soak_Echo_lookup_remote(sys, "soak-echo", "echo", SETUP_TIMEOUT_NS, &leg->echo);
    if (rc != 0) {
        fprintf(stderr, "%s: the echo node: %s\n", PROGRAM, zactor_strerror(rc));
        return -1;
    }
    leg->collector = soak_Collector_spawn(sys, NULL);
    return zactor_ref_is_null(leg->collector.raw) ? -1 : 0;
}

static void remote_round(remote_leg *leg, uint64_t *random)
{
    for (uint64_t k = 0; k < leg->pings_per_round; k++) {
        soak_Ping ping = {.seq = leg->pings + 1, .from = leg->collector};
        int rc = soak_Echo_send_Ping(leg->echo, &ping);
        if (rc == 0) {
            leg->pings++;
            count(SENT, PING, 1);
        } else {
            soak_error("remote Ping: %s", zactor_err_name(rc));
        }
    }
    for (uint32_t k = 0; k < REMOTE_ASKS; k++) {
        soak_Add add = {next_random(random) >> 2, next_random(random) >> 2};
        soak_Sum sum;
        int rc = soak_Echo_ask_Add(leg->echo, &add, &sum, ASK_TIMEOUT_NS);
        if (rc == 0) {
            count(SENT, REMOTE_ASK, 1);
            count(HANDLED, REMOTE_ASK, 1);
            if (sum.sum != add.a + add.b)
                soak_error("remote Add: %" PRIu64 " + %" PRIu64 " = %" PRIu64, add.a, add.b,
                           sum.sum);
        } else {
            soak_error("remote Add: %s", zactor_err_name(rc));
        }
    }
}

/* zactor_system_wait does not cover the wire: wait for the pongs. */
static void remote_settle(const remote_leg *leg)
{
    uint64_t deadline = now_ns() + (uint64_t)PONG_WAIT_S * 1000000000u;
    while (total(HANDLED, PONG) < leg->pings && now_ns() < deadline) {
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    if (total(HANDLED, PONG) != leg->pings)
        soak_error("remote: %" PRIu64 " pongs for %" PRIu64 " pings", total(HANDLED, PONG),
                   leg->pings);
}

static int remote_finish(remote_leg *leg)
{
    soak_Counts counts;
    int rc = soak_Echo_ask_Count(leg->echo, &(soak_Count){0}, &counts, ASK_TIMEOUT_NS);
    if (rc != 0) {
        soak_error("remote Count: %s", zactor_err_name(rc));
    } else {
        printf("INFO echo node: pings=%" PRIu64 " pongs=%" PRIu64 " pong_errors=%" PRIu64
               " adds=%" PRIu64 " dead_letters=%" PRIu64 "\n",
               counts.pings, counts.pongs, counts.pong_errors, counts.adds, counts.dead_letters);
        if (counts.pings != total(SENT, PING) || counts.pongs != total(HANDLED, PONG) ||
            counts.pong_errors != 0 || counts.adds != total(HANDLED, REMOTE_ASK) ||
            counts.dead_letters != 0)
            soak_error("remote accounting: the echo node saw %" PRIu64 " pings (sent %" PRIu64
                       "), sent %" PRIu64 " pongs (handled %" PRIu64 "), %" PRIu64
                       " adds (asked %" PRIu64 ")",
                       counts.pings, total(SENT, PING), counts.pongs, total(HANDLED, PONG),
                       counts.adds, total(HANDLED, REMOTE_ASK));
    }
    atomic_store(&remote_closing, true);
    close(leg->to_child);
    int status = 0;
    if (waitpid(leg->child, &status, 0) != leg->child || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        soak_error("the echo node exited with status %d", status);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Accounting, RSS                                                      */

/* sent = handled + dead, per kind, at quiescence. */
static void check_accounting(const char *when)
{
    for (int k = 0; k < KINDS; k++) {
        /* Pings are handled and pongs sent on the echo node: remote_settle
         * and remote_finish check them. Asks are checked below. */
        if (k == PROBE || k == OTHER || k == PING || k == PONG || k == REMOTE_ASK)
            continue;
        uint64_t sent = total(SENT, (enum kind)k), handled = total(HANDLED, (enum kind)k),
                 dead = total(DEAD, (enum kind)k);
        if (sent != handled + dead)
            soak_error("%s: %s: sent %" PRIu64 " != handled %" PRIu64 " + dead letters %" PRIu64,
                       when, kind_names[k], sent, handled, dead);
    }
    /* An ask that returned 0 was handled; one that returned EDEAD was
     * refused or became a dead letter. */
    if (total(SENT, PROBE) != total(HANDLED, PROBE) || total(DEAD, PROBE) > total(REFUSED, PROBE))
        soak_error("%s: probe: %" PRIu64 " answered, %" PRIu64 " handled, %" PRIu64
                   " dead letters, %" PRIu64 " EDEAD",
                   when, total(SENT, PROBE), total(HANDLED, PROBE), total(DEAD, PROBE),
                   total(REFUSED, PROBE));
    if (total(DEAD, PING) != 0 || total(DEAD, PONG) != 0)
        soak_error("%s: remote dead letters on the main node", when);
}

/* A "Key: N kB" line of /proc/self/status, in KiB; 0 when missing. */
static uint64_t status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    uint64_t kib = 0;
    size_t len = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, len) && sscanf(line + len, " %" SCNu64, &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static uint64_t rss_bytes(void)
{
    return status_kib("VmRSS:") * 1024u;
}

/* Bytes the process holds from malloc (every arena, and the chunks malloc
 * mapped itself), to the byte: what a leak of the runtime's heap blocks
 * would add to, without RSS's page granularity and page-in noise. Taken
 * between rounds, when nothing is queued, it varies only with what the
 * runtime keeps for reuse (pool caches, rings). 0 without glibc. */
static uint64_t heap_in_use(void)
{
#ifdef __GLIBC__
    struct mallinfo2 info = mallinfo2();
    return (uint64_t)info.uordblks + (uint64_t)info.hblkhd;
#else
    return 0;
#endif
}

typedef struct sample {
    double t;    /* seconds since the start of the rounds */
    double rss;  /* MiB */
    double heap; /* bytes, heap_in_use */
} sample;

static uint64_t messages_so_far(void)
{
    uint64_t sum = 0;
    for (int k = 0; k < KINDS; k++)
        sum += total(HANDLED, (enum kind)k);
    return sum;
}

static uint64_t dead_letters_so_far(void)
{
    uint64_t sum = 0;
    for (int k = 0; k < KINDS; k++)
        sum += total(DEAD, (enum kind)k);
    return sum;
}

static void print_sample(const sample *s, uint64_t rounds)
{
    printf("SAMPLE t=%.1fs rss_mib=%.1f heap_bytes=%.0f rounds=%" PRIu64 " small=%" PRIu64
           " medium=%" PRIu64 " large=%" PRIu64 " probes=%" PRIu64 " ticks=%" PRIu64
           " jobs=%" PRIu64 " pings=%" PRIu64 " pongs=%" PRIu64 " remote_asks=%" PRIu64
           " dead=%" PRIu64 " errors=%llu\n",
           s->t, s->rss, s->heap, rounds, total(HANDLED, SMALL), total(HANDLED, MEDIUM),
           total(HANDLED, LARGE), total(HANDLED, PROBE), total(HANDLED, TICK), total(HANDLED, JOB),
           total(SENT, PING), total(HANDLED, PONG), total(HANDLED, REMOTE_ASK),
           dead_letters_so_far(), (unsigned long long)atomic_load(&errors));
    fflush(stdout);
}

static double sample_rss(const sample *s)
{
    return s->rss;
}

static double sample_heap(const sample *s)
{
    return s->heap;
}

/* Least-squares slope of value over t, per hour; 0 with < 2 samples. */
static double growth_per_hour(const sample *s, size_t n, double (*value)(const sample *))
{
    if (n < 2)
        return 0;
    double mt = 0, mv = 0;
    for (size_t i = 0; i < n; i++) {
        mt += s[i].t;
        mv += value(&s[i]);
    }
    mt /= (double)n;
    mv /= (double)n;
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += (s[i].t - mt) * (value(&s[i]) - mv);
        den += (s[i].t - mt) * (s[i].t - mt);
    }
    return den > 0 ? num / den * 3600.0 : 0;
}

/* ------------------------------------------------------------------ */
/* Main                                                                 */

typedef struct options {
    double duration, scale, interval;
    uint64_t seed;
    unsigned workers;
    bool echo_role;
} options;

static void usage_exit(const char *what)
{
    fprintf(stderr, "%s: %s\n%s\n", PROGRAM, what, USAGE);
    exit(2);
}

static double number_arg(const char *text, const char *name, double min)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= min))
        usage_exit(name);
    return v;
}

static options parse(int argc, char **argv)
{
    options o = {.duration = 60, .scale = 1, .interval = 60, .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage_exit("an option without its value");
        const char *v = argv[++i];
        if (!strcmp(a, "--duration"))
            o.duration = number_arg(v, "bad --duration", 0);
        else if (!strcmp(a, "--scale"))
            o.scale = number_arg(v, "bad --scale", 1e-6);
        else if (!strcmp(a, "--interval"))
            o.interval = number_arg(v, "bad --interval", 0.001);
        else if (!strcmp(a, "--seed"))
            o.seed = (uint64_t)number_arg(v, "bad --seed", 0);
        else if (!strcmp(a, "--workers"))
            o.workers = (unsigned)number_arg(v, "bad --workers", 0);
        else if (!strcmp(a, "--role") && !strcmp(v, "echo"))
            o.echo_role = true;
        else
            usage_exit("unknown option");
    }
    if (o.scale > 1000)
        usage_exit("--scale above 1000");
    return o;
}

static uint32_t scaled(double full, double scale, uint32_t min)
{
    double n = full * scale;
    return n < min ? min : (uint32_t)n;
}

static void profile_init(profile *p, zactor_system *sys, const char *name, enum kind kind,
                         uint32_t count, uint64_t seed)
{
    p->name = name;
    p->kind = kind;
    p->count = count;
    p->sys = sys;
    p->churn = count * CHURN_PER_MILLE / 1000;
    if (p->churn < 2)
        p->churn = 2;
    p->refs = calloc(count, sizeof *p->refs);
    p->stale = calloc(p->churn, sizeof *p->stale);
    p->churned = calloc(p->churn, sizeof *p->churned);
    p->random = seed | 1;
    if (!p->refs || !p->stale || !p->churned) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        exit(1);
    }
    for (uint32_t i = 0; i < count; i++) {
        p->refs[i] = p->spawn(sys, i);
        if (zactor_ref_is_null(p->refs[i])) {
            fprintf(stderr, "%s: spawn of %s sink %u: %s\n", PROGRAM, name, i,
                    zactor_strerror(zactor_ref_error(p->refs[i])));
            exit(1);
        }
    }
}

/* Rounds: main releases the profile threads at `start`, they meet it at
 * `done`; `stop` set before a start ends them. */
static pthread_barrier_t round_start, round_done;
static atomic_bool rounds_over;
static _Atomic uint64_t round_seq;

static void *profile_thread(void *arg)
{
    profile *p = arg;
    for (;;) {
        pthread_barrier_wait(&round_start);
        if (atomic_load(&rounds_over))
            return NULL;
        profile_round(p, atomic_load(&round_seq));
        pthread_barrier_wait(&round_done);
    }
}

int main(int argc, char **argv)
{
    options opt = parse(argc, argv);
    if (opt.echo_role)
        return echo_main(opt.workers);
    signal(SIGPIPE, SIG_IGN);

    uint64_t heap_before = heap_in_use();
    uint64_t t_setup = now_ns();
    zactor_system *sys = system_start(opt.workers, "soak-main", "main");
    profile profiles[3] = {
        {.spawn = spawn_small, .send = send_small, .quit = quit_small},
        {.spawn = spawn_medium, .send = send_medium, .quit = quit_medium},
        {.spawn = spawn_large, .send = send_large, .quit = quit_large},
    };
    profile_init(&profiles[0], sys, "small", SMALL, scaled(FULL_SMALL, opt.scale, 10),
                 opt.seed * 3 + 1);
    profile_init(&profiles[1], sys, "medium", MEDIUM, scaled(FULL_MEDIUM, opt.scale, 10),
                 opt.seed * 3 + 2);
    profile_init(&profiles[2], sys, "large", LARGE, scaled(FULL_LARGE, opt.scale, 10),
                 opt.seed * 3 + 3);
    profiles[0].probes = PROBES_PER_ROUND;

    ticker_book books[TICKERS];
    soak_Ticker_ref tickers[TICKERS];
    for (uint32_t t = 0; t < TICKERS; t++) {
        tickers[t] = soak_Ticker_spawn(sys, &(soak_Ticker){.book = &books[t]});
        if (zactor_ref_is_null(tickers[t].raw)) {
            fprintf(stderr, "%s: spawn of a ticker failed\n", PROGRAM);
            return 1;
        }
    }

    soak_Worker inits[WORKERS];
    zactor_child_spec children[WORKERS];
    char names[WORKERS][32];
    for (uint32_t w = 0; w < WORKERS; w++) {
        inits[w] = (soak_Worker){.index = w};
        snprintf(names[w], sizeof names[w], "worker.%u", w);
        children[w] = soak_Worker_child(names[w], &inits[w], ZACTOR_RESTART_PERMANENT);
    }
    /* One failure per round at most and rounds take far more than 1 ms:
     * 1000 restarts a second would only be a runaway. */
    zactor_supervisor_spec spec = {ZACTOR_ONE_FOR_ONE, 1000, UINT64_C(1000000000), children,
                                   WORKERS};
    zactor_ref sup;
    int rc = zactor_supervisor_start(sys, &spec, &sup);
    if (rc == 0)
        rc = zactor_name_register(sys, "supervisor", sup);
    if (rc != 0) {
        fprintf(stderr, "%s: supervisor: %s\n", PROGRAM, zactor_strerror(rc));
        return 1;
    }

    remote_leg leg = {.pings_per_round = scaled(10000, opt.scale, 100)};
    if (remote_start(sys, &leg, opt.workers) != 0) {
        fprintf(stderr, "%s: cannot start the echo node\n", PROGRAM);
        return 1;
    }
    if (zactor_system_wait(sys) != 0)
        return 1;
    printf("INFO setup: %u small, %u medium, %u large sinks, %u workers, %.1f s, rss %.1f MiB\n",
           profiles[0].count, profiles[1].count, profiles[2].count, zactor_system_workers(sys),
           (double)(now_ns() - t_setup) / 1e9, (double)rss_bytes() / 1048576.0);
    fflush(stdout);

    pthread_barrier_init(&round_start, NULL, 4);
    pthread_barrier_init(&round_done, NULL, 4);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++)
        if (pthread_create(&threads[i], NULL, profile_thread, &profiles[i]) != 0) {
            fprintf(stderr, "%s: pthread_create failed\n", PROGRAM);
            return 1;
        }

    sample *samples = calloc(MAX_SAMPLES, sizeof *samples);
    size_t nsamples = 0;
    uint64_t random = opt.seed * 7 + 5;
    uint64_t t0 = now_ns(), rounds = 0;
    double next_sample = 0;
    if (!samples)
        return 1;
    for (;;) {
        double elapsed = (double)(now_ns() - t0) / 1e9;
        if (elapsed >= next_sample && nsamples < MAX_SAMPLES) {
            samples[nsamples] =
                (sample){elapsed, (double)rss_bytes() / 1048576.0, (double)heap_in_use()};
            print_sample(&samples[nsamples], rounds);
            nsamples++;
            while (next_sample <= elapsed) /* rounds longer than the interval */
                next_sample += opt.interval;
        }
        if (elapsed >= opt.duration)
            break;
        uint64_t seq = ++rounds;
        atomic_store(&round_seq, seq);
        pthread_barrier_wait(&round_start);
        for (uint32_t t = 0; t < TICKERS; t++) {
            rc = soak_Ticker_send_Arm(tickers[t], &(soak_Arm){ONESHOTS, PERIODIC_FIRINGS});
            if (rc != 0)
                soak_error("Arm: %s", zactor_err_name(rc));
        }
        supervised_round(sys, seq);
        remote_round(&leg, &random);
        pthread_barrier_wait(&round_done);
        rc = zactor_system_wait(sys);
        if (rc != 0)
            soak_error("zactor_system_wait: %s", zactor_err_name(rc));
        for (uint32_t t = 0; t < TICKERS; t++) {
            const ticker_book *b = &books[t];
            count(SENT, TICK, b->oneshots_armed - b->oneshots_cancelled + b->periodic_target);
            if (b->oneshots_fired != b->oneshots_armed - b->oneshots_cancelled ||
                b->periodic_fired != b->periodic_target || !b->periodic_cancelled)
                soak_error("ticker %u round %" PRIu64 ": %u of %u one-shots fired (%u cancelled), "
                           "%u of %u periodic",
                           t, seq, b->oneshots_fired, b->oneshots_armed, b->oneshots_cancelled,
                           b->periodic_fired, b->periodic_target);
        }
        uint64_t starts = atomic_load(&worker_starts), asked = atomic_load(&worker_ends_asked);
        if (starts != WORKERS + asked)
            soak_error("round %" PRIu64 ": %" PRIu64 " worker starts for %" PRIu64 " ends asked",
                       seq, starts, asked);
        remote_settle(&leg);
        char when[32];
        snprintf(when, sizeof when, "round %" PRIu64, seq);
        check_accounting(when);
        if (atomic_load(&errors) > 1000)
            break;
    }
    double run_s = (double)(now_ns() - t0) / 1e9;
    atomic_store(&rounds_over, true);
    pthread_barrier_wait(&round_start);
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);

    remote_finish(&leg);
    zactor_stats stats;
    zactor_stats_read(sys, &stats, NULL, 0);
    zactor_supervisor_stop(sup);
    zactor_system_wait(sys);
    zactor_system_destroy(sys);
    /* destroy ran every remaining on stop and counted what was queued. */
    check_accounting("end");
    if (atomic_load(&worker_stops) != atomic_load(&worker_starts))
        soak_error("end: %llu worker starts, %llu stops", (unsigned long long)worker_starts,
                   (unsigned long long)worker_stops);

    /* Warm-up: the first 10% of the run, at most 5 minutes. */
    double warmup = opt.duration / 10 < 300 ? opt.duration / 10 : 300;
    size_t first = 0;
    while (first < nsamples && samples[first].t < warmup)
        first++;
    if (first == nsamples && nsamples > 0)
        first = nsamples - 1;
    double rss_end = (double)rss_bytes() / 1048576.0;
    double rss_peak = (double)status_kib("VmHWM:") / 1024.0;
    double slope = growth_per_hour(samples + first, nsamples - first, sample_rss);
    double heap_slope = growth_per_hour(samples + first, nsamples - first, sample_heap);

    uint64_t handled = messages_so_far();
    printf("RESULT workload=soak system=zactor metric=duration_s value=%.1f\n", run_s);
    printf("RESULT workload=soak system=zactor metric=rounds value=%" PRIu64 "\n", rounds);
    for (int k = 0; k < KINDS; k++)
        printf("RESULT workload=soak system=zactor metric=%s_sent value=%" PRIu64
               " handled=%" PRIu64 " dead=%" PRIu64 " refused=%" PRIu64 "\n",
               kind_names[k], total(SENT, (enum kind)k), total(HANDLED, (enum kind)k),
               total(DEAD, (enum kind)k), total(REFUSED, (enum kind)k));
    printf("RESULT workload=soak system=zactor metric=handled_per_s value=%.0f\n",
           run_s > 0 ? (double)handled / run_s : 0);
    printf("RESULT workload=soak system=zactor metric=runtime_messages_sent value=%" PRIu64 "\n",
           stats.messages_sent);
    printf("RESULT workload=soak system=zactor metric=worker_restarts value=%llu\n",
           (unsigned long long)atomic_load(&worker_ends_asked));
    printf("RESULT workload=soak system=zactor metric=rss_warm_mib value=%.1f at_s=%.1f\n",
           nsamples ? samples[first].rss : 0, nsamples ? samples[first].t : 0);
    printf("RESULT workload=soak system=zactor metric=rss_peak_mib value=%.1f\n", rss_peak);
    printf("RESULT workload=soak system=zactor metric=rss_end_mib value=%.1f\n",
           nsamples ? samples[nsamples - 1].rss : 0);
    printf("RESULT workload=soak system=zactor metric=rss_after_destroy_mib value=%.1f\n", rss_end);
    printf(
        "RESULT workload=soak system=zactor metric=rss_growth_mib_per_h value=%.1f samples=%zu\n",
        slope, nsamples - first);
    printf("RESULT workload=soak system=zactor metric=heap_warm_bytes value=%.0f\n",
           nsamples ? samples[first].heap : 0);
    printf("RESULT workload=soak system=zactor metric=heap_end_bytes value=%.0f\n",
           nsamples ? samples[nsamples - 1].heap : 0);
    printf("RESULT workload=soak system=zactor metric=heap_growth_bytes_per_h value=%.0f "
           "samples=%zu\n",
           heap_slope, nsamples - first);
    printf("RESULT workload=soak system=zactor metric=errors value=%llu\n",
           (unsigned long long)atomic_load(&errors));
    fflush(stdout);

    for (int i = 0; i < 3; i++) {
        free(profiles[i].refs);
        free(profiles[i].stale);
        free(profiles[i].churned);
    }
    free(samples);
    free_blocks();
    /* Everything the program and the runtime allocated is given back:
     * what is left beside the figure before the system was made is
     * stdio's and libc's own. */
    printf("RESULT workload=soak system=zactor metric=heap_after_destroy_bytes value=%" PRIu64
           " before_create=%" PRIu64 "\n",
           heap_in_use(), heap_before);
    fflush(stdout);
    pthread_barrier_destroy(&round_start);
    pthread_barrier_destroy(&round_done);
    return atomic_load(&errors) == 0 ? 0 : 1;
}
