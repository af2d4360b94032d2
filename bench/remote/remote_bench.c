/*
 * Remote workloads R1-R3 (see bench/README.md and the peers'
 * ../shared/peers/remote/README.md): two processes, each a node, over
 * ZeroMQ on TCP loopback. The server node "rb-server" registers a hub
 * actor; the client node "rb-client" connects, looks the hub up, asks it
 * (zactor ask, from main) to spawn the server-side actors, then runs one
 * workload between its own actors and those, timing it inside the client.
 *
 *   remote_bench server [ENDPOINT]      (default tcp://127.0.0.1:0) prints
 *       "LISTEN <endpoint>" and serves until SIGTERM/SIGINT or 600 s
 *   remote_bench client ENDPOINT r1 [N]      (default 50000)
 *   remote_bench client ENDPOINT r2 [K [M]]  (default 4 1000000; M is
 *       rounded down to a multiple of 100)
 *   remote_bench client ENDPOINT r3 [M]      (default 2000000)
 *
 * R1: a pinger here, a ponger there, one Ping{seq, from} in flight, the
 * Pong back to `from`; 1,000 untimed round trips, then N timed; every 16th
 * timed one sampled. R2: K clients here, each with its own echo there,
 * batches of 100 Request{from}, each answered with a Reply to `from`.
 * R3: one sender here streams Number 0..M-1 to a sink there in one
 * handler, no flow control; the sink acks (count, sum) after the M-th.
 */
#define _POSIX_C_SOURCE 200809L
#include "rb.zidl.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "tsan_zmq.h"

#define PROGRAM "remote_bench"
#define USAGE                                                                    \
    "server [ENDPOINT] | client ENDPOINT r1 [N] | client ENDPOINT r2 [K [M]] | " \
    "client ENDPOINT r3 [M]"
#define SERVER_NODE "rb-server"
#define CLIENT_NODE "rb-client"
#define HUB_NAME "hub"
#define SAMPLE_EVERY 16u
#define R1_WARMUP 1000u
#define BATCH 100u
#define SERVER_MAX_S 600
/* Set-up steps (connect, lookup, a hub's spawn) and a whole workload wait
 * at most this long. */
#define SETUP_TIMEOUT_NS (UINT64_C(10) * 1000000000u)
#define RUN_TIMEOUT_S 300
/* A peer silent this long is down. Longer than the runtime's default (800
 * ms) so that a loaded 2-core machine running both processes does not
 * declare the other node down in the middle of a run. */
#define DOWN_AFTER_MS 5000u

/* ------------------------------------------------------------------ */
/* Completion: how the client's main thread learns a workload is over    */

/* zactor_system_wait cannot tell: with every local actor idle while
 * messages are on the wire or with the other node, the client's system is
 * quiescent. So the handler that ends a workload (or the node hook, or a
 * handler whose send failed) sets `outcome` under the lock; main waits on
 * the condition. The lock also orders every write of the workload's
 * handlers to its report before main reads it. */
enum outcome { RUNNING = 0, FINISHED, SERVER_DOWN, SEND_FAILED };
static pthread_mutex_t completion_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t completion_cond = PTHREAD_COND_INITIALIZER;
static enum outcome completion = RUNNING;

static void complete(enum outcome outcome)
{
    pthread_mutex_lock(&completion_lock);
    if (completion == RUNNING)
        completion = outcome;
    pthread_cond_broadcast(&completion_cond);
    pthread_mutex_unlock(&completion_lock);
}

/* Waits for complete(); exits with FAILED unless the workload finished. */
static void await_completion(const char *workload)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += RUN_TIMEOUT_S;
    pthread_mutex_lock(&completion_lock);
    int rc = 0;
    while (completion == RUNNING && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&completion_cond, &completion_lock, &deadline);
    enum outcome outcome = completion;
    pthread_mutex_unlock(&completion_lock);
    const char *why = NULL;
    switch (outcome) {
    case FINISHED:
        return;
    case RUNNING:
        why = "not finished in time";
        break;
    case SERVER_DOWN:
        why = "the server node went down";
        break;
    case SEND_FAILED:
        why = "a send failed";
        break;
    }
    fprintf(stderr, "%s: FAILED: %s: %s\n", PROGRAM, workload, why);
    exit(1);
}

