/* supervisor.c - supervisors: an actor type of the runtime's own that
 * starts children from specs, monitors them and restarts them.
 *
 * A supervisor is an ordinary actor ("zactor.Supervisor") with three
 * entries, its `on down`, a stop request and a start request, so it is
 * scheduled, killed, monitored and supervised like any other; supervisors
 * nest by being children. All its bookkeeping is its own state, touched
 * only by its turns: no lock. It spawns every child itself, from its
 * handlers, each one monitored before it can run
 * (zactor__spawn_monitored), so that no end goes unseen or loses its
 * reason. A caller outside the system learns how the first start went by
 * asking the start request, which is answered after `on start`.
 * Stopping children one at a time, last started first, is a little
 * state machine driven by their Downs (supervisor_advance): a child asked
 * to stop is STOPPING until its Down arrives, and nothing else is stopped
 * or started meanwhile. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "alloc.h"
#include "monitor.h"
#include "worker.h"
#include "zactor/zactor.h"

enum child_state {
    CHILD_RUNNING,  /* started and monitored */
    CHILD_STOPPING, /* asked to stop: its Down is awaited */
    CHILD_DOWN,     /* ended: restarted once no child is STOPPING (unless shutting down) */
    CHILD_GONE      /* ended and not to be restarted */
};

typedef struct supervised_child {
    const zactor_child_spec *spec; /* in the supervisor's copy of its spec */
    zactor_ref ref;
    uint64_t monitor;
    uint8_t state;  /* enum child_state */
    bool must_stop; /* to stop before the pending restart (the strategy's siblings) */
} supervised_child;

typedef struct spec_copy spec_copy; /* below */

typedef struct supervisor {
    spec_copy *copy;                    /* owned */
    const zactor_supervisor_spec *spec; /* &copy->spec */
    supervised_child *children;         /* spec->child_count, in start order */
    uint64_t *restart_times;            /* ring of the last max_restarts restarts (ns) */
    unsigned restarts;                  /* entries in the ring */
    unsigned restart_next;              /* where the next goes */
    bool shutting_down;                 /* stopping every child, then itself */
    int end_code;                       /* shutting down: 0 to end normally, else fail with it */
    /* A thread outside the system waits in zactor_supervisor_start for
     * start_result: the supervisor does not end before it has answered. */
    bool start_awaited;
    int32_t start_result; /* how `on start` went: 0 or the first child's error */
} supervisor;

/* The entries of the supervisor type, by tag. */
enum { SUPERVISOR_TAG_DOWN = 0, SUPERVISOR_TAG_STOP = 1, SUPERVISOR_TAG_STARTED = 2 };

/* The start request: the envelope of a request with no content. */
typedef struct started_request {
    zactor_reply_to reply_to;
} started_request;

typedef struct supervisor_slot {
    zactor_slot_header header;
    union {
        zactor_down down;
        uint8_t stop;
        started_request started;
        void *boxed;
    } payload;
} supervisor_slot;
_Static_assert(offsetof(supervisor_slot, payload) == ZACTOR_SLOT_PAYLOAD_OFFSET,
               "the slot layout the runtime relies on");

static const zactor_actor_type supervisor_type;

const zactor_actor_type *zactor_supervisor_type(void)
{
    return &supervisor_type;
}

/* ---- Specs: checking and copying ---- */

static bool name_is_valid(const char *name)
{
    size_t length = strnlen(name, ZACTOR_NAME_MAX + 1);
    return length > 0 && length <= ZACTOR_NAME_MAX;
}

