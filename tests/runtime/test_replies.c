/* ask, request and reply through generated code (replies.zidl):
 *   ask        replies come back in *out, with their bytes owned by the asker;
 *   timeout    ETIMEDOUT, and the late reply never writes *out (which is
 *              freed at once: ASan would see the write);
 *   dead       EDEAD from a stopped actor (refused at the send: no dead
 *              letter), and from one that stops with the request queued
 *              (the request is then a dead letter: counted, hook called);
 *   stopped    ESTOPPED when the system stops with the ask's request
 *              queued (freed at destroy as a dead letter), and after (refused
 *              at the send: no dead letter);
 * The dead and stopped cases let the actor go (or stop the system) from
 * another thread only once the ask's request is queued, seen through the
 * messages_sent counter, and check which path the ask took.
 *   request    from a handler: the reply arrives as a CountReply message;
 *              an actor without `on CountReply` and an ask from a handler
 *              get EINVAL; a reply to a requester that stopped is a dead
 *              letter and the hook hears of it;
 *   stress     4 threads ask concurrently: every ask answered once, in order. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "replies.zidl.h"
#include "rt_test.h"

#define SECOND UINT64_C(1000000000)

static test_gate gate;
/* The ctx of a handler held by the gate: running, but not on the thread
 * that would use it. */
static zactor_ctx *kept_ctx;

void rt_Counter_on_Count(rt_Counter *self, zactor_ctx *ctx, const rt_Count *msg,
                         rt_CountReply *reply)
{
    (void)ctx;
    self->total += msg->add;
    reply->total = self->total;
    /* Every reply carries bytes, so a reply that is never taken must be
     * released by the runtime (LSan checks). */
    CHECK_EQ(zactor_bytes_copy(&self->total, sizeof self->total, &reply->echo), 0);
}

void rt_Counter_on_Hold(rt_Counter *self, zactor_ctx *ctx, const rt_Hold *msg)
{
    (void)self;
    (void)msg;
    kept_ctx = ctx;
    test_gate_hold(&gate);
}

