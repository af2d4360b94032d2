/* node.c - nodes over ZeroMQ: the public API, a node's life and its tick
 * (node_layer.h says how the node layer is split, docs/nodes.md what it
 * does). */
#include "alloc.h"
#include "node_layer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#include "actor.h"
#include "clock.h"
#include "dead_letter.h"
#include "io.h"
#include "monitor.h"
#include "system.h"
#include "worker.h"

static void node_down_handler(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
}

static const zactor_handler_entry node_proxy_entries[1] = {
    {.handle = node_down_handler, .message_type_id = 0, .flags = ZACTOR_HANDLER_DOWN},
};

const zactor_actor_type zactor__proxy_type = {
    .abi_version = ZACTOR_ABI_VERSION,
    .name = "zactor.RemoteActor",
    .state_size = 1,
    .state_align = 1,
    .slot_size = ZACTOR_SLOT_PAYLOAD_OFFSET + sizeof(void *),
    .handler_count = 1,
    .handlers = node_proxy_entries,
};

const zactor_actor_type zactor__node_requester = {
    .abi_version = ZACTOR_ABI_VERSION,
    .name = "zactor.RemoteRequester",
    .state_size = 1,
    .state_align = 1,
    .slot_size = ZACTOR_SLOT_PAYLOAD_OFFSET + sizeof(void *),
};

static zactor__node_layer *node_of(zactor_system *sys)
{
    /* Acquire: pairs with zactor_node_start's release; the node's fixed
     * fields are then visible. */
    return atomic_load_explicit(&sys->node, memory_order_acquire);
}

/* ------------------------------------------------------------------ */
/* Events                                                               */

void zactor__node_event(zactor__node_layer *node, zactor_node_event_kind kind, const char *peer,
                        const char *reason, uint32_t type_id)
{
    if (kind == ZACTOR_NODE_BAD_INPUT)
        NODE_COUNT(node, bad_input, 1);
    else if (kind == ZACTOR_NODE_UNKNOWN_TYPE)
        NODE_COUNT(node, unknown_types, 1);
    if (!node->hook)
        return;
    zactor_node_event event = {kind, peer && *peer ? peer : "?", reason ? reason : "", type_id};
    node->hook(node->hook_user, &event);
}

void zactor__node_bad_input(zactor__node_layer *node, const zactor__peer *peer, const char *reason,
                            uint32_t type_id)
{
    zactor__node_event(node, ZACTOR_NODE_BAD_INPUT, peer ? peer->name : NULL, reason, type_id);
}

/* ------------------------------------------------------------------ */
/* The tick: after every poll of the I/O thread                         */

static void set_source_events(zactor__node_layer *node, void *socket, short events)
{
    zactor__io_source *source = zactor__io_find(&node->sys->io, socket, -1, NULL);
    if (source)
        source->events = events;
}

/* A heartbeat to a peer sent nothing for a heartbeat period. */
static void peer_heartbeat(zactor__peer *peer, uint64_t now)
{
    if (now - peer->last_sent < peer->node->heartbeat_ns || peer->sending)
        return;
    pthread_mutex_lock(&peer->out_lock);
    bool idle = zactor__node_out_idle(peer);
    pthread_mutex_unlock(&peer->out_lock);
    if (idle)
        (void)zactor__node_out_record(peer, RECORD_BEAT, NULL, 0);
}

void zactor__node_send_heartbeats(zactor__node_layer *node, uint64_t now)
{
    for (zactor__peer *peer = node->peers; peer; peer = peer->next) {
        if (peer->up) {
            peer_heartbeat(peer, now);
            zactor__node_peer_flush(peer, now);
        }
    }
}