/* ------------------------------------------------------------------ */
/* Server side: the hub and the actors it spawns                         */

void rb_Hub_on_SpawnPonger(rb_Hub *self, zactor_ctx *ctx, const rb_SpawnPonger *msg,
                           rb_PongerSpawned *reply)
{
    (void)self;
    (void)msg;
    /* A failed spawn answers a null ref: the client fails the run. */
    reply->ponger = rb_Ponger_spawn(zactor_ctx_system(ctx), NULL);
}

void rb_Hub_on_SpawnEcho(rb_Hub *self, zactor_ctx *ctx, const rb_SpawnEcho *msg,
                         rb_EchoSpawned *reply)
{
    (void)self;
    (void)msg;
    reply->echo = rb_Echo_spawn(zactor_ctx_system(ctx), NULL);
}

void rb_Hub_on_SpawnSink(rb_Hub *self, zactor_ctx *ctx, const rb_SpawnSink *msg,
                         rb_SinkSpawned *reply)
{
    (void)self;
    reply->sink =
        rb_Sink_spawn(zactor_ctx_system(ctx), &(rb_Sink){.m = msg->m, .sender = msg->sender});
}

void rb_Ponger_on_Ping(rb_Ponger *self, zactor_ctx *ctx, const rb_Ping *msg)
{
    (void)self;
    (void)ctx;
    /* A failed reply shows as missing round trips: the client stalls and
     * fails by its timeout, or sees the node down. */
    rb_Pinger_send_Pong(msg->from, &(rb_Pong){.seq = msg->seq});
}

