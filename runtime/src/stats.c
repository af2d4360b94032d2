/* stats.c - zactor_stats_read: sums the counters where their writers keep them. */
#include "stats.h"

#include <string.h>

#include "system.h"
#include "worker.h"

static void read_worker(const zactor__worker *worker, zactor_worker_stats *out)
{
    const zactor__worker_counters *counters = &worker->counters;
    out->messages = zactor__counter_read(&counters->messages);
    out->turns = zactor__counter_read(&counters->turns);
    out->steals = zactor__counter_read(&counters->steals);
    out->parks = zactor__counter_read(&counters->parks);
    for (unsigned i = 0; i < ZACTOR_STATS_BATCH_BUCKETS; i++)
        out->batches[i] = zactor__counter_read(&counters->batches[i]);
}

static void add_worker(zactor_worker_stats *sum, const zactor_worker_stats *one)
{
    sum->messages += one->messages;
    sum->turns += one->turns;
    sum->steals += one->steals;
    sum->parks += one->parks;
    for (unsigned i = 0; i < ZACTOR_STATS_BATCH_BUCKETS; i++)
        sum->batches[i] += one->batches[i];
}

int zactor_stats_read(const zactor_system *sys, zactor_stats *out,
                      zactor_worker_stats *per_worker, unsigned max_workers)
{
    if (!sys || !out)
        return ZACTOR_EINVAL;
    memset(out, 0, sizeof *out);
    out->messages_sent = zactor__counter_read(&sys->sent_outside);
    out->dead_letters = zactor__counter_read(&sys->dead_letters);
    out->overflow_letters = zactor__counter_read(&sys->overflow_letters);
    for (unsigned cls = 0; cls < ZACTOR_STATS_SIZE_CLASSES; cls++) {
        out->pool_allocs[cls] = zactor__counter_read(&sys->pool.allocs[cls]);
        out->pool_frees[cls] = zactor__counter_read(&sys->pool.frees[cls]);
    }
    const zactor__scheduler *sched = &sys->sched;
    out->workers = sched->worker_count;
    for (unsigned i = 0; i < sched->worker_count; i++) {
        const zactor__worker *worker = &sched->workers[i];
        zactor_worker_stats one;
        read_worker(worker, &one);
        add_worker(&out->total, &one);
        if (per_worker && i < max_workers)
            per_worker[i] = one;
        out->messages_sent += zactor__counter_read(&worker->counters.sent);
        for (unsigned cls = 0; cls < ZACTOR_STATS_SIZE_CLASSES; cls++) {
            out->pool_allocs[cls] += zactor__counter_read(&worker->cache.allocs[cls]);
            out->pool_frees[cls] += zactor__counter_read(&worker->cache.frees[cls]);
        }
    }
    return 0;
}
