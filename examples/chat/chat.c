/*
 * chat: a room actor and a few user actors. Users join with a profile
 * (struct, enum, array and string fields, a ref back to themselves; the
 * mood comes from the schema's default), post lines of text (a medium-sized
 * message, carried in a pooled block) and leave; the room forwards every
 * post to the other members. One user shares a photo: the room forwards the
 * very same buffer (bytes are zero-copy: retain, then send). main asks the
 * room how many members and posts it has (request/reply).
 */
#include "chat.zidl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { USERS = 3, POSTS_PER_USER = 2 };

/* Owned by main; each user actor writes only its own inbox. */
typedef struct inbox {
    unsigned delivered;
    unsigned stopped;
    const void *photo; /* the data address of the photo received, if any */
    size_t photo_size;
    char last_line[sizeof(((chat_Delivered *)0)->from) + sizeof(((chat_Delivered *)0)->text) + 4];
} inbox;

static const char *mood_name(chat_Mood mood)
{
    switch (mood) {
    case CHAT_MOOD_HAPPY:
        return "happy";
    case CHAT_MOOD_SAD:
        return "sad";
    case CHAT_MOOD_ANGRY:
        return "angry";
    default:
        return "?";
    }
}

static int find_member(const chat_Room *room, uint64_t user_id)
{
    for (uint32_t i = 0; i < room->members; i++)
        if (room->user_ids[i] == user_id)
            return (int)i;
    return -1;
}

void chat_Room_on_Join(chat_Room *self, zactor_ctx *ctx, const chat_Join *msg)
{
    (void)ctx;
    if (self->members == sizeof self->users / sizeof self->users[0])
        return; /* room full */
    uint32_t slot = self->members++;
    self->users[slot] = msg->user;
    self->user_ids[slot] = msg->user_id;
    self->profiles[slot] = msg->profile;
    self->seats[slot] = msg->seat;
    printf("room: %s joins (%s, seat %.1f/%.1f%s)\n", msg->profile.name,
           mood_name(msg->profile.mood), msg->seat.x, msg->seat.y,
           msg->profile.badges[0] == CHAT_BADGE_OWNER ? ", owner" : "");
}

void chat_Room_on_Post(chat_Room *self, zactor_ctx *ctx, const chat_Post *msg)
{
    (void)ctx;
    int sender = find_member(self, msg->user_id);
    if (sender < 0)
        return; /* not a member: ignore */
    self->posts++;
    chat_Delivered out;
    memset(&out, 0, sizeof out);
    memcpy(out.from, self->profiles[sender].name, sizeof out.from);
    memcpy(out.text, msg->text, sizeof out.text);
    out.from_seat = self->seats[sender];
    for (uint32_t i = 0; i < self->members; i++)
        if ((int)i != sender)
            chat_User_send_Delivered(self->users[i], &out);
}

void chat_Room_on_Photo(chat_Room *self, zactor_ctx *ctx, const chat_Photo *msg)
{
    (void)ctx;
    int sender = find_member(self, msg->user_id);
    if (sender < 0)
        return;
    chat_Shared out = CHAT_SHARED_INIT;
    memcpy(out.from, self->profiles[sender].name, sizeof out.from);
    for (uint32_t i = 0; i < self->members; i++) {
        if ((int)i == sender)
            continue;
        /* Each send takes one reference: retain one per receiver. The
         * runtime releases the Photo's own reference after this handler. */
        out.image = zactor_bytes_retain(msg->image);
        chat_User_send_Shared(self->users[i], &out);
    }
}

void chat_Room_on_CountMembers(chat_Room *self, zactor_ctx *ctx, const chat_CountMembers *msg,
                               chat_MemberCount *reply)
{
    (void)ctx;
    reply->members = self->members;
    reply->posts = msg->with_posts ? self->posts : 0;
}

void chat_Room_on_Leave(chat_Room *self, zactor_ctx *ctx, const chat_Leave *msg)
{
    (void)ctx;
    int who = find_member(self, msg->user_id);
    if (who < 0)
        return;
    uint32_t last = --self->members;
    self->users[who] = self->users[last];
    self->user_ids[who] = self->user_ids[last];
    self->profiles[who] = self->profiles[last];
    self->seats[who] = self->seats[last];
}

void chat_User_on_Delivered(chat_User *self, zactor_ctx *ctx, const chat_Delivered *msg)
{
    (void)ctx;
    inbox *box = self->inbox;
    box->delivered++;
    snprintf(box->last_line, sizeof box->last_line, "%s: %s", msg->from, msg->text);
}

void chat_User_on_Shared(chat_User *self, zactor_ctx *ctx, const chat_Shared *msg)
{
    (void)ctx;
    inbox *box = self->inbox;
    /* Read in place during the handler; only the address is kept, to show
     * that every member saw the sender's own buffer. */
    box->photo = zactor_bytes_data(msg->image);
    box->photo_size = zactor_bytes_size(msg->image);
}

