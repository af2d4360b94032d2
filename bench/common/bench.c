/* bench.c - see bench.h. */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

uint64_t bench_proc_status_bytes(const char *key)
{
    FILE *status = fopen("/proc/self/status", "r");
    if (!status)
        return 0;
    size_t key_length = strlen(key);
    char line[256];
    uint64_t kib = 0;
    while (fgets(line, sizeof line, status)) {
        if (strncmp(line, key, key_length) == 0 && line[key_length] == ':') {
            kib = strtoull(line + key_length + 1, NULL, 10);
            break;
        }
    }
    fclose(status);
    return kib * 1024;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

uint64_t bench_percentile(uint64_t *samples, size_t count, double p)
{
    if (count == 0)
        return 0;
    qsort(samples, count, sizeof *samples, compare_u64);
    size_t index = (size_t)(p * (double)(count - 1) + 0.5);
    return samples[index < count ? index : count - 1];
}

uint64_t bench_arg_count(int argc, char **argv, int index, uint64_t fallback, const char *name,
                         const char *usage)
{
    if (argc <= index)
        return fallback;
    const char *text = argv[index];
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    /* strtoull accepts a sign; a count never has one. */
    if (text[0] == '-' || text[0] == '+' || end == text || *end != '\0' || errno == ERANGE ||
        value == 0) {
        fprintf(stderr, "%s: argument %d (%s): '%s' is not a whole number >= 1\nusage: %s %s\n",
                argv[0], index, name, text, argv[0], usage);
        exit(2);
    }
    return (uint64_t)value;
}

zactor_system *bench_system_create(const char *program)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    const char *workers = getenv("BENCH_WORKERS");
    if (workers)
        cfg.workers = (unsigned)atoi(workers);
    if (getenv("BENCH_NOPIN"))
        cfg.pin_threads = false;
    zactor_system *sys = zactor_system_create(&cfg);
    if (!sys) {
        fprintf(stderr, "%s: cannot start the actor system (out of memory or threads)\n", program);
        exit(1);
    }
    return sys;
}

void bench_wait(const char *program, zactor_system *sys)
{
    int rc = zactor_system_wait(sys);
    if (rc != 0)
        bench_fail(program, zactor_strerror(rc));
}

void bench_echo_report_add(bench_echo_report *report, uint64_t clients, uint64_t replies,
                           uint64_t corrupt, uint64_t send_errors)
{
    report->replies += replies;
    report->corrupt += corrupt;
    report->send_errors += send_errors;
    if (++report->done == clients)
        report->t_end = bench_now_ns();
}

void bench_echo_report_check(const char *program, const bench_echo_report *report, uint64_t k,
                             uint64_t m)
{
    if (report->done == k && report->replies == k * m && report->corrupt == 0 &&
        report->send_errors == 0)
        return;
    fprintf(stderr,
            "%s: FAILED: %" PRIu64 " of %" PRIu64 " clients done, %" PRIu64 " of %" PRIu64
            " replies, %" PRIu64 " corrupt, %" PRIu64 " failed sends\n",
            program, report->done, k, report->replies, k * m, report->corrupt, report->send_errors);
    exit(1);
}

void bench_result(const char *workload, const char *metric, double value, int decimals)
{
    printf("RESULT workload=%s system=" BENCH_SYSTEM " metric=%s value=%.*f\n", workload, metric,
           decimals, value);
}

void bench_runtime_info(const char *workload, const zactor_system *sys)
{
    printf("INFO %s " BENCH_SYSTEM " runtime workers=%u dead_letters=%" PRIu64, workload,
           zactor_system_workers(sys), zactor_system_dead_letters(sys));
    zactor_stats stats;
    zactor_worker_stats workers[64];
    if (zactor_stats_read(sys, &stats, workers, 64) == 0) {
        uint64_t long_turns = 0;
        for (unsigned i = 7; i < ZACTOR_STATS_BATCH_BUCKETS; i++)
            long_turns += stats.batches[i];
        printf(" sent=%" PRIu64 " handled=%" PRIu64 " turns=%" PRIu64 " turns_64plus=%" PRIu64
               " steals=%" PRIu64 " parks=%" PRIu64 " overflow=%" PRIu64,
               stats.messages_sent, stats.messages, stats.turns, long_turns, stats.steals,
               stats.parks, stats.overflow_letters);
        printf(" worker_messages=");
        for (unsigned i = 0; i < stats.workers && i < 64; i++)
            printf("%s%" PRIu64, i ? "," : "", workers[i].messages);
        printf(" pool_allocs=");
        for (unsigned i = 0; i < ZACTOR_STATS_SIZE_CLASSES; i++)
            printf("%s%" PRIu64, i ? "," : "", stats.pool_allocs[i]);
    }
    printf("\n");
}

void bench_fail(const char *program, const char *what)
{
    fprintf(stderr, "%s: FAILED: %s\n", program, what);
    exit(1);
}
