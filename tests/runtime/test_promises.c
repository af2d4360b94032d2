/* Tracked requests and deferred replies through generated code
 * (promises.zidl):
 *   now          a tracked request answered at once: its reply, no notice,
 *                nothing left in the request table;
 *   target_ends  the target ends with the request queued: the tracked
 *                requester gets one ZACTOR_EDEAD notice (its id, target and
 *                message type), an untracked one nothing (a dead letter);
 *                a request refused at the send returns EDEAD, no notice;
 *   dropped      promises held by an actor that fails, is killed, or is
 *                destroyed: each answered ZACTOR_EDEAD (an ask: ESTOPPED
 *                when destroy stopped the system first);
 *   third_actor  a promise fulfilled from another handler, after a request
 *                to a third actor: the requester and an asker get the
 *                third actor's answer;
 *   double       a second defer, a second fulfil, a fail after a fulfil, a
 *                fulfil for another entry, a defer outside a request
 *                handler: all ZACTOR_EARG; the requester gets one reply;
 *   ask          asks answered by a promise: fulfilled later, failed with a
 *                code, dropped by the actor stopping: never hanging;
 *   expire       zactor__request_expire (the timer's entry point) ends a
 *                queued request with ZACTOR_ETIMEDOUT once; the late reply
 *                is a dead letter, never a second answer;
 *   invalid      a reply that breaks its schema: the tracked requester gets
 *                a ZACTOR_EINVAL notice, the asker ZACTOR_EINVAL;
 *   stress       clients on every worker and asker threads against servers
 *                that answer at once, later, through a third actor or with
 *                an error, one of them killed midway: every request ends
 *                exactly once, and no request or promise is left over. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "promise.h"
#include "promises.zidl.h"
#include "request.h"
#include "rt_test.h"

/* What the Server does with a Work. */
enum how {
    HOW_NOW = 0,       /* reply value + 1 at once */
    HOW_HOLD = 1,      /* defer; a Finish answers it */
    HOW_BACKEND = 2,   /* defer, ask the Backend, fulfil with its answer */
    HOW_FAIL_SELF = 3, /* defer, then the Server fails */
    HOW_MISUSE = 4,    /* defer twice, fulfil twice, fail after: see book.misuse */
    HOW_FAIL_CODE = 5, /* defer, then zactor_promise_fail with ZACTOR_ENOENT */
    HOW_EXTERNAL = 6,  /* a Backend-only how: reply value * 2 */
    HOW_CHECK = 7,     /* a Client-only how: request a Check instead */
};

/* What a Finish does with the held promises. */
enum finish {
    FINISH_FULFIL = 0, /* fulfil every held promise, keep the last as `stale` */
    FINISH_FAIL = 1,   /* fail every held promise with ZACTOR_ENOENT */
    FINISH_STOP = 2,   /* stop, holding them */
    FINISH_DEFER = 3,  /* defer outside a request handler: misuse[0] */
    FINISH_STALE = 4,  /* fulfil `stale` again: misuse[0] */
    FINISH_FOREIGN = 5 /* fulfil held[0], which another Server holds: misuse[0] */
};

#define HELD_MAX 4096u
#define FULFILLED_VALUE 100u

static test_gate gate;

/* ---- Backend ---- */

void pr_Backend_on_Work(pr_Backend *self, zactor_ctx *ctx, const pr_Work *msg, pr_Done *reply)
{
    (void)self;
    (void)ctx;
    reply->value = msg->value * 2u;
    CHECK_EQ(zactor_bytes_copy(&reply->value, sizeof reply->value, &reply->echo), 0);
}

/* ---- Server: its book, reached through its state's ptr ---- */

typedef struct book {
    pr_Server_Work_promise held[HELD_MAX];
    unsigned held_count;
    /* Promises waiting for the Backend, answered in order (one Backend
     * answers in the order it was asked). */
    pr_Server_Work_promise relayed[HELD_MAX];
    unsigned relay_head, relay_tail;
    pr_Server_Work_promise stale; /* the last promise FINISH_FULFIL answered */
    int misuse[7];
    atomic_uint misuse_runs;
    atomic_uint backend_errors;
} book;

static void fill_done(pr_Done *reply, uint32_t value)
{
    reply->value = value;
    CHECK_EQ(zactor_bytes_copy(&value, sizeof value, &reply->echo), 0);
}

