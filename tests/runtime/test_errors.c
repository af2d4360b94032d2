/* test_errors.c - the runtime's error model: every code has a name and a
 * sentence; every call that can fail says why (a spawn through its null
 * ref, a system start through its return); calls made from the wrong place
 * get ZACTOR_EDEADLK; NULL arguments get ZACTOR_EARG or a neutral value,
 * never a crash; zactor_config and zactor_stats work with callers compiled
 * against an older (smaller) or newer (larger) struct. */
#include <stddef.h>
#include <string.h>

#include "rt_test.h"

typedef struct Note {
    uint64_t value;
} Note;

typedef struct Probe {
    char unused;
} Probe;

/* What the probe's handler saw, read by main after zactor_system_wait. */
static int destroy_rc = 1, wait_rc = 1;

static void probe_on_note(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)msg;
    /* Both would wait for this very handler. */
    destroy_rc = zactor_system_destroy(zactor_ctx_system(ctx));
    wait_rc = zactor_system_wait(zactor_ctx_system(ctx));
}

TEST_SLOT(ProbeSlot, Note note;);
static const zactor_handler_entry probe_handlers[] = {TEST_ENTRY(probe_on_note)};
static const zactor_actor_type probe_type =
    TEST_ACTOR_TYPE(name("test.Probe"), state(Probe), slot(ProbeSlot), handlers(probe_handlers));

static void check_names(void)
{
    static const int codes[] = {ZACTOR_EINVAL,    ZACTOR_ENOMEM,   ZACTOR_EDEAD, ZACTOR_EFULL,
                                ZACTOR_ETIMEDOUT, ZACTOR_ESTOPPED, ZACTOR_EARG,  ZACTOR_ETYPE,
                                ZACTOR_EDEADLK,   ZACTOR_EAGAIN};
    CHECK(strcmp(zactor_err_name(0), "ZACTOR_OK") == 0);
    CHECK(strcmp(zactor_err_name(ZACTOR_EDEAD), "ZACTOR_EDEAD") == 0);
    CHECK(strcmp(zactor_err_name(ZACTOR_EDEADLK), "ZACTOR_EDEADLK") == 0);
    CHECK(strcmp(zactor_err_name(-1000), "ZACTOR_UNKNOWN") == 0);
    CHECK(strcmp(zactor_err_name(1), "ZACTOR_UNKNOWN") == 0);
    CHECK(strcmp(zactor_strerror(-1000), "unknown error") == 0);
    size_t count = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < count; i++) {
        CHECK(codes[i] < 0);
        CHECK(strncmp(zactor_err_name(codes[i]), "ZACTOR_E", 8) == 0);
        CHECK(strcmp(zactor_strerror(codes[i]), "unknown error") != 0);
        for (size_t j = 0; j < i; j++) {
            CHECK(codes[i] != codes[j]);
            CHECK(strcmp(zactor_err_name(codes[i]), zactor_err_name(codes[j])) != 0);
            CHECK(strcmp(zactor_strerror(codes[i]), zactor_strerror(codes[j])) != 0);
        }
    }
}

static void check_null_arguments(void)
{
    CHECK_EQ(zactor_system_wait(NULL), ZACTOR_EARG);
    CHECK_EQ(zactor_system_destroy(NULL), 0);
    zactor_system_stop(NULL);
    CHECK_EQ(zactor_system_workers(NULL), 0);
    CHECK_EQ(zactor_system_numa_nodes(NULL), 0);
    CHECK_EQ(zactor_system_dead_letters(NULL), 0);
    CHECK_EQ(zactor_system_start(NULL, NULL), ZACTOR_EARG);

    /* A NULL ctx: neutral values, no crash. */
    zactor_ref self = zactor_self(NULL);
    CHECK(zactor_ref_is_null(self));
    CHECK_EQ(zactor_ref_error(self), ZACTOR_EARG);
    CHECK(zactor_ctx_system(NULL) == NULL);
    CHECK_EQ(zactor_ctx_numa_node(NULL), 0);
    zactor_stop(NULL);

    zactor_ref zero = {NULL, 0};
    CHECK_EQ(zactor_ref_error(zero), ZACTOR_EARG);
    /* A null ref whose generation holds no code is still just a bad ref. */
    zactor_ref garbage = {NULL, 12345};
    CHECK_EQ(zactor_ref_error(garbage), ZACTOR_EARG);
}