void rt_Counter_on_Quit(rt_Counter *self, zactor_ctx *ctx, const rt_Quit *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

/* What a Requester or Mute saw, through its state's probe. */
typedef struct probe {
    atomic_int request_rc;
    atomic_int ask_rc;
    atomic_uint replies;
    atomic_uint last_total;
} probe;

void rt_Requester_on_Go(rt_Requester *self, zactor_ctx *ctx, const rt_Go *msg)
{
    probe *p = self->probe;
    rt_CountReply out;
    atomic_store(&p->ask_rc, rt_Counter_ask_Count(self->counter, &(rt_Count){1}, &out, SECOND));
    atomic_store(&p->request_rc, rt_Counter_request_Count(self->counter, ctx, &(rt_Count){10}));
    if (msg->stop_after_request)
        zactor_stop(ctx);
}

void rt_Requester_on_CountReply(rt_Requester *self, zactor_ctx *ctx, const rt_CountReply *msg)
{
    (void)ctx;
    probe *p = self->probe;
    uint32_t echoed = 0;
    if (zactor_bytes_size(msg->echo) == sizeof echoed)
        memcpy(&echoed, zactor_bytes_data(msg->echo), sizeof echoed);
    if (echoed == msg->total)
        atomic_store(&p->last_total, msg->total);
    atomic_fetch_add(&p->replies, 1);
}

void rt_Mute_on_Go(rt_Mute *self, zactor_ctx *ctx, const rt_Go *msg)
{
    (void)msg;
    probe *p = self->probe;
    atomic_store(&p->request_rc, rt_Counter_request_Count(self->counter, ctx, &(rt_Count){1}));
}

static void hold(rt_Counter_ref counter)
{
    test_gate_close(&gate);
    CHECK_EQ(rt_Counter_send_Hold(counter, &(rt_Hold){0}), 0);
    test_gate_wait_held(&gate);
}

static uint32_t echoed_total(const rt_CountReply *reply)
{
    uint32_t total;
    CHECK_EQ(zactor_bytes_size(reply->echo), sizeof total);
    memcpy(&total, zactor_bytes_data(reply->echo), sizeof total);
    return total;
}

static void test_ask(void)
{
    zactor_system *sys = start_system(2);
    rt_Counter_ref counter = rt_Counter_spawn(sys, NULL);
    for (uint32_t i = 1; i <= 100; i++) {
        rt_CountReply out = RT_COUNTREPLY_INIT;
        CHECK_EQ(rt_Counter_ask_Count(counter, &(rt_Count){2}, &out, ZACTOR_TIMEOUT_NEVER), 0);
        CHECK_EQ(out.total, 2 * i);
        CHECK_EQ(echoed_total(&out), 2 * i);
        zactor_bytes_release(out.echo); /* the asker owns the reply's bytes */
    }
    rt_CountReply out;
    /* A NULL msg is refused by the generated function itself. */
    CHECK_EQ(rt_Counter_ask_Count(counter, NULL, &out, SECOND), ZACTOR_EARG);
    CHECK_EQ(rt_Counter_ask_Count(counter, &(rt_Count){1}, NULL, SECOND), ZACTOR_EARG);
    rt_Counter_ref nobody = {{NULL, 0}};
    CHECK_EQ(rt_Counter_ask_Count(nobody, &(rt_Count){1}, &out, SECOND), ZACTOR_EARG);
    /* A request with the ctx of a handler running on a worker, from a
     * thread that runs no handler. */
    test_gate_close(&gate);
    CHECK_EQ(rt_Counter_send_Hold(counter, &(rt_Hold){0}), 0);
    test_gate_wait_held(&gate);
    CHECK_EQ(rt_Counter_request_Count(counter, kept_ctx, &(rt_Count){1}), ZACTOR_EARG);
    uint64_t id;
    CHECK_EQ(rt_Counter_monitor(kept_ctx, counter, &id), ZACTOR_EARG);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    zactor_system_destroy(sys);
}

static void test_timeout(void)
{
    zactor_system *sys = start_system(1);
    rt_Counter_ref counter = rt_Counter_spawn(sys, NULL);
    hold(counter);
    rt_CountReply *out = malloc(sizeof *out);
    CHECK(out != NULL);
    memset(out, 0xAB, sizeof *out);
    double start = now_seconds();
    CHECK_EQ(rt_Counter_ask_Count(counter, &(rt_Count){1}, out, SECOND / 20), ZACTOR_ETIMEDOUT);
    CHECK(now_seconds() - start >= 0.045);
    const unsigned char *raw = (const unsigned char *)out;
    for (size_t i = 0; i < sizeof *out; i++)
        CHECK_EQ(raw[i], 0xAB);
    free(out); /* the reply still to come must not touch it */
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0); /* the reply was made and dropped */
    rt_CountReply later;
    CHECK_EQ(rt_Counter_ask_Count(counter, &(rt_Count){1}, &later, SECOND), 0);
    CHECK_EQ(later.total, 2); /* the timed-out request was still handled */
    zactor_bytes_release(later.echo);
    zactor_system_destroy(sys);
}

/* Sends accepted so far (asks included: messages_sent counts a send once
 * its message is queued). */
static uint64_t messages_sent(zactor_system *sys)
{
    zactor_stats stats;
    CHECK_EQ(zactor_stats_read(sys, &stats, NULL, 0), 0);
    return stats.messages_sent;
}

/* What another thread does once the ask made by the main thread is queued. */
typedef struct when_queued {
    zactor_system *sys;
    uint64_t sent; /* messages_sent once the ask's request is queued */
    void (*then)(zactor_system *sys);
} when_queued;

static void *run_when_queued(void *arg)
{
    when_queued *w = arg;
    /* An event, not a delay: the counter moves only after the request is
     * in the mailbox, so the ask cannot have been refused at its send. */
    while (messages_sent(w->sys) < w->sent)
        sleep_ms(1);
    w->then(w->sys);
    return NULL;
}

/* Starts a thread that calls then(sys) once one more message (the ask the
 * caller is about to make) is queued. */
