/* test_names.c - the name registry: register, lookup (typed and not),
 * unregister and their errors; a name is free once its actor has ended,
 * and at once when it is killed, even while its handler still runs;
 * thousands of names with ends in between (the table drops stale ones);
 * and lookups racing re-registration of one name by actors of two types:
 * a lookup finds a live actor of the type it asked for, or says
 * ZACTOR_ENOENT or ZACTOR_ETYPE, and never anything else. */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "rt_test.h"

typedef struct Ping {
    uint32_t n;
} Ping;

static atomic_uint pings;

static void on_ping(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    atomic_fetch_add(&pings, 1);
}

static test_gate gate;

static void on_hold(void *self, zactor_ctx *ctx, const void *msg)
{
    (void)self;
    (void)ctx;
    (void)msg;
    test_gate_hold(&gate);
}

TEST_SLOT(PingSlot, Ping ping;);
static const zactor_handler_entry ping_handlers[] = {TEST_ENTRY(on_ping)};
static const zactor_actor_type first_type =
    TEST_ACTOR_TYPE(name("test.First"), state(char), slot(PingSlot), handlers(ping_handlers));
static const zactor_actor_type second_type =
    TEST_ACTOR_TYPE(name("test.Second"), state(char), slot(PingSlot), handlers(ping_handlers));
static const zactor_handler_entry hold_handlers[] = {TEST_ENTRY(on_hold)};
static const zactor_actor_type holder_type =
    TEST_ACTOR_TYPE(name("test.Holder"), state(char), slot(PingSlot), handlers(hold_handlers));

static bool refs_equal(zactor_ref a, zactor_ref b)
{
    return a.cell == b.cell && a.generation == b.generation;
}

/* Kills ref and waits until its end is seen (the name is then free). */
static void end_actor(zactor_system *sys, zactor_ref ref)
{
    CHECK_EQ(zactor_kill(ref, 1), 0);
    CHECK_EQ(zactor_system_wait(sys), 0);
}