void pr_Server_on_Work(pr_Server *self, zactor_ctx *ctx, const pr_Work *msg, pr_Done *reply)
{
    book *b = self->book;
    pr_Server_Work_promise promise;
    pr_Done answer = PR_DONE_INIT;
    switch (msg->how) {
    case HOW_NOW:
        fill_done(reply, msg->value + 1u);
        return;
    case HOW_HOLD:
        /* What the handler wrote to *reply is released unsent. */
        fill_done(reply, 0);
        CHECK_EQ(pr_Server_defer_Work(ctx, &promise), 0);
        CHECK(promise.raw.id != 0);
        CHECK(b->held_count < HELD_MAX);
        b->held[b->held_count++] = promise;
        return;
    case HOW_BACKEND: {
        CHECK_EQ(pr_Server_defer_Work(ctx, &promise), 0);
        pr_Work ask = {msg->value, HOW_EXTERNAL, {NULL}};
        uint64_t id = 0;
        CHECK_EQ(pr_Backend_request_Work_tracked(self->backend, ctx, &ask, &id), 0);
        CHECK(id != 0);
        CHECK(b->relay_tail - b->relay_head < HELD_MAX);
        b->relayed[b->relay_tail++ % HELD_MAX] = promise;
        return;
    }
    case HOW_FAIL_SELF:
        CHECK_EQ(pr_Server_defer_Work(ctx, &promise), 0);
        zactor_fail(ctx, -99);
        return;
    case HOW_MISUSE: {
        pr_Server_Work_promise again;
        /* Another entry's defer (raw): refused, the reply not deferred. */
        b->misuse[6] = zactor_defer(ctx, 1u, &again.raw);
        CHECK_EQ(pr_Server_defer_Work(ctx, &promise), 0);
        b->misuse[0] = pr_Server_defer_Work(ctx, &again);
        /* Another entry's fulfil with this promise's id (raw): refused. */
        fill_done(&answer, 7);
        b->misuse[1] = zactor_promise_fulfil(ctx, promise.raw, 1u, &answer, sizeof answer, NULL);
        zactor_bytes_release(answer.echo);
        fill_done(&answer, msg->value + 1u);
        b->misuse[2] = pr_Server_fulfil_Work(ctx, promise, &answer);
        fill_done(&answer, 0);
        b->misuse[3] = pr_Server_fulfil_Work(ctx, promise, &answer);
        b->misuse[4] = zactor_promise_fail(ctx, promise.raw, ZACTOR_ENOENT);
        b->misuse[5] = pr_Server_defer_Work(ctx, NULL);
        atomic_fetch_add(&b->misuse_runs, 1);
        return;
    }
    case HOW_FAIL_CODE:
        CHECK_EQ(pr_Server_defer_Work(ctx, &promise), 0);
        CHECK_EQ(zactor_promise_fail(ctx, promise.raw, ZACTOR_ENOENT), 0);
        CHECK_EQ(zactor_promise_fail(ctx, promise.raw, ZACTOR_ENOENT), ZACTOR_EARG);
        return;
    default:
        CHECK(!"unknown how");
    }
}

/* The Backend's answers, in the order of the relayed promises. */
void pr_Server_on_Done(pr_Server *self, zactor_ctx *ctx, const pr_Done *msg)
{
    book *b = self->book;
    CHECK(b->relay_head != b->relay_tail);
    pr_Server_Work_promise promise = b->relayed[b->relay_head++ % HELD_MAX];
    pr_Done answer;
    fill_done(&answer, msg->value);
    CHECK_EQ(pr_Server_fulfil_Work(ctx, promise, &answer), 0);
}

void pr_Server_on_Finish(pr_Server *self, zactor_ctx *ctx, const pr_Finish *msg)
{
    book *b = self->book;
    for (unsigned i = 0; i < b->held_count; i++) {
        if (msg->how == FINISH_FULFIL) {
            pr_Done answer;
            fill_done(&answer, FULFILLED_VALUE);
            CHECK_EQ(pr_Server_fulfil_Work(ctx, b->held[i], &answer), 0);
        } else if (msg->how == FINISH_FAIL) {
            /* Not a ZACTOR_E* code: refused, the promise stays open. */
            CHECK_EQ(zactor_promise_fail(ctx, b->held[i].raw, 1), ZACTOR_EARG);
            CHECK_EQ(zactor_promise_fail(ctx, b->held[i].raw, ZACTOR_ENOENT), 0);
        }
    }
    if (msg->how == FINISH_FULFIL && b->held_count > 0)
        b->stale = b->held[b->held_count - 1];
    if (msg->how == FINISH_FULFIL || msg->how == FINISH_FAIL)
        b->held_count = 0;
    if (msg->how == FINISH_STALE || msg->how == FINISH_FOREIGN) {
        pr_Done answer;
        fill_done(&answer, 13);
        b->misuse[0] =
            pr_Server_fulfil_Work(ctx, msg->how == FINISH_STALE ? b->stale : b->held[0], &answer);
        atomic_fetch_add(&b->misuse_runs, 1);
    }
    if (msg->how == FINISH_STOP)
        zactor_stop(ctx);
    if (msg->how == FINISH_DEFER) {
        pr_Server_Work_promise promise;
        b->misuse[0] = pr_Server_defer_Work(ctx, &promise);
        CHECK_EQ(promise.raw.id, 0);
        atomic_fetch_add(&b->misuse_runs, 1);
    }
}

