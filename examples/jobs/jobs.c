/*
 * examples/jobs: a bounded job queue (jobs.zidl).
 *
 *   main --Job (waits for room)--> Queue (mailbox 16) --Job--> 4 Workers (mailbox 4)
 *   Worker --Result--> Tally        Worker --Retry--> Queue --Job, 2 ms later--> itself
 *   Tally: a heartbeat every millisecond while jobs are out; main's Summary
 *   request is answered (a deferred reply) once every job is done.
 *
 * Every job whose id is a multiple of 7 fails its first attempt and is
 * retried after a delay, by a timer the Queue arms for itself (a timer's
 * message is never refused by a full mailbox).
 *
 *   usage: jobs [JOBS]   (default 200)
 */
#define _POSIX_C_SOURCE 200809L
#include "jobs.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 4
#define RETRY_DELAY_NS 2000000u /* 2 ms */
#define HEARTBEAT_NS 1000000u   /* 1 ms */

/* What the Tally keeps beside its state: the Summary it has not answered
 * yet, and its heartbeat timer. */
struct tally_pending {
    jobs_Tally_Summary_promise summary;
    zactor_timer heartbeat;
};

void jobs_Queue_on_Staff(jobs_Queue *self, zactor_ctx *ctx, const jobs_Staff *msg)
{
    (void)ctx;
    for (int i = 0; i < WORKERS; i++)
        self->workers[i] = msg->workers[i];
}

void jobs_Queue_on_Job(jobs_Queue *self, zactor_ctx *ctx, const jobs_Job *msg)
{
    (void)ctx;
    /* Past a Worker's bound this Queue is muted after this handler: it
     * takes no more jobs from its own mailbox until that Worker drains. */
    jobs_Worker_send_Job(self->workers[self->next++ % WORKERS], msg);
}

void jobs_Queue_on_Retry(jobs_Queue *self, zactor_ctx *ctx, const jobs_Retry *msg)
{
    jobs_Job again = msg->job;
    again.attempt++;
    jobs_Queue_ref me = {zactor_self(ctx)};
    jobs_Queue_send_Job_after(me, &again, self->retry_delay_ns, NULL);
}

void jobs_Worker_on_Job(jobs_Worker *self, zactor_ctx *ctx, const jobs_Job *msg)
{
    (void)ctx;
    if (msg->id % 7 == 0 && msg->attempt == 0) {
        jobs_Queue_send_Retry(self->queue, &(jobs_Retry){.job = *msg});
        return;
    }
    jobs_Result result = {.id = msg->id,
                          .square = (uint64_t)msg->id * msg->id,
                          .attempts = msg->attempt + 1};
    jobs_Tally_send_Result(self->tally, &result);
}

static jobs_SummaryReply summary_of(const jobs_Tally *self)
{
    return (jobs_SummaryReply){
        .done = self->done, .retried = self->retried, .sum = self->sum, .beats = self->beats};
}

void jobs_Tally_on_Result(jobs_Tally *self, zactor_ctx *ctx, const jobs_Result *msg)
{
    self->done++;
    self->sum += msg->square;
    self->retried += msg->attempts > 1;
    if (self->expected == 0 || self->done < self->expected)
        return;
    /* The last result of a Summary that was asked for: answer it now, and
     * stop the heartbeat, so that nothing keeps the system busy. */
    struct tally_pending *pending = self->pending;
    jobs_SummaryReply reply = summary_of(self);
    jobs_Tally_fulfil_Summary(ctx, pending->summary, &reply);
    zactor_timer_cancel(pending->heartbeat);
    self->expected = 0;
}

void jobs_Tally_on_Beat(jobs_Tally *self, zactor_ctx *ctx, const jobs_Beat *msg)
{
    (void)ctx;
    (void)msg;
    self->beats++;
}

void jobs_Tally_on_Summary(jobs_Tally *self, zactor_ctx *ctx, const jobs_Summary *msg,
                           jobs_SummaryReply *reply)
{
    struct tally_pending *pending = self->pending;
    /* Not all done yet: keep the promise, answer from on_Result. */
    if (self->done < msg->jobs && jobs_Tally_defer_Summary(ctx, &pending->summary) == 0) {
        self->expected = msg->jobs;
        return;
    }
    *reply = summary_of(self);
    zactor_timer_cancel(pending->heartbeat);
}

static void check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "jobs: %s: %s\n", what, zactor_strerror(rc));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    uint32_t jobs = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 200;
    zactor_config cfg;
    zactor_config_init(&cfg);
    zactor_system *sys = zactor_system_create(&cfg);
    if (!sys)
        return 1;

    struct tally_pending pending = {0};
    jobs_Tally_ref tally = jobs_Tally_spawn(sys, &(jobs_Tally){.pending = &pending});
    jobs_Queue_ref queue = jobs_Queue_spawn(sys, &(jobs_Queue){.retry_delay_ns = RETRY_DELAY_NS});
    jobs_Staff staff;
    for (int i = 0; i < WORKERS; i++)
        staff.workers[i] = jobs_Worker_spawn(sys, &(jobs_Worker){.queue = queue, .tally = tally});
    check(jobs_Queue_send_Staff(queue, &staff), "staff");
    check(jobs_Tally_send_Beat_every(tally, &(jobs_Beat){0}, HEARTBEAT_NS, &pending.heartbeat),
          "heartbeat");

    /* As fast as the Queue takes them: at 16 waiting, this thread sleeps
     * until the Queue has drained to 8. */
    for (uint32_t id = 0; id < jobs; id++)
        check(jobs_Queue_send_Job_wait(queue, &(jobs_Job){.id = id}, ZACTOR_TIMEOUT_NEVER),
              "send job");
    jobs_SummaryReply summary;
    check(jobs_Tally_ask_Summary(tally, &(jobs_Summary){.jobs = jobs}, &summary,
                                 UINT64_C(30000000000)),
          "summary");
    /* The Tally stopped its heartbeat when it answered: nothing is left. */
    check(zactor_system_wait(sys), "wait");

    zactor_stats stats;
    zactor_stats_read(sys, &stats, NULL, 0);
    printf("%" PRIu32 " jobs: %" PRIu32 " done (sum of squares %" PRIu64 "), %" PRIu32
           " retried after a delay\n",
           jobs, summary.done, summary.sum, summary.retried);
    printf("heartbeats while jobs were out: %" PRIu32 "; main waited for room %" PRIu64
           " times; senders muted %" PRIu64 " times\n",
           summary.beats, stats.mailbox_refused, stats.senders_muted);
    zactor_system_destroy(sys);
    return 0;
}
