/* NUMA layout: which node each worker belongs to, the order thieves walk,
 * and how topology descriptions are chosen and rejected.
 * Usage: test_numa_layout DISTANCES_XML, where DISTANCES_XML is
 * numa_distances.xml: the synthetic "pack:2 numa:2 core:2 pu:1" saved by
 * lstopo as XML, with a latency matrix added by hwloc-annotate that
 * contradicts the tree (node 0 is nearest to node 3). */
#include <errno.h>
#include <stdlib.h>

#include "numa_test.h"
#include "scheduler.h"
#include "system.h"
#include "worker.h"

static void check_worker_nodes(zactor_system *sys, const unsigned *expected, unsigned count)
{
    CHECK_EQ(zactor_system_workers(sys), count);
    for (unsigned w = 0; w < count; w++) {
        CHECK_EQ(sys->sched.workers[w].schedule.node, expected[w]);
        CHECK_EQ(sys->sched.workers[w].cache.node, expected[w]);
    }
}

/* 16 workers, 4 per node, contiguous; each node lists its own workers. */
static void test_four_nodes(void)
{
    zactor_system *sys = start_synthetic(FOUR_NODES, 0);
    CHECK_EQ(zactor_system_numa_nodes(sys), FOUR_NODES_COUNT);
    unsigned expected[FOUR_NODES_WORKERS];
    for (unsigned w = 0; w < FOUR_NODES_WORKERS; w++)
        expected[w] = w / 4;
    check_worker_nodes(sys, expected, FOUR_NODES_WORKERS);
    for (unsigned n = 0; n < FOUR_NODES_COUNT; n++) {
        const zactor__node *node = &sys->sched.nodes[n];
        CHECK_EQ(node->worker_count, 4);
        for (unsigned k = 0; k < 4; k++)
            CHECK_EQ(node->workers[k], 4 * n + k);
    }
    zactor_system_destroy(sys);
}

/* Fewer workers than PUs fill the first nodes; nodes without workers do
 * not exist. More workers than PUs wrap around to the first node. */
static void test_worker_counts(void)
{
    zactor_system *sys = start_synthetic(FOUR_NODES, 6);
    CHECK_EQ(zactor_system_numa_nodes(sys), 2);
    const unsigned six[] = {0, 0, 0, 0, 1, 1};
    check_worker_nodes(sys, six, 6);
    zactor_system_destroy(sys);

    sys = start_synthetic(FOUR_NODES, 18);
    CHECK_EQ(zactor_system_numa_nodes(sys), FOUR_NODES_COUNT);
    const unsigned eighteen[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 0, 0};
    check_worker_nodes(sys, eighteen, 18);
    CHECK_EQ(sys->sched.nodes[0].worker_count, 6);
    zactor_system_destroy(sys);

    /* Deterministic mode runs one worker: one node. */
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.topology = FOUR_NODES;
    cfg.deterministic_seed = 7;
    sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    CHECK_EQ(zactor_system_workers(sys), 1);
    CHECK_EQ(zactor_system_numa_nodes(sys), 1);
    zactor_system_destroy(sys);
}

/* The default worker count on a synthetic machine is capped. */
static void test_synthetic_cap(void)
{
    zactor_system *sys = start_synthetic("pack:4 numa:2 core:10 pu:1", 0);
    CHECK_EQ(zactor_system_workers(sys), ZACTOR__SYNTHETIC_MAX_WORKERS);
    /* 64 of 80 PUs: nodes of 10 PUs, the 7th node gets 4. */
    CHECK_EQ(zactor_system_numa_nodes(sys), 7);
    CHECK_EQ(sys->sched.nodes[6].worker_count, 4);
    zactor_system_destroy(sys);
}

static void expect_order(const zactor__victim *got, unsigned count, const unsigned *nodes,
                         const unsigned *workers, unsigned expected_count)
{
    CHECK_EQ(count, expected_count);
    for (unsigned i = 0; i < count; i++) {
        if (got[i].node != nodes[i] || got[i].worker != workers[i]) {
            fprintf(stderr, "steal order entry %u: got node %u worker %u, expected %u %u\n", i,
                    got[i].node, got[i].worker, nodes[i], workers[i]);
            exit(1);
        }
    }
}

#define INJECT ZACTOR__VICTIM_INJECT

/* Own node's other workers first (never the own inject queue: find_work
 * takes it before stealing), then the node sharing the package, then the
 * other package's nodes in cyclic order; in each remote node its deques,
 * then its inject queue. */