void pr_Server_on_Hold(pr_Server *self, zactor_ctx *ctx, const pr_Hold *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    test_gate_hold(&gate);
}

void pr_Server_on_Quit(pr_Server *self, zactor_ctx *ctx, const pr_Quit *msg)
{
    (void)self;
    if (msg->fail)
        zactor_fail(ctx, -98);
    else
        zactor_stop(ctx);
}

void pr_Server_on_Check(pr_Server *self, zactor_ctx *ctx, const pr_Check *msg, pr_Verdict *reply)
{
    (void)self;
    (void)ctx;
    (void)msg;
    reply->mood = 7; /* no Mood */
}

void pr_Server_on_request_error(pr_Server *self, zactor_ctx *ctx, const zactor_request_error *error)
{
    (void)ctx;
    (void)error;
    book *b = self->book;
    atomic_fetch_add(&b->backend_errors, 1);
}

/* ---- Client and Plain: what they saw, through their probe ---- */

#define IDS_MAX 4096u

typedef struct probe {
    /* Written by the requester's handlers, read by the test after
     * zactor_system_wait (or through the atomics while it runs). */
    atomic_uint issued; /* requests sent (rc 0) */
    atomic_uint refused;
    atomic_int last_rc;
    atomic_uint done;
    atomic_uint last_value;
    atomic_uint errors;
    uint64_t ids[IDS_MAX];
    zactor_request_error error_seen[IDS_MAX];
    unsigned char answered[IDS_MAX]; /* notices per issued request */
    /* The stress case: requests still to make, and how. */
    unsigned to_make;
    unsigned round;
    atomic_bool finished;
} probe;

static pr_Work work_of(uint32_t value, uint8_t how)
{
    pr_Work work = {value, how, {NULL}};
    /* Every request carries bytes, so an envelope that is never handled
     * must be released by the runtime (LSan checks). */
    CHECK_EQ(zactor_bytes_copy(&value, sizeof value, &work.blob), 0);
    return work;
}

static int client_request(pr_Client *self, zactor_ctx *ctx, uint32_t value, uint8_t how)
{
    probe *p = self->probe;
    pr_Work work = work_of(value, how);
    uint64_t id = 0;
    int rc = pr_Server_request_Work_tracked(self->server, ctx, &work, &id);
    atomic_store(&p->last_rc, rc);
    if (rc == 0) {
        unsigned n = atomic_load(&p->issued);
        CHECK(n < IDS_MAX);
        CHECK(id != 0);
        p->ids[n] = id;
        atomic_store(&p->issued, n + 1);
    } else {
        CHECK_EQ(id, 0);
        atomic_fetch_add(&p->refused, 1);
    }
    return rc;
}

/* The stress case: the next request, until to_make are made. The answer
 * to each one makes the next; a refused one counts, and the next goes at
 * once. */
static void client_next(pr_Client *self, zactor_ctx *ctx)
{
    probe *p = self->probe;
    while (p->to_make > 0) {
        p->to_make--;
        static const uint8_t hows[] = {HOW_NOW, HOW_HOLD, HOW_BACKEND, HOW_FAIL_CODE};
        uint8_t how = hows[p->round++ % (sizeof hows)];
        if (client_request(self, ctx, p->round, how) == 0)
            return; /* its answer makes the next one */
    }
    atomic_store(&p->finished, true);
}

void pr_Client_on_Go(pr_Client *self, zactor_ctx *ctx, const pr_Go *msg)
{
    probe *p = self->probe;
    if (msg->how == 255) {
        p->to_make = msg->count;
        client_next(self, ctx);
        return;
    }
    if (msg->how == HOW_CHECK) {
        uint64_t id = 0;
        CHECK_EQ(pr_Server_request_Check_tracked(self->server, ctx, &(pr_Check){0}, &id), 0);
        p->ids[0] = id;
        atomic_store(&p->issued, 1);
        return;
    }
    for (uint32_t i = 0; i < msg->count; i++)
        client_request(self, ctx, msg->value, msg->how);
}

void pr_Client_on_Verdict(pr_Client *self, zactor_ctx *ctx, const pr_Verdict *msg)
{
    (void)ctx;
    (void)msg;
    probe *p = self->probe;
    atomic_fetch_add(&p->done, 1);
}

