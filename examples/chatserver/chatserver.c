/*
 * chatserver.c - the actors of the chat server.
 *
 * Nothing here blocks: every socket is non-blocking, and the actors learn
 * that one is readable or writable from an `on io` event, sent by the
 * runtime's I/O thread. One event per watch is in flight at a time: a
 * handler reads what it wants and returns; if bytes are left, the next
 * event comes.
 *
 * Protocol: a client sends lines ending in '\n'. Its first line is its
 * name (at most 32 bytes; the server answers "WELCOME <name>"); every later
 * line (at most 400 bytes; a longer one is cut in pieces) reaches every
 * other named client as "<name>: <line>".
 */
#define _GNU_SOURCE /* accept4 */
#include "chatserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chatserver.zidl.h"

enum {
    NAME_MAX_LEN = sizeof(((chatsrv_Say *)0)->name) - 1,
    TEXT_MAX_LEN = sizeof(((chatsrv_Say *)0)->text) - 1,
    /* A client that reads nothing while this much waits is dropped. */
    OUTPUT_LIMIT = 1 << 20,
};

static atomic_uint_fast64_t deferred_writes;

uint64_t chatserver_deferred_writes(void)
{
    /* Relaxed: a counter, read after the fact. */
    return atomic_load_explicit(&deferred_writes, memory_order_relaxed);
}

/* Copies text into dst (size bytes), cut to fit, NUL-terminated. */
static void copy_text(char *dst, size_t size, const char *text)
{
    size_t len = strnlen(text, size - 1);
    memcpy(dst, text, len);
    dst[len] = '\0';
}

/* ---- Room ---- */

void chatsrv_Room_on_Join(chatsrv_Room *self, zactor_ctx *ctx, const chatsrv_Join *msg)
{
    (void)ctx;
    if (self->count == self->capacity) {
        uint32_t capacity = self->capacity ? 2 * self->capacity : 16;
        chatsrv_Connection_ref *grown = realloc(self->members, capacity * sizeof *grown);
        if (!grown)
            return; /* out of memory: it hears nothing */
        self->members = grown;
        self->capacity = capacity;
    }
    chatsrv_Connection_ref *members = self->members;
    members[self->count++] = msg->who;
}

static bool same_connection(chatsrv_Connection_ref a, chatsrv_Connection_ref b)
{
    return a.raw.cell == b.raw.cell && a.raw.generation == b.raw.generation;
}

void chatsrv_Room_on_Leave(chatsrv_Room *self, zactor_ctx *ctx, const chatsrv_Leave *msg)
{
    (void)ctx;
    chatsrv_Connection_ref *members = self->members;
    for (uint32_t i = 0; i < self->count; i++) {
        if (same_connection(members[i], msg->who)) {
            members[i] = members[--self->count];
            return;
        }
    }
}

void chatsrv_Room_on_Say(chatsrv_Room *self, zactor_ctx *ctx, const chatsrv_Say *msg)
{
    (void)ctx;
    chatsrv_Line line;
    size_t name_len = strnlen(msg->name, sizeof msg->name - 1);
    memcpy(line.text, msg->name, name_len);
    memcpy(line.text + name_len, ": ", 2);
    copy_text(line.text + name_len + 2, sizeof line.text - name_len - 2, msg->text);
    chatsrv_Connection_ref *members = self->members;
    for (uint32_t i = 0; i < self->count; i++) {
        /* A member that has just ended (its Leave is on the way): EDEAD. */
        if (!same_connection(members[i], msg->from))
            (void)chatsrv_Connection_send_Line(members[i], &line);
    }
}

void chatsrv_Room_on_stop(chatsrv_Room *self, zactor_ctx *ctx)
{
    (void)ctx;
    free(self->members);
    self->members = NULL;
}

/* ---- Listener ---- */

void chatsrv_Listener_on_start(chatsrv_Listener *self, zactor_ctx *ctx)
{
    if (zactor_io_watch(ctx, self->fd, ZACTOR_IO_READ, &self->watch) != 0)
        zactor_fail(ctx, ZACTOR_EAGAIN);
}

