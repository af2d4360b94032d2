/* bench.h - helpers shared by the ZActor benchmark programs: clock, memory
 * figures from /proc, percentiles, argument parsing and the RESULT/INFO
 * output format that /work/shared/peers' programs print too. */
#ifndef ZACTOR_BENCH_H
#define ZACTOR_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "zactor/zactor.h"

/* Every RESULT line names this system. */
#define BENCH_SYSTEM "zactor"

/* CLOCK_MONOTONIC in nanoseconds, the clock the peer programs use. */
uint64_t bench_now_ns(void);

/* A "Key:  123 kB" figure of /proc/self/status in bytes (VmRSS, VmHWM);
 * 0 when the file or the key is missing. */
uint64_t bench_proc_status_bytes(const char *key);

/* Nearest-rank percentile p (0..1) of samples[0..count), as the peers
 * compute it: the element at index round(p * (count - 1)) once sorted.
 * Sorts samples in place; 0 when count is 0. */
uint64_t bench_percentile(uint64_t *samples, size_t count, double p);

/* Positional argument argv[index] as a count >= 1, or fallback when it is
 * absent. Anything else (not a number, 0, trailing junk, out of range)
 * prints what is wrong and the usage line to stderr and exits with 2. */
uint64_t bench_arg_count(int argc, char **argv, int index, uint64_t fallback, const char *name,
                         const char *usage);

/* An actor system with the default configuration (zactor_config_init);
 * prints why and exits with 1 when it cannot start. BENCH_WORKERS=N in the
 * environment sets cfg.workers and BENCH_NOPIN=1 clears cfg.pin_threads,
 * for experiments only: bench/run sets neither. */
zactor_system *bench_system_create(const char *program);

/* zactor_system_wait(sys); on failure prints why and exits with 1. */
void bench_wait(const char *program, zactor_system *sys);

/* What the reporter actor of the W2 programs sums from its clients' Done
 * messages. Written by the reporter only; main reads it after bench_wait. */
typedef struct bench_echo_report {
    uint64_t t_end; /* ns, the last Done */
    uint64_t done;  /* clients that reported */
    uint64_t replies;
    uint64_t corrupt; /* replies whose payload did not match */
    uint64_t send_errors;
} bench_echo_report;

/* Adds one client's Done; the last of `clients` stamps t_end. */
void bench_echo_report_add(bench_echo_report *report, uint64_t clients, uint64_t replies,
                           uint64_t corrupt, uint64_t send_errors);

/* Unless all k clients reported k * m replies, none corrupt, and no send
 * failed: prints what is wrong and exits with 1. */
void bench_echo_report_check(const char *program, const bench_echo_report *report, uint64_t k,
                             uint64_t m);

/* "RESULT workload=W system=zactor metric=M value=V", V printed with
 * `decimals` digits after the point. */
void bench_result(const char *workload, const char *metric, double value, int decimals);

/* INFO line with the runtime's own figures for the run: workers, dead
 * letters and the zactor_stats counters (messages sent and handled,
 * turns, turns of 64 messages or more, steals, parks, overflow letters,
 * pool blocks taken per size class). */
void bench_runtime_info(const char *workload, const zactor_system *sys);

/* Prints "<program>: FAILED: <what>" to stderr and exits with 1. */
_Noreturn void bench_fail(const char *program, const char *what);

#endif