static bool stressing(const probe *p)
{
    return p->to_make > 0 || p->round > 0;
}

void pr_Client_on_Done(pr_Client *self, zactor_ctx *ctx, const pr_Done *msg)
{
    probe *p = self->probe;
    atomic_store(&p->last_value, msg->value);
    atomic_fetch_add(&p->done, 1);
    if (stressing(p))
        client_next(self, ctx);
}

void pr_Client_on_request_error(pr_Client *self, zactor_ctx *ctx, const zactor_request_error *error)
{
    probe *p = self->probe;
    unsigned issued = atomic_load(&p->issued);
    bool known = false;
    for (unsigned i = 0; i < issued; i++) {
        if (p->ids[i] == error->request) {
            CHECK_EQ(p->answered[i], 0); /* one notice per request */
            p->answered[i] = 1;
            p->error_seen[i] = *error;
            known = true;
            break;
        }
    }
    CHECK(known);
    atomic_fetch_add(&p->errors, 1);
    if (stressing(p))
        client_next(self, ctx);
}

void pr_Plain_on_Go(pr_Plain *self, zactor_ctx *ctx, const pr_Go *msg)
{
    probe *p = self->probe;
    pr_Work work = work_of(msg->value, msg->how);
    atomic_store(&p->last_rc, pr_Server_request_Work(self->server, ctx, &work));
    atomic_fetch_add(&p->issued, 1);
    /* Without `on request_error;` nothing can be tracked. */
    uint64_t id = 7;
    work = work_of(msg->value, msg->how);
    CHECK_EQ(pr_Server_request_Work_tracked(self->server, ctx, &work, &id), ZACTOR_ETYPE);
    CHECK_EQ(id, 0);
}

void pr_Plain_on_Done(pr_Plain *self, zactor_ctx *ctx, const pr_Done *msg)
{
    (void)ctx;
    probe *p = self->probe;
    atomic_store(&p->last_value, msg->value);
    atomic_fetch_add(&p->done, 1);
}

/* ---- Helpers ---- */

typedef struct world {
    zactor_system *sys;
    pr_Backend_ref backend;
    pr_Server_ref server;
    book *book;
    pr_Client_ref client;
    probe *probe;
} world;

static world make_world(unsigned workers)
{
    world w;
    w.sys = start_system(workers);
    w.backend = pr_Backend_spawn(w.sys, NULL);
    w.book = calloc(1, sizeof *w.book);
    w.probe = calloc(1, sizeof *w.probe);
    CHECK(w.book && w.probe);
    pr_Server server = {w.backend, w.book};
    w.server = pr_Server_spawn(w.sys, &server);
    pr_Client client = {w.server, w.probe};
    w.client = pr_Client_spawn(w.sys, &client);
    CHECK(!zactor_ref_is_null(w.server.raw) && !zactor_ref_is_null(w.client.raw));
    return w;
}

static void end_world(world *w)
{
    CHECK_EQ(zactor_system_destroy(w->sys), 0);
    free(w->book);
    free(w->probe);
}

static void go(pr_Client_ref client, uint32_t value, uint8_t how, uint32_t count)
{
    CHECK_EQ(pr_Client_send_Go(client, &(pr_Go){value, how, count}), 0);
}

static void finish(pr_Server_ref server, uint8_t how)
{
    CHECK_EQ(pr_Server_send_Finish(server, &(pr_Finish){how}), 0);
}

static void wait_open_promises(zactor_system *sys, size_t count)
{
    while (zactor__promises_open(sys) != count)
        sleep_ms(1);
}

/* ---- Cases ---- */

static void test_now(void)
{
    world w = make_world(2);
    go(w.client, 41, HOW_NOW, 1);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->issued), 1);
    CHECK_EQ(atomic_load(&w.probe->done), 1);
    CHECK_EQ(atomic_load(&w.probe->last_value), 42);
    CHECK_EQ(atomic_load(&w.probe->errors), 0);
    CHECK_EQ(zactor__requests_pending(w.sys), 0);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 0);
    /* After the answer, the id is gone: the timer would find nothing. */
    CHECK(!zactor__request_expire(w.sys, w.probe->ids[0]));
    end_world(&w);
}