static pthread_t start_when_queued(when_queued *w, zactor_system *sys,
                                   void (*then)(zactor_system *sys))
{
    uint64_t sent = messages_sent(sys);
    CHECK(sent > 0); /* the counters are on (not -DZACTOR_STATS=OFF) */
    *w = (when_queued){sys, sent + 1, then};
    pthread_t thread;
    CHECK_EQ(pthread_create(&thread, NULL, run_when_queued, w), 0);
    return thread;
}

static void open_gate(zactor_system *sys)
{
    (void)sys;
    test_gate_open(&gate);
}

static atomic_uint counts_dropped, other_dropped;

/* The dead letters of the dead and stopped cases: only Count requests to a
 * Counter. */
static void count_dropped_count(void *user, const char *actor_type_name, uint32_t message_type_id)
{
    (void)user;
    if (strcmp(actor_type_name, "rt.Counter") == 0 && message_type_id == RT_COUNT_TYPE_ID)
        atomic_fetch_add(&counts_dropped, 1);
    else
        atomic_fetch_add(&other_dropped, 1);
}

static zactor_system *start_counting_system(void)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = 1;
    cfg.dead_letter_hook = count_dropped_count;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    return sys;
}

static void test_dead(void)
{
    zactor_system *sys = start_counting_system();
    rt_CountReply out;
    /* Already stopped: refused at the send, nothing queued, no dead letter. */
    rt_Counter_ref gone = rt_Counter_spawn(sys, NULL);
    CHECK_EQ(rt_Counter_send_Quit(gone, &(rt_Quit){0}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(rt_Counter_ask_Count(gone, &(rt_Count){1}, &out, SECOND), ZACTOR_EDEAD);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_system_dead_letters(sys), 0);

    /* Stops with the request queued behind its Quit: the worker drops the
     * request as a dead letter, which answers the ask with EDEAD. */
    rt_Counter_ref stopping = rt_Counter_spawn(sys, NULL);
    hold(stopping);
    CHECK_EQ(rt_Counter_send_Quit(stopping, &(rt_Quit){0}), 0);
    when_queued releaser;
    pthread_t thread = start_when_queued(&releaser, sys, open_gate);
    CHECK_EQ(rt_Counter_ask_Count(stopping, &(rt_Count){1}, &out, ZACTOR_TIMEOUT_NEVER),
             ZACTOR_EDEAD);
    pthread_join(thread, NULL);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_system_dead_letters(sys), 1);
    CHECK_EQ(atomic_load(&counts_dropped), 1);
    CHECK_EQ(atomic_load(&other_dropped), 0);
    zactor_system_destroy(sys);
    CHECK_EQ(atomic_load(&counts_dropped), 1);
}

static void test_stopped(void)
{
    zactor_system *sys = start_counting_system();
    rt_Counter_ref counter = rt_Counter_spawn(sys, NULL);
    hold(counter);
    /* The system stops with the request queued behind Hold: the ask
     * returns ESTOPPED, the request stays queued until destroy. */
    when_queued stopper;
    pthread_t thread = start_when_queued(&stopper, sys, zactor_system_stop);
    rt_CountReply out;
    CHECK_EQ(rt_Counter_ask_Count(counter, &(rt_Count){1}, &out, ZACTOR_TIMEOUT_NEVER),
             ZACTOR_ESTOPPED);
    pthread_join(thread, NULL);
    /* After the stop: refused at the send, nothing queued. */
    CHECK_EQ(rt_Counter_ask_Count(counter, &(rt_Count){1}, &out, SECOND), ZACTOR_ESTOPPED);
    test_gate_open(&gate);
    zactor_system_destroy(sys); /* frees the queued request (LSan) */
    CHECK_EQ(atomic_load(&counts_dropped), 1);
    CHECK_EQ(atomic_load(&other_dropped), 0);
}

static atomic_uint hooked, hooked_wrong;

static void count_dead_letter(void *user, const char *actor_type_name, uint32_t message_type_id)
{
    (void)user;
    if (strcmp(actor_type_name, "rt.Requester") != 0 || message_type_id != RT_COUNTREPLY_TYPE_ID)
        atomic_fetch_add(&hooked_wrong, 1);
    atomic_fetch_add(&hooked, 1);
}

