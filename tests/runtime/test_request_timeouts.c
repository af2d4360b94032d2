/* Request timeouts through generated code (request_timeouts.zidl):
 *   virtual         deterministic mode: a request held past its 10 s
 *                   timeout gets one ZACTOR_ETIMEDOUT notice at virtual
 *                   10 s, its late reply is a dead letter; a request
 *                   answered at 10 s has its 20 s timer cancelled (the
 *                   clock stops at 10 s); two runs from one seed log the
 *                   same events at the same virtual times;
 *   in_time         a reply before a one-hour timeout: delivered, no notice,
 *                   no timer left (zactor_system_wait returns at once);
 *   late            a 1 ms timeout on a held request: one notice; the reply
 *                   that comes later is dropped and counted, never
 *                   delivered;
 *   target_ends     the target ends with the request queued: one EDEAD
 *                   notice, the one-hour timer cancelled;
 *   requester_ends  the requester ends with its request open: its timer
 *                   ends with it, the reply that comes later is a dead
 *                   letter;
 *   stop            zactor_system_stop with requests in flight, some of
 *                   them due soon: no notice after the stop, nothing left
 *                   over at destroy (LSan);
 *   api             a timeout above 2^62, a requester without `on
 *                   request_error;`, a NULL id, ZACTOR_TIMEOUT_NEVER;
 *   race            askers on every worker, many requests each, timeouts
 *                   close to the service time: each request ends in
 *                   exactly one of its reply or one ETIMEDOUT notice, and
 *                   every late reply is one dead letter. */
#include <stdatomic.h>
#include <string.h>

#include "request.h"
#include "request_timeouts.zidl.h"
#include "rt_test.h"
#include "system.h"

/* What the Slow does with a Job. */
enum how {
    HOW_NOW = 0,  /* reply at once */
    HOW_HOLD = 1, /* defer; a Release answers it */
    HOW_SPIN = 2, /* work spin_us microseconds, then reply */
};

#define SECOND UINT64_C(1000000000)
#define HOUR (3600u * SECOND)
#define PLAN_MAX 8u
#define HELD_MAX 64u
#define LOG_MAX 64u

static test_gate gate;

/* ---- Slow ---- */

typedef struct book {
    rto_Slow_Job_promise held[HELD_MAX];
    uint32_t held_ids[HELD_MAX];
    unsigned held_count;
} book;

static void spin_us(uint32_t us)
{
    double until = now_seconds() + (double)us * 1e-6;
    while (now_seconds() < until) {
    }
}

void rto_Slow_on_Job(rto_Slow *self, zactor_ctx *ctx, const rto_Job *msg, rto_Result *reply)
{
    book *b = self->book;
    reply->id = msg->id;
    if (msg->how == HOW_SPIN)
        spin_us(msg->spin_us);
    if (msg->how != HOW_HOLD)
        return;
    CHECK(b->held_count < HELD_MAX);
    CHECK_EQ(rto_Slow_defer_Job(ctx, &b->held[b->held_count]), 0);
    b->held_ids[b->held_count++] = msg->id;
}

void rto_Slow_on_Release(rto_Slow *self, zactor_ctx *ctx, const rto_Release *msg)
{
    (void)msg;
    book *b = self->book;
    for (unsigned i = 0; i < b->held_count; i++)
        CHECK_EQ(rto_Slow_fulfil_Job(ctx, b->held[i], &(rto_Result){b->held_ids[i]}), 0);
    b->held_count = 0;
}

void rto_Slow_on_Block(rto_Slow *self, zactor_ctx *ctx, const rto_Block *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    test_gate_hold(&gate);
}