static void test_target_ends(void)
{
    world w = make_world(2);
    probe plain_probe;
    memset(&plain_probe, 0, sizeof plain_probe);
    pr_Plain_ref plain = pr_Plain_spawn(w.sys, &(pr_Plain){w.server, &plain_probe});
    test_gate_close(&gate);
    CHECK_EQ(pr_Server_send_Hold(w.server, &(pr_Hold){0}), 0);
    test_gate_wait_held(&gate);
    /* Queued behind the Quit: never handled. */
    CHECK_EQ(pr_Server_send_Quit(w.server, &(pr_Quit){0}), 0);
    go(w.client, 1, HOW_NOW, 1);
    CHECK_EQ(pr_Plain_send_Go(plain, &(pr_Go){1, HOW_NOW, 1}), 0);
    /* Both requests queued (the Plain's one, and its refused tracked one). */
    while (atomic_load(&w.probe->issued) != 1 || atomic_load(&plain_probe.issued) != 1)
        sleep_ms(1);
    CHECK_EQ(atomic_load(&plain_probe.last_rc), 0);
    CHECK_EQ(zactor__requests_pending(w.sys), 1);
    sleep_ms(5);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(w.sys), 0);

    CHECK_EQ(atomic_load(&w.probe->done), 0);
    CHECK_EQ(atomic_load(&w.probe->errors), 1);
    const zactor_request_error *error = &w.probe->error_seen[0];
    CHECK_EQ(error->request, w.probe->ids[0]);
    CHECK_EQ(error->code, ZACTOR_EDEAD);
    CHECK(error->target.cell == w.server.raw.cell);
    CHECK_EQ(error->target.generation, w.server.raw.generation);
    CHECK_EQ(error->message_type_id, PR_WORK_TYPE_ID);
    /* The Plain heard nothing; both envelopes are dead letters. */
    CHECK_EQ(atomic_load(&plain_probe.done), 0);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 2);
    CHECK_EQ(zactor__requests_pending(w.sys), 0);

    /* Refused at the send: the caller hears of it, no notice follows. */
    go(w.client, 1, HOW_NOW, 1);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->last_rc), ZACTOR_EDEAD);
    CHECK_EQ(atomic_load(&w.probe->refused), 1);
    CHECK_EQ(atomic_load(&w.probe->errors), 1);
    CHECK_EQ(zactor__requests_pending(w.sys), 0);
    end_world(&w);
}

typedef struct asker {
    pthread_t thread;
    pr_Server_ref server;
    uint32_t value;
    uint8_t how;
    int rc;
    pr_Done out;
} asker;

static void *asker_main(void *arg)
{
    asker *a = arg;
    pr_Work work = work_of(a->value, a->how);
    a->rc = pr_Server_ask_Work(a->server, &work, &a->out, ZACTOR_TIMEOUT_NEVER);
    return NULL;
}

static void ask_start(asker *a, pr_Server_ref server, uint32_t value, uint8_t how)
{
    memset(a, 0, sizeof *a);
    a->server = server;
    a->value = value;
    a->how = how;
    CHECK_EQ(pthread_create(&a->thread, NULL, asker_main, a), 0);
}

static int ask_join(asker *a)
{
    CHECK_EQ(pthread_join(a->thread, NULL), 0);
    if (a->rc == 0)
        zactor_bytes_release(a->out.echo);
    return a->rc;
}

static void test_dropped(void)
{
    /* The holder fails: every promise it held answers EDEAD. */
    world w = make_world(2);
    go(w.client, 1, HOW_HOLD, 3);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(zactor__promises_open(w.sys), 3);
    CHECK_EQ(atomic_load(&w.probe->errors), 0);
    CHECK_EQ(pr_Server_send_Quit(w.server, &(pr_Quit){1}), 0);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->errors), 3);
    CHECK_EQ(atomic_load(&w.probe->done), 0);
    for (unsigned i = 0; i < 3; i++) {
        CHECK_EQ(w.probe->answered[i], 1);
        CHECK_EQ(w.probe->error_seen[i].code, ZACTOR_EDEAD);
    }
    CHECK_EQ(zactor__promises_open(w.sys), 0);
    CHECK_EQ(zactor__requests_pending(w.sys), 0);
    end_world(&w);

    /* A promise whose handler fails right after deferring. */
    w = make_world(2);
    go(w.client, 1, HOW_FAIL_SELF, 1);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->errors), 1);
    CHECK_EQ(w.probe->error_seen[0].code, ZACTOR_EDEAD);
    CHECK_EQ(zactor__promises_open(w.sys), 0);
    end_world(&w);

    /* Killed holding a requester's and an asker's promise. */
    w = make_world(2);
    go(w.client, 1, HOW_HOLD, 1);
    asker a;
    ask_start(&a, w.server, 5, HOW_HOLD);
    wait_open_promises(w.sys, 2);
    CHECK_EQ(zactor_kill(w.server.raw, -97), 0);
    CHECK_EQ(ask_join(&a), ZACTOR_EDEAD);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->errors), 1);
    CHECK_EQ(w.probe->error_seen[0].code, ZACTOR_EDEAD);
    CHECK_EQ(zactor__promises_open(w.sys), 0);
    end_world(&w);

    /* Destroyed holding an asker's promise: the stop wakes the asker with
     * ZACTOR_ESTOPPED; destroy answers the promise when the holder ends,
     * which frees the asker's waiter (LSan checks). */
    w = make_world(2);
    ask_start(&a, w.server, 5, HOW_HOLD);
    wait_open_promises(w.sys, 1);
    zactor_system_stop(w.sys);
    CHECK_EQ(ask_join(&a), ZACTOR_ESTOPPED);
    CHECK_EQ(zactor__promises_open(w.sys), 1);
    end_world(&w);
}

