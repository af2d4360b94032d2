/* stats.c - zactor_stats_read_sized: sums the counters where their writers keep them. */
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

static void add_worker(zactor_stats *sum, const zactor_worker_stats *one)
{
    sum->messages += one->messages;
    sum->turns += one->turns;
    sum->steals += one->steals;
    sum->parks += one->parks;
    for (unsigned i = 0; i < ZACTOR_STATS_BATCH_BUCKETS; i++)
        sum->batches[i] += one->batches[i];
}

/* Copies ours (ours_size bytes) into the caller's struct of theirs_size
 * bytes: the common prefix, and zeroes for a tail only the caller has. */
static void copy_out(void *theirs, size_t theirs_size, const void *ours, size_t ours_size)
{
    size_t common = theirs_size < ours_size ? theirs_size : ours_size;
    memcpy(theirs, ours, common);
    if (theirs_size > common)
        memset((char *)theirs + common, 0, theirs_size - common);
}

/* Fills our layout of both structs, then copies out what the caller's
 * layouts hold: both only grow at their end, so the caller's fields are a
 * prefix of ours (an older caller), or ours are a prefix of theirs (a
 * newer caller, whose extra counters read 0). */
int zactor_stats_read_sized(const zactor_system *sys, zactor_stats *out, size_t out_size,
                            zactor_worker_stats *per_worker, size_t per_worker_size,
                            unsigned max_workers)
{
    if (!sys || !out)
        return ZACTOR_EARG;
    zactor_stats sums;
    memset(&sums, 0, sizeof sums);
    sums.messages_sent = zactor__counter_read(&sys->sent_outside);
    sums.dead_letters = zactor__counter_read(&sys->dead_letters);
    sums.overflow_letters = zactor__counter_read(&sys->overflow_letters);
    sums.notices_lost = zactor__counter_read(&sys->notices.lost);
    sums.notices_delayed = zactor__counter_read(&sys->notices.delayed);
    sums.mailbox_refused = zactor__counter_read(&sys->flow.refused);
    sums.mailbox_over_bound = zactor__counter_read(&sys->flow.over_bound);
    sums.senders_muted = zactor__counter_read(&sys->flow.mutes_total);
    for (unsigned cls = 0; cls < ZACTOR_STATS_SIZE_CLASSES; cls++) {
        sums.pool_allocs[cls] = zactor__counter_read(&sys->pool.allocs[cls]);
        sums.pool_frees[cls] = zactor__counter_read(&sys->pool.frees[cls]);
    }
    const zactor__scheduler *sched = &sys->sched;
    sums.workers = sched->worker_count;
    for (unsigned i = 0; i < sched->worker_count; i++) {
        const zactor__worker *worker = &sched->workers[i];
        zactor_worker_stats one;
        read_worker(worker, &one);
        add_worker(&sums, &one);
        if (per_worker && i < max_workers)
            copy_out((char *)per_worker + (size_t)i * per_worker_size, per_worker_size, &one,
                     sizeof one);
        sums.messages_sent += zactor__counter_read(&worker->counters.sent);
        for (unsigned cls = 0; cls < ZACTOR_STATS_SIZE_CLASSES; cls++) {
            sums.pool_allocs[cls] += zactor__counter_read(&worker->cache.allocs[cls]);
            sums.pool_frees[cls] += zactor__counter_read(&worker->cache.frees[cls]);
        }
    }
    copy_out(out, out_size, &sums, sizeof sums);
    return 0;
}
