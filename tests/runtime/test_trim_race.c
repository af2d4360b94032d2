/* Sends racing the trim of idle actors' rings. 4 plain threads send one
 * message to each of 512 actors in turn, so each actor is idle most of the time
 * (its ring noted for trimming) and is sent to again while a worker may be
 * freeing its ring under LOCKED. A send that ignored LOCKED would take a
 * ticket the trim then overwrites (a lost message, a lost wake-up) and
 * write into a freed ring (ASan). Checks: every message handled exactly
 * once, per-sender order per actor, and rings were trimmed while the
 * threads sent (zactor__system_rings_trimmed; needs the runtime counters,
 * on by default). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "rt_test.h"
#include "stress_messages.h"
#include "system.h" /* zactor__system_rings_trimmed */

#define THREADS 4
#define ACTORS 512
/* One message per actor per round: with each thread waiting for its round
 * to be handled, an actor has at most THREADS messages queued, never fills
 * its first ring and never grows it, so every idle actor can be trimmed
 * (grown rings are kept). */
#define BURST 1

TEST_SLOT(SparseSlot, Small small;);

typedef struct Sparse {
    uint64_t next_seq[THREADS];
} Sparse;

static atomic_ullong handled, handled_sum, order_errors;
static atomic_ullong handled_from[THREADS];
static atomic_ullong sent, sent_sum;
static uint64_t rounds;
static zactor_ref actors[ACTORS];

static void on_small(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)ctx;
    Sparse *sparse = self;
    const Small *small = msg;
    if (small->sender >= THREADS || small->seq < sparse->next_seq[small->sender]) {
        atomic_fetch_add(&order_errors, 1);
        return;
    }
    sparse->next_seq[small->sender] = small->seq + 1;
    atomic_fetch_add_explicit(&handled_from[small->sender], 1, memory_order_release);
    atomic_fetch_add_explicit(&handled, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&handled_sum, small->seq, memory_order_relaxed);
}

static const zactor_handler_entry sparse_handlers[] = {TEST_ENTRY(on_small)};
static const zactor_actor_type sparse_type =
    TEST_ACTOR_TYPE(name("test.Sparse"), state(Sparse), slot(SparseSlot),
                    handlers(sparse_handlers));

static void *producer(void *arg)
{
    uint32_t sender = (uint32_t)(uintptr_t)arg;
    uint64_t seq = 0;
    for (uint64_t r = 0; r < rounds; r++) {
        /* Each thread walks the actors from its own offset: bursts to one
         * actor from different threads come at different times. */
        for (unsigned i = 0; i < ACTORS; i++) {
            zactor_ref to = actors[(i + sender * (ACTORS / THREADS)) % ACTORS];
            for (unsigned b = 0; b < BURST; b++) {
                Small small = {sender, ++seq};
                CHECK_EQ(zactor_send(to, &sparse_type, 0, &small, sizeof small), 0);
                atomic_fetch_add_explicit(&sent, 1, memory_order_relaxed);
                atomic_fetch_add_explicit(&sent_sum, seq, memory_order_relaxed);
            }
        }
        /* Wait until this thread's messages are handled, so that its
         * actors go idle and get noted for trimming while the other
         * threads keep sending to them. */
        while (atomic_load_explicit(&handled_from[sender], memory_order_acquire) < seq)
            sched_yield();
    }
    return NULL;
}

int main(void)
{
    rounds = scaled(1000);
    zactor_system *sys = start_system(2);
    for (unsigned i = 0; i < ACTORS; i++) {
        actors[i] = zactor_spawn(sys, &sparse_type, NULL);
        CHECK(!zactor_ref_is_null(actors[i]));
    }
    pthread_t threads[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        CHECK_EQ(pthread_create(&threads[t], NULL, producer, (void *)t), 0);
    for (unsigned t = 0; t < THREADS; t++)
        CHECK_EQ(pthread_join(threads[t], NULL), 0);
    /* Trims that raced the sends, then all of them: a worker that runs
     * dry trims what it noted before quiescence is reported. */
    uint64_t trimmed_meanwhile = zactor__system_rings_trimmed(sys);
    CHECK_EQ(zactor_system_wait(sys), 0);
    uint64_t trimmed = zactor__system_rings_trimmed(sys);
    zactor_system_destroy(sys);

    printf("trim_race: %llu messages to %u actors, %llu handled, %llu rings trimmed while "
           "sending, %llu in all\n",
           (unsigned long long)atomic_load(&sent), ACTORS,
           (unsigned long long)atomic_load(&handled), (unsigned long long)trimmed_meanwhile,
           (unsigned long long)trimmed);
    CHECK(trimmed > 0);
    CHECK_EQ(atomic_load(&order_errors), 0);
    CHECK_EQ(atomic_load(&handled), atomic_load(&sent));
    CHECK_EQ(atomic_load(&handled_sum), atomic_load(&sent_sum));
    CHECK_EQ(atomic_load(&sent), rounds * ACTORS * BURST * THREADS);
    return 0;
}
