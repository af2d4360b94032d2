/* test_nodes.c - two nodes in one process over loopback TCP (node.c,
 * docs/nodes.md): lookup, sends in order, refs inside messages, ask and
 * request across nodes, bytes, local-only messages, remote monitors, a
 * peer going down, and bad input from a raw socket. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "node.zidl.h"
#include "rt_test.h"
#include "tsan_zmq.h"

#define TIMEOUT_NS (UINT64_C(10) * 1000000000u)

/* What the handlers saw, for the test's thread (atomics: read while the
 * workers run). */
static _Atomic uint64_t pongs, pong_out_of_order, sums, downs, down_kind, down_code;
static _Atomic uint64_t echo_blobs, echo_bad_blobs, echo_out_of_order, echo_pings;
static _Atomic uint64_t node_events[5];
static char last_bad_reason[256];
static pthread_mutex_t reason_lock = PTHREAD_MUTEX_INITIALIZER;

void nt_Echo_on_Ping(nt_Echo *self, zactor_ctx *ctx, const nt_Ping *msg)
{
    (void)ctx;
    if (msg->n != self->next)
        atomic_fetch_add(&echo_out_of_order, 1);
    self->next = msg->n + 1;
    atomic_fetch_add(&echo_pings, 1);
    nt_Pong pong = {msg->n};
    /* A ref to a node this one never connected to is unreachable. */
    if (!zactor_ref_is_null(msg->from.raw)) {
        int rc = nt_Pinger_send_Pong(msg->from, &pong);
        CHECK(rc == 0 || rc == ZACTOR_EUNREACH);
    }
}

void nt_Echo_on_Add(nt_Echo *self, zactor_ctx *ctx, const nt_Add *msg, nt_Sum *reply)
{
    (void)self;
    (void)ctx;
    reply->sum = msg->a + msg->b;
}

void nt_Echo_on_Blob(nt_Echo *self, zactor_ctx *ctx, const nt_Blob *msg)
{
    (void)self;
    (void)ctx;
    const uint8_t *data = zactor_bytes_data(msg->data);
    uint32_t sum = 0;
    for (size_t i = 0; i < zactor_bytes_size(msg->data); i++)
        sum = sum * 31u + data[i];
    atomic_fetch_add(sum == msg->sum ? &echo_blobs : &echo_bad_blobs, 1);
}

void nt_Echo_on_Local(nt_Echo *self, zactor_ctx *ctx, const nt_Local *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
}

void nt_Echo_on_Quit(nt_Echo *self, zactor_ctx *ctx, const nt_Quit *msg)
{
    (void)self;
    if (msg->code)
        zactor_fail(ctx, msg->code);
    else
        zactor_stop(ctx);
}

void nt_Pinger_on_Pong(nt_Pinger *self, zactor_ctx *ctx, const nt_Pong *msg)
{
    (void)ctx;
    if (msg->n != self->next)
        atomic_fetch_add(&pong_out_of_order, 1);
    self->next = msg->n + 1;
    atomic_fetch_add(&pongs, 1);
}

void nt_Pinger_on_Sum(nt_Pinger *self, zactor_ctx *ctx, const nt_Sum *msg)
{
    (void)self;
    (void)ctx;
    CHECK_EQ(msg->sum, 42);
    atomic_fetch_add(&sums, 1);
}

/* A Ping to the Pinger: "request Add of this echo" (its from). */
static nt_Echo_ref pinger_target;
void nt_Pinger_on_Ping(nt_Pinger *self, zactor_ctx *ctx, const nt_Ping *msg)
{
    (void)self;
    nt_Add add = {40, 2};
    if (msg->n == 1) {
        uint64_t id;
        CHECK_EQ(nt_Echo_monitor(ctx, pinger_target, &id), 0);
        return;
    }
    CHECK_EQ(nt_Echo_request_Add(pinger_target, ctx, &add), 0);
}

void nt_Pinger_on_down(nt_Pinger *self, zactor_ctx *ctx, const zactor_down *down)
{
    (void)self;
    (void)ctx;
    CHECK(strcmp(down->type_name, "nt.Echo") == 0);
    atomic_store(&down_kind, (uint64_t)down->reason.kind);
    atomic_store(&down_code, (uint64_t)down->reason.code);
    atomic_fetch_add(&downs, 1);
}

static void on_node_event(void *user, const zactor_node_event *event)
{
    (void)user;
    CHECK(event->kind >= 1 && event->kind <= 4);
    atomic_fetch_add(&node_events[event->kind], 1);
    if (getenv("NT_VERBOSE"))
        fprintf(stderr, "event %d peer %s %s\n", (int)event->kind, event->peer, event->reason);
    if (event->kind == ZACTOR_NODE_BAD_INPUT || event->kind == ZACTOR_NODE_UNKNOWN_TYPE) {
        pthread_mutex_lock(&reason_lock);
        snprintf(last_bad_reason, sizeof last_bad_reason, "%s: %s", event->peer, event->reason);
        if (getenv("NT_VERBOSE"))
            fprintf(stderr, "event %d %s\n", (int)event->kind, last_bad_reason);
        pthread_mutex_unlock(&reason_lock);
    }
}

/* How long a silent peer takes to be found down: short in the test of
 * that, long elsewhere, so that a slow sanitizer build on a loaded
 * machine never finds a live peer down (its records would be refused). */
static uint32_t down_after_ms = 3000;

static zactor_system *start_node(const char *name)
{
    zactor_system *sys = start_system(2);
    zactor_node_config cfg;
    zactor_node_config_init(&cfg);
    cfg.name = name;
    cfg.heartbeat_ms = 20;
    cfg.down_after_ms = down_after_ms;
    cfg.hook = on_node_event;
    /* Small: the floods below take many batches, a big blob is refused. */
    cfg.max_batch_bytes = 1u << 20;
    CHECK_EQ(zactor_node_start(sys, &cfg), 0);
    CHECK_EQ(zactor_node_start(sys, &cfg), ZACTOR_EEXIST);
    return sys;
}