void rto_Slow_on_Quit(rto_Slow *self, zactor_ctx *ctx, const rto_Quit *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

/* ---- Asker: its probe, reached through its state's ptr ---- */

typedef struct plan_item {
    uint8_t how;
    uint64_t timeout_ns;
    bool null_id; /* pass no id pointer */
} plan_item;

/* One event an Asker saw (virtual: the log two runs compare). */
typedef struct event {
    uint32_t asker;
    uint32_t job;
    int code; /* 0: the reply */
    uint64_t now;
} event;

static event log_events[LOG_MAX];
static atomic_uint log_count;

/* The race's books: the job of each request id, and each job's outcomes. */
static _Atomic uint32_t *job_of_id;
static _Atomic uint32_t *replies_of_job, *notices_of_job;
static uint64_t max_request_id;

typedef struct probe {
    /* Set before the Asker starts. */
    uint32_t index;
    const plan_item *plan;
    unsigned plan_len;
    bool at_start;         /* run the plan from `on start` (else on Go) */
    bool release_on_error; /* a notice makes the Asker send the Slow a Release */
    /* The race: total requests from job number base, window in flight. */
    unsigned total, window;
    uint32_t base;
    uint64_t rng;
    unsigned issued; /* the Asker's handlers only */
    /* Read by the test after zactor_system_wait (or while polling). */
    atomic_uint made, replies, notices, refused;
    _Atomic int last_rc;
    _Atomic int last_code;
    _Atomic uint64_t last_notice_id;
    uint64_t ids[PLAN_MAX];
} probe;

static void note(const probe *p, zactor_ctx *ctx, uint32_t job, int code)
{
    unsigned at = atomic_fetch_add(&log_count, 1);
    if (at < LOG_MAX)
        log_events[at] = (event){p->index, job, code, zactor_system_now(zactor_ctx_system(ctx))};
}

static uint64_t next_random(probe *p)
{
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 7;
    p->rng ^= p->rng << 17;
    return p->rng;
}

/* Makes the probe's next request. */
static void issue(rto_Asker *self, zactor_ctx *ctx)
{
    probe *p = self->probe;
    unsigned seq = p->issued++;
    rto_Job job = {seq, HOW_NOW, 0};
    uint64_t timeout_ns;
    if (p->total) {
        /* Service 20..120 us, timeout 30..330 us: either may win. */
        job.id = p->base + seq;
        job.how = HOW_SPIN;
        job.spin_us = 20u + (uint32_t)(next_random(p) % 100u);
        timeout_ns = (30u + next_random(p) % 300u) * UINT64_C(1000);
    } else {
        job.how = p->plan[seq].how;
        timeout_ns = p->plan[seq].timeout_ns;
    }
    uint64_t id = 0;
    bool null_id = !p->total && p->plan[seq].null_id;
    int rc = rto_Slow_request_Job_timeout(self->slow, ctx, &job, timeout_ns, null_id ? NULL : &id);
    atomic_store(&p->last_rc, rc);
    if (rc != 0) {
        CHECK_EQ(id, 0);
        atomic_fetch_add(&p->refused, 1);
        return;
    }
    CHECK(null_id || id != 0);
    if (p->total) {
        CHECK(id <= max_request_id);
        /* Before any answer can run: this actor's handlers run one at a
         * time. */
        atomic_store(&job_of_id[id], job.id);
    } else {
        p->ids[seq] = id;
    }
    atomic_fetch_add(&p->made, 1);
}

static void run_plan(rto_Asker *self, zactor_ctx *ctx)
{
    probe *p = self->probe;
    if (p->total) {
        for (unsigned i = 0; i < p->window && p->issued < p->total; i++)
            issue(self, ctx);
        return;
    }
    while (p->issued < p->plan_len)
        issue(self, ctx);
}

void rto_Asker_on_start(rto_Asker *self, zactor_ctx *ctx)
{
    probe *p = self->probe;
    if (p && p->at_start)
        run_plan(self, ctx);
}

void rto_Asker_on_Go(rto_Asker *self, zactor_ctx *ctx, const rto_Go *msg)
{
    (void)msg;
    run_plan(self, ctx);
}

void rto_Asker_on_Result(rto_Asker *self, zactor_ctx *ctx, const rto_Result *msg)
{
    probe *p = self->probe;
    atomic_fetch_add(&p->replies, 1);
    if (!p->total) {
        note(p, ctx, msg->id, 0);
        return;
    }
    atomic_fetch_add(&replies_of_job[msg->id], 1);
    if (p->issued < p->total)
        issue(self, ctx);
}

void rto_Asker_on_request_error(rto_Asker *self, zactor_ctx *ctx, const zactor_request_error *error)
{
    probe *p = self->probe;
    atomic_fetch_add(&p->notices, 1);
    atomic_store(&p->last_code, error->code);
    atomic_store(&p->last_notice_id, error->request);
    CHECK_EQ(error->message_type_id, RTO_JOB_TYPE_ID);
    CHECK(error->target.cell == self->slow.raw.cell);
    if (!p->total) {
        CHECK(error->request != 0);
        unsigned job = UINT32_MAX; /* a request made without its id */
        for (unsigned i = 0; i < p->issued; i++)
            if (p->ids[i] == error->request)
                job = i;
        note(p, ctx, job, error->code);
        if (p->release_on_error)
            CHECK_EQ(rto_Slow_send_Release(self->slow, &(rto_Release){0}), 0);
        return;
    }
    CHECK_EQ(error->code, ZACTOR_ETIMEDOUT);
    CHECK(error->request != 0 && error->request <= max_request_id);
    atomic_fetch_add(&notices_of_job[atomic_load(&job_of_id[error->request])], 1);
    if (p->issued < p->total)
        issue(self, ctx);
}

void rto_Asker_on_Quit(rto_Asker *self, zactor_ctx *ctx, const rto_Quit *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

/* ---- Plain ---- */

void rto_Plain_on_Go(rto_Plain *self, zactor_ctx *ctx, const rto_Go *msg)
{
    (void)msg;
    probe *p = self->probe;
    uint64_t id = 1;
    int rc = rto_Slow_request_Job_timeout(self->slow, ctx, &(rto_Job){0, HOW_NOW, 0}, SECOND, &id);
    atomic_store(&p->last_rc, rc);
    CHECK_EQ(id, 0);
}

void rto_Plain_on_Result(rto_Plain *self, zactor_ctx *ctx, const rto_Result *msg)
{
    (void)ctx;
    (void)msg;
    atomic_fetch_add(&((probe *)self->probe)->replies, 1);
}

/* ---- Root (deterministic mode) ---- */

#define VIRTUAL_ASKERS 3u

typedef struct virtual_world {
    book book;
    probe probes[VIRTUAL_ASKERS];
} virtual_world;

void rto_Root_on_start(rto_Root *self, zactor_ctx *ctx)
{
    virtual_world *w = self->world;
    zactor_system *sys = zactor_ctx_system(ctx);
    rto_Slow_ref slow = rto_Slow_spawn(sys, &(rto_Slow){&w->book});
    CHECK(!zactor_ref_is_null(slow.raw));
    for (unsigned i = 0; i < VIRTUAL_ASKERS; i++)
        CHECK(!zactor_ref_is_null(rto_Asker_spawn(sys, &(rto_Asker){slow, &w->probes[i]}).raw));
}

void rto_Root_on_Go(rto_Root *self, zactor_ctx *ctx, const rto_Go *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
}

/* ---- helpers ---- */

static probe *new_probe(const plan_item *plan, unsigned plan_len)
{
    probe *p = calloc(1, sizeof *p);
    CHECK(p != NULL);
    p->plan = plan;
    p->plan_len = plan_len;
    return p;
}

typedef struct world {
    zactor_system *sys;
    book *book;
    rto_Slow_ref slow;
} world;

static world make_world(unsigned workers)
{
    world w;
    w.sys = start_system(workers);
    w.book = calloc(1, sizeof *w.book);
    CHECK(w.book != NULL);
    w.slow = rto_Slow_spawn(w.sys, &(rto_Slow){w.book});
    CHECK(!zactor_ref_is_null(w.slow.raw));
    return w;
}

static rto_Asker_ref spawn_asker(world *w, probe *p)
{
    rto_Asker_ref asker = rto_Asker_spawn(w->sys, &(rto_Asker){w->slow, p});
    CHECK(!zactor_ref_is_null(asker.raw));
    return asker;
}

static void go(rto_Asker_ref asker)
{
    CHECK_EQ(rto_Asker_send_Go(asker, &(rto_Go){0}), 0);
}

static void release(world *w)
{
    CHECK_EQ(rto_Slow_send_Release(w->slow, &(rto_Release){0}), 0);
}

/* Nothing pending: no request in the table, no timer live. */
static void check_settled(zactor_system *sys)
{
    CHECK_EQ(zactor__requests_pending(sys), 0);
    CHECK_EQ(zactor__timers_live(&sys->timers), 0);
}

/* ---- cases ---- */

/* One deterministic run: each Asker makes a request held past its 10 s
 * timeout (its notice releases the Slow's held jobs), one held with a
 * 20 s timeout (answered by that release at 10 s) and one answered at
 * once with a 5 s timeout. */
static unsigned virtual_run(uint64_t seed, event *out)
{
    static const plan_item plan[] = {
        {HOW_HOLD, 10u * SECOND, false},
        {HOW_HOLD, 20u * SECOND, false},
        {HOW_NOW, 5u * SECOND, false},
    };
    zactor_system *sys = start_deterministic(seed);
    virtual_world *w = calloc(1, sizeof *w);
    CHECK(w != NULL);
    for (unsigned i = 0; i < VIRTUAL_ASKERS; i++) {
        w->probes[i].index = i;
        w->probes[i].plan = plan;
        w->probes[i].plan_len = 3;
        w->probes[i].at_start = true;
        w->probes[i].release_on_error = true;
    }
    atomic_store(&log_count, 0);
    CHECK(!zactor_ref_is_null(rto_Root_spawn(sys, &(rto_Root){w}).raw));
    CHECK_EQ(zactor_system_wait(sys), 0);

    /* The clock stopped at the 10 s timeouts: the 20 s and 5 s timers
     * were cancelled by their answers. */
    CHECK_EQ(zactor_system_now(sys), 10u * SECOND);
    unsigned count = atomic_load(&log_count);
    CHECK_EQ(count, 3u * VIRTUAL_ASKERS);
    unsigned notices = 0, replies = 0;
    for (unsigned i = 0; i < count; i++) {
        const event *e = &log_events[i];
        if (e->code != 0) {
            CHECK_EQ(e->code, ZACTOR_ETIMEDOUT);
            CHECK_EQ(e->job, 0);
            CHECK_EQ(e->now, 10u * SECOND);
            notices++;
        } else {
            CHECK(e->job == 1 || e->job == 2);
            CHECK_EQ(e->now, e->job == 2 ? 0 : 10u * SECOND);
            replies++;
        }
    }
    CHECK_EQ(notices, VIRTUAL_ASKERS);
    CHECK_EQ(replies, 2u * VIRTUAL_ASKERS);
    for (unsigned i = 0; i < VIRTUAL_ASKERS; i++) {
        CHECK_EQ(atomic_load(&w->probes[i].notices), 1);
        CHECK_EQ(atomic_load(&w->probes[i].replies), 2);
    }
    /* Each timed-out job was answered later by a Release: dropped and
     * counted, never delivered. */
    CHECK_EQ(zactor_system_dead_letters(sys), VIRTUAL_ASKERS);
    check_settled(sys);
    memcpy(out, log_events, count * sizeof *out);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    free(w);
    return count;
}

static void test_virtual(void)
{
    event first[LOG_MAX], second[LOG_MAX];
    memset(first, 0, sizeof first);
    memset(second, 0, sizeof second);
    unsigned n = virtual_run(12345, first);
    CHECK_EQ(virtual_run(12345, second), n);
    CHECK(memcmp(first, second, n * sizeof first[0]) == 0);
}

static void test_in_time(void)
{
    static const plan_item plan[] = {{HOW_NOW, HOUR, false},
                                     {HOW_NOW, ZACTOR_TIMEOUT_NEVER, false}};
    world w = make_world(2);
    probe *p = new_probe(plan, 2);
    go(spawn_asker(&w, p));
    /* Returns at once: the answered request's timer ended with it (or
     * this would wait an hour). */
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&p->made), 2);
    CHECK_EQ(atomic_load(&p->replies), 2);
    CHECK_EQ(atomic_load(&p->notices), 0);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 0);
    check_settled(w.sys);
    /* After the answer the id is gone: an expiry finds nothing. */
    CHECK(!zactor__request_expire(w.sys, p->ids[0]));
    CHECK_EQ(zactor_system_destroy(w.sys), 0);
    free(p);
    free(w.book);
}

