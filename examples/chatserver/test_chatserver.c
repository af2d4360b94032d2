/*
 * test_chatserver.c - the chat server, in-process, with three real TCP
 * clients on 127.0.0.1 (ctest example.chatserver).
 *
 * Each client sends its name, waits for its welcome, then lines; each
 * checks that it receives exactly the others' lines, every sender's in the
 * order sent. Client C leaves after a fifth of its lines (it shuts its
 * side down, takes what is still sent to it, and closes when the server
 * does): A and B go on undisturbed and receive what C sent before it
 * left. The server's send buffers and client A's receive buffer are small,
 * and A reads nothing until every line is sent, so that the server's
 * output to A waits for WRITE events (partial writes, a per-connection
 * buffer).
 * Reads have a 60 s timeout: a guard against a hang, not a timing check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "chatserver.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

enum { CLIENTS = 3, LINES = 2000, C_LINES = LINES / 5 };

static const char *const names[CLIENTS] = {"alice", "bob", "carol"};

typedef struct client {
    int fd;
    char buf[1 << 16];
    size_t len;
    unsigned next_from[CLIENTS]; /* the next line number expected from each */
} client;

static void send_all(int fd, const char *text)
{
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = send(fd, text + done, len - done, MSG_NOSIGNAL);
        CHECK(n > 0);
        done += (size_t)n;
    }
}

static void connect_client(client *c, uint16_t port, int rcvbuf)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c->fd >= 0);
    if (rcvbuf)
        CHECK(setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == 0);
    struct timeval timeout = {60, 0};
    CHECK(setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(c->fd, (struct sockaddr *)&addr, sizeof addr) == 0);
}

/* The next line the client receives (without '\n'), into line. */
static void read_line(client *c, char *line, size_t size)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t len = (size_t)(nl - c->buf);
            CHECK(len < size);
            memcpy(line, c->buf, len);
            line[len] = '\0';
            memmove(c->buf, nl + 1, c->len - len - 1);
            c->len -= len + 1;
            return;
        }
        CHECK(c->len < sizeof c->buf);
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        CHECK(n > 0); /* 0: closed, -1: the hang guard's timeout */
        c->len += (size_t)n;
    }
}

/* "name: <number> <padding>" from another client, in that sender's order. */
static bool take_line(client *c, unsigned self, const char *line)
{
    for (unsigned from = 0; from < CLIENTS; from++) {
        size_t name_len = strlen(names[from]);
        if (strncmp(line, names[from], name_len) != 0 || strncmp(line + name_len, ": ", 2) != 0)
            continue;
        CHECK(from != self); /* nobody hears itself */
        const char *text = line + name_len + 2;
        if (strcmp(text, "bye") == 0)
            return true;
        unsigned number = (unsigned)strtoul(text, NULL, 10);
        CHECK(number == c->next_from[from]);
        c->next_from[from]++;
        return false;
    }
    fprintf(stderr, "unexpected line: %s\n", line);
    CHECK(false);
    return false;
}

/* Closes the client's side, takes what the server still sends (in order;
 * the server drops what it had not written yet when it saw the end, so the
 * last line may be cut) until it closes too, then closes the socket. (A close with unread input
 * would reset the connection, and the server could lose the client's last
 * lines with it.) */
static void leave(client *c, unsigned self)
{
    CHECK(shutdown(c->fd, SHUT_WR) == 0);
    char line[1024];
    for (;;) {
        char *nl;
        while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
            read_line(c, line, sizeof line);
            CHECK(!take_line(c, self, line));
        }
        CHECK(c->len < sizeof c->buf);
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        CHECK(n >= 0);
        if (n == 0)
            break;
        c->len += (size_t)n;
    }
    /* Output still queued for a client that leaves is dropped: the last
     * line may come cut (c->len bytes without their '\n'). */
    close(c->fd);
    c->fd = -1;
}

int main(void)
{
    zactor_config cfg;
    zactor_config_init(&cfg);
    cfg.workers = 2;
    zactor_system *sys = zactor_system_create(&cfg);
    CHECK(sys != NULL);
    uint16_t port = 0;
    /* A small send buffer per connection: alice's output fills it. */
    CHECK(chatserver_start(sys, 0, 4096, &port) == 0);
    CHECK(port != 0);

    static client clients[CLIENTS];
    char line[1024];
    for (unsigned i = 0; i < CLIENTS; i++) {
        connect_client(&clients[i], port, i == 0 ? 2048 : 0);
        snprintf(line, sizeof line, "%s\n", names[i]);
        send_all(clients[i].fd, line);
        read_line(&clients[i], line, sizeof line);
        char want[64];
        snprintf(want, sizeof want, "WELCOME %s", names[i]);
        CHECK(strcmp(line, want) == 0);
    }

    /* Everyone has joined (each welcome came after its Join was sent). */
    char padding[301];
    memset(padding, 'x', sizeof padding - 1);
    padding[sizeof padding - 1] = '\0';
    for (unsigned n = 0; n < LINES; n++) {
        for (unsigned i = 0; i < CLIENTS; i++) {
            if (i == 2 && n >= C_LINES)
                continue;
            snprintf(line, sizeof line, "%u %s\n", n, padding);
            send_all(clients[i].fd, line);
        }
        if (n == C_LINES - 1)
            leave(&clients[2], 2); /* carol leaves mid-way */
        /* Bob reads as he goes; alice does not read until the end. */
        while (clients[1].next_from[0] + 2 < n)
            CHECK(!take_line(&clients[1], 1, (read_line(&clients[1], line, sizeof line), line)));
    }
    for (unsigned i = 0; i < 2; i++)
        send_all(clients[i].fd, "bye\n");

    /* Alice and bob: every line of the other, and carol's first ones. */
    for (unsigned i = 0; i < 2; i++) {
        client *c = &clients[i];
        for (;;) {
            read_line(c, line, sizeof line);
            if (take_line(c, i, line))
                break;
        }
        CHECK(c->next_from[1 - i] == LINES);
        CHECK(c->next_from[2] == C_LINES);
        CHECK(c->next_from[i] == 0);
    }
    printf("chatserver: %u clients, %u lines each (carol %u, then left); "
           "%llu writes waited for WRITE\n",
           CLIENTS, LINES, C_LINES, (unsigned long long)chatserver_deferred_writes());
    /* Alice read nothing while 2000 lines came: the server's writes to
     * her had to wait for WRITE events. */
    CHECK(chatserver_deferred_writes() > 0);
    close(clients[0].fd);
    close(clients[1].fd);
    CHECK(zactor_system_destroy(sys) == 0);
    printf("chatserver: ok\n");
    return 0;
}
