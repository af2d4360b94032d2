/* dead_letter.c - what happens to a payload that is never handled: what it
 * owns is released (bytes references, an asker's waiter), and when its
 * target had stopped it counts as a dead letter and the hook hears of it. */
#include "dead_letter.h"

#include <stdatomic.h>

#include "reply.h"
#include "system.h"

void zactor__payload_drop(const zactor_actor_type *type, uint32_t tag, const void *payload)
{
    const zactor_handler_entry *entry = &type->handlers[tag];
    if (entry->flags & ZACTOR_HANDLER_REQUEST)
        zactor__reply_to_drop((const zactor_reply_to *)payload);
    if (entry->drop)
        entry->drop(payload);
}

void zactor__dead_letter_note(zactor_system *sys, const char *actor_type_name,
                              uint32_t message_type_id)
{
    /* Relaxed: a counter; zactor_system_wait and destroy order it for readers. */
    atomic_fetch_add_explicit(&sys->dead_letters, 1, memory_order_relaxed);
    if (sys->dead_letter_hook)
        sys->dead_letter_hook(sys->dead_letter_user, actor_type_name, message_type_id);
}

void zactor__dead_letter(zactor_system *sys, const zactor_actor_type *type, uint32_t tag,
                         const void *payload)
{
    zactor__payload_drop(type, tag, payload);
    /* A Down (or a request's error notice, or an io event) for an actor
     * that has ended is nobody's loss: not counted, so that the end of a
     * tree of monitoring actors is no storm of letters. */
    if (type->handlers[tag].flags &
        (ZACTOR_HANDLER_DOWN | ZACTOR_HANDLER_REQUEST_ERROR | ZACTOR_HANDLER_IO))
        return;
    zactor__dead_letter_note(sys, type->name, type->handlers[tag].message_type_id);
}
