/* emit_skeleton.c - writes <stem>_actors.c (--skeleton) from
 * templates/skeleton.c.tmpl: an empty body for every handler. */
#include "names.h"
#include "passes.h"
#include "template.h"

static void emit_actor(const zidl_file *file, zidl_arena *arena, zidl_strbuf *out,
                       const char *tmpl, const zidl_decl *actor)
{
    const char *state = zidl_c_name(arena, file, actor->name, "");
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl_handler *h = actor->handlers.items[i];
        const char *function = zidl_c_name(arena, file, actor->name,
                                           zidl_arena_sprintf(arena, "_on_%s", h->name));
        if (h->kind == ZIDL_HANDLER_MESSAGE && h->has_reply)
            ZIDL_EXPAND(out, tmpl, "reply_handler",
                        {"function", function}, {"state", state},
                        {"name", actor->name},
                        {"message", zidl_c_name(arena, file, h->message->name, "")},
                        {"message_name", h->message->name},
                        {"reply", zidl_c_name(arena, file, h->reply_message->name, "")},
                        {"reply_init", zidl_macro_name(arena, file, h->reply_message->name,
                                                       "INIT")});
        else if (h->kind == ZIDL_HANDLER_MESSAGE)
            ZIDL_EXPAND(out, tmpl, "handler",
                        {"function", function}, {"state", state},
                        {"name", actor->name},
                        {"message", zidl_c_name(arena, h->message->file, h->message->name, "")},
                        {"message_name", h->message->name});
        else
            ZIDL_EXPAND(out, tmpl, "hook",
                        {"function", function}, {"state", state},
                        {"name", actor->name},
                        {"event", h->kind == ZIDL_HANDLER_START ? "starts" : "stops"});
    }
}

void zidl_emit_skeleton(const zidl_file *file, zidl_arena *arena, zidl_strbuf *out)
{
    const char *tmpl = zidl_template_text("skeleton.c.tmpl");
    ZIDL_EXPAND(out, tmpl, "file_begin",
                {"version", ZIDL_VERSION_STRING},
                {"source", file->base},
                {"header", zidl_header_file_name(arena, file)});
    for (size_t i = 0; i < file->decls.count; i++) {
        if (file->decls.items[i]->kind == ZIDL_DECL_ACTOR)
            emit_actor(file, arena, out, tmpl, file->decls.items[i]);
    }
}