/* Waits (60 s at most: a sanitizer build on a loaded machine is slow)
 * until *counter reaches want. */
static void wait_for(_Atomic uint64_t *counter, uint64_t want)
{
    for (int i = 0; i < 60000 && atomic_load(counter) < want; i++)
        sleep_ms(1);
    CHECK_EQ(atomic_load(counter), want);
}

typedef struct pair {
    zactor_system *a, *b;
    char endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
    nt_Echo_ref echo_on_b; /* local on b */
    nt_Echo_ref echo;      /* its remote ref on a */
} pair;

static void pair_start(pair *p)
{
    p->a = start_node("a");
    p->b = start_node("b");
    CHECK_EQ(zactor_node_listen(p->b, "tcp://127.0.0.1:0", p->endpoint, sizeof p->endpoint), 0);
    CHECK(strncmp(p->endpoint, "tcp://127.0.0.1:", 16) == 0);
    char peer[ZACTOR_NODE_NAME_MAX + 1];
    CHECK_EQ(zactor_node_connect(p->a, p->endpoint, TIMEOUT_NS, peer, sizeof peer), 0);
    CHECK(strcmp(peer, "b") == 0);
    p->echo_on_b = nt_Echo_spawn(p->b, NULL);
    CHECK_EQ(nt_Echo_register(p->b, "echo", p->echo_on_b), 0);
    CHECK_EQ(nt_Echo_lookup_remote(p->a, "b", "echo", TIMEOUT_NS, &p->echo), 0);
    CHECK(zactor_ref_is_remote(p->echo.raw));
    CHECK(!zactor_ref_is_remote(p->echo_on_b.raw));
}

static void pair_end(pair *p)
{
    zactor_system_destroy(p->a);
    zactor_system_destroy(p->b);
}

static void test_lookup(void)
{
    pair p;
    pair_start(&p);
    nt_Echo_ref again;
    CHECK_EQ(nt_Echo_lookup_remote(p.a, "b", "echo", TIMEOUT_NS, &again), 0);
    CHECK(again.raw.cell == p.echo.raw.cell); /* one proxy per remote actor */
    nt_Pinger_ref wrong;
    CHECK_EQ(nt_Pinger_lookup_remote(p.a, "b", "echo", TIMEOUT_NS, &wrong), ZACTOR_ETYPE);
    CHECK(zactor_ref_is_null(wrong.raw));
    CHECK_EQ(nt_Echo_lookup_remote(p.a, "b", "nobody", TIMEOUT_NS, &again), ZACTOR_ENOENT);
    CHECK_EQ(nt_Echo_lookup_remote(p.a, "c", "echo", TIMEOUT_NS, &again), ZACTOR_EUNREACH);
    CHECK_EQ(nt_Echo_lookup_remote(p.a, "b", "echo", TIMEOUT_NS, NULL), ZACTOR_EARG);
    CHECK_EQ(nt_Echo_lookup_remote(p.a, "b c", "echo", TIMEOUT_NS, &again), ZACTOR_EARG);
    zactor_system *plain = start_system(1);
    CHECK_EQ(nt_Echo_lookup_remote(plain, "b", "echo", TIMEOUT_NS, &again), ZACTOR_EARG);
    CHECK_EQ(zactor_node_listen(plain, "tcp://127.0.0.1:0", NULL, 0), ZACTOR_EARG);
    zactor_system_destroy(plain);
    CHECK_EQ(zactor_node_listen(p.a, "bogus://x", NULL, 0), ZACTOR_EARG);
    pair_end(&p);
}

/* Pings in order from a thread outside: each carries a ref to a Pinger
 * on a, which the echo on b answers through. Order holds both ways. */
static void test_order(void)
{
    pair p;
    pair_start(&p);
    atomic_store(&pongs, 0);
    atomic_store(&echo_pings, 0);
    nt_Pinger_ref pinger = nt_Pinger_spawn(p.a, NULL);
    uint64_t n = scaled(100000);
    for (uint64_t i = 0; i < n; i++) {
        nt_Ping ping = {i, pinger};
        CHECK_EQ(nt_Echo_send_Ping(p.echo, &ping), 0);
    }
    wait_for(&pongs, n);
    CHECK_EQ(atomic_load(&echo_pings), n);
    CHECK_EQ(atomic_load(&echo_out_of_order), 0);
    CHECK_EQ(atomic_load(&pong_out_of_order), 0);
    zactor_node_stats st;
    CHECK_EQ(zactor_node_stats_read(p.a, &st), 0);
    CHECK(st.records_sent >= n);
    CHECK(st.records_received >= n);
    CHECK(st.batches_sent < st.records_sent); /* batched */
    CHECK_EQ(st.bad_input, 0);
    pair_end(&p);
}