static void test_third_actor(void)
{
    world w = make_world(2);
    go(w.client, 21, HOW_BACKEND, 2);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->done), 2);
    CHECK_EQ(atomic_load(&w.probe->last_value), 42);
    CHECK_EQ(atomic_load(&w.probe->errors), 0);
    CHECK_EQ(atomic_load(&w.book->backend_errors), 0);

    asker a;
    ask_start(&a, w.server, 50, HOW_BACKEND);
    CHECK_EQ(ask_join(&a), 0);
    CHECK_EQ(a.out.value, 100);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(zactor__promises_open(w.sys), 0);
    CHECK_EQ(zactor__requests_pending(w.sys), 0);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 0);
    end_world(&w);
}

static void test_double(void)
{
    world w = make_world(2);
    go(w.client, 9, HOW_MISUSE, 1);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.book->misuse_runs), 1);
    CHECK_EQ(w.book->misuse[0], ZACTOR_EARG); /* a second defer */
    CHECK_EQ(w.book->misuse[1], ZACTOR_EARG); /* another entry's fulfil */
    CHECK_EQ(w.book->misuse[2], 0);           /* the fulfil */
    CHECK_EQ(w.book->misuse[3], ZACTOR_EARG); /* a second fulfil */
    CHECK_EQ(w.book->misuse[4], ZACTOR_EARG); /* a fail after it */
    CHECK_EQ(w.book->misuse[5], ZACTOR_EARG); /* no place for the promise */
    CHECK_EQ(w.book->misuse[6], ZACTOR_EARG); /* another entry's defer */
    /* One answer: the first fulfil's (the thunk's own reply is not sent). */
    CHECK_EQ(atomic_load(&w.probe->done), 1);
    CHECK_EQ(atomic_load(&w.probe->last_value), 10);
    CHECK_EQ(atomic_load(&w.probe->errors), 0);

    /* A defer outside a request handler. */
    finish(w.server, FINISH_DEFER);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.book->misuse_runs), 2);
    CHECK_EQ(w.book->misuse[0], ZACTOR_EARG);
    CHECK_EQ(zactor__promises_open(w.sys), 0);

    /* A promise answered with a code by the handler that deferred it. */
    go(w.client, 9, HOW_FAIL_CODE, 1);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->errors), 1);
    CHECK_EQ(w.probe->error_seen[1].code, ZACTOR_ENOENT);
    CHECK_EQ(atomic_load(&w.probe->done), 1);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 0);

    /* A stale promise, whose slot now holds a newer promise of the same
     * actor (slots are reused last freed first): refused, the newer one
     * stays open. */
    go(w.client, 1, HOW_HOLD, 1);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    finish(w.server, FINISH_FULFIL);
    go(w.client, 1, HOW_HOLD, 1);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(zactor__promises_open(w.sys), 1);
    finish(w.server, FINISH_STALE);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.book->misuse_runs), 3);
    CHECK_EQ(w.book->misuse[0], ZACTOR_EARG);
    CHECK_EQ(zactor__promises_open(w.sys), 1);
    /* Another actor's promise: refused. */
    pr_Server_ref other = pr_Server_spawn(w.sys, &(pr_Server){w.backend, w.book});
    finish(other, FINISH_FOREIGN);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.book->misuse_runs), 4);
    CHECK_EQ(w.book->misuse[0], ZACTOR_EARG);
    CHECK_EQ(zactor__promises_open(w.sys), 1);
    finish(w.server, FINISH_FULFIL);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->done), 3);
    CHECK_EQ(atomic_load(&w.probe->last_value), FULFILLED_VALUE);
    CHECK_EQ(zactor__promises_open(w.sys), 0);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 0);

    /* From outside any handler: refused. */
    zactor_promise none = {1};
    CHECK_EQ(zactor_promise_fail(NULL, none, ZACTOR_EDEAD), ZACTOR_EARG);
    CHECK_EQ(zactor_defer(NULL, 0, &none), ZACTOR_EARG);
    CHECK_EQ(none.id, 0);
    end_world(&w);
}