static void node_tick(void *user, uint64_t now)
{
    zactor__node_layer *node = user;
    bool router_blocked = false;
    /* This thread was held up (a slow machine, a stopped process) for
     * long enough that silence proves nothing: the peers get a fresh
     * period rather than being found down for our stall. */
    bool stalled = now - node->last_tick > node->down_after_ns / 2;
    node->last_tick = now;
    for (zactor__peer *peer = node->peers; peer; peer = peer->next) {
        /* The I/O thread is up's only writer: it reads it without the lock. */
        if (!peer->up)
            continue;
        if (stalled)
            peer->last_heard = now;
        if (now - peer->last_heard > node->down_after_ns) {
            zactor__node_peer_down(peer);
            continue;
        }
        peer_heartbeat(peer, now);
        zactor__node_peer_flush(peer, now);
        if (peer->sending && !peer->via_dealer)
            router_blocked = true;
        if (peer->connector)
            set_source_events(node, peer->connector->socket,
                              (short)(ZMQ_POLLIN | (peer->sending ? ZMQ_POLLOUT : 0)));
    }
    if (node->router)
        set_source_events(node, node->router,
                          (short)(ZMQ_POLLIN | (router_blocked ? ZMQ_POLLOUT : 0)));
    /* A connector without a live peer says hello again, once a heartbeat. */
    for (node_connector *c = node->connectors; c; c = c->next) {
        if ((!c->peer || !c->peer->up) && now - c->last_hello >= node->heartbeat_ns) {
            c->last_hello = now;
            zactor__node_send_hello(node, c->socket, NULL, 0, false);
        }
    }
}

/* ------------------------------------------------------------------ */
/* The public API                                                       */

void zactor_node_config_init_sized(zactor_node_config *cfg, size_t size)
{
    if (!cfg)
        return;
    memset(cfg, 0, size);
    zactor_node_config defaults = {
        .size = size,
        .heartbeat_ms = 100,
        .down_after_ms = 800,
        .max_batch_bytes = UINT64_C(64) << 20,
    };
    memcpy(cfg, &defaults, size < sizeof defaults ? size : sizeof defaults);
}

static bool node_name_is_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > ZACTOR_NODE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

static void node_free(zactor__node_layer *node)
{
    zactor__free(node->curve_allowed);
    zactor__u64map_free(&node->peers_by_id);
    zactor__u64map_free(&node->pending);
    pthread_cond_destroy(&node->cond);
    pthread_mutex_destroy(&node->lock);
    zactor__free(node->scratch);
    zactor__free(node);
}

static void node_install_tick(void *arg)
{
    zactor__node_layer *node = arg;
    zactor__io_set_tick(&node->sys->io, node_tick, node,
                        (uint32_t)(node->heartbeat_ns / 1000000u / 2u));
}

int zactor_node_start(zactor_system *sys, const zactor_node_config *cfg)
{
    if (!sys || !cfg || !cfg->name || !node_name_is_valid(cfg->name))
        return ZACTOR_EARG;
    zactor_node_config c;
    zactor_node_config_init(&c);
    memcpy(&c, cfg, cfg->size && cfg->size < sizeof c ? cfg->size : sizeof c);
    if (c.heartbeat_ms == 0 || c.down_after_ms < 2u * c.heartbeat_ms ||
        (c.max_batch_bytes && c.max_batch_bytes < NODE_BATCH_MAX))
        return ZACTOR_EARG;
    if (zactor__system_stopping(sys))
        return ZACTOR_ESTOPPED;
    zactor__node_layer *node = zactor__calloc(1, sizeof *node);
    if (!node)
        return ZACTOR_ENOMEM;
    if (pthread_mutex_init(&node->lock, NULL) != 0) {
        zactor__free(node);
        return ZACTOR_ENOMEM;
    }
    if (zactor__cond_init_monotonic(&node->cond) != 0) {
        pthread_mutex_destroy(&node->lock);
        zactor__free(node);
        return ZACTOR_ENOMEM;
    }
    node->sys = sys;
    snprintf(node->name, sizeof node->name, "%s", c.name);
    while (node->id == 0) {
        if (getrandom(&node->id, sizeof node->id, 0) != (ssize_t)sizeof node->id)
            node->id = zactor__monotonic_ns() ^ (uint64_t)(uintptr_t)node;
    }
    node->heartbeat_ns = (uint64_t)c.heartbeat_ms * 1000000u;
    node->down_after_ns = (uint64_t)c.down_after_ms * 1000000u;
    node->max_batch_bytes = c.max_batch_bytes ? c.max_batch_bytes : UINT64_C(64) << 20;
    node->hook = c.hook;
    node->hook_user = c.hook_user;
    int key_rc = zactor__node_curve_configure(node, &c);
    if (key_rc != 0) {
        node_free(node);
        return key_rc;
    }
    zactor__u64map_init(&node->peers_by_id);
    zactor__u64map_init(&node->pending);
    zactor__node_layer *none = NULL;
    /* Release: whoever sees the node sees its fields. */
    if (!atomic_compare_exchange_strong_explicit(&sys->node, &none, node, memory_order_release,
                                                 memory_order_relaxed)) {
        node_free(node);
        return ZACTOR_EEXIST;
    }
    int rc = zactor__io_start(&sys->io);
    if (rc == 0)
        rc = zactor__io_call_wait(&sys->io, node_install_tick, node);
    if (rc == 0 && node->curve) {
        (void)zactor__io_call_wait(&sys->io, zactor__node_curve_start_zap, node);
        if (!node->zap)
            rc = ZACTOR_ENOMEM;
    }
    return rc;
}

