/*
 * supervisor: a pool of four workers under a one_for_one supervisor. The
 * client (main) submits jobs by name, worker-0 .. worker-3 in turn, and
 * waits for each answer. Every seventh job is bad: its worker answers,
 * then fails (zactor_fail); the supervisor starts it again from its
 * initial state. The client's ref to the failed worker is then stale
 * (ZACTOR_EDEAD): it looks the name up again and goes on. At the end it
 * stops the supervisor, which stops the workers last started first.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include "supervisor.zidl.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { WORKERS = 4, JOBS = 60, BAD_EVERY = 7 };

static atomic_uint starts; /* incarnations started, restarts included */

void pool_Worker_on_start(pool_Worker *self, zactor_ctx *ctx)
{
    (void)ctx;
    if (atomic_fetch_add(&starts, 1) >= WORKERS)
        printf("  worker-%u restarted, from its initial state (handled = %u)\n", self->index,
               self->handled);
}

void pool_Worker_on_stop(pool_Worker *self, zactor_ctx *ctx)
{
    zactor_end_reason why = zactor_ctx_end_reason(ctx);
    if (why.kind == ZACTOR_END_FAILED)
        printf("  worker-%u failed on job %d, its job number %u\n", self->index, why.code,
               self->handled);
    else
        printf("  worker-%u stopped after %u job(s)\n", self->index, self->handled);
}

void pool_Worker_on_Job(pool_Worker *self, zactor_ctx *ctx, const pool_Job *job, pool_Done *done)
{
    self->handled++;
    done->id = job->id;
    done->worker = self->index;
    if (job->value < 0) {
        done->failed = true;
        zactor_fail(ctx, (int)job->id); /* ends after this handler; the reply still goes */
        return;
    }
    done->result = job->value * job->value;
}

static bool same_actor(pool_Worker_ref a, pool_Worker_ref b)
{
    return a.raw.cell == b.raw.cell && a.raw.generation == b.raw.generation;
}

/* The worker for a job: the cached ref, looked up again when the name
 * holds a new incarnation (or none yet: the restart is under way). */
static int submit(zactor_system *sys, pool_Worker_ref *workers, unsigned w, const pool_Job *job,
                  pool_Done *done)
{
    char name[16];
    snprintf(name, sizeof name, "worker-%u", w);
    for (int attempt = 0; attempt < 1000; attempt++) {
        int rc = pool_Worker_ask_Job(workers[w], job, done, UINT64_C(1000000000));
        if (rc != ZACTOR_EDEAD)
            return rc;
        pool_Worker_ref found;
        if (pool_Worker_lookup(sys, name, &found) == 0 && !same_actor(found, workers[w])) {
            printf("  client: %s was restarted, found it again by name\n", name);
            workers[w] = found;
        } else {
            /* Not registered yet, or still the old one, in its `on stop`. */
            nanosleep(&(struct timespec){0, 100000}, NULL);
        }
    }
    return ZACTOR_EDEAD;
}

int main(void)
{
    zactor_system *sys = zactor_system_create(NULL);
    if (!sys)
        return 1;

    static char names[WORKERS][16];
    pool_Worker initial[WORKERS];
    zactor_child_spec children[WORKERS];
    for (unsigned i = 0; i < WORKERS; i++) {
        snprintf(names[i], sizeof names[i], "worker-%u", i);
        initial[i] = (pool_Worker){.index = i};
        children[i] = pool_Worker_child(names[i], &initial[i], ZACTOR_RESTART_PERMANENT);
    }
    zactor_supervisor_spec spec = {
        .strategy = ZACTOR_ONE_FOR_ONE,
        .max_restarts = 20, /* a 21st restart within a second: give up */
        .period_ns = UINT64_C(1000000000),
        .children = children,
        .child_count = WORKERS,
    };
    zactor_ref supervisor;
    int rc = zactor_supervisor_start(sys, &spec, &supervisor);
    if (rc != 0) {
        fprintf(stderr, "supervisor: %s\n", zactor_strerror(rc));
        return 1;
    }

    pool_Worker_ref workers[WORKERS];
    for (unsigned i = 0; i < WORKERS; i++)
        if (pool_Worker_lookup(sys, names[i], &workers[i]) != 0)
            return 1;

    unsigned done_ok = 0, failed = 0;
    int64_t sum = 0;
    for (uint32_t id = 1; id <= JOBS; id++) {
        pool_Job job = {id, id % BAD_EVERY == 0 ? -1 : (int64_t)id};
        pool_Done done;
        rc = submit(sys, workers, id % WORKERS, &job, &done);
        if (rc != 0) {
            fprintf(stderr, "job %" PRIu32 ": %s\n", id, zactor_strerror(rc));
            return 1;
        }
        if (done.failed) {
            printf("job %2" PRIu32 ": bad, worker-%" PRIu32 " fails on it\n", id, done.worker);
            failed++;
        } else {
            done_ok++;
            sum += done.result;
        }
    }

    zactor_system_wait(sys); /* the last restarts */
    unsigned restarts = atomic_load(&starts) - WORKERS;
    printf("%u jobs: %u done (sum of squares %" PRId64 "), %u bad, %u restarts\n", JOBS, done_ok,
           sum, failed, restarts);
    printf("stopping the supervisor:\n");
    zactor_supervisor_stop(supervisor);
    zactor_system_wait(sys);
    zactor_system_destroy(sys);
    return done_ok + failed == JOBS && restarts == failed ? 0 : 1;
}