void chat_User_on_stop(chat_User *self, zactor_ctx *ctx)
{
    (void)ctx;
    inbox *box = self->inbox;
    box->stopped++;
}

int main(void)
{
    static const char *const names[USERS] = {"ada", "brian", "grace"};
    zactor_system *sys = zactor_system_create(NULL);
    if (sys == NULL) {
        fprintf(stderr, "chat: cannot start the actor system\n");
        return 1;
    }
    chat_Room_ref room = chat_Room_spawn(sys, NULL);
    inbox inboxes[USERS];
    memset(inboxes, 0, sizeof inboxes);

    for (int i = 0; i < USERS; i++) {
        chat_User_ref user =
            chat_User_spawn(sys, &(chat_User){.id = 100u + (unsigned)i, .inbox = &inboxes[i]});
        chat_Join join = CHAT_JOIN_INIT; /* profile.mood = HAPPY by default */
        join.user_id = 100u + (unsigned)i;
        snprintf(join.profile.name, sizeof join.profile.name, "%s", names[i]);
        if (i == 2)
            join.profile.mood = CHAT_MOOD_SAD;
        join.profile.badges[0] = i == 0 ? CHAT_BADGE_OWNER : CHAT_BADGE_NONE;
        join.profile.badges[1] = CHAT_BADGE_NONE;
        join.profile.badges[2] = CHAT_BADGE_NONE;
        join.seat = (chat_Point){.x = 1.5 * i, .y = 2.0};
        memcpy(join.color, (uint8_t[4]){255, 128, (uint8_t)(40 * i), 255}, 4);
        join.user = user;
        int rc = chat_Room_send_Join(room, &join);
        if (rc != 0) {
            fprintf(stderr, "chat: join failed: %s\n", zactor_strerror(rc));
            zactor_system_destroy(sys);
            return 1;
        }
    }
    /* Joins are handled in order before any post: one sender, one mailbox. */
    for (int p = 0; p < POSTS_PER_USER; p++)
        for (int i = 0; i < USERS; i++) {
            chat_Post post = {.user_id = 100u + (unsigned)i};
            snprintf(post.text, sizeof post.text, "hello #%d from %s", p + 1, names[i]);
            chat_Room_send_Post(room, &post);
        }

    /* A string without its terminating NUL breaks the schema: refused. */
    chat_Post bad = {.user_id = 100};
    memset(bad.text, 'x', sizeof bad.text);
    int bad_rc = chat_Room_send_Post(room, &bad);

    /* ada shares a photo: the buffer is allocated once and never copied. */
    chat_Photo photo = {.user_id = 100};
    const char picture[] = "(a tiny picture)";
    if (zactor_bytes_copy(picture, sizeof picture, &photo.image) != 0) {
        zactor_system_destroy(sys);
        return 1;
    }
    /* main keeps a reference of its own, to compare addresses at the end. */
    zactor_bytes kept = zactor_bytes_retain(photo.image);
    const void *photo_data = zactor_bytes_data(kept);
    int photo_rc = chat_Room_send_Photo(room, &photo); /* takes photo.image's reference */

    int rc = zactor_system_wait(sys);
    chat_MemberCount count = CHAT_MEMBERCOUNT_INIT;
    chat_CountMembers question = CHAT_COUNTMEMBERS_INIT; /* with_posts = true */
    int ask_rc = chat_Room_ask_CountMembers(room, &question, &count, 1000000000u);
    printf("room has %u members and %llu posts\n", count.members, (unsigned long long)count.posts);
    for (int i = 0; i < USERS; i++)
        chat_Room_send_Leave(room, &(chat_Leave){.user_id = 100u + (unsigned)i});
    zactor_system_wait(sys);
    zactor_system_destroy(sys); /* runs every user's on stop */

    int ok = rc == 0 && bad_rc == ZACTOR_EINVAL && photo_rc == 0 && ask_rc == 0 &&
             count.members == USERS && count.posts == USERS * POSTS_PER_USER;
    for (int i = 0; i < USERS; i++) {
        printf("%s got %u posts, last \"%s\"%s\n", names[i], inboxes[i].delivered,
               inboxes[i].last_line,
               inboxes[i].photo == photo_data ? ", and ada's photo (same buffer)" : "");
        ok = ok && inboxes[i].delivered == (USERS - 1) * POSTS_PER_USER &&
             inboxes[i].stopped == 1 &&
             (i == 0 ? inboxes[i].photo == NULL
                     : inboxes[i].photo == photo_data && inboxes[i].photo_size == sizeof picture);
    }
    zactor_bytes_release(kept);
    printf("unterminated string refused with: %s\n", zactor_strerror(bad_rc));
    if (!ok) {
        fprintf(stderr, "chat: FAILED\n");
        return 1;
    }
    return 0;
}