static void test_basics(void)
{
    zactor_system *sys = start_system(2);
    zactor_ref a = zactor_spawn(sys, &first_type, NULL);
    zactor_ref b = zactor_spawn(sys, &second_type, NULL);
    zactor_ref found;

    CHECK_EQ(zactor_name_lookup(sys, "a", &first_type, &found), ZACTOR_ENOENT);
    CHECK(zactor_ref_is_null(found));
    CHECK_EQ(zactor_ref_error(found), ZACTOR_ENOENT);
    CHECK_EQ(zactor_name_register(sys, "a", a), 0);
    CHECK_EQ(zactor_name_register(sys, "a", a), 0); /* the same actor again */
    CHECK_EQ(zactor_name_register(sys, "also-a", a), 0);
    CHECK_EQ(zactor_name_register(sys, "a", b), ZACTOR_EEXIST);
    CHECK_EQ(zactor_name_register(sys, "b", b), 0);

    CHECK_EQ(zactor_name_lookup(sys, "a", &first_type, &found), 0);
    CHECK(refs_equal(found, a));
    CHECK_EQ(zactor_name_lookup(sys, "also-a", NULL, &found), 0);
    CHECK(refs_equal(found, a));
    CHECK_EQ(zactor_name_lookup(sys, "b", &first_type, &found), ZACTOR_ETYPE);
    CHECK(zactor_ref_is_null(found));
    CHECK_EQ(zactor_ref_error(found), ZACTOR_ETYPE);
    CHECK_EQ(zactor_name_lookup(sys, "b", &second_type, &found), 0);
    CHECK(refs_equal(found, b));
    CHECK_EQ(zactor_name_lookup(sys, "B", NULL, &found), ZACTOR_ENOENT);

    /* Unregister frees the name; the actor lives on. */
    CHECK_EQ(zactor_name_unregister(sys, "b"), 0);
    CHECK_EQ(zactor_name_unregister(sys, "b"), ZACTOR_ENOENT);
    CHECK_EQ(zactor_name_lookup(sys, "b", NULL, &found), ZACTOR_ENOENT);
    CHECK_EQ(zactor_name_register(sys, "b", b), 0);
    Ping ping = {1};
    CHECK_EQ(zactor_send(b, &second_type, 0, &ping, sizeof ping), 0);

    /* An end frees every name of the actor. */
    end_actor(sys, a);
    CHECK_EQ(zactor_name_lookup(sys, "a", NULL, &found), ZACTOR_ENOENT);
    CHECK_EQ(zactor_name_lookup(sys, "also-a", NULL, &found), ZACTOR_ENOENT);
    CHECK_EQ(zactor_name_unregister(sys, "a"), ZACTOR_ENOENT);
    CHECK_EQ(zactor_name_register(sys, "a", a), ZACTOR_EDEAD);
    CHECK_EQ(zactor_name_register(sys, "a", b), 0);
    CHECK_EQ(zactor_name_lookup(sys, "a", &second_type, &found), 0);
    CHECK(refs_equal(found, b));

    /* A kill frees the name at once, while the handler still runs: the
     * actor will handle nothing more. */
    zactor_ref busy = zactor_spawn(sys, &holder_type, NULL);
    CHECK_EQ(zactor_name_register(sys, "busy", busy), 0);
    test_gate_close(&gate);
    CHECK_EQ(zactor_send(busy, &holder_type, 0, &ping, sizeof ping), 0);
    test_gate_wait_held(&gate);
    CHECK_EQ(zactor_kill(busy, 2), 0);
    CHECK_EQ(zactor_name_lookup(sys, "busy", NULL, &found), ZACTOR_ENOENT);
    CHECK_EQ(zactor_name_register(sys, "busy-too", busy), ZACTOR_EDEAD);
    CHECK_EQ(zactor_name_register(sys, "busy", b), 0);
    test_gate_open(&gate);
    CHECK_EQ(zactor_system_wait(sys), 0);
    CHECK_EQ(zactor_name_lookup(sys, "busy", &second_type, &found), 0);

    /* Lengths: 1 to ZACTOR_NAME_MAX bytes. */
    char longest[ZACTOR_NAME_MAX + 2];
    memset(longest, 'n', sizeof longest);
    longest[ZACTOR_NAME_MAX] = '\0';
    CHECK_EQ(zactor_name_register(sys, longest, b), 0);
    CHECK_EQ(zactor_name_lookup(sys, longest, NULL, &found), 0);
    longest[ZACTOR_NAME_MAX] = 'n';
    longest[ZACTOR_NAME_MAX + 1] = '\0';
    CHECK_EQ(zactor_name_register(sys, longest, b), ZACTOR_EARG);
    CHECK_EQ(zactor_name_lookup(sys, longest, NULL, &found), ZACTOR_EARG);
    CHECK_EQ(zactor_name_unregister(sys, longest), ZACTOR_EARG);
    CHECK_EQ(zactor_name_register(sys, "", b), ZACTOR_EARG);
    CHECK_EQ(zactor_name_lookup(sys, "", NULL, &found), ZACTOR_EARG);
    CHECK_EQ(zactor_name_unregister(sys, ""), ZACTOR_EARG);

    /* Bad arguments. */
    zactor_ref null_ref = {NULL, 0};
    CHECK_EQ(zactor_name_register(NULL, "x", b), ZACTOR_EARG);
    CHECK_EQ(zactor_name_register(sys, NULL, b), ZACTOR_EARG);
    CHECK_EQ(zactor_name_register(sys, "x", null_ref), ZACTOR_EARG);
    CHECK_EQ(zactor_name_unregister(NULL, "x"), ZACTOR_EARG);
    CHECK_EQ(zactor_name_unregister(sys, NULL), ZACTOR_EARG);
    CHECK_EQ(zactor_name_lookup(sys, "a", NULL, NULL), ZACTOR_EARG);
    CHECK_EQ(zactor_name_lookup(NULL, "a", NULL, &found), ZACTOR_EARG);
    CHECK_EQ(zactor_ref_error(found), ZACTOR_EARG);
    CHECK_EQ(zactor_name_lookup(sys, NULL, NULL, &found), ZACTOR_EARG);

    /* A ref of another system. */
    zactor_system *other = start_system(1);
    zactor_ref stranger = zactor_spawn(other, &first_type, NULL);
    CHECK_EQ(zactor_name_register(sys, "stranger", stranger), ZACTOR_EARG);
    CHECK_EQ(zactor_system_destroy(other), 0);

    zactor_system_stop(sys);
    CHECK_EQ(zactor_name_register(sys, "late", b), ZACTOR_ESTOPPED);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* Many names, many ends: every live name is found, every dead one is not,
 * and registering after ends reuses the table (the sanitizers' leak check
 * covers the names dropped on the way). */
static void test_many(void)
{
    zactor_system *sys = start_system(2);
    unsigned count = (unsigned)scaled(6000);
    zactor_ref *refs = calloc(count, sizeof *refs);
    CHECK(refs);
    char name[32];
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < count; i++) {
            refs[i] = zactor_spawn(sys, i % 2 ? &first_type : &second_type, NULL);
            snprintf(name, sizeof name, "actor-%u-%u", round, i);
            CHECK_EQ(zactor_name_register(sys, name, refs[i]), 0);
        }
        /* Every other one ends. */
        for (unsigned i = 0; i < count; i += 2)
            CHECK_EQ(zactor_kill(refs[i], 0), 0);
        CHECK_EQ(zactor_system_wait(sys), 0);
        for (unsigned i = 0; i < count; i++) {
            zactor_ref found;
            snprintf(name, sizeof name, "actor-%u-%u", round, i);
            int rc = zactor_name_lookup(sys, name, &first_type, &found);
            if (i % 2) {
                CHECK_EQ(rc, 0);
                CHECK(refs_equal(found, refs[i]));
            } else {
                CHECK_EQ(rc, ZACTOR_ENOENT);
            }
        }
    }
    free(refs);
    CHECK_EQ(zactor_system_destroy(sys), 0);
}