static void test_late(void)
{
    static const plan_item plan[] = {{HOW_HOLD, UINT64_C(1000000), false}};
    world w = make_world(2);
    probe *p = new_probe(plan, 1);
    go(spawn_asker(&w, p));
    /* The timer is pending work: the wait covers the notice. */
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&p->notices), 1);
    CHECK_EQ(atomic_load(&p->last_code), ZACTOR_ETIMEDOUT);
    CHECK_EQ(atomic_load(&p->last_notice_id), p->ids[0]);
    CHECK_EQ(atomic_load(&p->replies), 0);
    check_settled(w.sys);
    CHECK_EQ(w.book->held_count, 1);
    /* The reply comes after the timeout: a dead letter, never delivered. */
    release(&w);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&p->replies), 0);
    CHECK_EQ(atomic_load(&p->notices), 1);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 1);
    check_settled(w.sys);
    CHECK_EQ(zactor_system_destroy(w.sys), 0);
    free(p);
    free(w.book);
}

static void test_target_ends(void)
{
    static const plan_item plan[] = {{HOW_NOW, HOUR, false}};
    world w = make_world(2);
    probe *p = new_probe(plan, 1);
    rto_Asker_ref asker = spawn_asker(&w, p);
    test_gate_close(&gate);
    CHECK_EQ(rto_Slow_send_Block(w.slow, &(rto_Block){0}), 0);
    test_gate_wait_held(&gate);
    /* The request queues behind the Quit: never handled. */
    CHECK_EQ(rto_Slow_send_Quit(w.slow, &(rto_Quit){0}), 0);
    go(asker);
    while (atomic_load(&p->made) != 1)
        sleep_ms(1);
    CHECK_EQ(zactor__requests_pending(w.sys), 1);
    CHECK_EQ(zactor__timers_live(&w.sys->timers), 1);
    test_gate_open(&gate);
    /* Returns at once: the EDEAD notice ended the one-hour timer. */
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&p->notices), 1);
    CHECK_EQ(atomic_load(&p->last_code), ZACTOR_EDEAD);
    CHECK_EQ(atomic_load(&p->last_notice_id), p->ids[0]);
    CHECK_EQ(atomic_load(&p->replies), 0);
    check_settled(w.sys);
    CHECK_EQ(zactor_system_destroy(w.sys), 0);
    free(p);
    free(w.book);
}

