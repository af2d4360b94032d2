/*
 * Wake-up latency from idle (issue: an idle system wakes on the next send
 * without adding more than a few microseconds). Two figures, each the
 * median and P99 of N samples taken GAP_MS apart (long enough for every
 * worker to park):
 *
 *   L_wake:   the platform's floor: a thread parked on a condition
 *             variable is signalled; time until it runs (what any runtime
 *             that sleeps its idle threads pays).
 *   W_wake:   ZActor: a message sent to an idle actor of a parked system;
 *             time until its handler runs.
 *
 * The difference is what the runtime adds (its search and queue work).
 *
 *   usage: wake_bench [N]   (default 200 samples, 2 ms apart)
 */
#define _POSIX_C_SOURCE 200809L
#include "wake.zidl.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

#define GAP_MS 2

/* Written by the handler, one element per Poke; read by main after wait. */
static uint64_t *wake_samples;

static void sleep_gap(void)
{
    struct timespec gap = {0, GAP_MS * 1000000L};
    nanosleep(&gap, NULL);
}

void wake_Sleeper_on_Poke(wake_Sleeper *self, zactor_ctx *ctx, const wake_Poke *msg)
{
    (void)self;
    (void)ctx;
    wake_samples[msg->index] = bench_now_ns() - msg->sent_ns;
}

/* The condvar baseline: a waiter thread and its signaller. */
typedef struct parked_thread {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t sent_ns; /* nonzero: a signal to handle (under lock) */
    uint64_t *samples;
    uint64_t count;
    uint64_t taken;
} parked_thread;

static void *waiter_main(void *arg)
{
    parked_thread *p = arg;
    pthread_mutex_lock(&p->lock);
    while (p->taken < p->count) {
        while (p->sent_ns == 0)
            pthread_cond_wait(&p->cond, &p->lock);
        p->samples[p->taken++] = bench_now_ns() - p->sent_ns;
        p->sent_ns = 0;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void report(const char *workload, uint64_t *samples, uint64_t n)
{
    bench_result(workload, "p50_ns", (double)bench_percentile(samples, n, 0.50), 0);
    bench_result(workload, "p99_ns", (double)bench_percentile(samples, n, 0.99), 0);
}

int main(int argc, char **argv)
{
    const char *program = "wake_bench";
    uint64_t n = bench_arg_count(argc, argv, 1, 200, "N", "[N]");
    uint64_t *samples = calloc(n, sizeof *samples);
    if (!samples)
        bench_fail(program, "out of memory");

    parked_thread p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, samples, n, 0};
    pthread_t waiter;
    if (pthread_create(&waiter, NULL, waiter_main, &p) != 0)
        bench_fail(program, "cannot start the waiter thread");
    for (uint64_t i = 0; i < n; i++) {
        sleep_gap();
        pthread_mutex_lock(&p.lock);
        p.sent_ns = bench_now_ns();
        pthread_cond_signal(&p.cond);
        pthread_mutex_unlock(&p.lock);
        for (;;) { /* the next sample only once this one is taken */
            pthread_mutex_lock(&p.lock);
            uint64_t taken = p.taken;
            pthread_mutex_unlock(&p.lock);
            if (taken > i)
                break;
            sleep_gap();
        }
    }
    pthread_join(waiter, NULL);
    report("L_wake", samples, n);

    wake_samples = samples;
    zactor_system *sys = bench_system_create(program);
    wake_Sleeper_ref sleeper = wake_Sleeper_spawn(sys, NULL);
    if (zactor_ref_is_null(sleeper.raw))
        bench_fail(program, "spawn");
    for (uint64_t i = 0; i < n; i++) {
        sleep_gap();
        wake_Poke poke = {.sent_ns = bench_now_ns(), .index = i};
        if (wake_Sleeper_send_Poke(sleeper, &poke) != 0)
            bench_fail(program, "send");
        bench_wait(program, sys);
    }
    report("W_wake", samples, n);
    printf("INFO W_wake " BENCH_SYSTEM " samples=%" PRIu64 " gap_ms=%d\n", n, GAP_MS);
    bench_runtime_info("W_wake", sys);
    zactor_system_destroy(sys);
    free(samples);
    return 0;
}