static void set_socket_options(zactor__node_layer *node, void *socket)
{
    int zero = 0, one = 1, reconnect_ms = 100;
    int64_t max = (int64_t)node->max_batch_bytes;
    zmq_setsockopt(socket, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(socket, ZMQ_RECONNECT_IVL, &reconnect_ms, sizeof reconnect_ms);
    (void)one;
}

typedef struct listen_call {
    zactor__node_layer *node;
    const char *endpoint;
    char bound[ZACTOR_NODE_ENDPOINT_MAX + 1];
    int rc;
} listen_call;

static void listen_on_thread(void *arg)
{
    listen_call *call = arg;
    zactor__node_layer *node = call->node;
    zactor__io *io = &node->sys->io;
    call->rc = ZACTOR_ESTOPPED;
    if (node->closed)
        return;
    call->rc = ZACTOR_ENOMEM;
    if (!node->router) {
        void *router = zmq_socket(io->zmq, ZMQ_ROUTER);
        if (!router)
            return;
        int one = 1;
        set_socket_options(node, router);
        /* A send to a routing id that has gone fails instead of vanishing. */
        zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
        if (node->curve)
            zactor__node_curve_server(node, router);
        zactor__io_source source = {router, -1, ZMQ_POLLIN, zactor__node_router_ready, node};
        if (zactor__io_add(io, &source) != 0) {
            zmq_close(router);
            return;
        }
        node->router = router;
    }
    if (zmq_bind(node->router, call->endpoint) != 0) {
        call->rc = ZACTOR_EARG;
        return;
    }
    size_t size = sizeof call->bound;
    if (zmq_getsockopt(node->router, ZMQ_LAST_ENDPOINT, call->bound, &size) != 0)
        snprintf(call->bound, sizeof call->bound, "%s", call->endpoint);
    call->rc = 0;
}

static int node_for_call(zactor_system *sys, zactor__node_layer **out)
{
    if (!sys)
        return ZACTOR_EARG;
    zactor__node_layer *node = node_of(sys);
    if (!node)
        return ZACTOR_EARG;
    if (zactor__system_stopping(sys))
        return ZACTOR_ESTOPPED;
    *out = node;
    return 0;
}

int zactor_node_listen(zactor_system *sys, const char *endpoint, char *bound, size_t bound_size)
{
    zactor__node_layer *node;
    int rc = node_for_call(sys, &node);
    if (rc != 0)
        return rc;
    if (!endpoint || strlen(endpoint) > ZACTOR_NODE_ENDPOINT_MAX)
        return ZACTOR_EARG;
    listen_call call = {node, endpoint, "", ZACTOR_ESTOPPED};
    rc = zactor__io_call_wait(&sys->io, listen_on_thread, &call);
    if (rc == 0)
        rc = call.rc;
    if (rc == 0 && bound && bound_size) {
        if (strlen(call.bound) >= bound_size)
            return ZACTOR_EARG;
        memcpy(bound, call.bound, strlen(call.bound) + 1);
    }
    return rc;
}

/* Under node->lock: a call gets its id and joins the list. */
static void call_enlist(zactor__node_layer *node, node_call *call)
{
    call->id = ++node->last_call;
    call->next = node->calls;
    node->calls = call;
}

static void call_delist(zactor__node_layer *node, node_call *call)
{
    for (node_call **at = &node->calls; *at; at = &(*at)->next) {
        if (*at == call) {
            *at = call->next;
            return;
        }
    }
}

/* Waits until call is done or the deadline passes; under node->lock. */
static int call_wait(zactor__node_layer *node, node_call *call, uint64_t timeout_ns)
{
    struct timespec deadline;
    bool timed = zactor__deadline_after(timeout_ns, &deadline);
    while (!call->done) {
        if (!timed) {
            pthread_cond_wait(&node->cond, &node->lock);
        } else if (pthread_cond_timedwait(&node->cond, &node->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    return call->done ? call->rc : ZACTOR_ETIMEDOUT;
}

typedef struct connect_call {
    zactor__node_layer *node;
    node_call *call;
    const char *endpoint;
    const char *server_key; /* Z85, or NULL: a plain connection */
} connect_call;

static void connect_on_thread(void *arg)
{
    connect_call *cc = arg;
    zactor__node_layer *node = cc->node;
    zactor__io *io = &node->sys->io;
    int rc = ZACTOR_ENOMEM;
    node_connector *c = NULL;
    for (c = node->connectors; c; c = c->next) {
        if (strcmp(c->endpoint, cc->endpoint) == 0)
            break;
    }
    if (node->closed) {
        rc = ZACTOR_ESTOPPED;
        c = NULL;
    } else if (c) {
        rc = c->peer && c->peer->up ? 0 : 1;
    } else if ((c = zactor__calloc(1, sizeof *c))) {
        c->node = node;
        snprintf(c->endpoint, sizeof c->endpoint, "%s", cc->endpoint);
        c->socket = zmq_socket(io->zmq, ZMQ_DEALER);
        int one = 1;
        if (c->socket) {
            set_socket_options(node, c->socket);
            /* Nothing queues for a connection not made: hellos are sent again. */
            zmq_setsockopt(c->socket, ZMQ_IMMEDIATE, &one, sizeof one);
            if (cc->server_key)
                zactor__node_curve_client(node, c->socket, cc->server_key);
        }
        zactor__io_source source = {c->socket, -1, ZMQ_POLLIN, zactor__node_dealer_ready, c};
        if (!c->socket) {
            zactor__free(c);
            c = NULL;
        } else if (zmq_connect(c->socket, cc->endpoint) != 0) {
            rc = ZACTOR_EARG;
            zmq_close(c->socket);
            zactor__free(c);
            c = NULL;
        } else if (zactor__io_add(io, &source) != 0) {
            zmq_close(c->socket);
            zactor__free(c);
            c = NULL;
        } else {
            c->next = node->connectors;
            node->connectors = c;
            zactor__node_send_hello(node, c->socket, NULL, 0, false);
            c->last_hello = zactor__monotonic_ns();
            rc = 1;
        }
    }
    pthread_mutex_lock(&node->lock);
    cc->call->connector = c;
    if (rc <= 0) {
        cc->call->done = true;
        cc->call->rc = rc;
        if (rc == 0)
            snprintf(cc->call->peer, sizeof cc->call->peer, "%s", c->peer->name);
        pthread_cond_broadcast(&node->cond);
    }
    pthread_mutex_unlock(&node->lock);
}

static int node_connect(zactor_system *sys, const char *endpoint, const char *server_key,
                        uint64_t timeout_ns, char *peer, size_t peer_size)
{
    zactor__node_layer *node;
    int rc = node_for_call(sys, &node);
    if (rc != 0)
        return rc;
    if (!endpoint || strlen(endpoint) > ZACTOR_NODE_ENDPOINT_MAX)
        return ZACTOR_EARG;
    if (server_key && (!node->curve || !zactor__node_curve_key_is_valid(server_key)))
        return ZACTOR_EARG;
    if (zactor__worker_of(sys) || zactor__io_on_thread(&sys->io))
        return ZACTOR_EDEADLK;
    node_call call = {0};
    pthread_mutex_lock(&node->lock);
    call_enlist(node, &call);
    pthread_mutex_unlock(&node->lock);
    connect_call cc = {node, &call, endpoint, server_key};
    rc = zactor__io_call_wait(&sys->io, connect_on_thread, &cc);
    pthread_mutex_lock(&node->lock);
    if (rc == 0)
        rc = call_wait(node, &call, timeout_ns);
    call_delist(node, &call);
    pthread_mutex_unlock(&node->lock);
    if (rc == 0 && peer && peer_size) {
        if (strlen(call.peer) >= peer_size)
            return ZACTOR_EARG;
        memcpy(peer, call.peer, strlen(call.peer) + 1);
    }
    return rc;
}

int zactor_node_connect(zactor_system *sys, const char *endpoint, uint64_t timeout_ns, char *peer,
                        size_t peer_size)
{
    return node_connect(sys, endpoint, NULL, timeout_ns, peer, peer_size);
}

int zactor_node_connect_secure(zactor_system *sys, const char *endpoint,
                               const char *server_public_key, uint64_t timeout_ns, char *peer,
                               size_t peer_size)
{
    if (!server_public_key)
        return ZACTOR_EARG;
    return node_connect(sys, endpoint, server_public_key, timeout_ns, peer, peer_size);
}

typedef struct lookup_call {
    zactor__node_layer *node;
    node_call *call;
} lookup_call;

static void lookup_done(lookup_call *lc, int rc)
{
    zactor__node_layer *node = lc->node;
    pthread_mutex_lock(&node->lock);
    lc->call->done = true;
    lc->call->rc = rc;
    pthread_cond_broadcast(&node->cond);
    pthread_mutex_unlock(&node->lock);
}

static void lookup_on_thread(void *arg)
{
    lookup_call *lc = arg;
    zactor__peer *peer = zactor__node_peer_named(lc->node, lc->call->node_name);
    if (!peer) {
        lookup_done(lc, ZACTOR_EUNREACH);
        return;
    }
    uint8_t body[8 + 1 + ZACTOR_NODE_NAME_MAX];
    zactor_wire_writer w = {body, body + sizeof body, NULL, 0};
    zactor_wire_put_u64(&w, lc->call->id);
    zactor__node_put_string(&w, lc->call->name);
    /* A record that cannot be written (no memory, the peer just went
     * down) ends the lookup now rather than at its timeout. */
    int rc = zactor__node_out_record(peer, RECORD_LOOKUP, body, (size_t)(w.at - body));
    if (rc != 0)
        lookup_done(lc, rc);
}

int zactor_node_lookup(zactor_system *sys, const char *node_name, const char *name,
                       const zactor_actor_type *type, uint64_t timeout_ns, zactor_ref *out)
{
    if (out)
        *out = (zactor_ref){NULL, 0};
    zactor__node_layer *node;
    int rc = node_for_call(sys, &node);
    if (rc != 0)
        return rc;
    if (!node_name || !name || !type || !out || !node_name_is_valid(node_name) || !*name ||
        strlen(name) > ZACTOR_NODE_NAME_MAX)
        return ZACTOR_EARG;
    if (zactor__worker_of(sys) || zactor__io_on_thread(&sys->io))
        return ZACTOR_EDEADLK;
    node_call call = {0};
    snprintf(call.node_name, sizeof call.node_name, "%s", node_name);
    snprintf(call.name, sizeof call.name, "%s", name);
    call.type = type;
    pthread_mutex_lock(&node->lock);
    call_enlist(node, &call);
    pthread_mutex_unlock(&node->lock);
    lookup_call lc = {node, &call};
    rc = zactor__io_call_wait(&sys->io, lookup_on_thread, &lc);
    pthread_mutex_lock(&node->lock);
    if (rc == 0)
        rc = call_wait(node, &call, timeout_ns);
    call_delist(node, &call);
    pthread_mutex_unlock(&node->lock);
    if (rc == 0)
        *out = call.ref;
    return rc;
}

bool zactor_ref_is_remote(zactor_ref ref)
{
    return zactor__ref_is_proxy(ref);
}

int zactor_node_stats_read(zactor_system *sys, zactor_node_stats *out)
{
    if (!sys || !out)
        return ZACTOR_EARG;
    memset(out, 0, sizeof *out);
    zactor__node_layer *node = node_of(sys);
    if (!node)
        return 0;
    node_counters *c = &node->counters;
    /* Relaxed: statistics. */
    out->records_sent = atomic_load_explicit(&c->records_sent, memory_order_relaxed);
    out->records_received = atomic_load_explicit(&c->records_received, memory_order_relaxed);
    out->batches_sent = atomic_load_explicit(&c->batches_sent, memory_order_relaxed);
    out->bad_input = atomic_load_explicit(&c->bad_input, memory_order_relaxed);
    out->unknown_types = atomic_load_explicit(&c->unknown_types, memory_order_relaxed);
    out->unreachable = atomic_load_explicit(&c->unreachable, memory_order_relaxed);
    out->peers_up = atomic_load_explicit(&c->peers_up, memory_order_relaxed);
    out->peers_down = atomic_load_explicit(&c->peers_down, memory_order_relaxed);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The end                                                              */

static void close_on_thread(void *arg)
{
    zactor__node_layer *node = arg;
    zactor__io *io = &node->sys->io;
    node->closed = true;
    zactor__io_set_tick(io, NULL, NULL, 0);
    for (zactor__peer *peer = node->peers; peer; peer = peer->next) {
        if (peer->up)
            zactor__node_peer_down(peer);
    }
    while (node->connectors) {
        node_connector *c = node->connectors;
        node->connectors = c->next;
        zactor__io_source *source = zactor__io_find(io, c->socket, -1, NULL);
        if (source)
            zactor__io_remove(io, source);
        zmq_close(c->socket);
        zactor__free(c);
    }
    if (node->zap) {
        zactor__io_source *source = zactor__io_find(io, node->zap, -1, NULL);
        if (source)
            zactor__io_remove(io, source);
        zmq_close(node->zap);
        node->zap = NULL;
    }
    if (node->router) {
        zactor__io_source *source = zactor__io_find(io, node->router, -1, NULL);
        if (source)
            zactor__io_remove(io, source);
        zmq_close(node->router);
        node->router = NULL;
    }
}

void zactor__node_close(zactor_system *sys)
{
    zactor__node_layer *node = node_of(sys);
    if (node)
        (void)zactor__io_call_wait(&sys->io, close_on_thread, node);
}

void zactor__node_destroy(zactor_system *sys)
{
    zactor__node_layer *node = node_of(sys);
    if (!node)
        return;
    while (node->peers) {
        zactor__peer *peer = node->peers;
        node->peers = peer->next;
        zactor__u64map *proxies = &peer->proxies;
        for (size_t i = 0; proxies->slots && i <= proxies->mask; i++) {
            if (proxies->slots[i].key)
                zactor__free(proxies->slots[i].value);
        }
        zactor__u64map_free(proxies);
        zactor__free(peer->out);
        zactor__node_batches_drop(node, peer->sealed);
        zactor__node_batches_drop(node, peer->sending);
        pthread_mutex_destroy(&peer->out_lock);
        zactor__free(peer);
    }
    /* Requests still pending were failed when their peers went down. */
    zactor__node_fails_free(node);
    node_free(node);
    atomic_store_explicit(&sys->node, NULL, memory_order_relaxed);
}

bool zactor__node_resend(zactor_system *sys)
{
    zactor__node_layer *node = node_of(sys);
    return node && zactor__node_fails_resend(node);
}

/* ------------------------------------------------------------------ */
/* The fuzzer's way in (tests/runtime/node_fuzz.c)                      */

typedef struct feed_call {
    zactor__node_layer *node;
    const uint8_t *batch;
    size_t len;
} feed_call;

static void feed_on_thread(void *arg)
{
    feed_call *call = arg;
    zactor__node_layer *node = call->node;
    static const uint8_t rid[] = {'f', 'u', 'z', 'z'};
    zactor__peer *peer = NULL;
    for (zactor__peer *p = node->peers; p && !peer; p = p->next) {
        if (p->up && p->routing_id_len == sizeof rid && memcmp(p->routing_id, rid, sizeof rid) == 0)
            peer = p;
    }
    if (!peer) {
        uint64_t id = 0xf022;
        while (zactor__u64map_get(&node->peers_by_id, id))
            id++;
        peer = zactor__node_peer_new(node, id);
        if (!peer)
            return;
        snprintf(peer->name, sizeof peer->name, "fuzz");
        memcpy(peer->routing_id, rid, sizeof rid);
        peer->routing_id_len = sizeof rid;
        zactor__node_peer_up(peer, false, zactor__monotonic_ns());
    }
    zactor__node_receive_batch(node, call->batch, call->len, NULL, rid, sizeof rid,
                               zactor__monotonic_ns());
}

int zactor__node_feed(zactor_system *sys, const uint8_t *batch, size_t len)
{
    zactor__node_layer *node = node_of(sys);
    if (!node)
        return ZACTOR_EARG;
    feed_call call = {node, batch, len};
    return zactor__io_call_wait(&sys->io, feed_on_thread, &call);
}
