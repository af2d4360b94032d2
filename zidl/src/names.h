/* names.h - every C identifier and macro the generated code defines.
 *
 * The emitters build names only through these functions, and the check
 * pass enumerates the same set to reject schemas whose generated names
 * would clash, so the two can never disagree. */
#ifndef ZIDL_NAMES_H
#define ZIDL_NAMES_H

#include "arena.h"
#include "ast.h"

/* "chat_" + name + suffix; suffix may be "". */
char *zidl_c_name(zidl_arena *arena, const zidl_file *file, const char *name,
                  const char *suffix);
/* upper("CHAT_" + name + "_" + suffix). */
char *zidl_macro_name(zidl_arena *arena, const zidl_file *file,
                      const char *name, const char *suffix);
/* "ROOM_ZIDL_H_INCLUDED" for room.zidl. */
char *zidl_guard_name(zidl_arena *arena, const zidl_file *file);
/* "as_Join": the member of an actor's mailbox slot union that holds a
 * small Join. Not the bare message name: without a package that is also
 * the member's type, which C++ rejects ("changes meaning"). */
char *zidl_slot_member_name(zidl_arena *arena, const char *message);
/* "chat_Room_Count_request": the envelope of a Count request to Room. */
char *zidl_request_envelope_name(zidl_arena *arena, const zidl_file *file, const char *actor,
                                 const char *message);
/* "chat.Room", the actor's name at run time. */
char *zidl_qualified_name(zidl_arena *arena, const zidl_file *file,
                          const char *name);
/* Output file names: "room.zidl.h", "room.zidl.c", "room_actors.c". */
char *zidl_header_file_name(zidl_arena *arena, const zidl_file *file);
char *zidl_source_file_name(zidl_arena *arena, const zidl_file *file);
char *zidl_skeleton_file_name(zidl_arena *arena, const zidl_file *file);

/* One generated name and the construct it comes from. */
typedef struct zidl_generated_name {
    const char *name;
    zidl_loc loc;     /* of the construct that generates it */
    const char *what; /* e.g. "the type id macro of message 'Join'" */
} zidl_generated_name;

typedef void (*zidl_name_fn)(void *user, const zidl_generated_name *name);

/* Calls fn for every file-scope identifier and macro the generated header,
 * source and skeleton define, in source order. */
void zidl_names_for_each(zidl_arena *arena, const zidl_file *file,
                         zidl_name_fn fn, void *user);

#endif /* ZIDL_NAMES_H */
