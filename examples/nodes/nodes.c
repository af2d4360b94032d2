/* nodes.c - two nodes talking over ZeroMQ.
 *
 *   nodes greeter [ENDPOINT]        node "greeter": serves a Greeter until stopped
 *   nodes visitor ENDPOINT [N]      node "visitor": greets it N times (default 5)
 *   nodes demo [N]                  both, as two processes, on a free port
 *
 * The visitor's refs to the greeter are ordinary typed refs: the generated
 * hello_Greeter_send_Greet and hello_Greeter_ask_Stats send over the
 * network, and the Greeting comes back to the ref carried in the Greet. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nodes.zidl.h"

#define SECOND UINT64_C(1000000000)

static volatile sig_atomic_t stop_requested;
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int visitor_done; /* 1: all greetings back; 2: the greeter's node went down */

void hello_Greeter_on_Greet(hello_Greeter *self, zactor_ctx *ctx, const hello_Greet *msg)
{
    (void)ctx;
    self->greeted++;
    hello_Greeting greeting = {.n = msg->n};
    snprintf(greeting.text, sizeof greeting.text, "hello, %s (greeting %u from the greeter)",
             msg->name, (unsigned)self->greeted);
    printf("greeter: greeting %s\n", msg->name);
    fflush(stdout);
    hello_Visitor_send_Greeting(msg->reply_to, &greeting);
}

void hello_Greeter_on_Stats(hello_Greeter *self, zactor_ctx *ctx, const hello_Stats *msg,
                            hello_StatsReply *reply)
{
    (void)ctx, (void)msg;
    reply->greeted = self->greeted;
}

static void visitor_finish(int how)
{
    pthread_mutex_lock(&done_lock);
    visitor_done = how;
    pthread_cond_signal(&done_cond);
    pthread_mutex_unlock(&done_lock);
}

static hello_Greeter_ref remote_greeter;

/* If the greeter's node dies, a Down says so. */
void hello_Visitor_on_start(hello_Visitor *self, zactor_ctx *ctx)
{
    hello_Greeter_monitor(ctx, remote_greeter, &self->monitor);
}

void hello_Visitor_on_Greeting(hello_Visitor *self, zactor_ctx *ctx, const hello_Greeting *msg)
{
    (void)ctx;
    printf("visitor: %s\n", msg->text);
    if (++self->got == self->want)
        visitor_finish(1);
}

void hello_Visitor_on_down(hello_Visitor *self, zactor_ctx *ctx, const zactor_down *down)
{
    (void)self, (void)ctx;
    printf("visitor: the greeter is gone (%s)\n",
           down->reason.kind == ZACTOR_END_NODE_DOWN ? "its node is down" : "it ended");
    visitor_finish(2);
}

static zactor_system *start_node(const char *name)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    zactor_system *sys = zactor_system_create(&cfg);
    zactor_node_config node;
    zactor_node_config_init(&node);
    node.name = name;
    int rc = sys ? zactor_node_start(sys, &node) : ZACTOR_ENOMEM;
    if (rc != 0) {
        fprintf(stderr, "nodes: cannot start node %s: %s\n", name, zactor_strerror(rc));
        exit(1);
    }
    return sys;
}

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int greeter(const char *endpoint)
{
    zactor_system *sys = start_node("greeter");
    char bound[ZACTOR_NODE_ENDPOINT_MAX + 1];
    int rc = zactor_node_listen(sys, endpoint, bound, sizeof bound);
    if (rc != 0) {
        fprintf(stderr, "nodes: cannot listen on %s: %s\n", endpoint, zactor_strerror(rc));
        return 1;
    }
    hello_Greeter_ref greeter_ref = hello_Greeter_spawn(sys, NULL);
    hello_Greeter_register(sys, "greeter", greeter_ref);
    printf("LISTEN %s\n", bound);
    fflush(stdout);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop_requested)
        pause();
    zactor_system_destroy(sys);
    return 0;
}

static int visitor(const char *endpoint, unsigned n)
{
    zactor_system *sys = start_node("visitor");
    char peer[ZACTOR_NODE_NAME_MAX + 1];
    int rc = zactor_node_connect(sys, endpoint, 5 * SECOND, peer, sizeof peer);
    if (rc == 0)
        rc = hello_Greeter_lookup_remote(sys, peer, "greeter", 5 * SECOND, &remote_greeter);
    if (rc != 0) {
        fprintf(stderr, "nodes: cannot reach the greeter at %s: %s\n", endpoint,
                zactor_strerror(rc));
        return 1;
    }
    printf("visitor: connected to node %s\n", peer);
    hello_Visitor init = {.want = n};
    hello_Visitor_ref me = hello_Visitor_spawn(sys, &init);
    for (unsigned i = 0; i < n; i++) {
        hello_Greet greet = {.n = i, .reply_to = me};
        snprintf(greet.name, sizeof greet.name, "visitor-%u", i + 1);
        if ((rc = hello_Greeter_send_Greet(remote_greeter, &greet)) != 0)
            break;
    }
    pthread_mutex_lock(&done_lock);
    while (rc == 0 && !visitor_done)
        pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
    hello_Stats stats = {0};
    hello_StatsReply reply;
    if (rc == 0 && visitor_done == 1 &&
        (rc = hello_Greeter_ask_Stats(remote_greeter, &stats, &reply, 5 * SECOND)) == 0)
        printf("visitor: the greeter has greeted %u visitors in all\n", (unsigned)reply.greeted);
    if (rc != 0)
        fprintf(stderr, "nodes: %s\n", zactor_strerror(rc));
    zactor_system_destroy(sys);
    return rc == 0 && visitor_done == 1 ? 0 : 1;
}

/* Both nodes, as two processes: the greeter on a free port. */
static int demo(const char *self, unsigned n)
{
    int out[2];
    if (pipe(out) != 0)
        return 1;
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execl(self, self, "greeter", "tcp://127.0.0.1:0", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *from = fdopen(out[0], "r");
    char line[512];
    int rc = 1;
    if (from && fgets(line, sizeof line, from) && strncmp(line, "LISTEN ", 7) == 0) {
        line[strcspn(line, "\n")] = '\0';
        printf("greeter: listening on %s (pid %d)\n", line + 7, (int)child);
        fflush(stdout);
        rc = visitor(line + 7, n);
    }
    kill(child, SIGTERM);
    /* The greeter's own lines, then its exit. */
    while (from && fgets(line, sizeof line, from))
        fputs(line, stdout);
    if (from)
        fclose(from);
    int status;
    waitpid(child, &status, 0);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "greeter") == 0)
        return greeter(argc > 2 ? argv[2] : "tcp://127.0.0.1:5555");
    if (argc >= 3 && strcmp(argv[1], "visitor") == 0)
        return visitor(argv[2], argc > 3 ? (unsigned)atoi(argv[3]) : 5u);
    if (argc >= 2 && strcmp(argv[1], "demo") == 0)
        return demo("/proc/self/exe", argc > 2 ? (unsigned)atoi(argv[2]) : 5u);
    fprintf(stderr,
            "usage: nodes greeter [ENDPOINT] | nodes visitor ENDPOINT [N] | nodes demo [N]\n");
    return 2;
}