static void test_ask_request_bytes(void)
{
    pair p;
    pair_start(&p);
    for (int i = 0; i < 100; i++) {
        nt_Add add = {i, 1000};
        nt_Sum sum = {0};
        CHECK_EQ(nt_Echo_ask_Add(p.echo, &add, &sum, TIMEOUT_NS), 0);
        CHECK_EQ(sum.sum, i + 1000);
    }
    /* From an actor: the reply comes back as a message. */
    atomic_store(&sums, 0);
    pinger_target = p.echo;
    nt_Pinger_ref pinger = nt_Pinger_spawn(p.a, NULL);
    for (int i = 0; i < 50; i++) {
        nt_Ping ping = {2, {{NULL, 0}}};
        CHECK_EQ(nt_Pinger_send_Ping(pinger, &ping), 0);
    }
    wait_for(&sums, 50);
    /* bytes: 200 KiB and an empty one. */
    atomic_store(&echo_blobs, 0);
    for (size_t size = 0; size <= 200000; size += 100000) {
        zactor_bytes data;
        CHECK_EQ(zactor_bytes_alloc(size, &data), 0);
        uint8_t *d = zactor_bytes_data(data);
        uint32_t sum = 0;
        for (size_t i = 0; i < size; i++) {
            d[i] = (uint8_t)(i * 7 + 3);
            sum = sum * 31u + d[i];
        }
        nt_Blob blob = {data, sum};
        CHECK_EQ(nt_Echo_send_Blob(p.echo, &blob), 0);
    }
    wait_for(&echo_blobs, 3);
    CHECK_EQ(atomic_load(&echo_bad_blobs), 0);
    /* Larger than a link takes (max_batch_bytes): refused, and released. */
    zactor_bytes big;
    CHECK_EQ(zactor_bytes_alloc(2u << 20, &big), 0);
    nt_Blob too_big = {big, 0};
    CHECK_EQ(nt_Echo_send_Blob(p.echo, &too_big), ZACTOR_ETOOBIG);
    /* A timer to a remote actor sends its message when it fires. */
    atomic_store(&pongs, 0);
    atomic_store(&pong_out_of_order, 0);
    nt_Pinger_ref timed = nt_Pinger_spawn(p.a, NULL);
    nt_Ping later = {0, timed};
    CHECK_EQ(nt_Echo_send_Ping_after(p.echo, &later, 1000000u, NULL), 0);
    wait_for(&pongs, 1);
    /* A ptr does not travel. */
    int x = 0;
    nt_Local local = {&x};
    CHECK_EQ(nt_Echo_send_Local(p.echo, &local), ZACTOR_ELOCAL);
    CHECK_EQ(nt_Echo_send_Local(p.echo_on_b, &local), 0);
    pair_end(&p);
}

/* pinger monitors pinger_target, then asks it a request: records from one
 * actor to another keep their order on the link, so once the reply is
 * back the monitor is known on the target's node. */
static void monitor_from(nt_Pinger_ref pinger)
{
    uint64_t before = atomic_load(&sums);
    nt_Ping monitor_it = {1, {{NULL, 0}}};
    nt_Ping request = {0, {{NULL, 0}}};
    CHECK_EQ(nt_Pinger_send_Ping(pinger, &monitor_it), 0);
    CHECK_EQ(nt_Pinger_send_Ping(pinger, &request), 0);
    wait_for(&sums, before + 1);
}

/* A monitor of a remote actor: its Down comes when it ends there. */
static void test_monitor(void)
{
    pair p;
    pair_start(&p);
    atomic_store(&downs, 0);
    pinger_target = p.echo;
    nt_Pinger_ref pinger = nt_Pinger_spawn(p.a, NULL);
    monitor_from(pinger);
    nt_Quit quit = {-77};
    CHECK_EQ(nt_Echo_send_Quit(p.echo, &quit), 0);
    wait_for(&downs, 1);
    CHECK_EQ(atomic_load(&down_kind), ZACTOR_END_FAILED);
    /* Sends to it now are b's dead letters; the ref stays a ref. */
    nt_Ping ping = {0, {{NULL, 0}}};
    CHECK_EQ(nt_Echo_send_Ping(p.echo, &ping), 0);
    /* Monitoring it again: it has ended, the Down comes at once, with the
     * reason while b's cell still holds it, GONE once the cell is reused
     * (which of the two depends on b's worker: both are correct). */
    atomic_store(&down_code, 0);
    nt_Ping monitor_it = {1, {{NULL, 0}}};
    CHECK_EQ(nt_Pinger_send_Ping(pinger, &monitor_it), 0);
    wait_for(&downs, 2);
    uint64_t again = atomic_load(&down_kind);
    CHECK(again == ZACTOR_END_GONE || again == ZACTOR_END_FAILED);
    CHECK_EQ((int32_t)atomic_load(&down_code), again == ZACTOR_END_FAILED ? -77 : 0);
    /* A kill goes to the actor's node: the Down carries its code. */
    nt_Echo_ref second_on_b = nt_Echo_spawn(p.b, NULL);
    CHECK_EQ(nt_Echo_register(p.b, "second", second_on_b), 0);
    nt_Echo_ref second;
    CHECK_EQ(nt_Echo_lookup_remote(p.a, "b", "second", TIMEOUT_NS, &second), 0);
    pinger_target = second;
    monitor_from(pinger);
    CHECK_EQ(zactor_kill(second.raw, 99), 0);
    wait_for(&downs, 3);
    CHECK_EQ(atomic_load(&down_kind), ZACTOR_END_KILLED);
    CHECK_EQ(atomic_load(&down_code), 99);
    pair_end(&p);
}

/* b goes away: a notices within down_after_ms, monitors fire NODE_DOWN,
 * a waiting ask ends, sends fail with ZACTOR_EUNREACH. */
static void *ask_main(void *arg)
{
    nt_Echo_ref *echo = arg;
    nt_Add add = {1, 2};
    nt_Sum sum;
    static int rc;
    /* Asks until one fails: the one in flight when b died. */
    do {
        rc = nt_Echo_ask_Add(*echo, &add, &sum, TIMEOUT_NS);
    } while (rc == 0);
    return &rc;
}