static void check_start(void)
{
    zactor_system *sys = (zactor_system *)&sys; /* must be overwritten */
    zactor_config cfg;
    zactor_config_init(&cfg);
    CHECK_EQ(cfg.size, sizeof cfg);
    cfg.workers = 1;
    cfg.topology = "this is not a topology";
    CHECK_EQ(zactor_system_start(&cfg, &sys), ZACTOR_EARG);
    CHECK(sys == NULL);
    CHECK(zactor_system_create(&cfg) == NULL);

    cfg.topology = NULL;
    CHECK_EQ(zactor_system_start(&cfg, &sys), 0);
    CHECK(sys != NULL);
    CHECK_EQ(zactor_system_workers(sys), 1);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* A caller compiled against an older zactor.h: its zactor_config ends
 * before `topology`. The bytes after its struct are not its own. */
static void check_older_config(void)
{
    size_t older = offsetof(zactor_config, topology);
    union {
        zactor_config cfg;
        unsigned char bytes[sizeof(zactor_config) + 16];
    } memory;
    memset(&memory, 0xA5, sizeof memory);
    zactor_config_init_sized(&memory.cfg, older);
    CHECK_EQ(memory.cfg.size, older);
    CHECK(memory.cfg.pin_threads);
    for (size_t i = older; i < sizeof memory.bytes; i++)
        CHECK_EQ(memory.bytes[i], 0xA5); /* never written */
    memory.cfg.workers = 1;
    /* The library must not read the garbage where topology would be. */
    zactor_system *sys = NULL;
    CHECK_EQ(zactor_system_start(&memory.cfg, &sys), 0);
    CHECK_EQ(zactor_system_workers(sys), 1);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* A caller compiled against a newer zactor.h: its struct is longer. Its
 * new fields default to 0, which this library may ignore; set to anything
 * else, they ask for something this library cannot do. */
static void check_newer_config(void)
{
    union {
        zactor_config cfg;
        unsigned char bytes[sizeof(zactor_config) + 16];
    } memory;
    memset(&memory, 0xA5, sizeof memory);
    zactor_config_init_sized(&memory.cfg, sizeof memory.bytes);
    CHECK_EQ(memory.cfg.size, sizeof memory.bytes);
    for (size_t i = sizeof(zactor_config); i < sizeof memory.bytes; i++)
        CHECK_EQ(memory.bytes[i], 0);
    memory.cfg.workers = 1;
    zactor_system *sys = NULL;
    CHECK_EQ(zactor_system_start(&memory.cfg, &sys), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
    memory.bytes[sizeof(zactor_config) + 3] = 1;
    CHECK_EQ(zactor_system_start(&memory.cfg, &sys), ZACTOR_EARG);
    CHECK(sys == NULL);

    /* Filled by hand without zactor_config_init (size 0): this layout. */
    zactor_config by_hand = {0};
    by_hand.workers = 1;
    CHECK_EQ(zactor_system_start(&by_hand, &sys), 0);
    CHECK_EQ(zactor_system_workers(sys), 1);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

static void check_stats_sizes(zactor_system *sys)
{
    CHECK_EQ(zactor_system_wait(sys), 0);
    zactor_stats full;
    zactor_worker_stats worker;
    CHECK_EQ(zactor_stats_read(sys, &full, &worker, 1), 0);
    CHECK(full.messages >= 1);

    /* Older caller: a zactor_stats ending after `workers`, and a worker
     * struct ending after `turns`, in an array of two. */
    size_t older = offsetof(zactor_stats, messages);
    size_t older_worker = offsetof(zactor_worker_stats, steals);
    unsigned char out[sizeof full + 8], workers[2 * sizeof worker];
    memset(out, 0xA5, sizeof out);
    memset(workers, 0xA5, sizeof workers);
    CHECK_EQ(zactor_stats_read_sized(sys, (zactor_stats *)(void *)out, older,
                                     (zactor_worker_stats *)(void *)workers, older_worker, 2),
             0);
    CHECK_EQ(memcmp(out, &full, offsetof(zactor_stats, workers)), 0);
    for (size_t i = older; i < sizeof out; i++)
        CHECK_EQ(out[i], 0xA5);
    /* One worker: element 0 holds its messages and turns, nothing after. */
    zactor_worker_stats first;
    memcpy(&first, workers, older_worker);
    CHECK_EQ(first.messages, worker.messages);
    for (size_t i = older_worker; i < sizeof workers; i++)
        CHECK_EQ(workers[i], 0xA5);

    /* Newer caller: its extra tail reads 0. */
    memset(out, 0xA5, sizeof out);
    CHECK_EQ(zactor_stats_read_sized(sys, (zactor_stats *)(void *)out, sizeof out, NULL, 0, 0), 0);
    for (size_t i = sizeof full; i < sizeof out; i++)
        CHECK_EQ(out[i], 0);
}

static void check_spawn_reasons(void)
{
    zactor_system *sys = start_system(1);
    CHECK_EQ(zactor_ref_error(zactor_spawn(NULL, &probe_type, NULL)), ZACTOR_EARG);
    CHECK_EQ(zactor_ref_error(zactor_spawn(sys, NULL, NULL)), ZACTOR_EARG);
    zactor_actor_type stale = probe_type;
    stale.abi_version = ZACTOR_ABI_VERSION + 1;
    zactor_ref bad = zactor_spawn(sys, &stale, NULL);
    CHECK(zactor_ref_is_null(bad));
    CHECK_EQ(zactor_ref_error(bad), ZACTOR_ETYPE);
    /* Sending to a failed spawn's ref is a bad argument, not a crash. */
    Note note = {1};
    CHECK_EQ(zactor_send(bad, &probe_type, 0, &note, sizeof note), ZACTOR_EARG);

    zactor_ref probe = zactor_spawn(sys, &probe_type, NULL);
    CHECK_EQ(zactor_ref_error(probe), 0);
    CHECK_EQ(zactor_send(probe, &probe_type, 0, &note, sizeof note), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(destroy_rc, ZACTOR_EDEADLK);
    CHECK_EQ(wait_rc, ZACTOR_EDEADLK);
    /* The refused destroy left the system working. */
    check_stats_sizes(sys);
    CHECK_EQ(zactor_send(probe, &probe_type, 0, &note, sizeof note), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);

    zactor_system_stop(sys);
    zactor_ref late = zactor_spawn(sys, &probe_type, NULL);
    CHECK(zactor_ref_is_null(late));
    CHECK_EQ(zactor_ref_error(late), ZACTOR_ESTOPPED);
    /* A stopped system's refs still name their actor: no reason to give. */
    CHECK_EQ(zactor_ref_error(probe), 0);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

int main(void)
{
    check_names();
    check_null_arguments();
    check_start();
    check_older_config();
    check_newer_config();
    check_spawn_reasons();
    puts("errors: ok");
    return 0;
}