static void test_requester_ends(void)
{
    static const plan_item plan[] = {{HOW_HOLD, HOUR, false}, {HOW_HOLD, 2u * HOUR, false}};
    world w = make_world(2);
    probe *p = new_probe(plan, 2);
    rto_Asker_ref asker = spawn_asker(&w, p);
    go(asker);
    CHECK_EQ(rto_Asker_send_Quit(asker, &(rto_Quit){0}), 0);
    /* Returns at once: the Asker's timers ended with it. */
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&p->made), 2);
    CHECK_EQ(zactor__timers_live(&w.sys->timers), 0);
    /* Still tracked: the Slow holds them. Its replies go nowhere. */
    CHECK_EQ(zactor__requests_pending(w.sys), 2);
    release(&w);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&p->replies), 0);
    CHECK_EQ(atomic_load(&p->notices), 0);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 2);
    check_settled(w.sys);
    CHECK_EQ(zactor_system_destroy(w.sys), 0);
    free(p);
    free(w.book);
}

static void test_stop(void)
{
    static const plan_item plan[] = {
        {HOW_HOLD, HOUR, false},
        {HOW_HOLD, UINT64_C(20000000), false},
        {HOW_HOLD, UINT64_C(30000000), false},
        {HOW_HOLD, ZACTOR_TIMEOUT_NEVER, false},
    };
    world w = make_world(2);
    probe *p = new_probe(plan, 4);
    go(spawn_asker(&w, p));
    while (atomic_load(&p->made) != 4)
        sleep_ms(1);
    zactor_system_stop(w.sys);
    unsigned notices = atomic_load(&p->notices);
    CHECK_EQ(notices, 0);
    /* Past the 20 and 30 ms timeouts: stopped timers fire nothing. */
    sleep_ms(60);
    CHECK_EQ(atomic_load(&p->notices), notices);
    CHECK_EQ(zactor_system_wait(w.sys), ZACTOR_ESTOPPED);
    /* Destroy answers the held promises into nothing; LSan checks the
     * timers and the table are freed. */
    CHECK_EQ(zactor_system_destroy(w.sys), 0);
    CHECK_EQ(atomic_load(&p->notices), notices);
    CHECK_EQ(atomic_load(&p->replies), 0);
    free(p);
    free(w.book);
}

