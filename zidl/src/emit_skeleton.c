/* emit_skeleton.c - writes <stem>_actors.c (--skeleton) from
 * templates/skeleton.c.tmpl: an empty body for every handler. */
#include "names.h"
#include "passes.h"
#include "template.h"
#include "wrap.h"

static void emit_actor(const zidl__file *file, zidl__arena *arena, zidl__strbuf *out,
                       const char *tmpl, const zidl__decl *actor)
{
    const char *state = zidl__c_name(arena, file, actor->name, "");
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        const char *function =
            zidl__c_name(arena, file, actor->name, zidl__arena_sprintf(arena, "_on_%s", h->name));
        if (h->kind == ZIDL__HANDLER_MESSAGE && h->has_reply)
            ZIDL__EXPAND(out, tmpl, "reply_handler", {"function", function}, {"state", state},
                         {"name", actor->name},
                         {"message", zidl__c_name(arena, h->message->file, h->message->name, "")},
                         {"message_name", h->message->name},
                         {"reply",
                          zidl__c_name(arena, h->reply_message->file, h->reply_message->name, "")},
                         {"reply_init", zidl__macro_name(arena, h->reply_message->file,
                                                         h->reply_message->name, "INIT")},
                         {"defer", zidl__c_name(arena, file, actor->name,
                                                zidl__arena_sprintf(arena, "_defer_%s", h->name))});
        else if (h->kind == ZIDL__HANDLER_MESSAGE)
            ZIDL__EXPAND(out, tmpl, "handler", {"function", function}, {"state", state},
                         {"name", actor->name},
                         {"message", zidl__c_name(arena, h->message->file, h->message->name, "")},
                         {"message_name", h->message->name});
        else if (h->kind == ZIDL__HANDLER_DOWN)
            ZIDL__EXPAND(out, tmpl, "down_handler", {"function", function}, {"state", state},
                         {"name", actor->name});
        else if (h->kind == ZIDL__HANDLER_REQUEST_ERROR)
            ZIDL__EXPAND(out, tmpl, "request_error_handler", {"function", function},
                         {"state", state}, {"name", actor->name});
        else if (h->kind == ZIDL__HANDLER_IO)
            ZIDL__EXPAND(out, tmpl, "io_handler", {"function", function}, {"state", state},
                         {"name", actor->name});
        else
            ZIDL__EXPAND(out, tmpl, "hook", {"function", function}, {"state", state},
                         {"name", actor->name},
                         {"event", h->kind == ZIDL__HANDLER_START ? "starts" : "stops"});
    }
}

void zidl__emit_skeleton(const zidl__file *file, zidl__arena *arena, zidl__strbuf *out)
{
    const char *tmpl = zidl__template_text(arena->mem, "skeleton.c.tmpl");
    ZIDL__EXPAND(out, tmpl, "file_begin", {"version", ZIDL_VERSION_STRING}, {"source", file->base},
                 {"header", zidl__header_file_name(arena, file)});
    for (size_t i = 0; i < file->decls.count; i++) {
        if (file->decls.items[i]->kind == ZIDL__DECL_ACTOR)
            emit_actor(file, arena, out, tmpl, file->decls.items[i]);
    }
    zidl__wrap_lines(out);
}
