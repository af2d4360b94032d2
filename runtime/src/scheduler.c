/* scheduler.c - run queues, NUMA nodes, stealing and parking.
 *
 * An actor is in at most one queue at a time: it is queued on its pending
 * count's 0 -> 1 transition or when its turn ends with tokens left, and
 * only the worker that runs it requeues it. A worker picks, in order: its
 * node's inject queue every INJECT_FIRST_EVERY picks and the oldest entry
 * of its own deque every OLDEST_FIRST_EVERY picks (so nothing starves
 * behind a request/reply pair that keeps refilling the LIFO slot), its LIFO
 * slot (never starved: nothing else is taken before it every time), the
 * oldest entry of its deque right after a requeue (round robin among busy
 * actors), its deque's newest entry, its node's inject queue, then it
 * steals (walk_victims): the deques of its node's other workers, then node
 * by node, nearest first, each node's deques and inject queue.
 *
 * NUMA: workers are grouped by node (topology.c). Every actor has a home
 * node, chosen at spawn (zactor__scheduler_home); threads that are not
 * workers queue it on its home node's inject queue. Workers never leave
 * their node's queues for another node's while their own node has work.
 *
 * Parking (no lost wake-ups): a parking worker announces itself in
 * `sleepers`, then a seq_cst fence, then looks at every queue of every
 * node once more; a scheduler pushes, then a seq_cst fence, then reads
 * `searching` and `sleepers`. The fences order the two, so either the
 * parking worker sees the new cell or the pusher sees the sleeper. The
 * pusher wakes a sleeper only when no worker is searching: a searching
 * worker re-checks every queue before it parks, so it will find the cell
 * (the last searcher to give up is the one the pusher's check covers).
 * Each worker parks on its own condition variable, so the pusher chooses
 * whom to wake: a worker of the node it pushed to (else of the nearest
 * node with a sleeper), always the same one while it sleeps
 * (worker_to_wake). Any woken worker searches every node, so which one
 * wakes is only a matter of locality and latency, never of correctness. */
#include "scheduler.h"

#include <sched.h>
#include <stdlib.h>

#include "actor.h"
#include "alloc.h"
#include "platform.h"
#include "system.h"
#include "worker.h"

#define SEARCH_ROUNDS 64u      /* passes over all queues before parking */
#define INJECT_FIRST_EVERY 61u /* picks between inject-queue-first picks */
#define OLDEST_FIRST_EVERY 31u /* picks between FIFO-end picks of the own deque */

static void destroy_nodes(zactor__scheduler *sched, unsigned initialised)
{
    for (unsigned n = 0; n < initialised; n++) {
        pthread_mutex_destroy(&sched->nodes[n].inject_lock);
    }
    zactor__free(sched->nodes);
    zactor__free(sched->node_workers);
    zactor__layout_free(&sched->layout);
}

static int init_node(zactor__node *node)
{
    atomic_init(&node->inject_length, 0);
    atomic_init(&node->homed, 0);
    node->inject_head = NULL;
    node->inject_tail = NULL;
    node->parked = 0;
    node->wake_tokens = 0;
    return pthread_mutex_init(&node->inject_lock, NULL) == 0 ? 0 : -1;
}

/* Lists each node's workers in worker order (a counting sort). */
static void list_node_workers(zactor__scheduler *sched)
{
    const zactor__layout *layout = &sched->layout;
    unsigned start = 0;
    for (unsigned n = 0; n < sched->node_count; n++) {
        zactor__node *node = &sched->nodes[n];
        node->workers = &sched->node_workers[start];
        node->worker_count = 0;
        node->order = &layout->node_order[n * sched->node_count];
        for (unsigned w = 0; w < layout->workers; w++) {
            if (layout->worker_node[w] == n)
                sched->node_workers[start + node->worker_count++] = w;
        }
        start += node->worker_count;
    }
}