/* One thread registers "x" to a new actor (of either type) again and
 * again, killing each after a while; readers look it up meanwhile. */
typedef struct race {
    zactor_system *sys;
    atomic_bool done;
    atomic_uint found[2];
    atomic_uint absent;
    atomic_uint wrong_type;
} race;

static void *reader(void *arg)
{
    race *r = arg;
    unsigned n = 0;
    while (!atomic_load(&r->done) || n < 100) {
        const zactor_actor_type *type = n % 2 ? &first_type : &second_type;
        zactor_ref found;
        int rc = zactor_name_lookup(r->sys, "x", type, &found);
        if (rc == 0) {
            /* Of the type asked for: a send of that type never gets ETYPE. */
            Ping ping = {n};
            int sent = zactor_send(found, type, 0, &ping, sizeof ping);
            CHECK(sent == 0 || sent == ZACTOR_EDEAD);
            atomic_fetch_add(&r->found[n % 2], 1);
        } else if (rc == ZACTOR_ENOENT) {
            CHECK(zactor_ref_is_null(found));
            atomic_fetch_add(&r->absent, 1);
        } else {
            CHECK_EQ(rc, ZACTOR_ETYPE);
            CHECK(zactor_ref_is_null(found));
            atomic_fetch_add(&r->wrong_type, 1);
        }
        n++;
    }
    return NULL;
}

static void test_lookup_races_registration(void)
{
    race r = {.sys = start_system(2)};
    pthread_t readers[2];
    for (unsigned i = 0; i < 2; i++)
        CHECK(pthread_create(&readers[i], NULL, reader, &r) == 0);
    unsigned rounds = (unsigned)scaled(3000);
    for (unsigned i = 0; i < rounds; i++) {
        zactor_ref ref = zactor_spawn(r.sys, i % 3 ? &first_type : &second_type, NULL);
        CHECK(!zactor_ref_is_null(ref));
        /* The previous holder was killed: the name frees once it ends. */
        int rc;
        while ((rc = zactor_name_register(r.sys, "x", ref)) == ZACTOR_EEXIST)
            sched_yield();
        CHECK_EQ(rc, 0);
        for (unsigned spin = 0; spin < (i % 8) * 200; spin++)
            atomic_signal_fence(memory_order_seq_cst);
        CHECK_EQ(zactor_kill(ref, 0), 0);
    }
    atomic_store(&r.done, true);
    for (unsigned i = 0; i < 2; i++)
        pthread_join(readers[i], NULL);
    CHECK_EQ(zactor_system_wait(r.sys), 0);
    zactor_ref found;
    CHECK_EQ(zactor_name_lookup(r.sys, "x", NULL, &found), ZACTOR_ENOENT);
    CHECK_EQ(zactor_system_destroy(r.sys), 0);
    printf("lookups: %u first, %u second, %u absent, %u of the other type\n",
           atomic_load(&r.found[1]), atomic_load(&r.found[0]), atomic_load(&r.absent),
           atomic_load(&r.wrong_type));
}

int main(void)
{
    test_basics();
    test_many();
    test_lookup_races_registration();
    return 0;
}
