/*
 * chat: a room actor and a few user actors. Users join with a profile
 * (struct, enum, array and string fields, a ref back to themselves), post
 * lines of text (a medium-sized message, carried in a pooled block) and
 * leave; the room forwards every post to the other members.
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
    char last_line[sizeof(((chat_Delivered *)0)->from) + sizeof(((chat_Delivered *)0)->text) + 4];
} inbox;

static const char *mood_name(chat_Mood mood)
{
    switch (mood) {
    case CHAT_MOOD_HAPPY: return "happy";
    case CHAT_MOOD_SAD: return "sad";
    case CHAT_MOOD_ANGRY: return "angry";
    default: return "?";
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
        chat_User_ref user = chat_User_spawn(sys, &(chat_User){.id = 100u + (unsigned)i,
                                                               .inbox = &inboxes[i]});
        chat_Join join;
        memset(&join, 0, sizeof join);
        join.user_id = 100u + (unsigned)i;
        snprintf(join.profile.name, sizeof join.profile.name, "%s", names[i]);
        join.profile.mood = (chat_Mood)(CHAT_MOOD_HAPPY + i % 3);
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

    int rc = zactor_system_wait(sys);
    for (int i = 0; i < USERS; i++)
        chat_Room_send_Leave(room, &(chat_Leave){.user_id = 100u + (unsigned)i});
    zactor_system_wait(sys);
    zactor_system_destroy(sys); /* runs every user's on stop */

    int ok = rc == 0 && bad_rc == ZACTOR_EINVAL;
    for (int i = 0; i < USERS; i++) {
        printf("%s got %u posts, last \"%s\"\n", names[i], inboxes[i].delivered,
               inboxes[i].last_line);
        ok = ok && inboxes[i].delivered == (USERS - 1) * POSTS_PER_USER &&
             inboxes[i].stopped == 1;
    }
    printf("unterminated string refused with: %s\n", zactor_strerror(bad_rc));
    if (!ok) {
        fprintf(stderr, "chat: FAILED\n");
        return 1;
    }
    return 0;
}