static void test_request(void)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = 2;
    cfg.dead_letter_hook = count_dead_letter;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    rt_Counter_ref counter = rt_Counter_spawn(sys, NULL);

    probe requester_probe = {0};
    rt_Requester_ref requester =
        rt_Requester_spawn(sys, &(rt_Requester){counter, &requester_probe});
    CHECK_EQ(rt_Requester_send_Go(requester, &(rt_Go){0}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&requester_probe.ask_rc), ZACTOR_EDEADLK); /* ask from a handler */
    CHECK_EQ(atomic_load(&requester_probe.request_rc), 0);
    CHECK_EQ(atomic_load(&requester_probe.replies), 1);
    CHECK_EQ(atomic_load(&requester_probe.last_total), 10);

    probe mute_probe = {0};
    rt_Mute_ref mute = rt_Mute_spawn(sys, &(rt_Mute){counter, &mute_probe});
    CHECK_EQ(rt_Mute_send_Go(mute, &(rt_Go){0}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&mute_probe.request_rc), ZACTOR_ETYPE);

    /* The requester stops right after requesting: its reply is a dead letter. */
    CHECK_EQ(zactor_system_dead_letters(sys), 0);
    probe quitter_probe = {0};
    rt_Requester_ref quitter = rt_Requester_spawn(sys, &(rt_Requester){counter, &quitter_probe});
    CHECK_EQ(rt_Requester_send_Go(quitter, &(rt_Go){1}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&quitter_probe.request_rc), 0);
    CHECK_EQ(atomic_load(&quitter_probe.replies), 0);
    CHECK_EQ(zactor_system_dead_letters(sys), 1);
    CHECK_EQ(atomic_load(&hooked), 1);
    CHECK_EQ(atomic_load(&hooked_wrong), 0);

    /* A request to a stopped actor fails at once. */
    probe late_probe = {0};
    CHECK_EQ(rt_Counter_send_Quit(counter, &(rt_Quit){0}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    rt_Requester_ref late = rt_Requester_spawn(sys, &(rt_Requester){counter, &late_probe});
    CHECK_EQ(rt_Requester_send_Go(late, &(rt_Go){0}), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(atomic_load(&late_probe.request_rc), ZACTOR_EDEAD);
    zactor_system_destroy(sys);
}

#define ASKERS 4

typedef struct asker {
    pthread_t thread;
    rt_Counter_ref counter;
    uint64_t asks;
    uint64_t failures;
} asker;

static void *ask_many(void *arg)
{
    asker *a = arg;
    uint32_t previous = 0;
    for (uint64_t i = 0; i < a->asks; i++) {
        rt_CountReply out;
        if (rt_Counter_ask_Count(a->counter, &(rt_Count){1}, &out, 30 * SECOND) != 0) {
            a->failures++;
            continue;
        }
        /* The counter only grows, and every ask adds one: a thread sees
         * strictly increasing totals, each echoed by its bytes. */
        if (out.total <= previous || echoed_total(&out) != out.total)
            a->failures++;
        previous = out.total;
        zactor_bytes_release(out.echo);
    }
    return NULL;
}

static void test_stress(void)
{
    zactor_system *sys = start_system(2);
    rt_Counter_ref counter = rt_Counter_spawn(sys, NULL);
    asker askers[ASKERS];
    uint64_t per_thread = scaled(5000);
    for (int i = 0; i < ASKERS; i++) {
        askers[i] = (asker){.counter = counter, .asks = per_thread};
        CHECK_EQ(pthread_create(&askers[i].thread, NULL, ask_many, &askers[i]), 0);
    }
    for (int i = 0; i < ASKERS; i++) {
        pthread_join(askers[i].thread, NULL);
        CHECK_EQ(askers[i].failures, 0);
    }
    rt_CountReply out;
    CHECK_EQ(rt_Counter_ask_Count(counter, &(rt_Count){0}, &out, SECOND), 0);
    CHECK_EQ(out.total, ASKERS * per_thread);
    zactor_bytes_release(out.echo);
    zactor_system_destroy(sys);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"ask", test_ask},         {"timeout", test_timeout}, {"dead", test_dead},
        {"stopped", test_stopped}, {"request", test_request}, {"stress", test_stress},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            return 0;
        }
    }
    CHECK(!"unknown case");
    return 1;
}
