/* scheduler.c - run queues, stealing and parking.
 *
 * An actor is in at most one queue at a time: it is queued on its pending
 * count's 0 -> 1 transition or when its turn ends with tokens left, and
 * only the worker that runs it requeues it. A worker picks, in order: the
 * inject queue every INJECT_FIRST_EVERY picks and the oldest entry of its
 * own deque every OLDEST_FIRST_EVERY picks (so nothing starves behind a
 * request/reply pair that keeps refilling the LIFO slot), its LIFO slot
 * (never starved: nothing else is taken before it every time), the oldest
 * entry of its deque right after a requeue (round robin among busy actors),
 * its deque's newest entry, the inject queue, then a random victim's oldest
 * entry.
 *
 * Parking (no lost wake-ups): a parking worker announces itself in
 * `sleepers`, then a seq_cst fence, then looks at every queue once more; a
 * scheduler pushes, then a seq_cst fence, then reads `searching` and
 * `sleepers`. The fences order the two, so either the parking worker sees
 * the new cell or the pusher sees the sleeper. The pusher wakes a sleeper
 * only when no worker is searching: a searching worker re-checks every queue
 * before it parks, so it will find the cell (the last searcher to give up
 * is the one the pusher's check covers). */
#include "scheduler.h"

#include <sched.h>

#include "actor.h"
#include "system.h"
#include "worker.h"

#define SEARCH_ROUNDS 64u    /* passes over all queues before parking */
#define INJECT_FIRST_EVERY 61u /* picks between inject-queue-first picks */
#define OLDEST_FIRST_EVERY 31u /* picks between FIFO-end picks of the own deque */

int zactor__scheduler_init(zactor__scheduler *sched)
{
    sched->workers = NULL;
    sched->worker_count = 0;
    atomic_init(&sched->searching, 0);
    atomic_init(&sched->sleepers, 0);
    atomic_init(&sched->inject_length, 0);
    sched->wake_tokens = 0;
    sched->inject_head = NULL;
    sched->inject_tail = NULL;
    if (pthread_mutex_init(&sched->park_lock, NULL) != 0)
        return -1;
    if (pthread_cond_init(&sched->park_cond, NULL) != 0) {
        pthread_mutex_destroy(&sched->park_lock);
        return -1;
    }
    if (pthread_mutex_init(&sched->inject_lock, NULL) != 0) {
        pthread_cond_destroy(&sched->park_cond);
        pthread_mutex_destroy(&sched->park_lock);
        return -1;
    }
    return 0;
}

void zactor__scheduler_destroy(zactor__scheduler *sched)
{
    pthread_mutex_destroy(&sched->inject_lock);
    pthread_cond_destroy(&sched->park_cond);
    pthread_mutex_destroy(&sched->park_lock);
}

static void inject_push(zactor__scheduler *sched, zactor_cell *cell)
{
    cell->next = NULL;
    pthread_mutex_lock(&sched->inject_lock);
    if (sched->inject_tail)
        sched->inject_tail->next = cell;
    else
        sched->inject_head = cell;
    sched->inject_tail = cell;
    /* Seq_cst: read by parking workers after their fence (file comment);
     * the mutex orders everything else. */
    atomic_fetch_add_explicit(&sched->inject_length, 1, memory_order_seq_cst);
    pthread_mutex_unlock(&sched->inject_lock);
}