void rb_Ponger_on_Quit(rb_Ponger *self, zactor_ctx *ctx, const rb_Quit *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

void rb_Echo_on_Request(rb_Echo *self, zactor_ctx *ctx, const rb_Request *msg)
{
    (void)self;
    (void)ctx;
    rb_Client_send_Reply(msg->from, &(rb_Reply){0});
}

void rb_Echo_on_Quit(rb_Echo *self, zactor_ctx *ctx, const rb_Quit *msg)
{
    (void)self;
    (void)msg;
    zactor_stop(ctx);
}

void rb_Sink_on_Number(rb_Sink *self, zactor_ctx *ctx, const rb_Number *msg)
{
    self->sum += msg->value;
    if (++self->count < self->m)
        return;
    /* A lost Ack leaves the client waiting: it fails by its timeout. */
    rb_Sender_send_Ack(self->sender, &(rb_Ack){.count = self->count, .sum = self->sum});
    zactor_stop(ctx);
}

static void server_hook(void *user, const zactor_node_event *event)
{
    (void)user;
    static const char *const kinds[] = {"?", "up", "down", "bad-input", "unknown-type"};
    unsigned kind = (unsigned)event->kind < 5 ? (unsigned)event->kind : 0;
    fprintf(stderr, "INFO server peer=%s event=%s %s\n", event->peer, kinds[kind], event->reason);
}

static zactor_system *node_create(const char *name, zactor_node_hook_fn hook)
{
    zactor_system *sys = bench_system_create(PROGRAM);
    zactor_node_config cfg;
    zactor_node_config_init(&cfg);
    cfg.name = name;
    cfg.down_after_ms = DOWN_AFTER_MS;
    cfg.hook = hook;
    int rc = zactor_node_start(sys, &cfg);
    if (rc != 0) {
        fprintf(stderr, "%s: FAILED: zactor_node_start: %s\n", PROGRAM, zactor_strerror(rc));
        exit(1);
    }
    return sys;
}

static int server_main(int argc, char **argv)
{
    const char *endpoint = argc > 2 ? argv[2] : "tcp://127.0.0.1:0";
    /* Blocked before any thread starts, so that every thread inherits the
     * mask and sigtimedwait below is the only taker. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0)
        bench_fail(PROGRAM, "pthread_sigmask");

    zactor_system *sys = node_create(SERVER_NODE, server_hook);
    rb_Hub_ref hub = rb_Hub_spawn(sys, NULL);
    if (zactor_ref_is_null(hub.raw))
        bench_fail(PROGRAM, "spawn the hub");
    int rc = rb_Hub_register(sys, HUB_NAME, hub);
    if (rc != 0) {
        fprintf(stderr, "%s: FAILED: register the hub: %s\n", PROGRAM, zactor_strerror(rc));
        return 1;
    }
    char bound[ZACTOR_NODE_ENDPOINT_MAX + 1];
    rc = zactor_node_listen(sys, endpoint, bound, sizeof bound);
    if (rc != 0) {
        fprintf(stderr, "%s: FAILED: listen on %s: %s\n", PROGRAM, endpoint, zactor_strerror(rc));
        return 1;
    }
    printf("LISTEN %s\n", bound);
    fflush(stdout);

    struct timespec limit = {.tv_sec = SERVER_MAX_S};
    int sig = sigtimedwait(&stop, NULL, &limit);
    zactor_node_stats st;
    zactor_node_stats_read(sys, &st);
    fprintf(stderr,
            "INFO server stopping (%s) records_sent=%" PRIu64 " records_received=%" PRIu64
            " batches_sent=%" PRIu64 " bad_input=%" PRIu64 " unknown_types=%" PRIu64 "\n",
            sig > 0 ? strsignal(sig) : "time limit", st.records_sent, st.records_received,
            st.batches_sent, st.bad_input, st.unknown_types);
    zactor_system_destroy(sys);
    return 0;
}

/* ------------------------------------------------------------------ */
/* R1: remote ping-pong                                                  */

/* Written by the pinger only; main reads it after await_completion. */
struct r1_report {
    uint64_t t_start, t_end; /* ns: first timed send, receipt of the last Pong */
    uint64_t *latencies;     /* n / SAMPLE_EVERY + 1 slots, preallocated */
    uint64_t samples;
    uint64_t round_trips; /* warm-up ones included */
    uint64_t out_of_order;
};

static void send_ping(rb_Pinger *self, zactor_ctx *ctx, uint64_t seq)
{
    self->in_flight = seq;
    if (rb_Ponger_send_Ping(self->ponger, &(rb_Ping){.seq = seq, .from = {zactor_self(ctx)}}) != 0)
        complete(SEND_FAILED);
}

void rb_Pinger_on_start(rb_Pinger *self, zactor_ctx *ctx)
{
    send_ping(self, ctx, 0);
}

/* Seqs 0 .. R1_WARMUP-1 are the warm-up; R1_WARMUP .. R1_WARMUP+n-1 are
 * timed, and of those every 16th is sampled, the first included. */
void rb_Pinger_on_Pong(rb_Pinger *self, zactor_ctx *ctx, const rb_Pong *msg)
{
    struct r1_report *report = self->report;
    uint64_t seq = msg->seq;
    if (seq >= R1_WARMUP && (seq - R1_WARMUP) % SAMPLE_EVERY == 0)
        report->latencies[report->samples++] = bench_now_ns() - self->t_sample;
    if (seq != self->in_flight)
        report->out_of_order++;
    report->round_trips++;
    uint64_t next = seq + 1;
    if (next == R1_WARMUP + self->n) {
        report->t_end = bench_now_ns();
        complete(FINISHED);
        return;
    }
    if (next == R1_WARMUP)
        report->t_start = bench_now_ns();
    if (next >= R1_WARMUP && (next - R1_WARMUP) % SAMPLE_EVERY == 0)
        self->t_sample = bench_now_ns();
    send_ping(self, ctx, next);
}

static void run_r1(zactor_system *sys, rb_Hub_ref hub, uint64_t n)
{
    struct r1_report report = {0};
    report.latencies = malloc((size_t)(n / SAMPLE_EVERY + 1) * sizeof *report.latencies);
    if (!report.latencies)
        bench_fail(PROGRAM, "cannot allocate the latency samples");
    rb_PongerSpawned spawned = {0};
    int rc = rb_Hub_ask_SpawnPonger(hub, &(rb_SpawnPonger){0}, &spawned, SETUP_TIMEOUT_NS);
    if (rc != 0 || zactor_ref_is_null(spawned.ponger.raw))
        bench_fail(PROGRAM, "the hub did not spawn a ponger");
    /* The pinger's `on start` sends the first Ping. */
    rb_Pinger_ref pinger =
        rb_Pinger_spawn(sys, &(rb_Pinger){.ponger = spawned.ponger, .n = n, .report = &report});
    if (zactor_ref_is_null(pinger.raw))
        bench_fail(PROGRAM, "spawn");
    await_completion("R1");
    if (report.round_trips != R1_WARMUP + n || report.out_of_order != 0) {
        fprintf(stderr,
                "%s: FAILED: R1: %" PRIu64 " of %" PRIu64 " round trips, %" PRIu64
                " out of order\n",
                PROGRAM, report.round_trips, R1_WARMUP + n, report.out_of_order);
        exit(1);
    }
    rb_Ponger_send_Quit(spawned.ponger, &(rb_Quit){0});

    double seconds = (double)(report.t_end - report.t_start) / 1e9;
    bench_result("R1", "rtt_per_s", (double)n / seconds, 0);
    bench_result("R1", "rtt_p50_ns",
                 (double)bench_percentile(report.latencies, report.samples, 0.50), 0);
    bench_result("R1", "rtt_p99_ns",
                 (double)bench_percentile(report.latencies, report.samples, 0.99), 0);
    bench_result("R1", "rtt_p999_ns",
                 (double)bench_percentile(report.latencies, report.samples, 0.999), 0);
    printf("INFO R1 " BENCH_SYSTEM " n=%" PRIu64 " warmup=%u elapsed_s=%.3f samples=%" PRIu64 "\n",
           n, R1_WARMUP, seconds, report.samples);
    free(report.latencies);
}

/* ------------------------------------------------------------------ */
/* R2: remote throughput                                                 */

static void send_batch(rb_Client *self, zactor_ctx *ctx)
{
    rb_Request request = {.from = {zactor_self(ctx)}};
    for (unsigned i = 0; i < BATCH; i++)
        if (rb_Echo_send_Request(self->echo, &request) != 0)
            self->send_errors++;
    self->remaining -= BATCH;
    self->outstanding = BATCH;
    if (self->send_errors)
        complete(SEND_FAILED); /* the missing replies would never come */
}

void rb_Client_on_Start(rb_Client *self, zactor_ctx *ctx, const rb_Start *msg)
{
    (void)msg;
    send_batch(self, ctx);
}

void rb_Client_on_Reply(rb_Client *self, zactor_ctx *ctx, const rb_Reply *msg)
{
    (void)msg;
    self->replies++;
    if (--self->outstanding > 0)
        return;
    if (self->remaining > 0) {
        send_batch(self, ctx);
        return;
    }
    rb_Done done = {.replies = self->replies, .send_errors = self->send_errors};
    if (rb_Reporter_send_Done(self->reporter, &done) != 0)
        complete(SEND_FAILED);
}

void rb_Reporter_on_Done(rb_Reporter *self, zactor_ctx *ctx, const rb_Done *msg)
{
    (void)ctx;
    bench_echo_report *report = self->report;
    bench_echo_report_add(report, self->clients, msg->replies, 0, msg->send_errors);
    if (report->done == self->clients)
        complete(FINISHED);
}

static void run_r2(zactor_system *sys, rb_Hub_ref hub, const char *workload, uint64_t k, uint64_t m)
{
    rb_Client_ref *clients = malloc((size_t)k * sizeof *clients);
    rb_Echo_ref *echoes = malloc((size_t)k * sizeof *echoes);
    if (!clients || !echoes)
        bench_fail(PROGRAM, "cannot allocate the refs");
    bench_echo_report report = {0};
    rb_Reporter_ref reporter =
        rb_Reporter_spawn(sys, &(rb_Reporter){.clients = k, .report = &report});
    if (zactor_ref_is_null(reporter.raw))
        bench_fail(PROGRAM, "spawn");
    for (uint64_t i = 0; i < k; i++) {
        rb_EchoSpawned spawned = {0};
        int rc = rb_Hub_ask_SpawnEcho(hub, &(rb_SpawnEcho){0}, &spawned, SETUP_TIMEOUT_NS);
        if (rc != 0 || zactor_ref_is_null(spawned.echo.raw))
            bench_fail(PROGRAM, "the hub did not spawn an echo");
        echoes[i] = spawned.echo;
        clients[i] =
            rb_Client_spawn(sys,
                            &(rb_Client){.echo = echoes[i], .reporter = reporter, .remaining = m});
        if (zactor_ref_is_null(clients[i].raw))
            bench_fail(PROGRAM, "spawn");
    }

    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < k; i++)
        if (rb_Client_send_Start(clients[i], &(rb_Start){0}) != 0)
            bench_fail(PROGRAM, "send Start");
    await_completion("R2");
    bench_echo_report_check(PROGRAM, &report, k, m);
    for (uint64_t i = 0; i < k; i++)
        rb_Echo_send_Quit(echoes[i], &(rb_Quit){0});

    double seconds = (double)(report.t_end - t0) / 1e9;
    bench_result(workload, "msgs_per_s", 2.0 * (double)m * (double)k / seconds, 0);
    printf("INFO R2 " BENCH_SYSTEM " k=%" PRIu64 " m=%" PRIu64 " batch=%u elapsed_s=%.3f\n", k, m,
           BATCH, seconds);
    free(clients);
    free(echoes);
}

/* ------------------------------------------------------------------ */
/* R3: one-way stream                                                    */

/* Written by the sender only; main reads it after await_completion. */
struct r3_report {
    uint64_t t_start, t_end; /* ns: the first send, receipt of the Ack */
    uint64_t count, sum;     /* the Ack's */
};

void rb_Sender_on_Stream(rb_Sender *self, zactor_ctx *ctx, const rb_Stream *msg)
{
    (void)ctx;
    struct r3_report *report = self->report;
    report->t_start = bench_now_ns();
    for (uint64_t i = 0; i < self->m; i++)
        if (rb_Sink_send_Number(msg->sink, &(rb_Number){.value = i}) != 0)
            self->send_errors++;
    if (self->send_errors)
        complete(SEND_FAILED); /* the Ack would never come */
}

void rb_Sender_on_Ack(rb_Sender *self, zactor_ctx *ctx, const rb_Ack *msg)
{
    (void)ctx;
    struct r3_report *report = self->report;
    report->t_end = bench_now_ns();
    report->count = msg->count;
    report->sum = msg->sum;
    complete(FINISHED);
}

static void run_r3(zactor_system *sys, rb_Hub_ref hub, uint64_t m)
{
    struct r3_report report = {0};
    rb_Sender_ref sender = rb_Sender_spawn(sys, &(rb_Sender){.m = m, .report = &report});
    if (zactor_ref_is_null(sender.raw))
        bench_fail(PROGRAM, "spawn");
    rb_SinkSpawned spawned = {0};
    int rc = rb_Hub_ask_SpawnSink(hub, &(rb_SpawnSink){.m = m, .sender = sender}, &spawned,
                                  SETUP_TIMEOUT_NS);
    if (rc != 0 || zactor_ref_is_null(spawned.sink.raw))
        bench_fail(PROGRAM, "the hub did not spawn a sink");
    if (rb_Sender_send_Stream(sender, &(rb_Stream){.sink = spawned.sink}) != 0)
        bench_fail(PROGRAM, "send Stream");
    await_completion("R3");

    uint64_t expect = m * (m - 1) / 2;
    bool ok = report.count == m && report.sum == expect;
    double seconds = (double)(report.t_end - report.t_start) / 1e9;
    bench_result("R3", "msgs_per_s", (double)m / seconds, 0);
    printf("INFO R3 " BENCH_SYSTEM " m=%" PRIu64 " elapsed_s=%.3f received=%" PRIu64 " sum=%" PRIu64
           " %s vmhwm_bytes=%" PRIu64 "\n",
           m, seconds, report.count, report.sum, ok ? "OK" : "MISMATCH",
           bench_proc_status_bytes("VmHWM"));
    if (!ok)
        bench_fail(PROGRAM, "R3: the sink's count or sum is wrong");
}

/* ------------------------------------------------------------------ */
/* Client                                                                */

static void client_hook(void *user, const zactor_node_event *event)
{
    (void)user;
    if (event->kind == ZACTOR_NODE_DOWN)
        complete(SERVER_DOWN);
}

static int client_main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s %s\n", argv[0], USAGE);
        return 2;
    }
    const char *endpoint = argv[2];
    const char *w = argv[3];
    /* R1: n; R2: k, m; R3: m. */
    uint64_t n = 0, k = 0, m = 0;
    /* The workload's name in RESULT and INFO lines. */
    char workload[32];
    if (strcmp(w, "r1") == 0) {
        n = bench_arg_count(argc, argv, 4, 50000, "N", USAGE);
        snprintf(workload, sizeof workload, "R1");
    } else if (strcmp(w, "r2") == 0) {
        k = bench_arg_count(argc, argv, 4, 4, "K", USAGE);
        m = bench_arg_count(argc, argv, 5, 1000000, "M", USAGE) / BATCH * BATCH;
        if (m == 0) {
            fprintf(stderr, "%s: M must be at least %u (one batch)\nusage: %s %s\n", argv[0], BATCH,
                    argv[0], USAGE);
            return 2;
        }
        snprintf(workload, sizeof workload, "R2_K%" PRIu64, k);
    } else if (strcmp(w, "r3") == 0) {
        m = bench_arg_count(argc, argv, 4, 2000000, "M", USAGE);
        snprintf(workload, sizeof workload, "R3");
    } else {
        fprintf(stderr, "%s: unknown workload '%s'\nusage: %s %s\n", argv[0], w, argv[0], USAGE);
        return 2;
    }

    zactor_system *sys = node_create(CLIENT_NODE, client_hook);
    char peer[ZACTOR_NODE_NAME_MAX + 1];
    int rc = zactor_node_connect(sys, endpoint, SETUP_TIMEOUT_NS, peer, sizeof peer);
    if (rc != 0) {
        fprintf(stderr, "%s: FAILED: connect to %s: %s\n", PROGRAM, endpoint, zactor_strerror(rc));
        return 1;
    }
    rb_Hub_ref hub;
    rc = rb_Hub_lookup_remote(sys, peer, HUB_NAME, SETUP_TIMEOUT_NS, &hub);
    if (rc != 0) {
        fprintf(stderr, "%s: FAILED: look up %s on %s: %s\n", PROGRAM, HUB_NAME, peer,
                zactor_strerror(rc));
        return 1;
    }

    if (n)
        run_r1(sys, hub, n);
    else if (k)
        run_r2(sys, hub, workload, k, m);
    else
        run_r3(sys, hub, m);

    zactor_node_stats st;
    zactor_node_stats_read(sys, &st);
    printf("INFO %s " BENCH_SYSTEM " node peer=%s records_sent=%" PRIu64
           " records_received=%" PRIu64 " batches_sent=%" PRIu64 " down_after_ms=%u\n",
           workload, peer, st.records_sent, st.records_received, st.batches_sent, DOWN_AFTER_MS);
    if (st.bad_input != 0 || st.unknown_types != 0 || st.unreachable != 0) {
        fprintf(stderr,
                "%s: FAILED: node: %" PRIu64 " bad input, %" PRIu64 " unknown types, %" PRIu64
                " unreachable sends\n",
                PROGRAM, st.bad_input, st.unknown_types, st.unreachable);
        return 1;
    }
    bench_runtime_info(workload, sys);
    zactor_system_destroy(sys);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "server") == 0 && argc <= 3)
        return server_main(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "client") == 0)
        return client_main(argc, argv);
    fprintf(stderr, "usage: %s %s\n", argc > 0 ? argv[0] : PROGRAM, USAGE);
    return 2;
}