void chatsrv_Listener_on_io(chatsrv_Listener *self, zactor_ctx *ctx, const zactor_io_event *ev)
{
    (void)ctx;
    (void)ev;
    /* Take what is pending now; more readiness brings another event. */
    for (int i = 0; i < 64; i++) {
        int fd = accept4(self->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or a connection that failed before we took it */
        if (self->sndbuf > 0)
            (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &self->sndbuf, sizeof self->sndbuf);
        chatsrv_Connection init = {.fd = fd, .room = self->room};
        chatsrv_Connection_ref conn = chatsrv_Connection_spawn(zactor_ctx_system(ctx), &init);
        if (zactor_ref_is_null(conn.raw))
            close(fd);
    }
}

void chatsrv_Listener_on_stop(chatsrv_Listener *self, zactor_ctx *ctx)
{
    (void)ctx;
    close(self->fd); /* its watch has ended already */
}

/* ---- Connection ---- */

typedef struct buffers {
    char in[TEXT_MAX_LEN + 1]; /* a line being read */
    size_t in_len;
    char name[NAME_MAX_LEN + 1]; /* "" until the first line */
    char *out;                   /* bytes not written yet */
    size_t out_len;
    size_t out_cap;
} buffers;

/* Writes what it can of the output; watches WRITE while bytes are left.
 * false: the connection is broken (or the client reads too little). */
static bool flush(chatsrv_Connection *self, zactor_ctx *ctx)
{
    buffers *b = self->buffers;
    size_t done = 0;
    while (done < b->out_len) {
        ssize_t n = send(self->fd, b->out + done, b->out_len - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return false;
        }
        done += (size_t)n;
    }
    memmove(b->out, b->out + done, b->out_len - done);
    b->out_len -= done;
    if (b->out_len > 0 && self->write_watch == 0) {
        atomic_fetch_add_explicit(&deferred_writes, 1, memory_order_relaxed);
        if (zactor_io_watch(ctx, self->fd, ZACTOR_IO_WRITE, &self->write_watch) != 0)
            return false;
    } else if (b->out_len == 0 && self->write_watch != 0) {
        (void)zactor_io_unwatch(ctx, self->write_watch);
        self->write_watch = 0;
    }
    return b->out_len <= OUTPUT_LIMIT;
}

/* Queues text and '\n' for the client. */
static bool put_line(buffers *b, const char *text)
{
    size_t len = strlen(text);
    if (b->out_len + len + 1 > b->out_cap) {
        size_t cap = b->out_cap ? b->out_cap : 1024;
        while (cap < b->out_len + len + 1)
            cap *= 2;
        char *grown = realloc(b->out, cap);
        if (!grown)
            return false;
        b->out = grown;
        b->out_cap = cap;
    }
    memcpy(b->out + b->out_len, text, len);
    b->out[b->out_len + len] = '\n';
    b->out_len += len + 1;
    return true;
}

void chatsrv_Connection_on_start(chatsrv_Connection *self, zactor_ctx *ctx)
{
    self->buffers = calloc(1, sizeof(buffers));
    if (!self->buffers || zactor_io_watch(ctx, self->fd, ZACTOR_IO_READ, &self->read_watch) != 0)
        zactor_stop(ctx);
}

void chatsrv_Connection_on_Line(chatsrv_Connection *self, zactor_ctx *ctx, const chatsrv_Line *msg)
{
    if (!put_line(self->buffers, msg->text) || !flush(self, ctx))
        zactor_stop(ctx);
}

/* A whole line (without its '\n') from the client. */
static bool on_client_line(chatsrv_Connection *self, zactor_ctx *ctx, const char *line)
{
    buffers *b = self->buffers;
    if (b->name[0] == '\0') {
        copy_text(b->name, sizeof b->name, line[0] ? line : "anonymous");
        chatsrv_Join join = {{zactor_self(ctx)}};
        if (chatsrv_Room_send_Join(self->room, &join) != 0)
            return false;
        char welcome[sizeof b->name + 8] = "WELCOME ";
        copy_text(welcome + 8, sizeof welcome - 8, b->name);
        return put_line(b, welcome) && flush(self, ctx);
    }
    chatsrv_Say say = {.from = {zactor_self(ctx)}};
    memcpy(say.name, b->name, sizeof say.name);
    copy_text(say.text, sizeof say.text, line);
    return chatsrv_Room_send_Say(self->room, &say) == 0;
}

/* Reads what is there (one read: if more is left, another event comes). */
static bool on_readable(chatsrv_Connection *self, zactor_ctx *ctx)
{
    buffers *b = self->buffers;
    char chunk[4096];
    ssize_t n = recv(self->fd, chunk, sizeof chunk, 0);
    if (n == 0)
        return false; /* the client closed */
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    for (ssize_t i = 0; i < n; i++) {
        char c = chunk[i];
        if (c != '\n' && b->in_len < TEXT_MAX_LEN) {
            if (c != '\r')
                b->in[b->in_len++] = c;
            continue;
        }
        b->in[b->in_len] = '\0';
        b->in_len = 0;
        if (!on_client_line(self, ctx, b->in))
            return false;
        if (c != '\n')
            b->in[b->in_len++] = c; /* a long line goes on in the next piece */
    }
    return true;
}

void chatsrv_Connection_on_io(chatsrv_Connection *self, zactor_ctx *ctx, const zactor_io_event *ev)
{
    bool ok = true;
    if (ev->watch == self->read_watch)
        ok = on_readable(self, ctx);
    else if (ev->watch == self->write_watch)
        ok = !(ev->events & ZACTOR_IO_ERROR) && flush(self, ctx);
    if (!ok)
        zactor_stop(ctx);
}

void chatsrv_Connection_on_stop(chatsrv_Connection *self, zactor_ctx *ctx)
{
    buffers *b = self->buffers;
    if (b && b->name[0] != '\0') {
        chatsrv_Leave leave = {{zactor_self(ctx)}};
        (void)chatsrv_Room_send_Leave(self->room, &leave);
    }
    /* The watches ended before this hook: the socket can go. */
    close(self->fd);
    if (b)
        free(b->out);
    free(b);
    self->buffers = NULL;
}

/* ---- Start ---- */

int chatserver_start(zactor_system *sys, uint16_t port, int sndbuf, uint16_t *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    *bound = ntohs(addr.sin_port);
    chatsrv_Room_ref room = chatsrv_Room_spawn(sys, NULL);
    if (zactor_ref_is_null(room.raw)) {
        close(fd);
        return zactor_ref_error(room.raw);
    }
    chatsrv_Listener init = {.fd = fd, .room = room, .sndbuf = sndbuf};
    chatsrv_Listener_ref listener = chatsrv_Listener_spawn(sys, &init);
    if (zactor_ref_is_null(listener.raw)) {
        close(fd);
        return zactor_ref_error(listener.raw);
    }
    return 0;
}
