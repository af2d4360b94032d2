/* emit_source.c - writes <file>.zidl.c from templates/source.c.tmpl. */
#include <string.h>

#include "names.h"
#include "passes.h"
#include "template.h"

typedef struct source_emitter {
    const zidl_file *file;
    zidl_arena *arena;
    zidl_strbuf *out;
    const char *tmpl;
    zidl_symtab validated; /* name -> decl of every validator to emit */
} source_emitter;

static bool is_data(const zidl_type *type)
{
    return type->kind == ZIDL_TYPE_DECL && type->decl->kind != ZIDL_DECL_ENUM;
}

static bool is_enum(const zidl_type *type)
{
    return type->kind == ZIDL_TYPE_DECL && type->decl->kind == ZIDL_DECL_ENUM;
}

/* Marks decl and everything its validator calls. Only validators that a
 * send function reaches are emitted: an unused static function would be a
 * warning in the user's build. */
static void mark_validated(source_emitter *e, zidl_decl *decl)
{
    if (!decl->needs_validation || zidl_symtab_put(&e->validated, decl->name, decl) != NULL)
        return;
    for (size_t i = 0; i < decl->fields.count; i++) {
        const zidl_type *type = &decl->fields.items[i]->type;
        if (is_enum(type))
            zidl_symtab_put(&e->validated, type->decl->name, type->decl);
        else if (is_data(type))
            mark_validated(e, type->decl);
    }
}

static const char *validator(source_emitter *e, const zidl_decl *decl)
{
    return zidl_c_name(e->arena, e->file, decl->name, "_is_valid");
}

static void emit_enum_validator(source_emitter *e, const zidl_decl *decl)
{
    ZIDL_EXPAND(e->out, e->tmpl, "enum_validator_begin",
                {"function", validator(e, decl)},
                {"type", zidl_c_name(e->arena, e->file, decl->name, "")});
    for (size_t i = 0; i < decl->enumerators.count; i++) {
        const zidl_enumerator *en = decl->enumerators.items[i];
        bool repeated = false; /* two enumerators may share a value */
        for (size_t j = 0; j < i && !repeated; j++) {
            const zidl_value *other = &decl->enumerators.items[j]->value;
            repeated = other->negative == en->value.negative &&
                       other->magnitude == en->value.magnitude;
        }
        if (!repeated)
            ZIDL_EXPAND(e->out, e->tmpl, "enum_validator_case",
                        {"macro", zidl_macro_name(e->arena, e->file, decl->name, en->name)});
    }
    zidl_template_expand(e->out, e->tmpl, "enum_validator_end", NULL, 0);
}

static void emit_field_check(source_emitter *e, const zidl_field *field)
{
    const zidl_type *type = &field->type;
    bool string = type->kind == ZIDL_TYPE_STRING;
    if (!string && !is_enum(type) && !(is_data(type) && type->decl->needs_validation))
        return;
    const char *element = field->is_array
        ? zidl_arena_sprintf(e->arena, "msg->%s[i]", field->name)
        : zidl_arena_sprintf(e->arena, "msg->%s", field->name);
    const char *argument = is_enum(type)
        ? element : zidl_arena_sprintf(e->arena, "&%s", element);
    if (field->is_array)
        ZIDL_EXPAND(e->out, e->tmpl, "array_begin",
                    {"count", zidl_arena_sprintf(e->arena, "%llu",
                                                 (unsigned long long)field->array_len)});
    const char *section = string ? (field->is_array ? "check_string_in_array" : "check_string")
                                 : (field->is_array ? "check_call_in_array" : "check_call");
    ZIDL_EXPAND(e->out, e->tmpl, section,
                {"field", field->name},
                {"function", string ? "" : validator(e, type->decl)},
                {"argument", argument});
    if (field->is_array)
        zidl_template_expand(e->out, e->tmpl, "array_end", NULL, 0);
}

static void emit_struct_validator(source_emitter *e, const zidl_decl *decl)
{
    ZIDL_EXPAND(e->out, e->tmpl, "struct_validator_begin",
                {"function", validator(e, decl)},
                {"type", zidl_c_name(e->arena, e->file, decl->name, "")});
    for (size_t i = 0; i < decl->fields.count; i++)
        emit_field_check(e, decl->fields.items[i]);
    zidl_template_expand(e->out, e->tmpl, "struct_validator_end", NULL, 0);
}

static bool uses_strings(const source_emitter *e)
{
    for (size_t i = 0; i < e->file->data_order.count; i++) {
        const zidl_decl *decl = e->file->data_order.items[i];
        if (zidl_symtab_get(&e->validated, decl->name) == NULL)
            continue;
        for (size_t j = 0; j < decl->fields.count; j++) {
            if (decl->fields.items[j]->type.kind == ZIDL_TYPE_STRING)
                return true;
        }
    }
    return false;
}

static void emit_validators(source_emitter *e)
{
    if (e->validated.count == 0)
        return;
    if (uses_strings(e))
        zidl_template_expand(e->out, e->tmpl, "string_include", NULL, 0);
    zidl_template_expand(e->out, e->tmpl, "validators_begin", NULL, 0);
    for (size_t i = 0; i < e->file->decls.count; i++) {
        const zidl_decl *decl = e->file->decls.items[i];
        if (decl->kind == ZIDL_DECL_ENUM && zidl_symtab_get(&e->validated, decl->name))
            emit_enum_validator(e, decl);
    }
    /* Dependency order: a validator comes after those it calls. */
    for (size_t i = 0; i < e->file->data_order.count; i++) {
        const zidl_decl *decl = e->file->data_order.items[i];
        if (zidl_symtab_get(&e->validated, decl->name))
            emit_struct_validator(e, decl);
    }
}