static void test_steal_order(void)
{
    zactor_system *sys = start_synthetic(FOUR_NODES, 0);
    zactor__victim got[FOUR_NODES_WORKERS + FOUR_NODES_COUNT];

    unsigned count = zactor__scheduler_steal_order(&sys->sched, 5, 0, got);
    const unsigned nodes5[] = {1, 1, 1, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3};
    const unsigned workers5[] = {4, 6,  7,  0,      1,  2,  3,  INJECT, 8,
                                 9, 10, 11, INJECT, 12, 13, 14, 15,     INJECT};
    expect_order(got, count, nodes5, workers5, 18);

    /* A rotation starts every node's list elsewhere; the node order stays. */
    count = zactor__scheduler_steal_order(&sys->sched, 5, 2, got);
    const unsigned workers5r[] = {6,  7, 4, 2,      3,  0,  1,  INJECT, 10,
                                  11, 8, 9, INJECT, 14, 15, 12, 13,     INJECT};
    expect_order(got, count, nodes5, workers5r, 18);

    count = zactor__scheduler_steal_order(&sys->sched, 10, 0, got);
    const unsigned nodes10[] = {2, 2, 2, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    const unsigned workers10[] = {8, 9, 11, 12,     13, 14, 15, INJECT, 0,
                                  1, 2, 3,  INJECT, 4,  5,  6,  7,      INJECT};
    expect_order(got, count, nodes10, workers10, 18);

    count = zactor__scheduler_steal_order(&sys->sched, 15, 0, got);
    const unsigned nodes15[] = {3, 3, 3, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    const unsigned workers15[] = {12, 13, 14, 8,      9, 10, 11, INJECT, 0,
                                  1,  2,  3,  INJECT, 4, 5,  6,  7,      INJECT};
    expect_order(got, count, nodes15, workers15, 18);
    zactor_system_destroy(sys);
}

static void expect_rejected(const char *topology)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.topology = topology;
    errno = 0;
    CHECK(zactor_system_create(&cfg) == NULL);
    CHECK_EQ(errno, EINVAL);
}

static void test_bad_descriptions(void)
{
    expect_rejected("bogus:3");
    expect_rejected("");
    expect_rejected("pack:2 pu:0");
    expect_rejected("numa:2 core");
}

/* ZACTOR_TOPOLOGY applies when the config leaves topology NULL; the config
 * wins over it; an empty variable is ignored. */
static void test_environment(void)
{
    CHECK_EQ(setenv("ZACTOR_TOPOLOGY", FOUR_NODES, 1), 0);
    zactor_system *sys = start_synthetic(NULL, 0);
    CHECK_EQ(zactor_system_workers(sys), FOUR_NODES_WORKERS);
    CHECK_EQ(zactor_system_numa_nodes(sys), FOUR_NODES_COUNT);
    zactor_system_destroy(sys);

    CHECK_EQ(setenv("ZACTOR_TOPOLOGY", "numa:x", 1), 0);
    expect_rejected(NULL);
    sys = start_synthetic("pack:1 numa:3 core:1 pu:1", 0);
    CHECK_EQ(zactor_system_numa_nodes(sys), 3);
    zactor_system_destroy(sys);

    CHECK_EQ(setenv("ZACTOR_TOPOLOGY", "", 1), 0);
    sys = start_synthetic(NULL, 3);
    CHECK_EQ(zactor_system_workers(sys), 3);
    zactor_system_destroy(sys);
    CHECK_EQ(unsetenv("ZACTOR_TOPOLOGY"), 0);
}

/* The real machine: at least one node, every worker on one of them;
 * unpinned workers have no node of their own, so they form one. */
static void test_real_machine(void)
{
    CHECK_EQ(unsetenv("ZACTOR_TOPOLOGY"), 0);
    zactor_system *sys = zactor_system_create(NULL);
    CHECK(sys != NULL);
    unsigned nodes = zactor_system_numa_nodes(sys);
    CHECK(nodes >= 1);
    for (unsigned w = 0; w < zactor_system_workers(sys); w++)
        CHECK(sys->sched.workers[w].schedule.node < nodes);
    zactor_system_destroy(sys);

    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.pin_threads = false;
    cfg.workers = 3;
    sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    CHECK_EQ(zactor_system_numa_nodes(sys), 1);
    zactor_system_destroy(sys);
}

/* hwloc's latency matrix, when there is one, orders the nodes. A topology
 * loaded from XML is not this machine: its workers are grouped but not
 * pinned, and the topology is not kept. */
static void test_distance_matrix(const char *xml)
{
    CHECK_EQ(setenv("HWLOC_XMLFILE", xml, 1), 0);
    zactor_system *sys = zactor_system_create(NULL);
    CHECK_EQ(unsetenv("HWLOC_XMLFILE"), 0);
    CHECK(sys != NULL);
    CHECK(sys->topology == NULL);
    CHECK_EQ(zactor_system_workers(sys), 8);
    CHECK_EQ(zactor_system_numa_nodes(sys), 4);
    zactor__victim got[8 + 4];

    unsigned count = zactor__scheduler_steal_order(&sys->sched, 0, 0, got);
    const unsigned nodes0[] = {0, 3, 3, 3, 1, 1, 1, 2, 2, 2};
    const unsigned workers0[] = {1, 6, 7, INJECT, 2, 3, INJECT, 4, 5, INJECT};
    expect_order(got, count, nodes0, workers0, 10);

    count = zactor__scheduler_steal_order(&sys->sched, 4, 0, got);
    const unsigned nodes4[] = {2, 1, 1, 1, 3, 3, 3, 0, 0, 0};
    const unsigned workers4[] = {5, 2, 3, INJECT, 6, 7, INJECT, 0, 1, INJECT};
    expect_order(got, count, nodes4, workers4, 10);
    zactor_system_destroy(sys);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    test_four_nodes();
    test_worker_counts();
    test_synthetic_cap();
    test_steal_order();
    test_bad_descriptions();
    test_environment();
    test_real_machine();
    test_distance_matrix(argv[1]);
    printf("numa_layout: ok\n");
    return 0;
}
