/* dead_letter.h - payloads that are never handled (private). */
#ifndef ZACTOR_DEAD_LETTER_H
#define ZACTOR_DEAD_LETTER_H

#include <stdint.h>

#include "zactor/zactor.h"

/* Releases what an unhandled payload of handlers[tag] owns: the reply_to
 * of a request envelope, then the entry's drop. */
void zactor__payload_drop(const zactor_actor_type *type, uint32_t tag, const void *payload);

/* Counts one dead letter and calls the system's hook, if any. */
void zactor__dead_letter_note(zactor_system *sys, const char *actor_type_name,
                              uint32_t message_type_id);

/* A payload queued for an actor that stopped: dropped and noted. */
void zactor__dead_letter(zactor_system *sys, const zactor_actor_type *type, uint32_t tag,
                         const void *payload);

#endif