int zactor__scheduler_init(zactor__scheduler *sched, zactor__layout *layout)
{
    sched->workers = NULL;
    sched->worker_count = 0;
    sched->layout = *layout;
    sched->node_count = layout->node_count;
    atomic_init(&sched->searching, 0);
    atomic_init(&sched->sleepers, 0);
    sched->nodes =
        zactor__aligned_alloc(ZACTOR__CACHE_LINE, sched->node_count * sizeof *sched->nodes);
    sched->node_workers = zactor__malloc(layout->workers * sizeof *sched->node_workers);
    if (!sched->nodes || !sched->node_workers) {
        destroy_nodes(sched, 0);
        return -1;
    }
    for (unsigned n = 0; n < sched->node_count; n++) {
        if (init_node(&sched->nodes[n]) != 0) {
            destroy_nodes(sched, n);
            return -1;
        }
    }
    list_node_workers(sched);
    if (pthread_mutex_init(&sched->park_lock, NULL) != 0) {
        destroy_nodes(sched, sched->node_count);
        return -1;
    }
    return 0;
}

void zactor__scheduler_destroy(zactor__scheduler *sched)
{
    pthread_mutex_destroy(&sched->park_lock);
    destroy_nodes(sched, sched->node_count);
}

unsigned zactor__scheduler_worker_node(const zactor__scheduler *sched, unsigned index)
{
    return sched->layout.worker_node[index];
}

/* Fewest live homed actors per worker; ties go to the lowest number. A
 * spawn counts itself at once, so a burst of spawns spreads evenly. */
static unsigned least_loaded_node(zactor__scheduler *sched)
{
    unsigned best = 0;
    /* Relaxed: a load estimate; a concurrent spawn may pick the same node. */
    uint64_t best_homed = atomic_load_explicit(&sched->nodes[0].homed, memory_order_relaxed);
    for (unsigned n = 1; n < sched->node_count; n++) {
        /* Relaxed: as above. */
        uint64_t homed = atomic_load_explicit(&sched->nodes[n].homed, memory_order_relaxed);
        if (homed * sched->nodes[best].worker_count < best_homed * sched->nodes[n].worker_count) {
            best = n;
            best_homed = homed;
        }
    }
    return best;
}

void zactor__scheduler_home(zactor_system *sys, zactor_cell *cell)
{
    zactor__worker *worker = zactor__worker_of(sys);
    cell->home = worker ? worker->schedule.node : least_loaded_node(&sys->sched);
    /* Relaxed: a load estimate, read only to place top-level spawns. */
    atomic_fetch_add_explicit(&sys->sched.nodes[cell->home].homed, 1, memory_order_relaxed);
}

void zactor__scheduler_unhome(zactor_system *sys, zactor_cell *cell)
{
    /* Relaxed: as in zactor__scheduler_home. */
    atomic_fetch_sub_explicit(&sys->sched.nodes[cell->home].homed, 1, memory_order_relaxed);
}

static void inject_push(zactor__node *node, zactor_cell *cell)
{
    cell->next = NULL;
    pthread_mutex_lock(&node->inject_lock);
    if (node->inject_tail)
        node->inject_tail->next = cell;
    else
        node->inject_head = cell;
    node->inject_tail = cell;
    /* Seq_cst: read by parking workers after their fence (file comment);
     * the mutex orders everything else. */
    atomic_fetch_add_explicit(&node->inject_length, 1, memory_order_seq_cst);
    pthread_mutex_unlock(&node->inject_lock);
}