static void test_ask(void)
{
    world w = make_world(2);
    asker a;
    /* Fulfilled later, from another handler. */
    ask_start(&a, w.server, 1, HOW_HOLD);
    wait_open_promises(w.sys, 1);
    finish(w.server, FINISH_FULFIL);
    CHECK_EQ(ask_join(&a), 0);
    CHECK_EQ(a.out.value, FULFILLED_VALUE);
    /* Failed with a code. */
    ask_start(&a, w.server, 1, HOW_HOLD);
    wait_open_promises(w.sys, 1);
    finish(w.server, FINISH_FAIL);
    CHECK_EQ(ask_join(&a), ZACTOR_ENOENT);
    /* Failed by the handler that deferred. */
    ask_start(&a, w.server, 1, HOW_FAIL_CODE);
    CHECK_EQ(ask_join(&a), ZACTOR_ENOENT);
    /* Dropped: the holder stops. */
    ask_start(&a, w.server, 1, HOW_HOLD);
    wait_open_promises(w.sys, 1);
    finish(w.server, FINISH_STOP);
    CHECK_EQ(ask_join(&a), ZACTOR_EDEAD);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(zactor__promises_open(w.sys), 0);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 0);
    end_world(&w);
}

static void test_expire(void)
{
    world w = make_world(2);
    test_gate_close(&gate);
    CHECK_EQ(pr_Server_send_Hold(w.server, &(pr_Hold){0}), 0);
    test_gate_wait_held(&gate);
    go(w.client, 1, HOW_NOW, 1);
    while (atomic_load(&w.probe->issued) != 1)
        sleep_ms(1);
    uint64_t id = w.probe->ids[0];
    CHECK(zactor__request_expire(w.sys, id));
    CHECK(!zactor__request_expire(w.sys, id)); /* once */
    CHECK(!zactor__request_expire(w.sys, id + 1000));
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->errors), 1);
    CHECK_EQ(w.probe->error_seen[0].code, ZACTOR_ETIMEDOUT);
    CHECK_EQ(w.probe->error_seen[0].request, id);
    /* The Server still answered: the late reply is a dead letter. */
    CHECK_EQ(atomic_load(&w.probe->done), 0);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 1);
    CHECK_EQ(zactor__requests_pending(w.sys), 0);

    /* A deferred reply that comes after the expiry: dead letter too. */
    go(w.client, 1, HOW_HOLD, 1);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK(zactor__request_expire(w.sys, w.probe->ids[1]));
    finish(w.server, FINISH_FULFIL);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->errors), 2);
    CHECK_EQ(w.probe->error_seen[1].code, ZACTOR_ETIMEDOUT);
    CHECK_EQ(atomic_load(&w.probe->done), 0);
    CHECK_EQ(zactor_system_dead_letters(w.sys), 2);
    CHECK_EQ(zactor__promises_open(w.sys), 0);
    end_world(&w);
}

static void test_invalid(void)
{
    world w = make_world(2);
    go(w.client, 0, HOW_CHECK, 1);
    CHECK_EQ(zactor_system_wait(w.sys), 0);
    CHECK_EQ(atomic_load(&w.probe->done), 0);
    CHECK_EQ(atomic_load(&w.probe->errors), 1);
    CHECK_EQ(w.probe->error_seen[0].code, ZACTOR_EINVAL);
    CHECK_EQ(w.probe->error_seen[0].message_type_id, PR_CHECK_TYPE_ID);
    pr_Verdict out;
    CHECK_EQ(pr_Server_ask_Check(w.server, &(pr_Check){0}, &out, ZACTOR_TIMEOUT_NEVER),
             ZACTOR_EINVAL);
    CHECK_EQ(zactor__requests_pending(w.sys), 0);
    end_world(&w);
}

/* ---- Stress ---- */

#define SERVERS 4u
#define CLIENTS 8u
#define ASKERS 3u

typedef struct stress {
    zactor_system *sys;
    pr_Server_ref servers[SERVERS];
    atomic_bool done;
    unsigned asks;
} stress;

static void *stress_asker(void *arg)
{
    stress *s = arg;
    static const uint8_t hows[] = {HOW_NOW, HOW_HOLD, HOW_BACKEND, HOW_FAIL_CODE};
    for (unsigned i = 0; i < s->asks; i++) {
        uint8_t how = hows[i % sizeof hows];
        pr_Work work = work_of(i, how);
        pr_Done out;
        int rc = pr_Server_ask_Work(s->servers[i % SERVERS], &work, &out, ZACTOR_TIMEOUT_NEVER);
        if (rc == 0) {
            uint32_t want = how == HOW_NOW ? i + 1u : how == HOW_HOLD ? FULFILLED_VALUE : i * 2u;
            CHECK_EQ(out.value, want);
            zactor_bytes_release(out.echo);
        } else if (how == HOW_FAIL_CODE && rc == ZACTOR_ENOENT) {
            /* as asked */
        } else {
            /* Server 0 is killed midway. */
            CHECK_EQ(rc, ZACTOR_EDEAD);
            CHECK_EQ(i % SERVERS, 0);
        }
    }
    return NULL;
}