static void test_api(void)
{
    static const plan_item plan[] = {
        {HOW_NOW, (UINT64_C(1) << 62) + 1u, false}, /* refused: EARG, no notice */
        {HOW_NOW, UINT64_C(1) << 62, false},        /* the largest accepted */
        {HOW_NOW, 0, false},                        /* expires at once, or answered first */
        {HOW_HOLD, UINT64_C(1000000), true},        /* no id asked for: still timed */
    };
    world w = make_world(2);
    probe *p = new_probe(plan, 1);
    rto_Asker_ref asker = spawn_asker(&w, p);
    go(asker);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&p->last_rc), ZACTOR_EARG);
    CHECK_EQ(atomic_load(&p->refused), 1);
    CHECK_EQ(atomic_load(&p->made), 0);
    p->plan_len = 4;
    go(asker);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&p->made), 3);
    /* Each ends once; the held one by its timeout. */
    CHECK_EQ(atomic_load(&p->replies) + atomic_load(&p->notices), 3);
    CHECK(atomic_load(&p->notices) >= 1);
    CHECK_EQ(atomic_load(&p->last_code), ZACTOR_ETIMEDOUT);
    check_settled(w.sys);
    release(&w);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&p->replies) + atomic_load(&p->notices), 3);
    CHECK_EQ(zactor_system_dead_letters(w.sys), atomic_load(&p->notices));

    /* Without `on request_error;`: ETYPE, *id 0, nothing sent. */
    probe *plain_probe = new_probe(NULL, 0);
    rto_Plain_ref plain = rto_Plain_spawn(w.sys, &(rto_Plain){w.slow, plain_probe});
    CHECK_EQ(rto_Plain_send_Go(plain, &(rto_Go){0}), 0);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&plain_probe->last_rc), ZACTOR_ETYPE);
    CHECK_EQ(atomic_load(&plain_probe->replies), 0);

    /* From outside a handler: EARG. */
    uint64_t id = 1;
    CHECK_EQ(rto_Slow_request_Job_timeout(w.slow, NULL, &(rto_Job){0, HOW_NOW, 0}, SECOND, &id),
             ZACTOR_EARG);
    CHECK_EQ(id, 0);
    check_settled(w.sys);
    CHECK_EQ(zactor_system_destroy(w.sys), 0);
    free(plain_probe);
    free(p);
    free(w.book);
}