static void test_peer_down(void)
{
    down_after_ms = 300;
    pair p;
    pair_start(&p);
    atomic_store(&downs, 0);
    uint64_t down_events = atomic_load(&node_events[ZACTOR_NODE_DOWN]);
    pinger_target = p.echo;
    nt_Pinger_ref pinger = nt_Pinger_spawn(p.a, NULL);
    nt_Ping monitor_it = {1, {{NULL, 0}}};
    CHECK_EQ(nt_Pinger_send_Ping(pinger, &monitor_it), 0);
    CHECK_EQ(zactor_system_wait(p.a), 0);
    pthread_t asker;
    CHECK_EQ(pthread_create(&asker, NULL, ask_main, &p.echo), 0);
    sleep_ms(50);
    zactor_system_destroy(p.b);
    void *result;
    pthread_join(asker, &result);
    CHECK_EQ(*(int *)result, ZACTOR_EUNREACH);
    wait_for(&downs, 1);
    CHECK_EQ(atomic_load(&down_kind), ZACTOR_END_NODE_DOWN);
    CHECK(atomic_load(&node_events[ZACTOR_NODE_DOWN]) > down_events);
    nt_Ping ping = {0, {{NULL, 0}}};
    CHECK_EQ(nt_Echo_send_Ping(p.echo, &ping), ZACTOR_EUNREACH);
    nt_Echo_ref gone;
    CHECK_EQ(nt_Echo_lookup_remote(p.a, "b", "echo", TIMEOUT_NS, &gone), ZACTOR_EUNREACH);
    zactor_node_stats st;
    CHECK_EQ(zactor_node_stats_read(p.a, &st), 0);
    CHECK_EQ(st.peers_down, 1);
    CHECK(st.unreachable >= 1);
    zactor_system_destroy(p.a);
    down_after_ms = 3000;
}

/* Raw bytes from a socket that is no node: each kind of garbage is
 * counted and reported, and the node keeps serving its real peer. */