static const zidl_handler *find_hook(const zidl_decl *actor, zidl_handler_kind kind)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        if (actor->handlers.items[i]->kind == kind)
            return actor->handlers.items[i];
    }
    return NULL;
}

static const char *actor_name(source_emitter *e, const zidl_decl *actor,
                              const char *part, const char *name)
{
    return zidl_c_name(e->arena, e->file, actor->name,
                       zidl_arena_sprintf(e->arena, "_%s%s", part, name));
}

static void emit_dispatchers(source_emitter *e, const zidl_decl *actor, const char *state)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl_handler *h = actor->handlers.items[i];
        const char *dispatch = actor_name(e, actor, "dispatch_", h->name);
        const char *handler = actor_name(e, actor, "on_", h->name);
        if (h->kind == ZIDL_HANDLER_MESSAGE)
            ZIDL_EXPAND(e->out, e->tmpl, "dispatch_message",
                        {"dispatch", dispatch}, {"handler", handler}, {"state", state},
                        {"message", zidl_c_name(e->arena, e->file, h->message->name, "")});
        else
            ZIDL_EXPAND(e->out, e->tmpl, "dispatch_hook",
                        {"dispatch", dispatch}, {"handler", handler}, {"state", state});
    }
}

static void emit_actor(source_emitter *e, const zidl_decl *actor)
{
    const char *state = zidl_c_name(e->arena, e->file, actor->name, "");
    const char *ref = zidl_c_name(e->arena, e->file, actor->name, "_ref");
    const char *actor_type = zidl_c_name(e->arena, e->file, actor->name, "_actor_type");
    const char *table = zidl_c_name(e->arena, e->file, actor->name, "_handlers");
    ZIDL_EXPAND(e->out, e->tmpl, "actor_begin", {"name", actor->name});
    emit_dispatchers(e, actor, state);

    zidl_strbuf entries;
    zidl_strbuf_init(&entries);
    unsigned handler_count = 0;
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl_handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL_HANDLER_MESSAGE)
            continue;
        handler_count++;
        ZIDL_EXPAND(&entries, e->tmpl, "handler_table_entry",
                    {"dispatch", actor_name(e, actor, "dispatch_", h->name)});
    }
    if (handler_count > 0)
        ZIDL_EXPAND(e->out, e->tmpl, "handler_table",
                    {"table", table}, {"entries", zidl_strbuf_str(&entries)});
    zidl_strbuf_free(&entries);

    const zidl_handler *start = find_hook(actor, ZIDL_HANDLER_START);
    const zidl_handler *stop = find_hook(actor, ZIDL_HANDLER_STOP);
    ZIDL_EXPAND(e->out, e->tmpl, "actor_type",
                {"actor_type", actor_type},
                {"qualified", zidl_qualified_name(e->arena, e->file, actor->name)},
                {"state", state},
                {"slot", zidl_c_name(e->arena, e->file, actor->name, "_slot")},
                {"handler_count", zidl_arena_sprintf(e->arena, "%u", handler_count)},
                {"handlers", handler_count > 0 ? table : "NULL"},
                {"on_start", start ? actor_name(e, actor, "dispatch_", "start") : "NULL"},
                {"on_stop", stop ? actor_name(e, actor, "dispatch_", "stop") : "NULL"},
                {"ref", ref},
                {"spawn", zidl_c_name(e->arena, e->file, actor->name, "_spawn")});

    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl_handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL_HANDLER_MESSAGE)
            continue;
        const char *precondition = h->message->needs_validation
            ? zidl_arena_sprintf(e->arena, "msg == NULL || !%s(msg)", validator(e, h->message))
            : "msg == NULL";
        ZIDL_EXPAND(e->out, e->tmpl, "send",
                    {"send", actor_name(e, actor, "send_", h->name)},
                    {"ref", ref},
                    {"message", zidl_c_name(e->arena, e->file, h->message->name, "")},
                    {"precondition", precondition},
                    {"actor_type", actor_type},
                    {"tag", zidl_arena_sprintf(e->arena, "%u", (unsigned)h->tag)});
    }
}

void zidl_emit_source(const zidl_file *file, zidl_arena *arena, zidl_strbuf *out)
{
    source_emitter e = {file, arena, out, zidl_template_text("source.c.tmpl"), {0}};
    zidl_symtab_init(&e.validated);
    for (size_t i = 0; i < file->decls.count; i++) {
        const zidl_decl *actor = file->decls.items[i];
        if (actor->kind != ZIDL_DECL_ACTOR)
            continue;
        for (size_t j = 0; j < actor->handlers.count; j++) {
            const zidl_handler *h = actor->handlers.items[j];
            if (h->kind == ZIDL_HANDLER_MESSAGE)
                mark_validated(&e, h->message);
        }
    }
    ZIDL_EXPAND(out, e.tmpl, "file_begin",
                {"version", ZIDL_VERSION_STRING},
                {"source", file->base},
                {"header", zidl_header_file_name(arena, file)});
    emit_validators(&e);
    for (size_t i = 0; i < file->decls.count; i++) {
        if (file->decls.items[i]->kind == ZIDL_DECL_ACTOR)
            emit_actor(&e, file->decls.items[i]);
    }
    zidl_symtab_free(&e.validated);
}