static void test_race(void)
{
    enum { ASKERS = 8, SLOWS = 4 };
    unsigned per = (unsigned)scaled(1500);
    unsigned total = ASKERS * per;
    max_request_id = total;
    job_of_id = calloc(total + 1u, sizeof *job_of_id);
    replies_of_job = calloc(total, sizeof *replies_of_job);
    notices_of_job = calloc(total, sizeof *notices_of_job);
    CHECK(job_of_id && replies_of_job && notices_of_job);
    zactor_system *sys = start_system(4);
    book books[SLOWS];
    memset(books, 0, sizeof books);
    rto_Slow_ref slows[SLOWS];
    for (unsigned i = 0; i < SLOWS; i++) {
        slows[i] = rto_Slow_spawn(sys, &(rto_Slow){&books[i]});
        CHECK(!zactor_ref_is_null(slows[i].raw));
    }
    probe *probes = calloc(ASKERS, sizeof *probes);
    CHECK(probes != NULL);
    rto_Asker_ref askers[ASKERS];
    for (unsigned i = 0; i < ASKERS; i++) {
        probes[i].total = per;
        probes[i].window = 2;
        probes[i].base = i * per;
        probes[i].rng = 0x9E3779B97F4A7C15u * (i + 1u);
        askers[i] = rto_Asker_spawn(sys, &(rto_Asker){slows[i % SLOWS], &probes[i]});
        CHECK(!zactor_ref_is_null(askers[i].raw));
    }
    for (unsigned i = 0; i < ASKERS; i++)
        go(askers[i]);
    CHECK_EQ(zactor_system_wait(sys), 0);

    unsigned replies = 0, notices = 0;
    for (unsigned i = 0; i < ASKERS; i++) {
        CHECK_EQ(atomic_load(&probes[i].made), per);
        CHECK_EQ(atomic_load(&probes[i].refused), 0);
        replies += atomic_load(&probes[i].replies);
        notices += atomic_load(&probes[i].notices);
    }
    /* Each job ended exactly once: none missing, none twice. */
    for (unsigned g = 0; g < total; g++)
        CHECK_EQ(atomic_load(&replies_of_job[g]) + atomic_load(&notices_of_job[g]), 1);
    CHECK_EQ(replies + notices, total);
    /* Every Slow handled every job: each timed-out one's reply came late. */
    CHECK_EQ(zactor_system_dead_letters(sys), notices);
    check_settled(sys);
    fprintf(stderr, "race: %u replies, %u timeouts\n", replies, notices);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    free(probes);
    free(job_of_id);
    free(replies_of_job);
    free(notices_of_job);
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "";
    if (strcmp(which, "virtual") == 0)
        test_virtual();
    else if (strcmp(which, "in_time") == 0)
        test_in_time();
    else if (strcmp(which, "late") == 0)
        test_late();
    else if (strcmp(which, "target_ends") == 0)
        test_target_ends();
    else if (strcmp(which, "requester_ends") == 0)
        test_requester_ends();
    else if (strcmp(which, "stop") == 0)
        test_stop();
    else if (strcmp(which, "api") == 0)
        test_api();
    else if (strcmp(which, "race") == 0)
        test_race();
    else {
        fprintf(stderr, "usage: %s virtual|in_time|late|target_ends|requester_ends|stop|api|race\n",
                argv[0]);
        return 2;
    }
    return 0;
}