static void raw_send(void *socket, const void *data, size_t n)
{
    CHECK_EQ(zmq_send(socket, data, n, 0), (int)n);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A HELLO record of a node named "raw" (docs/nodes.md, "The protocol"):
 * length, kind 1, magic, protocol 1, node id, reply 0, name. */
#define HELLO_MAGIC 0x314e415au
#define HELLO_SIZE (4 + 1 + 4 + 2 + 8 + 1 + 1 + 3)
static size_t make_hello(uint8_t *hello, uint32_t magic, uint64_t node_id)
{
    memset(hello, 0, HELLO_SIZE);
    put32(hello, HELLO_SIZE - 4);
    hello[4] = 1;
    put32(hello + 5, magic);
    hello[9] = 1;
    put64(hello + 11, node_id);
    hello[20] = 3;
    memcpy(hello + 21, "raw", 3);
    return HELLO_SIZE;
}

/* A LOOKUP record (request 99) of name, whose length must fit a u8. */
#define LOOKUP_SIZE(name_len) (4 + 1 + 8 + 1 + (name_len))
static size_t make_lookup(uint8_t *lookup, const char *name)
{
    size_t len = strlen(name);
    put32(lookup, (uint32_t)(LOOKUP_SIZE(len) - 4));
    lookup[4] = 7;
    put64(lookup + 5, 99);
    lookup[13] = (uint8_t)len;
    memcpy(lookup + 14, name, len);
    return LOOKUP_SIZE(len);
}

/* Waits until node has counted one more bad input than `before`, then
 * checks that it was exactly one, refused as coming before a handshake. */
static void expect_refused_before_handshake(zactor_system *node, const zactor_node_stats *before)
{
    zactor_node_stats after;
    for (int i = 0; i < 60000; i++) {
        CHECK_EQ(zactor_node_stats_read(node, &after), 0);
        if (after.bad_input > before->bad_input)
            break;
        sleep_ms(1);
    }
    CHECK_EQ(after.bad_input - before->bad_input, 1);
    pthread_mutex_lock(&reason_lock);
    CHECK(strstr(last_bad_reason, "record before a handshake") != NULL);
    pthread_mutex_unlock(&reason_lock);
}

static void test_bad_input(void)
{
    pair p;
    pair_start(&p);
    void *ctx = zmq_ctx_new();
    void *raw = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(raw, ZMQ_LINGER, &zero, sizeof zero);
    CHECK_EQ(zmq_connect(raw, p.endpoint), 0);
    zactor_node_stats before, after;
    CHECK_EQ(zactor_node_stats_read(p.b, &before), 0);
    /* A record before any hello. */
    uint8_t beat[5] = {1, 0, 0, 0, 2};
    raw_send(raw, beat, sizeof beat);
    /* A length past the end. */
    uint8_t past[6] = {200, 0, 0, 0, 2, 0};
    raw_send(raw, past, sizeof past);
    /* Random bytes. */
    uint8_t noise[64];
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (uint8_t)(i * 73 + 11);
    raw_send(raw, noise, sizeof noise);
    /* A hello with a bad magic. */
    uint8_t hello[HELLO_SIZE];
    raw_send(raw, hello, make_hello(hello, 0xdeadbeef, 12345));
    /* A good hello: then frames of an unknown type id, a truncated one
     * and an unknown record kind. */
    raw_send(raw, hello, make_hello(hello, HELLO_MAGIC, 12345));
    uint8_t reply[128];
    CHECK(zmq_recv(raw, reply, sizeof reply, 0) > 0); /* b's hello */
    uint8_t send[5 + 8 + 4 + 8];
    put32(send, 1 + 8 + 4); /* kind, actor id, a frame of just a type id */
    send[4] = 3;
    put64(send + 5, 0);
    memcpy(send + 13, &(uint32_t){0x12345678}, 4);
    raw_send(raw, send, 5 + 8 + 4); /* actor id 0: no such actor, a dead letter */
    /* A message for the echo: its real actor id is unknown to this raw
     * socket, so it asks the name through a LOOKUP record. */
    uint8_t lookup[LOOKUP_SIZE(4)];
    raw_send(raw, lookup, make_lookup(lookup, "echo"));
    uint8_t found[128];
    int got = zmq_recv(raw, found, sizeof found, 0);
    while (got > 4 && found[4] == 2) /* heartbeats */
        got = zmq_recv(raw, found, sizeof found, 0);
    CHECK(got >= 5 + 8 + 4 + 8);
    CHECK_EQ(found[4], 8);
    uint64_t echo_id = 0;
    for (int i = 0; i < 8; i++)
        echo_id |= (uint64_t)found[17 + i] << (8 * i);
    CHECK(echo_id != 0);
    put64(send + 5, echo_id);
    put32(send, 1 + 8 + 4);
    put32(send + 13, 0x12345678); /* a type id the echo lacks */
    raw_send(raw, send, 5 + 8 + 4);
    put32(send + 13, NT_PING_TYPE_ID); /* a Ping cut short */
    put32(send, 8 + 4 + 3);
    raw_send(raw, send, 5 + 8 + 4 + 2);
    uint8_t odd[5] = {1, 0, 0, 0, 99}; /* an unknown record kind */
    raw_send(raw, odd, sizeof odd);
    /* Pings whose ref names a node never met: b remembers 256 such
     * nodes, and refuses the frames past that (bad input, 44 of them). */
    uint8_t ping[5 + 8 + 4 + 8 + 16];
    put32(ping, sizeof ping - 4);
    ping[4] = 3;
    put64(ping + 5, echo_id);
    put32(ping + 13, NT_PING_TYPE_ID);
    for (uint64_t i = 0; i < 300; i++) {
        put64(ping + 17, i);                 /* n */
        put64(ping + 25, 0x5000 + i);        /* an invented node */
        put64(ping + 33, UINT64_C(1) << 32); /* an actor there */
        raw_send(raw, ping, sizeof ping);
    }
    /* Wait until b has seen them all, then check it still serves a. */
    for (int i = 0; i < 5000; i++) {
        CHECK_EQ(zactor_node_stats_read(p.b, &after), 0);
        if (after.bad_input - before.bad_input >= 6 + 44 &&
            after.unknown_types > before.unknown_types)
            break;
        sleep_ms(1);
    }
    CHECK_EQ(after.bad_input - before.bad_input, 6 + 44);
    CHECK_EQ(after.unknown_types - before.unknown_types, 1);
    nt_Add add = {20, 22};
    nt_Sum sum;
    CHECK_EQ(nt_Echo_ask_Add(p.echo, &add, &sum, TIMEOUT_NS), 0);
    CHECK_EQ(sum.sum, 42);
    zmq_close(raw);
    zmq_ctx_term(ctx);
    pair_end(&p);
}

/* A node that this node connected to is known before its hello, but a
 * record from it before that hello is refused all the same: a LOOKUP then
 * is bad input, not answered. The raw ROUTER socket plays the server. */
typedef struct connect_call {
    zactor_system *sys;
    char endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
    int rc;
} connect_call;

static void *connect_main(void *arg)
{
    connect_call *call = arg;
    call->rc = zactor_node_connect(call->sys, call->endpoint, TIMEOUT_NS, NULL, 0);
    return NULL;
}

/* Receives one message from a ROUTER: its routing id, then the batch. */
static int router_recv(void *router, uint8_t *rid, size_t *rid_len, uint8_t *data, size_t cap)
{
    int n = zmq_recv(router, rid, 255, 0);
    CHECK(n > 0);
    *rid_len = (size_t)n;
    return zmq_recv(router, data, cap, 0);
}

static void router_send(void *router, const uint8_t *rid, size_t rid_len, const void *data,
                        size_t n)
{
    CHECK_EQ(zmq_send(router, rid, rid_len, ZMQ_SNDMORE), (int)rid_len);
    raw_send(router, data, n);
}

static void test_records_before_hello(void)
{
    zactor_system *b = start_node("b");
    void *ctx = zmq_ctx_new();
    void *raw = zmq_socket(ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt(raw, ZMQ_LINGER, &zero, sizeof zero);
    CHECK_EQ(zmq_bind(raw, "tcp://127.0.0.1:*"), 0);
    connect_call call = {b, {0}, 1};
    size_t len = sizeof call.endpoint;
    CHECK_EQ(zmq_getsockopt(raw, ZMQ_LAST_ENDPOINT, call.endpoint, &len), 0);
    zactor_node_stats before;
    CHECK_EQ(zactor_node_stats_read(b, &before), 0);
    pthread_t connector;
    CHECK_EQ(pthread_create(&connector, NULL, connect_main, &call), 0);
    uint8_t rid[256], got[256];
    size_t rid_len = 0;
    CHECK(router_recv(raw, rid, &rid_len, got, sizeof got) > 4); /* b's hello */
    CHECK_EQ(got[4], 1);
    /* A LOOKUP of "b" before our hello. */
    uint8_t lookup[LOOKUP_SIZE(1)];
    router_send(raw, rid, rid_len, lookup, make_lookup(lookup, "b"));
    expect_refused_before_handshake(b, &before);
    /* Our hello now: the connect completes, and nothing b sends answers
     * the refused LOOKUP. */
    uint8_t hello[HELLO_SIZE];
    router_send(raw, rid, rid_len, hello, make_hello(hello, HELLO_MAGIC, 777));
    pthread_join(connector, NULL);
    CHECK_EQ(call.rc, 0);
    int timeout_ms = 200;
    zmq_setsockopt(raw, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    uint8_t batch[4096];
    for (int received = 0; received < 10;) {
        int m = zmq_recv(raw, rid, sizeof rid, 0);
        if (m < 0)
            break; /* quiet for 200 ms */
        m = zmq_recv(raw, batch, sizeof batch, 0);
        CHECK(m >= 0);
        for (size_t at = 0; at + 5 <= (size_t)m;) {
            uint32_t record = (uint32_t)batch[at] | (uint32_t)batch[at + 1] << 8 |
                              (uint32_t)batch[at + 2] << 16 | (uint32_t)batch[at + 3] << 24;
            CHECK(batch[at + 4] != 8); /* no FOUND */
            at += 4 + (size_t)record;
        }
        received++;
    }
    zmq_close(raw);
    zmq_ctx_term(ctx);
    zactor_system_destroy(b);
}

/* A peer found down (silent past down_after_ms) is unknown again until
 * its next hello: its monitors have fired and its requests have failed,
 * so a record it sends meanwhile is refused, not handled. */
static void test_records_after_down(void)
{
    down_after_ms = 300;
    zactor_system *b = start_node("b");
    char endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
    CHECK_EQ(zactor_node_listen(b, "tcp://127.0.0.1:0", endpoint, sizeof endpoint), 0);
    void *ctx = zmq_ctx_new();
    void *raw = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(raw, ZMQ_LINGER, &zero, sizeof zero);
    CHECK_EQ(zmq_connect(raw, endpoint), 0);
    uint64_t ups = atomic_load(&node_events[ZACTOR_NODE_UP]);
    uint64_t downs_before = atomic_load(&node_events[ZACTOR_NODE_DOWN]);
    uint8_t hello[HELLO_SIZE];
    raw_send(raw, hello, make_hello(hello, HELLO_MAGIC, 4242));
    wait_for(&node_events[ZACTOR_NODE_UP], ups + 1);
    /* Silent from now on: b finds it down. */
    wait_for(&node_events[ZACTOR_NODE_DOWN], downs_before + 1);
    zactor_node_stats before;
    CHECK_EQ(zactor_node_stats_read(b, &before), 0);
    uint8_t lookup[LOOKUP_SIZE(1)];
    raw_send(raw, lookup, make_lookup(lookup, "b"));
    expect_refused_before_handshake(b, &before);
    zmq_close(raw);
    zmq_ctx_term(ctx);
    zactor_system_destroy(b);
    down_after_ms = 3000;
}

/* A ref to a third node's actor, sent from a to b, reaches that actor
 * from b directly. */
static void test_third_node(void)
{
    pair p;
    pair_start(&p);
    zactor_system *c = start_node("c");
    char c_endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
    CHECK_EQ(zactor_node_listen(c, "tcp://127.0.0.1:0", c_endpoint, sizeof c_endpoint), 0);
    CHECK_EQ(zactor_node_connect(p.a, c_endpoint, TIMEOUT_NS, NULL, 0), 0);
    CHECK_EQ(zactor_node_connect(p.b, c_endpoint, TIMEOUT_NS, NULL, 0), 0);
    nt_Pinger_ref pinger_on_c = nt_Pinger_spawn(c, NULL);
    CHECK_EQ(nt_Pinger_register(c, "pinger", pinger_on_c), 0);
    nt_Pinger_ref pinger;
    CHECK_EQ(nt_Pinger_lookup_remote(p.a, "c", "pinger", TIMEOUT_NS, &pinger), 0);
    atomic_store(&pongs, 0);
    atomic_store(&pong_out_of_order, 0);
    for (uint64_t i = 0; i < 100; i++) {
        nt_Ping ping = {i, pinger}; /* a's ref to c's pinger, for b's echo */
        CHECK_EQ(nt_Echo_send_Ping(p.echo, &ping), 0);
    }
    wait_for(&pongs, 100);
    CHECK_EQ(atomic_load(&pong_out_of_order), 0);
    zactor_node_stats st;
    CHECK_EQ(zactor_node_stats_read(c, &st), 0);
    CHECK(st.records_received >= 100); /* the pongs came to c, from b */
    zactor_system_destroy(c);
    pair_end(&p);
}

/* CURVE: b allows a's key only; c, with a key of its own, and d,
 * without CURVE, cannot reach it. */
static zactor_system *start_curve_node(const char *name, const char *public_key,
                                       const char *secret_key, const char *const *allowed)
{
    zactor_system *sys = start_system(1);
    zactor_node_config cfg;
    zactor_node_config_init(&cfg);
    cfg.name = name;
    cfg.heartbeat_ms = 20;
    cfg.down_after_ms = 1000;
    cfg.hook = on_node_event;
    cfg.curve_public_key = public_key;
    cfg.curve_secret_key = secret_key;
    cfg.curve_allowed = allowed;
    cfg.curve_allowed_count = 1;
    CHECK_EQ(zactor_node_start(sys, &cfg), 0);
    return sys;
}

static void test_curve(void)
{
    char a_public[41], a_secret[41], b_public[41], b_secret[41], c_public[41], c_secret[41];
    CHECK_EQ(zmq_curve_keypair(a_public, a_secret), 0);
    CHECK_EQ(zmq_curve_keypair(b_public, b_secret), 0);
    CHECK_EQ(zmq_curve_keypair(c_public, c_secret), 0);
    const char *allow_a[1] = {a_public};
    const char *allow_b[1] = {b_public};
    zactor_system *b = start_curve_node("b", b_public, b_secret, allow_a);
    zactor_system *a = start_curve_node("a", a_public, a_secret, allow_b);
    zactor_system *c = start_curve_node("c", c_public, c_secret, allow_b);
    zactor_system *d = start_node("d");
    char endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
    CHECK_EQ(zactor_node_listen(b, "tcp://127.0.0.1:0", endpoint, sizeof endpoint), 0);
    nt_Echo_ref echo_on_b = nt_Echo_spawn(b, NULL);
    CHECK_EQ(nt_Echo_register(b, "echo", echo_on_b), 0);
    zactor_node_stats before;
    CHECK_EQ(zactor_node_stats_read(b, &before), 0);
    /* Refused: a key b does not allow, and no CURVE at all. */
    uint64_t short_wait = UINT64_C(300) * 1000000u;
    CHECK_EQ(zactor_node_connect_secure(c, endpoint, b_public, short_wait, NULL, 0),
             ZACTOR_ETIMEDOUT);
    CHECK_EQ(zactor_node_connect(d, endpoint, short_wait, NULL, 0), ZACTOR_ETIMEDOUT);
    CHECK_EQ(zactor_node_connect_secure(d, endpoint, b_public, short_wait, NULL, 0), ZACTOR_EARG);
    CHECK_EQ(zactor_node_connect_secure(a, endpoint, "not a key", short_wait, NULL, 0),
             ZACTOR_EARG);
    zactor_node_stats after;
    CHECK_EQ(zactor_node_stats_read(b, &after), 0);
    CHECK(after.bad_input > before.bad_input); /* c's key, reported */
    CHECK_EQ(after.peers_up, 0);
    /* Allowed: a works as over a plain link. */
    char peer[ZACTOR_NODE_NAME_MAX + 1];
    CHECK_EQ(zactor_node_connect_secure(a, endpoint, b_public, TIMEOUT_NS, peer, sizeof peer), 0);
    CHECK(strcmp(peer, "b") == 0);
    nt_Echo_ref echo;
    CHECK_EQ(nt_Echo_lookup_remote(a, "b", "echo", TIMEOUT_NS, &echo), 0);
    nt_Add add = {40, 2};
    nt_Sum sum;
    CHECK_EQ(nt_Echo_ask_Add(echo, &add, &sum, TIMEOUT_NS), 0);
    CHECK_EQ(sum.sum, 42);
    CHECK_EQ(zactor_node_stats_read(b, &after), 0);
    CHECK_EQ(after.peers_up, 1);
    /* A half-configured node is refused at start. */
    zactor_system *e = start_system(1);
    zactor_node_config cfg;
    zactor_node_config_init(&cfg);
    cfg.name = "e";
    cfg.curve_secret_key = a_secret;
    CHECK_EQ(zactor_node_start(e, &cfg), ZACTOR_EARG);
    cfg.curve_public_key = a_public;
    CHECK_EQ(zactor_node_start(e, &cfg), ZACTOR_EARG); /* no allowed key */
    zactor_system_destroy(e);
    zactor_system_destroy(a);
    zactor_system_destroy(b);
    zactor_system_destroy(c);
    zactor_system_destroy(d);
}

/* Three nodes in three processes: this one (a) and two children, b and
 * c, each serving an echo. c is killed (SIGKILL) in the middle of a's
 * traffic to both: a notices (within a second with the default
 * heartbeats, checked in timing builds), its monitor of c's echo fires NODE_DOWN, an ask to c ends
 * with ZACTOR_EUNREACH, sends to c fail; the traffic to b goes on in
 * order. c is started again on the same endpoint: a reconnects by itself,
 * and the new c's echo answers while the old ref stays unreachable. */
static int serve(const char *name, const char *endpoint, const char *down_after)
{
    zactor_system *sys = start_system(1);
    zactor_node_config cfg;
    zactor_node_config_init(&cfg);
    cfg.name = name;
    cfg.down_after_ms = (uint32_t)atoi(down_after);
    CHECK_EQ(zactor_node_start(sys, &cfg), 0);
    char bound[ZACTOR_NODE_ENDPOINT_MAX + 1];
    CHECK_EQ(zactor_node_listen(sys, endpoint, bound, sizeof bound), 0);
    nt_Echo_ref echo = nt_Echo_spawn(sys, NULL);
    CHECK_EQ(nt_Echo_register(sys, "echo", echo), 0);
    printf("LISTEN %s\n", bound);
    fflush(stdout);
    /* Until the parent closes our stdin (or kills us). */
    char buf[16];
    while (read(0, buf, sizeof buf) > 0) {
    }
    zactor_system_destroy(sys);
    return 0;
}

/* The default in timing builds (the notice within a second is checked
 * there); in sanitizer builds, slower by ten, long enough for no false
 * down on a loaded machine. */
#if ZACTOR_TEST_TIMING
static const uint32_t process_down_after_ms = 800;
#else
static const uint32_t process_down_after_ms = 5000;
#endif

typedef struct child {
    pid_t pid;
    int to_child; /* its stdin */
    char endpoint[ZACTOR_NODE_ENDPOINT_MAX + 1];
} child;

static void child_start(child *c, const char *name, const char *endpoint)
{
    int in[2], out[2];
    /* Close-on-exec: a later child must not hold this one's stdin open. */
    CHECK_EQ(pipe2(in, O_CLOEXEC), 0);
    CHECK_EQ(pipe2(out, O_CLOEXEC), 0);
    c->pid = fork();
    CHECK(c->pid >= 0);
    if (c->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        char down_after[16];
        snprintf(down_after, sizeof down_after, "%u", (unsigned)process_down_after_ms);
        execl("/proc/self/exe", "test_nodes", "serve", name, endpoint, down_after, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->to_child = in[1];
    FILE *from = fdopen(out[0], "r");
    CHECK(from != NULL);
    char line[512];
    CHECK(fgets(line, sizeof line, from) != NULL);
    fclose(from);
    CHECK(strncmp(line, "LISTEN ", 7) == 0);
    line[strcspn(line, "\n")] = '\0';
    CHECK(strlen(line + 7) < sizeof c->endpoint);
    memcpy(c->endpoint, line + 7, strlen(line + 7) + 1);
}

static void child_end(child *c, bool kill_it)
{
    if (kill_it)
        kill(c->pid, SIGKILL);
    close(c->to_child);
    int status;
    CHECK_EQ(waitpid(c->pid, &status, 0), c->pid);
    if (!kill_it)
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct traffic {
    nt_Echo_ref echo;
    nt_Pinger_ref pinger;
    _Atomic bool stop;
    uint64_t most;
    uint64_t sent;
    int last_rc;
} traffic;

/* Pings one echo until told to stop or a send fails; after `most` pings
 * (0: no limit) it waits for the stop (so that a slow build can answer
 * them all in time). */
static void *traffic_main(void *arg)
{
    traffic *t = arg;
    while (!atomic_load(&t->stop)) {
        if (t->most && t->sent == t->most) {
            sleep_ms(1);
            continue;
        }
        nt_Ping ping = {t->sent, t->pinger};
        t->last_rc = nt_Echo_send_Ping(t->echo, &ping);
        if (t->last_rc != 0)
            break;
        t->sent++;
        if (t->sent % 64 == 0)
            sleep_ms(1);
    }
    return NULL;
}

static void test_processes(void)
{
    child b, c;
    child_start(&b, "b", "tcp://127.0.0.1:0");
    child_start(&c, "c", "tcp://127.0.0.1:0");
    zactor_system *a = start_system(2);
    zactor_node_config cfg;
    zactor_node_config_init(&cfg); /* the default heartbeats */
    cfg.name = "a";
    cfg.down_after_ms = process_down_after_ms;
    cfg.hook = on_node_event;
    CHECK_EQ(zactor_node_start(a, &cfg), 0);
    CHECK_EQ(zactor_node_connect(a, b.endpoint, TIMEOUT_NS, NULL, 0), 0);
    CHECK_EQ(zactor_node_connect(a, c.endpoint, TIMEOUT_NS, NULL, 0), 0);
    traffic to_b = {0}, to_c = {0};
    CHECK_EQ(nt_Echo_lookup_remote(a, "b", "echo", TIMEOUT_NS, &to_b.echo), 0);
    CHECK_EQ(nt_Echo_lookup_remote(a, "c", "echo", TIMEOUT_NS, &to_c.echo), 0);
    /* pongs counts b's answers (c's pings carry no ref: no answer). */
    atomic_store(&pongs, 0);
    atomic_store(&pong_out_of_order, 0);
    atomic_store(&downs, 0);
    to_b.pinger = nt_Pinger_spawn(a, NULL);
    to_b.most = scaled(20000);
    /* A watcher of c's echo. */
    pinger_target = to_c.echo;
    nt_Pinger_ref watcher = nt_Pinger_spawn(a, NULL);
    nt_Ping monitor_it = {1, {{NULL, 0}}};
    CHECK_EQ(nt_Pinger_send_Ping(watcher, &monitor_it), 0);
    pthread_t tb, tc;
    CHECK_EQ(pthread_create(&tb, NULL, traffic_main, &to_b), 0);
    CHECK_EQ(pthread_create(&tc, NULL, traffic_main, &to_c), 0);
    pthread_t asker;
    CHECK_EQ(pthread_create(&asker, NULL, ask_main, &to_c.echo), 0);
    /* Mid-traffic: once b has answered (a sanitizer build on a loaded
     * machine may take far longer than the 300 ms an idle one needs). */
    sleep_ms(300);
    for (int i = 0; i < 60000 && atomic_load(&pongs) == 0; i++)
        sleep_ms(1);
    uint64_t pongs_before = atomic_load(&pongs);
    CHECK(pongs_before > 0);
    uint64_t killed_at = now_ns();
    child_end(&c, true);
    wait_for(&downs, 1);
    uint64_t noticed = now_ns() - killed_at;
    CHECK_EQ(atomic_load(&down_kind), ZACTOR_END_NODE_DOWN);
    void *asked;
    pthread_join(asker, &asked);
    CHECK_EQ(*(int *)asked, ZACTOR_EUNREACH);
    pthread_join(tc, NULL);
    CHECK_EQ(to_c.last_rc, ZACTOR_EUNREACH);
    /* b is unaffected: its pongs keep coming, in order. */
    sleep_ms(200);
    atomic_store(&to_b.stop, true);
    pthread_join(tb, NULL);
    CHECK(atomic_load(&pongs) > pongs_before);
    wait_for(&pongs, to_b.sent);
    CHECK_EQ(atomic_load(&pong_out_of_order), 0);
    printf("INFO c's end noticed after %.0f ms\n", (double)noticed / 1e6);
#if ZACTOR_TEST_TIMING
    CHECK(noticed < UINT64_C(1000000000));
#endif
    /* c again, on the same endpoint: a reconnects by itself. */
    uint64_t ups = atomic_load(&node_events[ZACTOR_NODE_UP]);
    child c2;
    child_start(&c2, "c", c.endpoint);
    wait_for(&node_events[ZACTOR_NODE_UP], ups + 1);
    nt_Echo_ref echo2;
    CHECK_EQ(nt_Echo_lookup_remote(a, "c", "echo", TIMEOUT_NS, &echo2), 0);
    CHECK(echo2.raw.cell != to_c.echo.raw.cell);
    nt_Add add = {40, 2};
    nt_Sum sum;
    CHECK_EQ(nt_Echo_ask_Add(echo2, &add, &sum, TIMEOUT_NS), 0);
    CHECK_EQ(sum.sum, 42);
    nt_Ping ping = {0, {{NULL, 0}}};
    CHECK_EQ(nt_Echo_send_Ping(to_c.echo, &ping), ZACTOR_EUNREACH); /* the old c's */
    zactor_system_destroy(a);
    child_end(&b, false);
    child_end(&c2, false);
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "serve") == 0)
        return serve(argv[2], argv[3], argv[4]);
    const char *which = argc > 1 ? argv[1] : "all";
    bool all = strcmp(which, "all") == 0;
    if (all || strcmp(which, "lookup") == 0)
        test_lookup();
    if (all || strcmp(which, "order") == 0)
        test_order();
    if (all || strcmp(which, "ask") == 0)
        test_ask_request_bytes();
    if (all || strcmp(which, "monitor") == 0)
        test_monitor();
    if (all || strcmp(which, "down") == 0)
        test_peer_down();
    if (all || strcmp(which, "bad_input") == 0)
        test_bad_input();
    if (all || strcmp(which, "curve") == 0)
        test_curve();
    if (all || strcmp(which, "before_hello") == 0) {
        test_records_before_hello();
        test_records_after_down();
    }
    if (all || strcmp(which, "third") == 0)
        test_third_node();
    if (all || strcmp(which, "processes") == 0)
        test_processes();
    return 0;
}