static zactor_cell *inject_pop(zactor__node *node)
{
    /* Relaxed: a hint to skip the mutex; a miss is retried on the next pass. */
    if (atomic_load_explicit(&node->inject_length, memory_order_relaxed) == 0)
        return NULL;
    pthread_mutex_lock(&node->inject_lock);
    zactor_cell *cell = node->inject_head;
    if (cell) {
        node->inject_head = cell->next;
        if (!node->inject_head)
            node->inject_tail = NULL;
        /* Relaxed: updated under the mutex; see inject_push. */
        atomic_fetch_sub_explicit(&node->inject_length, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&node->inject_lock);
    return cell;
}

/* The node whose sleeper to wake for work pushed on `target`: target
 * itself if one of its workers sleeps without a token, else the nearest
 * such node; NULL if every sleeper already has one. Under park_lock. */
static zactor__node *node_to_wake(zactor__scheduler *sched, unsigned target)
{
    const unsigned *order = sched->nodes[target].order;
    for (unsigned k = 0; k < sched->node_count; k++) {
        zactor__node *node = &sched->nodes[order[k]];
        if (node->parked > node->wake_tokens)
            return node;
    }
    return NULL;
}

/* The first of `node`'s workers that sleeps without a token (node_to_wake
 * found one). Always the same one while it sleeps: a thread outside the
 * workers that sends and then waits for the work to finish is woken by
 * that worker, and the kernel moves a woken thread next to its waker, so
 * from then on the sender wakes a worker on its own CPU, which runs as
 * soon as the sender blocks. Waking whichever waited longest instead
 * alternates the two CPUs and each wake-up from idle interrupts a halted
 * CPU: 2-3x slower on the virtual machine of bench/RESULTS.md. Under
 * park_lock. */
static zactor__worker *worker_to_wake(zactor__scheduler *sched, zactor__node *node)
{
    for (unsigned i = 0; i < node->worker_count; i++) {
        zactor__worker *worker = &sched->workers[node->workers[i]];
        if (worker->park.parked && !worker->park.token)
            return worker;
    }
    return NULL;
}

/* Called after making a cell visible in a queue of node `target`. */
static void wake_one_if_needed(zactor__scheduler *sched, unsigned target)
{
    /* Seq_cst fence: see the file comment; orders our push before these reads. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&sched->searching, memory_order_relaxed) != 0 ||
        atomic_load_explicit(&sched->sleepers, memory_order_relaxed) == 0)
        return;
    pthread_mutex_lock(&sched->park_lock);
    /* Relaxed: searching changes only under park_lock, except its decrement
     * by a worker that found work, which can only make us wake one worker
     * too many; the parked counts are plain fields under park_lock. */
    zactor__node *node = atomic_load_explicit(&sched->searching, memory_order_relaxed) == 0
                             ? node_to_wake(sched, target)
                             : NULL;
    zactor__worker *sleeper = node ? worker_to_wake(sched, node) : NULL;
    if (sleeper) {
        sleeper->park.token = true;
        node->wake_tokens++;
        /* The woken worker searches on our count, so concurrent pushes do
         * not wake a second one for the same work. Seq_cst: as in park. */
        atomic_fetch_add_explicit(&sched->searching, 1, memory_order_seq_cst);
    }
    pthread_mutex_unlock(&sched->park_lock);
    /* Signalled after unlocking, so that the sleeper does not wake only to
     * block on the lock we still hold. No wake-up is lost: a worker about
     * to wait checks its token under the lock first, and it cannot be
     * freed meanwhile (workers are freed after they are joined). */
    if (sleeper)
        pthread_cond_signal(&sleeper->park.cond);
}

void zactor__scheduler_wake_all(zactor__scheduler *sched)
{
    pthread_mutex_lock(&sched->park_lock);
    for (unsigned i = 0; i < sched->worker_count; i++)
        pthread_cond_signal(&sched->workers[i].park.cond);
    pthread_mutex_unlock(&sched->park_lock);
}

void zactor__schedule(zactor_system *sys, zactor_cell *cell)
{
    zactor__scheduler *sched = &sys->sched;
    zactor__worker *worker = zactor__worker_of(sys);
    if (!worker) {
        /* Read before the push: once queued, the actor may run, stop and
         * be recycled, and its cell respawned with another home. */
        unsigned home = cell->home;
        inject_push(&sched->nodes[home], cell);
        wake_one_if_needed(sched, home);
        return;
    }
    /* The receiver runs next on this worker, its sender's data still in
     * cache (a request/reply pair stays on one core); the actor it
     * displaces becomes stealable. */
    zactor_cell *displaced = worker->schedule.next_cell;
    worker->schedule.next_cell = cell;
    worker->schedule.sends_behind_slot = 0;
    if (!displaced)
        return; /* nothing other workers could take: no wake-up */
    /* The deque's bottom is its owner's alone. */
    ZACTOR__INVARIANT(worker == zactor__current_worker);
    if (!zactor__deque_push(&worker->deque, displaced))
        inject_push(&sched->nodes[worker->schedule.node], displaced);
    wake_one_if_needed(sched, worker->schedule.node);
}

void zactor__scheduler_release_slot(zactor__worker *worker)
{
    zactor__scheduler *sched = &worker->sys->sched;
    zactor_cell *cell = worker->schedule.next_cell;
    worker->schedule.next_cell = NULL;
    /* The deque's bottom is its owner's alone. */
    ZACTOR__INVARIANT(worker == zactor__current_worker);
    if (!zactor__deque_push(&worker->deque, cell))
        inject_push(&sched->nodes[worker->schedule.node], cell);
    wake_one_if_needed(sched, worker->schedule.node);
}

void zactor__scheduler_requeue(zactor__worker *worker, zactor_cell *cell, bool made_progress)
{
    zactor__scheduler *sched = &worker->sys->sched;
    /* Alone in the deque, with nothing in the LIFO slot, the actor is this
     * worker's next pick: waking a sleeper for it would only have the
     * sleeper find nothing and park again (a futex wake and a sleep per
     * turn of one flooded actor). Any other work present wakes as usual. */
    bool only_work = !worker->schedule.next_cell && zactor__deque_looks_empty(&worker->deque);
    /* The deque's bottom is its owner's alone. */
    ZACTOR__INVARIANT(worker == zactor__current_worker);
    if (made_progress && zactor__deque_push(&worker->deque, cell)) {
        /* Round robin among busy actors: next pick is the oldest entry. */
        worker->schedule.take_oldest = true;
        if (only_work)
            return;
    } else {
        /* No progress means a sender is between counting itself and
         * publishing: go behind everything else instead of spinning on it. */
        inject_push(&sched->nodes[worker->schedule.node], cell);
        if (!made_progress)
            sched_yield();
    }
    wake_one_if_needed(sched, worker->schedule.node);
}

/* Returns true to stop the walk. */
typedef bool (*visit_fn)(void *arg, unsigned node, unsigned worker);

/* The steal order of worker `self`: node by node, its own node first, then
 * the others nearest first; in each node the workers' deques (from
 * `rotation` on, so that thieves spread), then the node's inject queue -
 * except its own node's, which find_work tried just before. */
static bool walk_victims(const zactor__scheduler *sched, unsigned self, unsigned rotation,
                         visit_fn visit, void *arg)
{
    const unsigned *order = sched->nodes[sched->layout.worker_node[self]].order;
    for (unsigned k = 0; k < sched->node_count; k++) {
        const zactor__node *node = &sched->nodes[order[k]];
        for (unsigned i = 0; i < node->worker_count; i++) {
            unsigned victim = node->workers[(rotation + i) % node->worker_count];
            if (victim != self && visit(arg, order[k], victim))
                return true;
        }
        if (k > 0 && visit(arg, order[k], ZACTOR__VICTIM_INJECT))
            return true;
    }
    return false;
}

typedef struct order_record {
    zactor__victim *out;
    unsigned count;
} order_record;

static bool record_victim(void *arg, unsigned node, unsigned worker)
{
    order_record *record = arg;
    record->out[record->count].node = node;
    record->out[record->count].worker = worker;
    record->count++;
    return false;
}

unsigned zactor__scheduler_steal_order(const zactor__scheduler *sched, unsigned self,
                                       unsigned rotation, zactor__victim *out)
{
    order_record record = {out, 0};
    walk_victims(sched, self, rotation, record_victim, &record);
    return record.count;
}

typedef struct steal_attempt {
    zactor__worker *thief;
    zactor_cell *cell;
} steal_attempt;

static bool try_steal(void *arg, unsigned node, unsigned worker)
{
    steal_attempt *attempt = arg;
    zactor__scheduler *sched = &attempt->thief->sys->sched;
    if (worker == ZACTOR__VICTIM_INJECT) {
        attempt->cell = inject_pop(&sched->nodes[node]);
    } else {
        zactor__deque *deque = &sched->workers[worker].deque;
        if (!zactor__deque_looks_empty(deque) && (attempt->cell = zactor__deque_steal(deque)))
            zactor__count_owned(&attempt->thief->counters.steals, 1);
    }
    return attempt->cell != NULL;
}

static zactor_cell *steal_from_others(zactor__worker *worker)
{
    zactor__scheduler *sched = &worker->sys->sched;
    if (sched->worker_count < 2)
        return NULL;
    steal_attempt attempt = {worker, NULL};
    unsigned rotation = (unsigned)(zactor__worker_random(worker) % sched->worker_count);
    walk_victims(sched, worker->index, rotation, try_steal, &attempt);
    return attempt.cell;
}

/* Deterministic mode (one worker): each pick starts at a seeded random
 * source among the LIFO slot, both ends of the deque and the inject queue. */
static zactor_cell *find_work_seeded(zactor__worker *worker)
{
    enum { LIFO_SLOT, NEWEST, OLDEST, INJECT, SOURCES };
    zactor__node *node = &worker->sys->sched.nodes[worker->schedule.node];
    /* Draw only when there is work: how long the worker idles before work
     * arrives from outside must not change the sequence. Relaxed: a hint. */
    if (!worker->schedule.next_cell && zactor__deque_looks_empty(&worker->deque) &&
        atomic_load_explicit(&node->inject_length, memory_order_relaxed) == 0)
        return NULL;
    unsigned first = (unsigned)(zactor__worker_random(worker) % SOURCES);
    for (unsigned i = 0; i < SOURCES; i++) {
        zactor_cell *cell = NULL;
        switch ((first + i) % SOURCES) {
        case LIFO_SLOT:
            cell = worker->schedule.next_cell;
            worker->schedule.next_cell = NULL;
            break;
        case NEWEST:
            cell = zactor__deque_pop(&worker->deque);
            break;
        case OLDEST:
            cell = zactor__deque_steal(&worker->deque);
            break;
        default:
            cell = inject_pop(node);
            break;
        }
        if (cell)
            return cell;
    }
    return NULL;
}

/* One pass over the queues, in an order that favours locality but bounds
 * how long any queued actor can wait. */
static zactor_cell *find_work(zactor__worker *worker)
{
    zactor__node *node = &worker->sys->sched.nodes[worker->schedule.node];
    zactor_cell *cell = NULL;
    if (worker->schedule.deterministic)
        return find_work_seeded(worker);
    worker->schedule.tick++;
    if (worker->schedule.tick % INJECT_FIRST_EVERY == 0 && (cell = inject_pop(node)))
        return cell;
    if (worker->schedule.tick % OLDEST_FIRST_EVERY == 0 &&
        (cell = zactor__deque_steal(&worker->deque)))
        return cell;
    if ((cell = worker->schedule.next_cell)) {
        worker->schedule.next_cell = NULL;
        return cell;
    }
    if (worker->schedule.take_oldest) {
        worker->schedule.take_oldest = false;
        if ((cell = zactor__deque_steal(&worker->deque)))
            return cell;
    }
    if ((cell = zactor__deque_pop(&worker->deque)) || (cell = inject_pop(node)))
        return cell;
    return steal_from_others(worker);
}

static bool work_visible(zactor__scheduler *sched)
{
    for (unsigned n = 0; n < sched->node_count; n++) {
        /* Seq_cst: read after the parking fence (file comment). */
        if (atomic_load_explicit(&sched->nodes[n].inject_length, memory_order_seq_cst) != 0)
            return true;
    }
    for (unsigned i = 0; i < sched->worker_count; i++) {
        if (!zactor__deque_looks_empty(&sched->workers[i].deque))
            return true;
    }
    return false;
}

/* Deterministic mode: a timer is armed, so the worker must fire it
 * rather than park. Checked under park_lock: an arm from outside the
 * system wakes the worker after its own unlock of the timers (timer.c),
 * so either we see the timer here or its wake finds us waiting. */
static bool timers_armed(zactor__worker *worker)
{
    return worker->schedule.deterministic && zactor__timers_armed(&worker->sys->timers);
}

/* Deterministic mode, nothing to run: time jumps to the next due timer,
 * which fires (timer.c), until a firing makes an actor runnable. */
static zactor_cell *advance_virtual_time(zactor__worker *worker)
{
    zactor_cell *cell = NULL;
    while (!cell && zactor__timers_advance(&worker->sys->timers))
        cell = find_work(worker);
    return cell;
}

/* Called while counted as searching. Returns true, still counted as
 * searching, when there may be work; false when the system is stopping. */
static bool park(zactor__worker *worker)
{
    zactor__scheduler *sched = &worker->sys->sched;
    zactor__node *node = &sched->nodes[worker->schedule.node];
    pthread_mutex_lock(&sched->park_lock);
    /* Seq_cst, then the fence: see the file comment. */
    atomic_fetch_add_explicit(&sched->sleepers, 1, memory_order_seq_cst);
    atomic_fetch_sub_explicit(&sched->searching, 1, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst);
    node->parked++;
    worker->park.parked = true;
    bool woken = false;
    if (!work_visible(sched) && !timers_armed(worker)) {
        zactor__count_owned(&worker->counters.parks, 1);
        while (!worker->park.token && !zactor__system_stopping(worker->sys) &&
               !timers_armed(worker))
            pthread_cond_wait(&worker->park.cond, &sched->park_lock);
        if (worker->park.token) {
            worker->park.token = false;
            node->wake_tokens--;
            woken = true; /* the waker counted us as searching */
        }
    }
    worker->park.parked = false;
    node->parked--;
    if (!woken) {
        /* Seq_cst: as above. */
        atomic_fetch_add_explicit(&sched->searching, 1, memory_order_seq_cst);
    }
    /* Seq_cst: as above. */
    atomic_fetch_sub_explicit(&sched->sleepers, 1, memory_order_seq_cst);
    pthread_mutex_unlock(&sched->park_lock);
    return !zactor__system_stopping(worker->sys);
}

/* A searching worker found work. If it was the last searcher, pushers
 * that saw it searching did not wake anyone, so it wakes a sleeper for
 * what they pushed - but only if work is left in some queue: waking one
 * for nothing costs a futex wake before the found actor runs (most of the
 * latency of a wake from idle) and a sleeper's search and park. */
static void stop_searching(zactor__worker *worker)
{
    zactor__scheduler *sched = &worker->sys->sched;
    /* Seq_cst: part of the parking protocol (file comment). */
    if (atomic_fetch_sub_explicit(&sched->searching, 1, memory_order_seq_cst) != 1)
        return;
    /* Seq_cst fence, as a parking worker's: a pusher that read searching
     * before our decrement pushed before its own fence, so work_visible
     * sees its cell; one that read it after wakes a sleeper itself. */
    atomic_thread_fence(memory_order_seq_cst);
    if (work_visible(sched))
        wake_one_if_needed(sched, worker->schedule.node);
}

zactor_cell *zactor__scheduler_next(zactor__worker *worker)
{
    zactor__scheduler *sched = &worker->sys->sched;
    zactor_cell *cell = find_work(worker);
    if (cell)
        return cell;
    if (worker->schedule.deterministic && (cell = advance_virtual_time(worker)))
        return cell;
    /* Out of work: idle actors give back their rings first, so that a
     * quiescent system holds none (zactor_system_wait returns after the
     * flush below). */
    zactor__worker_trim_idle(worker);
    /* The system may be quiescent, so `active` must be exact. */
    zactor__system_flush_idle(worker);
    /* Seq_cst: part of the parking protocol (file comment). */
    atomic_fetch_add_explicit(&sched->searching, 1, memory_order_seq_cst);
    for (;;) {
        for (unsigned round = 0; round < SEARCH_ROUNDS; round++) {
            if (zactor__system_stopping(worker->sys)) {
                /* Seq_cst: as above; the count no longer matters once stopping. */
                atomic_fetch_sub_explicit(&sched->searching, 1, memory_order_seq_cst);
                return NULL;
            }
            if ((cell = find_work(worker))) {
                stop_searching(worker);
                return cell;
            }
            zactor__cpu_relax();
        }
        if (worker->schedule.deterministic && (cell = advance_virtual_time(worker))) {
            stop_searching(worker);
            return cell;
        }
        if (!park(worker)) {
            /* Seq_cst: as above. */
            atomic_fetch_sub_explicit(&sched->searching, 1, memory_order_seq_cst);
            return NULL;
        }
    }
}

unsigned zactor_system_numa_nodes(const zactor_system *sys)
{
    return sys ? sys->sched.node_count : 0;
}

unsigned zactor_ctx_numa_node(const zactor_ctx *ctx)
{
    if (!ctx || !ctx->cell)
        return 0;
    zactor__worker *worker = zactor__worker_of(ctx->sys);
    return worker ? worker->schedule.node : ctx->cell->home;
}