/* Answers held promises until the clients are done. */
static void *stress_flusher(void *arg)
{
    stress *s = arg;
    while (!atomic_load(&s->done)) {
        for (unsigned i = 0; i < SERVERS; i++)
            (void)pr_Server_send_Finish(s->servers[i], &(pr_Finish){FINISH_FULFIL});
        sleep_ms(1);
    }
    return NULL;
}

static void test_stress(void)
{
    stress s;
    memset(&s, 0, sizeof s);
    s.sys = start_system(4);
    s.asks = (unsigned)scaled(300);
    unsigned per_client = (unsigned)scaled(400);
    CHECK(per_client < IDS_MAX);
    book *books = calloc(SERVERS, sizeof *books);
    probe *probes = calloc(CLIENTS, sizeof *probes);
    CHECK(books && probes);
    pr_Backend_ref backend = pr_Backend_spawn(s.sys, NULL);
    for (unsigned i = 0; i < SERVERS; i++)
        s.servers[i] = pr_Server_spawn(s.sys, &(pr_Server){backend, &books[i]});
    pr_Client_ref clients[CLIENTS];
    for (unsigned i = 0; i < CLIENTS; i++)
        clients[i] = pr_Client_spawn(s.sys, &(pr_Client){s.servers[i % SERVERS], &probes[i]});

    pthread_t askers[ASKERS], flusher;
    CHECK_EQ(pthread_create(&flusher, NULL, stress_flusher, &s), 0);
    for (unsigned i = 0; i < ASKERS; i++)
        CHECK_EQ(pthread_create(&askers[i], NULL, stress_asker, &s), 0);
    for (unsigned i = 0; i < CLIENTS; i++)
        go(clients[i], 0, 255, per_client);
    /* Kill server 0 once its clients are halfway. */
    while (atomic_load(&probes[0].done) + atomic_load(&probes[0].errors) < per_client / 2)
        sleep_ms(1);
    CHECK_EQ(zactor_kill(s.servers[0].raw, -96), 0);

    for (bool all = false; !all;) {
        all = true;
        for (unsigned i = 0; i < CLIENTS; i++)
            all = all && atomic_load(&probes[i].finished);
        if (!all)
            sleep_ms(1);
    }
    for (unsigned i = 0; i < ASKERS; i++)
        CHECK_EQ(pthread_join(askers[i], NULL), 0);
    atomic_store(&s.done, true);
    CHECK_EQ(pthread_join(flusher, NULL), 0);
    CHECK_EQ(zactor_system_wait(s.sys), 0);

    for (unsigned i = 0; i < CLIENTS; i++) {
        probe *p = &probes[i];
        unsigned issued = atomic_load(&p->issued), refused = atomic_load(&p->refused);
        /* Every request made: refused at once, or answered exactly once. */
        CHECK_EQ(issued + refused, per_client);
        CHECK_EQ(atomic_load(&p->done) + atomic_load(&p->errors), issued);
        for (unsigned j = 0; j < issued; j++) {
            if (!p->answered[j])
                continue;
            int code = p->error_seen[j].code;
            CHECK(code == ZACTOR_ENOENT || (code == ZACTOR_EDEAD && i % SERVERS == 0));
        }
        if (i % SERVERS != 0)
            CHECK_EQ(refused, 0);
    }
    CHECK_EQ(zactor__promises_open(s.sys), 0);
    CHECK_EQ(zactor__requests_pending(s.sys), 0);
    CHECK_EQ(zactor_system_destroy(s.sys), 0);
    free(books);
    free(probes);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    const char *which = argv[1];
    if (strcmp(which, "now") == 0)
        test_now();
    else if (strcmp(which, "target_ends") == 0)
        test_target_ends();
    else if (strcmp(which, "dropped") == 0)
        test_dropped();
    else if (strcmp(which, "third_actor") == 0)
        test_third_actor();
    else if (strcmp(which, "double") == 0)
        test_double();
    else if (strcmp(which, "ask") == 0)
        test_ask();
    else if (strcmp(which, "expire") == 0)
        test_expire();
    else if (strcmp(which, "invalid") == 0)
        test_invalid();
    else if (strcmp(which, "stress") == 0)
        test_stress();
    else
        return 2;
    return 0;
}
