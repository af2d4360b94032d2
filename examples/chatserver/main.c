/*
 * chatserver: a TCP chat server in which every connection is an actor.
 *
 *   chatserver [port]     (default 0: a port the kernel picks)
 *
 * Prints "LISTEN <port>" once it listens on 127.0.0.1, then serves until
 * SIGINT or SIGTERM. Try it with two terminals running `nc 127.0.0.1
 * <port>`: the first line each sends is its name.
 */
#define _POSIX_C_SOURCE 200809L /* sigset_t, sigwait */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatserver.h"

int main(int argc, char **argv)
{
    long port = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    if (argc > 2 || port < 0 || port > 65535) {
        fprintf(stderr, "usage: chatserver [port]\n");
        return 2;
    }
    /* Blocked before the system starts, so that every thread inherits the
     * mask and sigwait below is the one that takes them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    zactor_config cfg;
    zactor_config_init(&cfg);
    zactor_system *sys = zactor_system_create(&cfg);
    if (!sys) {
        fprintf(stderr, "chatserver: cannot start the actor system\n");
        return 1;
    }
    uint16_t bound = 0;
    int rc = chatserver_start(sys, (uint16_t)port, 0, &bound);
    if (rc != 0) {
        fprintf(stderr, "chatserver: cannot listen on port %ld (%s)\n", port,
                rc == -1 ? strerror(errno) : zactor_strerror(rc));
        zactor_system_destroy(sys);
        return 1;
    }
    printf("LISTEN %u\n", (unsigned)bound);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop_signals, &sig);
    zactor_system_destroy(sys);
    return 0;
}
