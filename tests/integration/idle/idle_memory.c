/*
 * An idle actor with an empty state costs at most 128 bytes of resident
 * memory (its cell: the state lives inline, the mailbox ring only comes
 * with the first message), and a million actors that have each handled a
 * message fit in well under 1 GiB. Spawns them, waits
 * for quiescence and checks the growth of the resident set, first for actors
 * that never received a message, then after each has handled one (so its
 * mailbox ring exists) and is idle again.
 *
 *   usage: idle_memory [ACTORS]   (default 1000000)
 */
#define _POSIX_C_SOURCE 200809L
#include "idle.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Budgets per actor: never messaged, 128 bytes (Pony's is about 240, CAF's
 * 1,402); with a mailbox ring, well under 1 GiB / 1M actors = 1073 bytes. */
#define BYTES_PER_NEVER_MESSAGED_MAX 128
#define BYTES_PER_MESSAGED_MAX 512

static uint64_t poked;

void idle_Sleeper_on_Poke(idle_Sleeper *self, zactor_ctx *ctx, const idle_Poke *msg)
{
    (void)self;
    (void)ctx;
    /* Relaxed: a statistic read after zactor_system_wait(). */
    __atomic_fetch_add(&poked, msg->value, __ATOMIC_RELAXED);
}

static uint64_t resident_bytes(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kib = 0;
    while (status && fgets(line, sizeof line, status))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtoull(line + 6, NULL, 10);
    if (status)
        fclose(status);
    return kib * 1024;
}

int main(int argc, char **argv)
{
    size_t actors = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    idle_Sleeper_ref *refs = malloc(actors * sizeof *refs);
    zactor_system *sys = zactor_system_create(NULL);
    if (!refs || !sys || actors == 0) {
        fprintf(stderr, "idle_memory: cannot start\n");
        return 1;
    }
    /* Touch the refs array first so that it is not counted as actor memory. */
    memset(refs, 0, actors * sizeof *refs);
    uint64_t before = resident_bytes();

    for (size_t i = 0; i < actors; i++) {
        refs[i] = idle_Sleeper_spawn(sys, NULL);
        if (zactor_ref_is_null(refs[i].raw)) {
            fprintf(stderr, "idle_memory: spawn %zu failed\n", i);
            return 1;
        }
    }
    if (zactor_system_wait(sys) != 0)
        return 1;
    uint64_t never_messaged = (resident_bytes() - before) / actors;

    for (size_t i = 0; i < actors; i++)
        if (idle_Sleeper_send_Poke(refs[i], &(idle_Poke){.value = 1}) != 0) {
            fprintf(stderr, "idle_memory: send %zu failed\n", i);
            return 1;
        }
    if (zactor_system_wait(sys) != 0)
        return 1;
    uint64_t after_one_message = (resident_bytes() - before) / actors;
    uint64_t handled = __atomic_load_n(&poked, __ATOMIC_RELAXED);
    zactor_system_destroy(sys);
    free(refs);

    printf("idle_memory: %zu actors: %" PRIu64 " bytes each never messaged, %" PRIu64
           " bytes each after one message; %" PRIu64 " messages handled\n",
           actors, never_messaged, after_one_message, handled);
    if (handled != actors || never_messaged > BYTES_PER_NEVER_MESSAGED_MAX ||
        after_one_message > BYTES_PER_MESSAGED_MAX) {
        fprintf(stderr, "idle_memory: FAILED (budgets %d bytes per actor never messaged, %d after "
                        "one message)\n",
                BYTES_PER_NEVER_MESSAGED_MAX, BYTES_PER_MESSAGED_MAX);
        return 1;
    }
    return 0;
}