static int spec_check(const zactor_supervisor_spec *spec, unsigned depth)
{
    if (!spec || depth > ZACTOR_SUPERVISOR_MAX_DEPTH)
        return ZACTOR_EARG;
    if ((unsigned)spec->strategy > ZACTOR_REST_FOR_ONE || spec->period_ns == 0 ||
        spec->max_restarts > ZACTOR_SUPERVISOR_MAX_RESTARTS ||
        spec->child_count > ZACTOR_SUPERVISOR_MAX_CHILDREN ||
        (spec->child_count && !spec->children))
        return ZACTOR_EARG;
    for (size_t i = 0; i < spec->child_count; i++) {
        const zactor_child_spec *child = &spec->children[i];
        if ((unsigned)child->restart > ZACTOR_RESTART_TEMPORARY ||
            (child->name && !name_is_valid(child->name)))
            return ZACTOR_EARG;
        if (!child->type == !child->supervisor || (child->supervisor && child->init))
            return ZACTOR_EARG;
        if (child->type && !zactor__actor_type_is_valid(child->type))
            return ZACTOR_ETYPE;
        if (child->supervisor) {
            int rc = spec_check(child->supervisor, depth + 1);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* A deep copy of a spec: what the caller passed may be freed once
 * zactor_supervisor_start returns, and every restart spawns from the
 * copy. `spec` points into the owned parts. */
typedef struct owned_child owned_child;
struct spec_copy {
    zactor_supervisor_spec spec;
    zactor_child_spec *children; /* spec.children */
    owned_child *owned;          /* what each child's spec points to */
};

struct owned_child {
    char *name;
    void *init;
    spec_copy *nested;
};

static void spec_copy_free(spec_copy *copy)
{
    if (!copy)
        return;
    for (size_t i = 0; copy->owned && i < copy->spec.child_count; i++) {
        zactor__free(copy->owned[i].name);
        zactor__free(copy->owned[i].init);
        spec_copy_free(copy->owned[i].nested);
    }
    zactor__free(copy->owned);
    zactor__free(copy->children);
    zactor__free(copy);
}

static void *copy_bytes(const void *from, size_t size)
{
    void *to = zactor__malloc(size);
    if (to)
        memcpy(to, from, size);
    return to;
}

/* The copy of a checked spec, NULL when out of memory. */
static spec_copy *spec_copy_new(const zactor_supervisor_spec *spec)
{
    spec_copy *copy = zactor__calloc(1, sizeof *copy);
    if (!copy)
        return NULL;
    copy->spec = *spec;
    size_t count = spec->child_count;
    /* One element at least: calloc(0) may return NULL. */
    copy->children = zactor__calloc(count + 1, sizeof *copy->children);
    copy->owned = zactor__calloc(count + 1, sizeof *copy->owned);
    copy->spec.children = copy->children;
    if (!copy->children || !copy->owned) {
        spec_copy_free(copy);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        const zactor_child_spec *from = &spec->children[i];
        owned_child *owned = &copy->owned[i];
        bool ok = true;
        if (from->name)
            ok = (owned->name = copy_bytes(from->name, strlen(from->name) + 1)) != NULL;
        if (ok && from->init)
            ok = (owned->init = copy_bytes(from->init, from->type->state_size)) != NULL;
        if (ok && from->supervisor)
            ok = (owned->nested = spec_copy_new(from->supervisor)) != NULL;
        if (!ok) {
            spec_copy_free(copy);
            return NULL;
        }
        copy->children[i] = (zactor_child_spec){owned->name, from->type, owned->init, from->restart,
                                                owned->nested ? &owned->nested->spec : NULL};
    }
    return copy;
}

static void supervisor_free(supervisor *sup)
{
    spec_copy_free(sup->copy);
    zactor__free(sup->children);
    zactor__free(sup->restart_times);
    zactor__free(sup);
}

static supervisor *supervisor_new(const zactor_supervisor_spec *spec)
{
    supervisor *sup = zactor__calloc(1, sizeof *sup);
    if (!sup)
        return NULL;
    sup->copy = spec_copy_new(spec);
    sup->spec = sup->copy ? &sup->copy->spec : NULL;
    /* One element at least: calloc(0) may return NULL. */
    sup->children = zactor__calloc(spec->child_count + 1, sizeof *sup->children);
    sup->restart_times = zactor__calloc(spec->max_restarts + 1, sizeof *sup->restart_times);
    if (!sup->copy || !sup->children || !sup->restart_times) {
        supervisor_free(sup);
        return NULL;
    }
    for (size_t i = 0; i < spec->child_count; i++) {
        sup->children[i].spec = &sup->spec->children[i];
        sup->children[i].state = CHILD_GONE;
    }
    return sup;
}

/* ---- Children: start, stop ---- */

/* Asks a running child to stop; its Down says when it has. */
static void child_stop(supervised_child *child)
{
    child->state = CHILD_STOPPING;
    child->must_stop = false;
    int rc = child->spec->supervisor ? zactor_supervisor_stop(child->ref)
                                     : zactor_kill(child->ref, 0);
    /* ZACTOR_EDEAD: it ended meanwhile and its Down is on the way.
     * ZACTOR_ESTOPPED: the system is stopping; destroy ends it. A
     * supervisor child's stop request that found no memory: kill it. */
    if (rc == ZACTOR_ENOMEM && child->spec->supervisor)
        (void)zactor_kill(child->ref, 0);
}

/* Starts a child from a fresh copy of its initial state, monitored
 * from its first instant, and registers its name. On an error the child
 * is not RUNNING: not spawned, or (its name taken) STOPPING. */
static int child_start(zactor_ctx *ctx, supervised_child *child)
{
    const zactor_child_spec *spec = child->spec;
    const zactor_actor_type *type = spec->type;
    const void *init = spec->init;
    supervisor *nested = NULL;
    if (spec->supervisor) {
        nested = supervisor_new(spec->supervisor);
        if (!nested)
            return ZACTOR_ENOMEM;
        type = &supervisor_type;
        init = &nested;
    }
    int rc = zactor__spawn_monitored(ctx, type, init, &child->ref, &child->monitor);
    if (rc != 0) {
        if (nested)
            supervisor_free(nested);
        return rc;
    }
    child->state = CHILD_RUNNING;
    if (spec->name) {
        rc = zactor_name_register(zactor_ctx_system(ctx), spec->name, child->ref);
        /* ZACTOR_EDEAD: it has ended already; its Down is on the way. */
        if (rc != 0 && rc != ZACTOR_EDEAD) {
            child_stop(child);
            return rc;
        }
    }
    return 0;
}

/* ---- The supervisor's turns ---- */

static uint64_t now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * UINT64_C(1000000000) + (uint64_t)now.tv_nsec;
}

/* Counts a restart, or says it would be one too many within the period. */
static bool restart_allowed(supervisor *sup)
{
    unsigned max = sup->spec->max_restarts;
    if (max == 0)
        return false;
    uint64_t now = now_ns();
    /* The ring is full: its oldest entry is where the next one goes. */
    if (sup->restarts == max && now - sup->restart_times[sup->restart_next] < sup->spec->period_ns)
        return false;
    sup->restart_times[sup->restart_next] = now;
    sup->restart_next = (sup->restart_next + 1) % max;
    if (sup->restarts < max)
        sup->restarts++;
    return true;
}

/* One step of stopping and restarting: stops the last started child that
 * must stop (one at a time), else ends the supervisor if it is shutting
 * down, else restarts every ended child in start order. */
static void supervisor_advance(supervisor *sup, zactor_ctx *ctx);

static void supervisor_give_up(supervisor *sup, zactor_ctx *ctx, int code)
{
    sup->shutting_down = true;
    sup->end_code = code;
    supervisor_advance(sup, ctx);
}

static void supervisor_advance(supervisor *sup, zactor_ctx *ctx)
{
    size_t count = sup->spec->child_count;
    for (size_t i = count; i-- > 0;)
        if (sup->children[i].state == CHILD_STOPPING)
            return;
    for (size_t i = count; i-- > 0;) {
        supervised_child *child = &sup->children[i];
        if (child->state == CHILD_RUNNING && (sup->shutting_down || child->must_stop)) {
            child_stop(child);
            return;
        }
    }
    if (sup->shutting_down) {
        if (sup->start_awaited)
            return; /* ends once it has answered the start request */
        if (sup->end_code != 0)
            zactor_fail(ctx, sup->end_code);
        else
            zactor_stop(ctx);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        if (sup->children[i].state != CHILD_DOWN)
            continue;
        int rc = child_start(ctx, &sup->children[i]);
        if (rc != 0) {
            supervisor_give_up(sup, ctx, rc);
            return;
        }
    }
}

static bool restart_wanted(zactor_restart restart, zactor_end_reason reason)
{
    if (restart == ZACTOR_RESTART_PERMANENT)
        return true;
    return restart == ZACTOR_RESTART_TRANSIENT && reason.kind != ZACTOR_END_NORMAL;
}

static supervised_child *child_of(supervisor *sup, const zactor_down *down)
{
    for (size_t i = 0; i < sup->spec->child_count; i++) {
        supervised_child *child = &sup->children[i];
        if ((child->state == CHILD_RUNNING || child->state == CHILD_STOPPING) &&
            child->monitor == down->monitor)
            return child;
    }
    return NULL;
}

static void supervisor_on_down(void *self, zactor_ctx *ctx, const void *msg)
{
    const zactor_down *down = msg;
    if (!zactor_down_take(ctx, down))
        return;
    supervisor *sup = *(supervisor **)self;
    supervised_child *child = child_of(sup, down);
    if (!child)
        return;
    bool asked = child->state == CHILD_STOPPING;
    child->state = CHILD_DOWN;
    child->must_stop = false;
    child->ref = (zactor_ref){NULL, 0};
    if (sup->shutting_down || asked) {
        /* Stopped for a sibling's restart: a temporary child is not
         * restarted for it either. */
        if (child->spec->restart == ZACTOR_RESTART_TEMPORARY)
            child->state = CHILD_GONE;
        supervisor_advance(sup, ctx);
        return;
    }
    if (!restart_wanted(child->spec->restart, down->reason)) {
        child->state = CHILD_GONE;
        supervisor_advance(sup, ctx); /* a restart may be pending */
        return;
    }
    if (!restart_allowed(sup)) {
        supervisor_give_up(sup, ctx, ZACTOR_ERESTARTS);
        return;
    }
    size_t index = (size_t)(child - sup->children);
    if (sup->spec->strategy != ZACTOR_ONE_FOR_ONE) {
        size_t first = sup->spec->strategy == ZACTOR_ONE_FOR_ALL ? 0 : index + 1;
        for (size_t i = first; i < sup->spec->child_count; i++)
            if (sup->children[i].state == CHILD_RUNNING)
                sup->children[i].must_stop = true;
    }
    supervisor_advance(sup, ctx);
}

static void supervisor_on_stop_request(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)msg;
    supervisor *sup = *(supervisor **)self;
    if (sup->shutting_down)
        return;
    for (size_t i = 0; i < sup->spec->child_count; i++)
        if (sup->children[i].state == CHILD_DOWN)
            sup->children[i].state = CHILD_GONE;
    supervisor_give_up(sup, ctx, 0);
}

/* Starts the children in order. One that cannot start makes the
 * supervisor give up: those started already are stopped again. */
static void supervisor_on_start(void *self, zactor_ctx *ctx)
{
    supervisor *sup = *(supervisor **)self;
    for (size_t i = 0; i < sup->spec->child_count; i++) {
        int rc = child_start(ctx, &sup->children[i]);
        if (rc != 0) {
            sup->start_result = rc;
            supervisor_give_up(sup, ctx, rc);
            return;
        }
    }
}

/* The start request of zactor_supervisor_start: answered with how `on
 * start` went, which ran before. */
static void supervisor_on_started(void *self, zactor_ctx *ctx, const void *msg)
{
    supervisor *sup = *(supervisor **)self;
    const started_request *request = msg;
    zactor_reply(&request->reply_to, &sup->start_result, sizeof sup->start_result, NULL);
    sup->start_awaited = false;
    if (sup->shutting_down)
        supervisor_advance(sup, ctx); /* it may end now */
}

/* However the supervisor ends: children still running are killed, last
 * started first (without waiting: nobody is left to wait), and its
 * memory is freed. After a graceful stop none is left. */
static void supervisor_on_stop(void *self, zactor_ctx *ctx)
{
    (void)ctx;
    supervisor *sup = *(supervisor **)self;
    for (size_t i = sup->spec->child_count; i-- > 0;) {
        supervised_child *child = &sup->children[i];
        if (child->state == CHILD_RUNNING || child->state == CHILD_STOPPING)
            (void)zactor_kill(child->ref, 0);
    }
    supervisor_free(sup);
}

static const zactor_handler_entry supervisor_handlers[] = {
    [SUPERVISOR_TAG_DOWN] = {.handle = supervisor_on_down, .flags = ZACTOR_HANDLER_DOWN},
    [SUPERVISOR_TAG_STOP] = {.handle = supervisor_on_stop_request,
                             .message_type_id = ZACTOR_SUPERVISOR_STOP_TYPE_ID},
    [SUPERVISOR_TAG_STARTED] = {.handle = supervisor_on_started,
                                .message_type_id = ZACTOR_SUPERVISOR_STARTED_TYPE_ID,
                                .flags = ZACTOR_HANDLER_REQUEST},
};

static const zactor_actor_type supervisor_type = {
    .abi_version = ZACTOR_ABI_VERSION,
    .name = "zactor.Supervisor",
    .state_size = sizeof(supervisor *),
    .state_align = _Alignof(supervisor *),
    .slot_size = sizeof(supervisor_slot),
    .handler_count = sizeof supervisor_handlers / sizeof supervisor_handlers[0],
    .handlers = supervisor_handlers,
    .on_start = supervisor_on_start,
    .on_stop = supervisor_on_stop,
};

/* ---- Public ---- */

/* A failed start's *out: a null ref that holds the reason, as a failed
 * spawn's does (zactor_ref_error). */
static int start_failed(zactor_ref *out, int rc)
{
    *out = (zactor_ref){NULL, (uint32_t)-rc};
    return rc;
}

int zactor_supervisor_start(zactor_system *sys, const zactor_supervisor_spec *spec, zactor_ref *out)
{
    if (!out)
        return ZACTOR_EARG;
    int rc = sys ? spec_check(spec, 0) : ZACTOR_EARG;
    if (rc != 0)
        return start_failed(out, rc);
    supervisor *sup = supervisor_new(spec);
    if (!sup)
        return start_failed(out, ZACTOR_ENOMEM);
    /* A handler (of any system) must not wait: it may hold the very
     * worker the supervisor needs. */
    bool from_handler = zactor__current_worker != NULL;
    sup->start_awaited = !from_handler;
    zactor_ref ref = zactor_spawn(sys, &supervisor_type, &sup);
    if (zactor_ref_is_null(ref)) {
        supervisor_free(sup);
        return start_failed(out, zactor_ref_error(ref));
    }
    if (!from_handler) {
        started_request request;
        int32_t result;
        rc = zactor_ask(ref, &supervisor_type, SUPERVISOR_TAG_STARTED, &request, sizeof request,
                        &result, sizeof result, ZACTOR_TIMEOUT_NEVER);
        if (rc == 0)
            rc = result;
        if (rc != 0)
            return start_failed(out, rc); /* it stops what it started */
    }
    *out = ref;
    return 0;
}

int zactor_supervisor_stop(zactor_ref ref)
{
    uint8_t stop = 1;
    return zactor_send(ref, &supervisor_type, SUPERVISOR_TAG_STOP, &stop, sizeof stop);
}
