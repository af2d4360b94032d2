/* names.h - every C identifier and macro the generated code defines.
 *
 * The emitters build names only through these functions, and the check
 * pass enumerates the same set to reject schemas whose generated names
 * would clash, so the two can never disagree. */
#ifndef ZIDL__NAMES_H
#define ZIDL__NAMES_H

#include "arena.h"
#include "ast.h"

/* "chat_" + name + suffix; suffix may be "". */
char *zidl__c_name(zidl__arena *arena, const zidl__file *file, const char *name,
                   const char *suffix);
/* upper("CHAT_" + name + "_" + suffix). */
char *zidl__macro_name(zidl__arena *arena, const zidl__file *file, const char *name,
                       const char *suffix);
/* "ROOM_ZIDL_H_INCLUDED" for room.zidl. */
char *zidl__guard_name(zidl__arena *arena, const zidl__file *file);
/* "as_Join": the member of an actor's mailbox slot union that holds a
 * small Join. Not the bare message name: without a package that is also
 * the member's type, which C++ rejects ("changes meaning"). */
char *zidl__slot_member_name(zidl__arena *arena, const char *message);
/* "chat_Room_Count_request": the envelope of a Count request to Room. */
char *zidl__request_envelope_name(zidl__arena *arena, const zidl__file *file, const char *actor,
                                  const char *message);
/* "chat_Room_tag": the enum of the tags of Room's messages. */
char *zidl__tag_enum_name(zidl__arena *arena, const zidl__file *file, const char *actor);
/* "CHAT_ROOM_TAG_JOIN": the tag (handler table index) of Join in Room. */
char *zidl__tag_name(zidl__arena *arena, const zidl__file *file, const char *actor,
                     const char *message);
/* "CHAT_ROOM_DOWN_TAG": the tag of Room's `on down;` entry. A message's
 * tag has "_TAG_" and the message's name after the actor's, so none can
 * be spelled like it (a message `Down` gets CHAT_ROOM_TAG_DOWN). */
char *zidl__down_tag_name(zidl__arena *arena, const zidl__file *file, const char *actor);
/* "CHAT_ROOM_REQUEST_ERROR_TAG": the tag of Room's `on request_error;`
 * entry (a message `RequestError` gets CHAT_ROOM_TAG_REQUEST_ERROR). */
char *zidl__request_error_tag_name(zidl__arena *arena, const zidl__file *file, const char *actor);
/* "CHAT_ROOM_IO_TAG": the tag of Room's `on io;` entry (a message `Io`
 * gets CHAT_ROOM_TAG_IO). */
char *zidl__io_tag_name(zidl__arena *arena, const zidl__file *file, const char *actor);
/* "chat_room_wire_table" and "CHAT_ROOM_WIRE_COUNT" for room.zidl in
 * package chat: the file's table of wire messages and their count. */
char *zidl__wire_table_name(zidl__arena *arena, const zidl__file *file);
char *zidl__wire_count_name(zidl__arena *arena, const zidl__file *file);
/* "chat.Room", the actor's name at run time. */
char *zidl__qualified_name(zidl__arena *arena, const zidl__file *file, const char *name);
/* Output file names: "room.zidl.h", "room.zidl.c", "room_actors.c". */
char *zidl__header_file_name(zidl__arena *arena, const zidl__file *file);
char *zidl__source_file_name(zidl__arena *arena, const zidl__file *file);
char *zidl__skeleton_file_name(zidl__arena *arena, const zidl__file *file);

/* One generated name and the construct it comes from. */
typedef struct zidl__generated_name {
    const char *name;
    zidl__loc loc;    /* of the construct that generates it */
    const char *what; /* e.g. "the type id macro of message 'Join'" */
} zidl__generated_name;

typedef void (*zidl__name_fn)(void *user, const zidl__generated_name *name);

/* Calls fn for every file-scope identifier and macro the generated header,
 * source and skeleton define, in source order. */
void zidl__names_for_each(zidl__arena *arena, const zidl__file *file, zidl__name_fn fn, void *user);

#endif /* ZIDL__NAMES_H */