static zactor_cell *inject_pop(zactor__scheduler *sched)
{
    /* Relaxed: a hint to skip the mutex; a miss is retried on the next pass. */
    if (atomic_load_explicit(&sched->inject_length, memory_order_relaxed) == 0)
        return NULL;
    pthread_mutex_lock(&sched->inject_lock);
    zactor_cell *cell = sched->inject_head;
    if (cell) {
        sched->inject_head = cell->next;
        if (!sched->inject_head)
            sched->inject_tail = NULL;
        /* Relaxed: updated under the mutex; see inject_push. */
        atomic_fetch_sub_explicit(&sched->inject_length, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&sched->inject_lock);
    return cell;
}

/* Called after making a cell visible in some queue. */
static void wake_one_if_needed(zactor__scheduler *sched)
{
    /* Seq_cst fence: see the file comment; orders our push before these reads. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&sched->searching, memory_order_relaxed) != 0 ||
        atomic_load_explicit(&sched->sleepers, memory_order_relaxed) == 0)
        return;
    pthread_mutex_lock(&sched->park_lock);
    /* Relaxed: both counters change only under park_lock, except searching's
     * decrement by a worker that found work, which can only make us wake
     * one worker too many. */
    if (atomic_load_explicit(&sched->searching, memory_order_relaxed) == 0 &&
        atomic_load_explicit(&sched->sleepers, memory_order_relaxed) > sched->wake_tokens) {
        sched->wake_tokens++;
        /* The woken worker searches on our count, so concurrent pushes do
         * not wake a second one for the same work. Seq_cst: as in park. */
        atomic_fetch_add_explicit(&sched->searching, 1, memory_order_seq_cst);
        pthread_cond_signal(&sched->park_cond);
    }
    pthread_mutex_unlock(&sched->park_lock);
}

void zactor__scheduler_wake_all(zactor__scheduler *sched)
{
    pthread_mutex_lock(&sched->park_lock);
    pthread_cond_broadcast(&sched->park_cond);
    pthread_mutex_unlock(&sched->park_lock);
}

void zactor__schedule(zactor_system *sys, zactor_cell *cell)
{
    zactor__worker *worker = zactor__worker_of(sys);
    if (worker) {
        /* The receiver runs next on this worker, its sender's data still in
         * cache (a request/reply pair stays on one core); the actor it
         * displaces becomes stealable. */
        zactor_cell *displaced = worker->next_cell;
        worker->next_cell = cell;
        if (!displaced)
            return; /* nothing other workers could take: no wake-up */
        cell = displaced;
    }
    if (!worker || !zactor__deque_push(&worker->deque, cell))
        inject_push(&sys->sched, cell);
    wake_one_if_needed(&sys->sched);
}

void zactor__scheduler_requeue(zactor__worker *worker, zactor_cell *cell, bool made_progress)
{
    zactor__scheduler *sched = &worker->sys->sched;
    if (made_progress && zactor__deque_push(&worker->deque, cell)) {
        /* Round robin among busy actors: next pick is the oldest entry. */
        worker->take_oldest = true;
    } else {
        /* No progress means a sender is between counting itself and
         * publishing: go behind everything else instead of spinning on it. */
        inject_push(sched, cell);
        if (!made_progress)
            sched_yield();
    }
    wake_one_if_needed(sched);
}

static zactor_cell *steal_from_others(zactor__worker *worker)
{
    zactor__scheduler *sched = &worker->sys->sched;
    unsigned count = sched->worker_count;
    if (count < 2)
        return NULL;
    unsigned start = (unsigned)(zactor__worker_random(worker) % count);
    for (unsigned i = 0; i < count; i++) {
        zactor__worker *victim = &sched->workers[(start + i) % count];
        if (victim == worker || zactor__deque_looks_empty(&victim->deque))
            continue;
        zactor_cell *cell = zactor__deque_steal(&victim->deque);
        if (cell) {
            zactor__count_owned(&worker->counters.steals, 1);
            return cell;
        }
    }
    return NULL;
}

/* Deterministic mode (one worker): each pick starts at a seeded random
 * source among the LIFO slot, both ends of the deque and the inject queue. */
static zactor_cell *find_work_seeded(zactor__worker *worker)
{
    enum { LIFO_SLOT, NEWEST, OLDEST, INJECT, SOURCES };
    /* Draw only when there is work: how long the worker idles before work
     * arrives from outside must not change the sequence. Relaxed: a hint. */
    if (!worker->next_cell && zactor__deque_looks_empty(&worker->deque) &&
        atomic_load_explicit(&worker->sys->sched.inject_length, memory_order_relaxed) == 0)
        return NULL;
    unsigned first = (unsigned)(zactor__worker_random(worker) % SOURCES);
    for (unsigned i = 0; i < SOURCES; i++) {
        zactor_cell *cell = NULL;
        switch ((first + i) % SOURCES) {
        case LIFO_SLOT:
            cell = worker->next_cell;
            worker->next_cell = NULL;
            break;
        case NEWEST:
            cell = zactor__deque_pop(&worker->deque);
            break;
        case OLDEST:
            cell = zactor__deque_steal(&worker->deque);
            break;
        default:
            cell = inject_pop(&worker->sys->sched);
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
    zactor__scheduler *sched = &worker->sys->sched;
    zactor_cell *cell = NULL;
    if (worker->deterministic)
        return find_work_seeded(worker);
    worker->tick++;
    if (worker->tick % INJECT_FIRST_EVERY == 0 && (cell = inject_pop(sched)))
        return cell;
    if (worker->tick % OLDEST_FIRST_EVERY == 0 && (cell = zactor__deque_steal(&worker->deque)))
        return cell;
    if ((cell = worker->next_cell)) {
        worker->next_cell = NULL;
        return cell;
    }
    if (worker->take_oldest) {
        worker->take_oldest = false;
        if ((cell = zactor__deque_steal(&worker->deque)))
            return cell;
    }
    if ((cell = zactor__deque_pop(&worker->deque)) || (cell = inject_pop(sched)))
        return cell;
    return steal_from_others(worker);
}

static bool work_visible(zactor__scheduler *sched)
{
    /* Seq_cst: read after the parking fence (file comment). */
    if (atomic_load_explicit(&sched->inject_length, memory_order_seq_cst) != 0)
        return true;
    for (unsigned i = 0; i < sched->worker_count; i++) {
        if (!zactor__deque_looks_empty(&sched->workers[i].deque))
            return true;
    }
    return false;
}

/* Called while counted as searching. Returns true, still counted as
 * searching, when there may be work; false when the system is stopping. */
static bool park(zactor__worker *worker)
{
    zactor__scheduler *sched = &worker->sys->sched;
    pthread_mutex_lock(&sched->park_lock);
    /* Seq_cst, then the fence: see the file comment. */
    atomic_fetch_add_explicit(&sched->sleepers, 1, memory_order_seq_cst);
    atomic_fetch_sub_explicit(&sched->searching, 1, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst);
    bool woken = false;
    if (!work_visible(sched)) {
        zactor__count_owned(&worker->counters.parks, 1);
        while (sched->wake_tokens == 0 && !zactor__system_stopping(worker->sys))
            pthread_cond_wait(&sched->park_cond, &sched->park_lock);
        if (sched->wake_tokens > 0) {
            sched->wake_tokens--;
            woken = true; /* the waker counted us as searching */
        }
    }
    if (!woken) {
        /* Seq_cst: as above. */
        atomic_fetch_add_explicit(&sched->searching, 1, memory_order_seq_cst);
    }
    /* Seq_cst: as above. */
    atomic_fetch_sub_explicit(&sched->sleepers, 1, memory_order_seq_cst);
    pthread_mutex_unlock(&sched->park_lock);
    return !zactor__system_stopping(worker->sys);
}

/* A searching worker found work. If it was the last searcher, another
 * sleeper may be needed for the rest of the work it saw. */
static void stop_searching(zactor__scheduler *sched)
{
    /* Seq_cst: part of the parking protocol (file comment). */
    if (atomic_fetch_sub_explicit(&sched->searching, 1, memory_order_seq_cst) == 1)
        wake_one_if_needed(sched);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

zactor_cell *zactor__scheduler_next(zactor__worker *worker)
{
    zactor__scheduler *sched = &worker->sys->sched;
    zactor_cell *cell = find_work(worker);
    if (cell)
        return cell;
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
                stop_searching(sched);
                return cell;
            }
            cpu_relax();
        }
        if (!park(worker)) {
            /* Seq_cst: as above. */
            atomic_fetch_sub_explicit(&sched->searching, 1, memory_order_seq_cst);
            return NULL;
        }
    }
}
