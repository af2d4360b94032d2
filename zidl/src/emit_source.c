/* emit_source.c - writes <file>.zidl.c from templates/source.c.tmpl. */
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "passes.h"
#include "template.h"
#include "wrap.h"

typedef struct source_emitter {
    const zidl__file *file;
    zidl__arena *arena;
    zidl__strbuf *out;
    const char *tmpl;
    zidl__symtab validated; /* C type name -> decl of every validator to emit */
    zidl__symtab dropped;   /* C type name -> decl of every bytes release to emit */
    /* The files imported, directly or not, each after its imports: a
     * message from one may hold types of another, and their validators and
     * bytes releases are static, so this file's source defines its own
     * copies. */
    ZIDL__LIST(zidl__file) imported;
    zidl__symtab imported_keys;
    zidl__symtab wired;                /* C type name -> wire_info of every struct and message
                                        * a travelling message of this file holds */
    ZIDL__LIST(zidl__decl) travelling; /* this file's messages without ptr */
} source_emitter;

/* The wire size of a struct or message: fixed, plus what its strings and
 * bytes hold when it varies. */
typedef struct wire_info {
    const zidl__decl *decl;
    uint64_t fixed;
    bool varies;
} wire_info;

static bool is_data(const zidl__type *type)
{
    return type->kind == ZIDL__TYPE_DECL && type->decl->kind != ZIDL__DECL_ENUM;
}

static bool is_enum(const zidl__type *type)
{
    return type->kind == ZIDL__TYPE_DECL && type->decl->kind == ZIDL__DECL_ENUM;
}

/* Marks decl and everything its validator calls. Only validators that a
 * send function reaches are emitted: an unused static function would be a
 * warning in the user's build. */
static const char *type_name(source_emitter *e, const zidl__decl *decl)
{
    return zidl__c_name(e->arena, decl->file, decl->name, "");
}

static void mark_validated(source_emitter *e, zidl__decl *decl)
{
    if (!decl->needs_validation ||
        zidl__symtab_put(&e->validated, type_name(e, decl), decl) != NULL)
        return;
    for (size_t i = 0; i < decl->fields.count; i++) {
        const zidl__type *type = &decl->fields.items[i]->type;
        if (is_enum(type))
            zidl__symtab_put(&e->validated, type_name(e, type->decl), type->decl);
        else if (is_data(type))
            mark_validated(e, type->decl);
    }
}

/* Marks decl and every type it holds bytes through, as for validators. */
static void mark_dropped(source_emitter *e, zidl__decl *decl)
{
    if (!decl->holds_bytes || zidl__symtab_put(&e->dropped, type_name(e, decl), decl) != NULL)
        return;
    for (size_t i = 0; i < decl->fields.count; i++) {
        const zidl__type *type = &decl->fields.items[i]->type;
        if (is_data(type))
            mark_dropped(e, type->decl);
    }
}

static bool is_validated(source_emitter *e, const zidl__decl *decl)
{
    return zidl__symtab_get(&e->validated, type_name(e, decl)) != NULL;
}

static const char *validator(source_emitter *e, const zidl__decl *decl)
{
    return zidl__c_name(e->arena, decl->file, decl->name, "_is_valid");
}

static void collect_imported(source_emitter *e, const zidl__file *file)
{
    for (size_t i = 0; i < file->imports.count; i++) {
        zidl__file *imported = file->imports.items[i]->file;
        if (zidl__symtab_put(&e->imported_keys, imported->key, imported) != NULL)
            continue;
        collect_imported(e, imported);
        ZIDL__LIST_PUSH(e->arena, e->imported, imported);
    }
}

static const char *dropper(source_emitter *e, const zidl__decl *decl)
{
    return zidl__c_name(e->arena, decl->file, decl->name, "_drop");
}

static void emit_enum_validator(source_emitter *e, const zidl__decl *decl)
{
    ZIDL__EXPAND(e->out, e->tmpl, "enum_validator_begin", {"function", validator(e, decl)},
                 {"type", type_name(e, decl)});
    /* Two enumerators may share a value, which may be one case only; a
     * table of the values seen keeps huge enums linear. */
    zidl__symtab values;
    zidl__symtab_init(&values, e->arena->mem);
    for (size_t i = 0; i < decl->enumerators.count; i++) {
        const zidl__enumerator *en = decl->enumerators.items[i];
        char *value = zidl__arena_sprintf(e->arena, "%s%llu", en->value.negative ? "-" : "",
                                          (unsigned long long)en->value.magnitude);
        if (zidl__symtab_put(&values, value, value) == NULL)
            ZIDL__EXPAND(e->out, e->tmpl, "enum_validator_case",
                         {"macro", zidl__macro_name(e->arena, decl->file, decl->name, en->name)});
    }
    zidl__symtab_free(&values);
    zidl__template_expand(e->out, e->tmpl, "enum_validator_end", NULL, 0);
}

static void emit_field_check(source_emitter *e, const zidl__field *field)
{
    const zidl__type *type = &field->type;
    bool string = type->kind == ZIDL__TYPE_STRING;
    if (!string && !is_enum(type) && !(is_data(type) && type->decl->needs_validation))
        return;
    const char *element = field->is_array ? zidl__arena_sprintf(e->arena, "msg->%s[i]", field->name)
                                          : zidl__arena_sprintf(e->arena, "msg->%s", field->name);
    const char *argument = is_enum(type) ? element : zidl__arena_sprintf(e->arena, "&%s", element);
    if (field->is_array)
        ZIDL__EXPAND(e->out, e->tmpl, "array_begin",
                     {"count",
                      zidl__arena_sprintf(e->arena, "%llu", (unsigned long long)field->array_len)});
    const char *section = string ? (field->is_array ? "check_string_in_array" : "check_string")
                                 : (field->is_array ? "check_call_in_array" : "check_call");
    ZIDL__EXPAND(e->out, e->tmpl, section, {"field", field->name},
                 {"function", string ? "" : validator(e, type->decl)}, {"argument", argument});
    if (field->is_array)
        zidl__template_expand(e->out, e->tmpl, "array_end", NULL, 0);
}

static void emit_struct_validator(source_emitter *e, const zidl__decl *decl)
{
    ZIDL__EXPAND(e->out, e->tmpl, "struct_validator_begin", {"function", validator(e, decl)},
                 {"type", type_name(e, decl)});
    for (size_t i = 0; i < decl->fields.count; i++)
        emit_field_check(e, decl->fields.items[i]);
    zidl__template_expand(e->out, e->tmpl, "struct_validator_end", NULL, 0);
}

static bool file_uses_strings(source_emitter *e, const zidl__file *file)
{
    for (size_t i = 0; i < file->data_order.count; i++) {
        const zidl__decl *decl = file->data_order.items[i];
        if (!is_validated(e, decl))
            continue;
        for (size_t j = 0; j < decl->fields.count; j++) {
            if (decl->fields.items[j]->type.kind == ZIDL__TYPE_STRING)
                return true;
        }
    }
    return false;
}

static bool uses_strings(source_emitter *e)
{
    for (size_t i = 0; i < e->imported.count; i++) {
        if (file_uses_strings(e, e->imported.items[i]))
            return true;
    }
    return file_uses_strings(e, e->file);
}

/* The validators of one file's types: enums, then structs and messages in
 * dependency order, so that a validator comes after those it calls. */
static void emit_file_validators(source_emitter *e, const zidl__file *file)
{
    for (size_t i = 0; i < file->decls.count; i++) {
        const zidl__decl *decl = file->decls.items[i];
        if (decl->kind == ZIDL__DECL_ENUM && is_validated(e, decl))
            emit_enum_validator(e, decl);
    }
    for (size_t i = 0; i < file->data_order.count; i++) {
        const zidl__decl *decl = file->data_order.items[i];
        if (is_validated(e, decl))
            emit_struct_validator(e, decl);
    }
}

static void emit_validators(source_emitter *e)
{
    if (e->validated.count == 0)
        return;
    zidl__template_expand(e->out, e->tmpl, "validators_begin", NULL, 0);
    for (size_t i = 0; i < e->imported.count; i++)
        emit_file_validators(e, e->imported.items[i]);
    emit_file_validators(e, e->file);
}

static void emit_field_drop(source_emitter *e, const zidl__field *field)
{
    const zidl__type *type = &field->type;
    bool bytes = type->kind == ZIDL__TYPE_BYTES;
    if (!bytes && !(is_data(type) && type->decl->holds_bytes))
        return;
    if (field->is_array)
        ZIDL__EXPAND(e->out, e->tmpl, "drop_array_begin",
                     {"count",
                      zidl__arena_sprintf(e->arena, "%llu", (unsigned long long)field->array_len)});
    const char *section = bytes ? (field->is_array ? "drop_bytes_in_array" : "drop_bytes")
                                : (field->is_array ? "drop_call_in_array" : "drop_call");
    ZIDL__EXPAND(e->out, e->tmpl, section, {"field", field->name},
                 {"function", bytes ? "" : dropper(e, type->decl)});
}

/* The bytes releases of one file's types, in dependency order. */
static void emit_file_drops(source_emitter *e, const zidl__file *file)
{
    for (size_t i = 0; i < file->data_order.count; i++) {
        const zidl__decl *decl = file->data_order.items[i];
        if (zidl__symtab_get(&e->dropped, type_name(e, decl)) == NULL)
            continue;
        ZIDL__EXPAND(e->out, e->tmpl, "drop_begin", {"function", dropper(e, decl)},
                     {"type", type_name(e, decl)});
        for (size_t j = 0; j < decl->fields.count; j++)
            emit_field_drop(e, decl->fields.items[j]);
        zidl__template_expand(e->out, e->tmpl, "drop_end", NULL, 0);
    }
}

static void emit_drops(source_emitter *e)
{
    if (e->dropped.count == 0)
        return;
    zidl__template_expand(e->out, e->tmpl, "drops_begin", NULL, 0);
    for (size_t i = 0; i < e->imported.count; i++)
        emit_file_drops(e, e->imported.items[i]);
    emit_file_drops(e, e->file);
}

static const zidl__handler *find_hook(const zidl__decl *actor, zidl__handler_kind kind)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        if (actor->handlers.items[i]->kind == kind)
            return actor->handlers.items[i];
    }
    return NULL;
}

static const char *actor_name(source_emitter *e, const zidl__decl *actor, const char *part,
                              const char *name)
{
    return zidl__c_name(e->arena, e->file, actor->name,
                        zidl__arena_sprintf(e->arena, "_%s%s", part, name));
}

static const char *message_type(source_emitter *e, const zidl__decl *message)
{
    return type_name(e, message);
}

static const char *envelope_of(source_emitter *e, const zidl__decl *actor, const zidl__handler *h)
{
    return zidl__request_envelope_name(e->arena, e->file, actor->name, h->name);
}

/* Delivers the reply of a request thunk, checking it first when its
 * schema can be broken (a string without NUL, an unknown enum value). */
static void emit_reply_delivery(source_emitter *e, const zidl__decl *reply)
{
    const char *reply_drop = reply->holds_bytes ? dropper(e, reply) : "NULL";
    if (!reply->needs_validation) {
        ZIDL__EXPAND(e->out, e->tmpl, "reply_deliver", {"reply_drop", reply_drop});
        return;
    }
    zidl__strbuf release;
    zidl__strbuf_init(&release, e->arena->mem);
    if (reply->holds_bytes)
        ZIDL__EXPAND(&release, e->tmpl, "reply_release", {"reply_drop", reply_drop});
    ZIDL__EXPAND(e->out, e->tmpl, "reply_deliver_checked", {"validator", validator(e, reply)},
                 {"reply_drop", reply_drop}, {"release", zidl__strbuf_str(&release)});
    zidl__strbuf_free(&release);
}

static void emit_request_dispatcher(source_emitter *e, const zidl__decl *actor,
                                    const zidl__handler *h, const char *state)
{
    const char *envelope = envelope_of(e, actor, h);
    if (h->message->holds_bytes)
        ZIDL__EXPAND(e->out, e->tmpl, "request_drop",
                     {"function", actor_name(e, actor, "drop_", h->name)},
                     {"message_name", h->message->name}, {"drop", dropper(e, h->message)},
                     {"envelope", envelope});
    ZIDL__EXPAND(e->out, e->tmpl, "dispatch_request_begin",
                 {"dispatch", actor_name(e, actor, "dispatch_", h->name)}, {"envelope", envelope},
                 {"reply", message_type(e, h->reply_message)},
                 {"reply_init", zidl__macro_name(e->arena, h->reply_message->file,
                                                 h->reply_message->name, "INIT")},
                 {"handler", actor_name(e, actor, "on_", h->name)}, {"state", state},
                 {"tag", zidl__tag_name(e->arena, e->file, actor->name, h->name)});
    emit_reply_delivery(e, h->reply_message);
    if (h->message->holds_bytes)
        ZIDL__EXPAND(e->out, e->tmpl, "request_message_release", {"drop", dropper(e, h->message)});
    zidl__template_expand(e->out, e->tmpl, "dispatch_request_end", NULL, 0);
}

static void emit_dispatchers(source_emitter *e, const zidl__decl *actor, const char *state)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        const char *dispatch = actor_name(e, actor, "dispatch_", h->name);
        const char *handler = actor_name(e, actor, "on_", h->name);
        if (h->kind == ZIDL__HANDLER_DOWN)
            ZIDL__EXPAND(e->out, e->tmpl, "dispatch_down", {"dispatch", dispatch},
                         {"handler", handler}, {"state", state});
        else if (h->kind == ZIDL__HANDLER_REQUEST_ERROR)
            ZIDL__EXPAND(e->out, e->tmpl, "dispatch_request_error", {"dispatch", dispatch},
                         {"handler", handler}, {"state", state});
        else if (h->kind == ZIDL__HANDLER_IO)
            ZIDL__EXPAND(e->out, e->tmpl, "dispatch_io", {"dispatch", dispatch},
                         {"handler", handler}, {"state", state});
        else if (h->kind != ZIDL__HANDLER_MESSAGE)
            ZIDL__EXPAND(e->out, e->tmpl, "dispatch_hook", {"dispatch", dispatch},
                         {"handler", handler}, {"state", state});
        else if (h->has_reply)
            emit_request_dispatcher(e, actor, h, state);
        else if (h->message->holds_bytes)
            ZIDL__EXPAND(e->out, e->tmpl, "dispatch_message_dropping", {"dispatch", dispatch},
                         {"handler", handler}, {"state", state},
                         {"message", message_type(e, h->message)},
                         {"drop", dropper(e, h->message)});
        else
            ZIDL__EXPAND(e->out, e->tmpl, "dispatch_message", {"dispatch", dispatch},
                         {"handler", handler}, {"state", state},
                         {"message", message_type(e, h->message)});
    }
}

/* Whether the handler has an entry in the actor's handler table: every
 * message, the Down notices, the request errors and the io events; start
 * and stop are hooks of their own. */
static bool in_table(const zidl__handler *h)
{
    return h->kind != ZIDL__HANDLER_START && h->kind != ZIDL__HANDLER_STOP;
}

static const char *tag_of(source_emitter *e, const zidl__decl *actor, const zidl__handler *h)
{
    if (h->kind == ZIDL__HANDLER_DOWN)
        return zidl__down_tag_name(e->arena, e->file, actor->name);
    if (h->kind == ZIDL__HANDLER_REQUEST_ERROR)
        return zidl__request_error_tag_name(e->arena, e->file, actor->name);
    if (h->kind == ZIDL__HANDLER_IO)
        return zidl__io_tag_name(e->arena, e->file, actor->name);
    return zidl__tag_name(e->arena, e->file, actor->name, h->name);
}

/* One enumerator per table entry: the send functions and the handler
 * table name their entry instead of a bare index. */
static void emit_tags(source_emitter *e, const zidl__decl *actor)
{
    ZIDL__EXPAND(e->out, e->tmpl, "tags_begin", {"name", actor->name},
                 {"tag_enum", zidl__tag_enum_name(e->arena, e->file, actor->name)});
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (in_table(h))
            ZIDL__EXPAND(e->out, e->tmpl, "tag", {"tag", tag_of(e, actor, h)});
    }
    zidl__template_expand(e->out, e->tmpl, "tags_end", NULL, 0);
}

/* The address of a message's entry in the wire table of the file that
 * declares it (the table is sorted by type id: the entry's index is the
 * number of that file's travelling messages with a smaller id), or "NULL"
 * for a local-only message, which has none. */
static const char *wire_entry(source_emitter *e, const zidl__decl *message)
{
    if (message->holds_ptr)
        return "NULL";
    const zidl__file *file = message->file;
    size_t index = 0;
    for (size_t i = 0; i < file->decls.count; i++) {
        const zidl__decl *other = file->decls.items[i];
        if (other->kind == ZIDL__DECL_MESSAGE && !other->holds_ptr &&
            other->type_id < message->type_id)
            index++;
    }
    return zidl__arena_sprintf(e->arena, "&%s[%zu]", zidl__wire_table_name(e->arena, file), index);
}

/* The flags of the entries that carry no message: the payload is the
 * runtime's own struct (zactor_down, zactor_request_error,
 * zactor_io_event), which owns nothing; the runtime finds the entry by
 * its flag, not by a message type id. */
static const char *notice_flags(const zidl__handler *h)
{
    switch (h->kind) {
    case ZIDL__HANDLER_DOWN:
        return "ZACTOR_HANDLER_DOWN";
    case ZIDL__HANDLER_REQUEST_ERROR:
        return "ZACTOR_HANDLER_REQUEST_ERROR";
    case ZIDL__HANDLER_IO:
        return "ZACTOR_HANDLER_IO";
    default:
        return NULL;
    }
}

static void emit_handler_table(source_emitter *e, const zidl__decl *actor, const char *table)
{
    zidl__strbuf entries;
    zidl__strbuf_init(&entries, e->arena->mem);
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (!in_table(h))
            continue;
        const char *dispatch = actor_name(e, actor, "dispatch_", h->name);
        const char *flags = notice_flags(h);
        if (flags != NULL) {
            ZIDL__EXPAND(&entries, e->tmpl, "handler_table_entry", {"tag", tag_of(e, actor, h)},
                         {"dispatch", dispatch}, {"drop", "NULL"}, {"type_id", "0"},
                         {"flags", flags}, {"wire", "NULL"}, {"reply_wire", "NULL"});
            continue;
        }
        const char *drop = "NULL";
        if (h->message->holds_bytes)
            drop = h->has_reply ? actor_name(e, actor, "drop_", h->name) : dropper(e, h->message);
        ZIDL__EXPAND(&entries, e->tmpl, "handler_table_entry", {"tag", tag_of(e, actor, h)},
                     {"dispatch", dispatch}, {"drop", drop},
                     {"type_id",
                      zidl__macro_name(e->arena, h->message->file, h->message->name, "TYPE_ID")},
                     {"flags", h->has_reply ? "ZACTOR_HANDLER_REQUEST" : "0"},
                     {"wire", wire_entry(e, h->message)},
                     {"reply_wire", h->has_reply ? wire_entry(e, h->reply_message) : "NULL"});
    }
    ZIDL__EXPAND(e->out, e->tmpl, "handler_table", {"table", table},
                 {"entries", zidl__strbuf_str(&entries)});
    zidl__strbuf_free(&entries);
}

/* The argument checks that open a send, ask or request function: a NULL
 * msg is a bad argument (ZACTOR_EARG), a message its validator refuses
 * breaks its schema (ZACTOR_EINVAL). */
static const char *send_checks(source_emitter *e, const zidl__decl *message)
{
    zidl__strbuf checks;
    zidl__strbuf_init(&checks, e->arena->mem);
    zidl__template_expand(&checks, e->tmpl, "check_null", NULL, 0);
    if (message->needs_validation && !message->holds_bytes)
        ZIDL__EXPAND(&checks, e->tmpl, "check_invalid", {"validator", validator(e, message)});
    else if (message->needs_validation)
        ZIDL__EXPAND(&checks, e->tmpl, "check_invalid_releasing",
                     {"validator", validator(e, message)}, {"drop", dropper(e, message)});
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&checks));
    zidl__strbuf_free(&checks);
    return result;
}

/* The checks that open a fulfil function: a reply its validator refuses
 * breaks its schema (ZACTOR_EINVAL). A NULL reply is the runtime's
 * ZACTOR_EARG. */
static const char *fulfil_checks(source_emitter *e, const zidl__decl *reply)
{
    if (!reply->needs_validation)
        return "";
    zidl__strbuf checks;
    zidl__strbuf_init(&checks, e->arena->mem);
    if (!reply->holds_bytes)
        ZIDL__EXPAND(&checks, e->tmpl, "fulfil_check_invalid", {"validator", validator(e, reply)});
    else
        ZIDL__EXPAND(&checks, e->tmpl, "fulfil_check_invalid_releasing",
                     {"validator", validator(e, reply)}, {"drop", dropper(e, reply)});
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&checks));
    zidl__strbuf_free(&checks);
    return result;
}

static void emit_promise(source_emitter *e, const zidl__decl *actor, const zidl__handler *h)
{
    const zidl__decl *reply = h->reply_message;
    ZIDL__EXPAND(e->out, e->tmpl, "promise", {"defer", actor_name(e, actor, "defer_", h->name)},
                 {"fulfil", actor_name(e, actor, "fulfil_", h->name)},
                 {"promise", zidl__c_name(e->arena, e->file, actor->name,
                                          zidl__arena_sprintf(e->arena, "_%s_promise", h->name))},
                 {"reply", message_type(e, reply)}, {"checks", fulfil_checks(e, reply)},
                 {"tag", zidl__tag_name(e->arena, e->file, actor->name, h->name)},
                 {"reply_drop", reply->holds_bytes ? dropper(e, reply) : "NULL"});
}

static void emit_sends(source_emitter *e, const zidl__decl *actor, const char *ref,
                       const char *actor_type)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL__HANDLER_MESSAGE)
            continue;
        const char *tag = zidl__tag_name(e->arena, e->file, actor->name, h->name);
        if (!h->has_reply)
            ZIDL__EXPAND(e->out, e->tmpl, "send", {"send", actor_name(e, actor, "send_", h->name)},
                         {"ref", ref}, {"message", message_type(e, h->message)},
                         {"checks", send_checks(e, h->message)}, {"actor_type", actor_type},
                         {"tag", tag});
        else
            ZIDL__EXPAND(e->out, e->tmpl, "request", {"ask", actor_name(e, actor, "ask_", h->name)},
                         {"request_function", actor_name(e, actor, "request_", h->name)},
                         {"ref", ref}, {"message", message_type(e, h->message)},
                         {"reply", message_type(e, h->reply_message)},
                         {"envelope", envelope_of(e, actor, h)},
                         {"checks", send_checks(e, h->message)}, {"actor_type", actor_type},
                         {"tag", tag},
                         {"reply_type_id", zidl__macro_name(e->arena, h->reply_message->file,
                                                            h->reply_message->name, "TYPE_ID")});
        if (h->has_reply)
            emit_promise(e, actor, h);
    }
}

/* The waiting send function of every `on M;` of a bounded actor, after
 * the sends: the same checks, then zactor_send_wait. */
static void emit_send_waits(source_emitter *e, const zidl__decl *actor, const char *ref,
                            const char *actor_type)
{
    if (actor->mailbox_bound == 0)
        return;
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL__HANDLER_MESSAGE || h->has_reply)
            continue;
        ZIDL__EXPAND(e->out, e->tmpl, "send_wait",
                     {"wait", actor_name(e, actor, "send_",
                                         zidl__arena_sprintf(e->arena, "%s_wait", h->name))},
                     {"ref", ref}, {"message", message_type(e, h->message)},
                     {"checks", send_checks(e, h->message)}, {"actor_type", actor_type},
                     {"tag", zidl__tag_name(e->arena, e->file, actor->name, h->name)});
    }
}

/* The descriptor's mailbox fields: none for an unbounded actor (zero). */
static const char *mailbox_fields(source_emitter *e, const zidl__decl *actor)
{
    if (actor->mailbox_bound == 0)
        return "";
    bool refuse = actor->mailbox_policy == ZIDL__MAILBOX_REFUSE;
    zidl__strbuf text;
    zidl__strbuf_init(&text, e->arena->mem);
    ZIDL__EXPAND(&text, e->tmpl, "actor_type_mailbox",
                 {"bound",
                  zidl__arena_sprintf(e->arena, "%lu", (unsigned long)actor->mailbox_bound)},
                 {"policy", refuse ? "ZACTOR_MAILBOX_REFUSE" : "ZACTOR_MAILBOX_BACKPRESSURE"});
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
    return result;
}

/* The timer functions of every `on M;` whose M holds no bytes (the runtime
 * refuses those for timers), after the sends. */
static void emit_timers(source_emitter *e, const zidl__decl *actor, const char *ref,
                        const char *actor_type)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL__HANDLER_MESSAGE || h->has_reply || h->message->holds_bytes)
            continue;
        ZIDL__EXPAND(e->out, e->tmpl, "timers",
                     {"after", actor_name(e, actor, "send_",
                                          zidl__arena_sprintf(e->arena, "%s_after", h->name))},
                     {"every", actor_name(e, actor, "send_",
                                          zidl__arena_sprintf(e->arena, "%s_every", h->name))},
                     {"ref", ref}, {"message", message_type(e, h->message)},
                     {"checks", send_checks(e, h->message)}, {"actor_type", actor_type},
                     {"tag", zidl__tag_name(e->arena, e->file, actor->name, h->name)});
    }
}

static const wire_info *wire_info_of(source_emitter *e, const zidl__decl *decl)
{
    return zidl__symtab_get(&e->wired, type_name(e, decl));
}

/* The wire size of one element of a field's type: *fixed bytes, and
 * whether more vary with the value (a string's or bytes' data). */
static void element_wire_size(source_emitter *e, const zidl__type *type, uint64_t *fixed,
                              bool *varies)
{
    static const uint64_t sizes[] = {
        [ZIDL__BOOL] = 1, [ZIDL__I8] = 1,  [ZIDL__I16] = 2, [ZIDL__I32] = 4,
        [ZIDL__I64] = 8,  [ZIDL__U8] = 1,  [ZIDL__U16] = 2, [ZIDL__U32] = 4,
        [ZIDL__U64] = 8,  [ZIDL__F32] = 4, [ZIDL__F64] = 8,
    };
    *varies = false;
    switch (type->kind) {
    case ZIDL__TYPE_SCALAR:
        *fixed = sizes[type->scalar];
        return;
    case ZIDL__TYPE_STRING: /* all of it varies: the measure counts its length too */
    case ZIDL__TYPE_BYTES:
        *fixed = 0;
        *varies = true;
        return;
    case ZIDL__TYPE_REF:
        *fixed = 16;
        return;
    case ZIDL__TYPE_DECL:
        if (type->decl->kind == ZIDL__DECL_ENUM) {
            *fixed = sizes[type->decl->underlying];
            return;
        }
        const wire_info *info = wire_info_of(e, type->decl);
        *fixed = info->varies ? 0 : info->fixed;
        *varies = info->varies;
        return;
    case ZIDL__TYPE_PTR:
    case ZIDL__TYPE_NAMED:
        break;
    }
    *fixed = 0; /* unreachable: a travelling message holds no ptr */
}

/* Marks decl and the structs and messages it holds, each once (memoised:
 * nesting may repeat a type many times), computing their wire sizes. */
static const wire_info *mark_wired(source_emitter *e, zidl__decl *decl)
{
    const wire_info *known = wire_info_of(e, decl);
    if (known != NULL)
        return known;
    wire_info *info = zidl__arena_alloc(e->arena, sizeof *info);
    info->decl = decl;
    info->fixed = 0;
    info->varies = false;
    for (size_t i = 0; i < decl->fields.count; i++) {
        const zidl__field *field = decl->fields.items[i];
        if (is_data(&field->type))
            mark_wired(e, field->type.decl);
        uint64_t fixed;
        bool varies;
        element_wire_size(e, &field->type, &fixed, &varies);
        if (field->type.kind == ZIDL__TYPE_STRING || field->type.kind == ZIDL__TYPE_BYTES)
            varies = true;
        info->fixed += fixed * (field->is_array ? field->array_len : 1);
        info->varies = info->varies || varies;
    }
    zidl__symtab_put(&e->wired, type_name(e, decl), info);
    return info;
}

static const char *count_text(source_emitter *e, uint64_t n)
{
    return zidl__arena_sprintf(e->arena, "%llu", (unsigned long long)n);
}

static const char *wire_fn(source_emitter *e, const zidl__decl *decl, const char *suffix)
{
    return zidl__c_name(e->arena, decl->file, decl->name, suffix);
}

/* What one field adds to its type's measure: its strings and bytes, and
 * its nested types whose size varies. */
static void emit_field_measure(source_emitter *e, const zidl__field *field)
{
    const zidl__type *type = &field->type;
    const char *section;
    const char *function = "";
    if (type->kind == ZIDL__TYPE_STRING)
        section = field->is_array ? "wire_measure_string_in_array" : "wire_measure_string";
    else if (type->kind == ZIDL__TYPE_BYTES)
        section = field->is_array ? "wire_measure_bytes_in_array" : "wire_measure_bytes";
    else if (is_data(type) && wire_info_of(e, type->decl)->varies) {
        section = field->is_array ? "wire_measure_call_in_array" : "wire_measure_call";
        function = wire_fn(e, type->decl, "_wire_measure");
    } else
        return;
    if (field->is_array)
        ZIDL__EXPAND(e->out, e->tmpl, "wire_measure_array_begin",
                     {"count", count_text(e, field->array_len)});
    ZIDL__EXPAND(e->out, e->tmpl, section, {"field", field->name}, {"function", function});
}

/* The scalar helper a field's element travels through: "u8", "f64"... */
static const char *wire_kind(const zidl__type *type)
{
    if (type->kind == ZIDL__TYPE_SCALAR)
        return zidl__scalar_name(type->scalar);
    if (is_enum(type))
        return zidl__scalar_name(type->decl->underlying);
    return "";
}

static const char *wire_section(const zidl__type *type, const char *prefix)
{
    const char *what;
    if (type->kind == ZIDL__TYPE_SCALAR)
        what = "scalar";
    else if (is_enum(type))
        what = strcmp(prefix, "get") == 0 ? "enum" : "scalar";
    else if (type->kind == ZIDL__TYPE_STRING)
        what = "string";
    else if (type->kind == ZIDL__TYPE_BYTES)
        what = "bytes";
    else if (type->kind == ZIDL__TYPE_REF)
        what = "ref";
    else
        what = "call";
    return what;
}

static void emit_field_wire(source_emitter *e, const zidl__field *field, const char *prefix)
{
    const zidl__type *type = &field->type;
    /* An enum's check makes its loop body two statements. */
    bool braces = strcmp(prefix, "get") == 0 && is_enum(type);
    if (field->is_array)
        ZIDL__EXPAND(e->out, e->tmpl, braces ? "wire_get_array_begin" : "wire_array_begin",
                     {"count", count_text(e, field->array_len)});
    const char *section =
        zidl__arena_sprintf(e->arena, "wire_%s_%s%s", prefix, wire_section(type, prefix),
                            field->is_array ? "_in_array" : "");
    ZIDL__EXPAND(e->out, e->tmpl, section, {"field", field->name}, {"kind", wire_kind(type)},
                 {"function",
                  is_data(type)
                      ? wire_fn(e, type->decl, zidl__arena_sprintf(e->arena, "_wire_%s", prefix))
                      : ""},
                 {"validator", is_enum(type) ? validator(e, type->decl) : ""});
    if (field->is_array && braces)
        zidl__template_expand(e->out, e->tmpl, "wire_get_array_end", NULL, 0);
}

static void emit_wire_functions(source_emitter *e, const wire_info *info)
{
    const zidl__decl *decl = info->decl;
    const char *type = type_name(e, decl);
    if (info->varies) {
        ZIDL__EXPAND(e->out, e->tmpl, "wire_measure_begin",
                     {"function", wire_fn(e, decl, "_wire_measure")}, {"type", type},
                     {"fixed", count_text(e, info->fixed)});
        for (size_t i = 0; i < decl->fields.count; i++)
            emit_field_measure(e, decl->fields.items[i]);
        zidl__template_expand(e->out, e->tmpl, "wire_measure_end", NULL, 0);
    }
    const char *const prefixes[] = {"put", "get"};
    for (size_t p = 0; p < 2; p++) {
        ZIDL__EXPAND(e->out, e->tmpl, p == 0 ? "wire_put_begin" : "wire_get_begin",
                     {"function", wire_fn(e, decl, p == 0 ? "_wire_put" : "_wire_get")},
                     {"type", type});
        if (decl->fields.count == 0)
            zidl__template_expand(e->out, e->tmpl, p == 0 ? "wire_put_empty" : "wire_get_empty",
                                  NULL, 0);
        for (size_t i = 0; i < decl->fields.count; i++)
            emit_field_wire(e, decl->fields.items[i], prefixes[p]);
        zidl__template_expand(e->out, e->tmpl, "wire_end", NULL, 0);
    }
}

static void emit_file_wire_functions(source_emitter *e, const zidl__file *file)
{
    for (size_t i = 0; i < file->data_order.count; i++) {
        const wire_info *info = wire_info_of(e, file->data_order.items[i]);
        if (info != NULL)
            emit_wire_functions(e, info);
    }
}

static void emit_message_wire(source_emitter *e, const zidl__decl *message)
{
    const wire_info *info = wire_info_of(e, message);
    const char *type = type_name(e, message);
    const char *size = wire_fn(e, message, "_wire_size");
    const char *encode = wire_fn(e, message, "_wire_encode");
    const char *decode = wire_fn(e, message, "_wire_decode");
    const char *type_id = zidl__macro_name(e->arena, message->file, message->name, "TYPE_ID");
    if (info->varies)
        ZIDL__EXPAND(e->out, e->tmpl, "wire_size_measured", {"size", size}, {"type", type},
                     {"measure", wire_fn(e, message, "_wire_measure")});
    else
        ZIDL__EXPAND(e->out, e->tmpl, "wire_size_fixed", {"size", size}, {"type", type},
                     {"total", count_text(e, 4 + info->fixed)});
    zidl__strbuf check;
    zidl__strbuf_init(&check, e->arena->mem);
    if (message->needs_validation)
        ZIDL__EXPAND(&check, e->tmpl, "wire_encode_check", {"validator", validator(e, message)});
    ZIDL__EXPAND(e->out, e->tmpl, "wire_encode", {"encode", encode}, {"type", type},
                 {"check", zidl__strbuf_str(&check)}, {"size", size}, {"type_id", type_id},
                 {"put", wire_fn(e, message, "_wire_put")});
    zidl__strbuf_free(&check);
    ZIDL__EXPAND(e->out, e->tmpl, "wire_decode", {"decode", decode}, {"type", type},
                 {"type_id", type_id}, {"get", wire_fn(e, message, "_wire_get")});
    if (message->holds_bytes)
        ZIDL__EXPAND(e->out, e->tmpl, "wire_decode_end_releasing", {"drop", dropper(e, message)});
    else
        zidl__template_expand(e->out, e->tmpl, "wire_decode_end", NULL, 0);
    ZIDL__EXPAND(e->out, e->tmpl, "wire_thunks", {"size", size}, {"encode", encode},
                 {"decode", decode}, {"type", type});
}

static int by_type_id(const void *a, const void *b)
{
    uint32_t x = (*(const zidl__decl *const *)a)->type_id;
    uint32_t y = (*(const zidl__decl *const *)b)->type_id;
    return x < y ? -1 : x > y;
}

static void emit_wire(source_emitter *e)
{
    if (e->travelling.count == 0)
        return;
    zidl__template_expand(e->out, e->tmpl, "wire_begin", NULL, 0);
    for (size_t i = 0; i < e->imported.count; i++)
        emit_file_wire_functions(e, e->imported.items[i]);
    emit_file_wire_functions(e, e->file);
    for (size_t i = 0; i < e->travelling.count; i++)
        emit_message_wire(e, e->travelling.items[i]);

    size_t count = e->travelling.count;
    zidl__decl **sorted = zidl__arena_alloc(e->arena, count * sizeof *sorted);
    memcpy(sorted, e->travelling.items, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, by_type_id);
    zidl__strbuf entries;
    zidl__strbuf_init(&entries, e->arena->mem);
    for (size_t i = 0; i < count; i++) {
        const zidl__decl *m = sorted[i];
        ZIDL__EXPAND(&entries, e->tmpl, "wire_table_entry",
                     {"type_id", zidl__macro_name(e->arena, m->file, m->name, "TYPE_ID")},
                     {"name", zidl__qualified_name(e->arena, m->file, m->name)},
                     {"type", type_name(e, m)}, {"size", wire_fn(e, m, "_wire_size")},
                     {"encode", wire_fn(e, m, "_wire_encode")},
                     {"decode", wire_fn(e, m, "_wire_decode")},
                     {"drop", m->holds_bytes ? dropper(e, m) : "NULL"});
    }
    ZIDL__EXPAND(e->out, e->tmpl, "wire_table", {"source", e->file->base},
                 {"table", zidl__wire_table_name(e->arena, e->file)},
                 {"count", zidl__wire_count_name(e->arena, e->file)},
                 {"entries", zidl__strbuf_str(&entries)});
    zidl__strbuf_free(&entries);
}

static void emit_actor(source_emitter *e, const zidl__decl *actor)
{
    const char *state = zidl__c_name(e->arena, e->file, actor->name, "");
    const char *ref = zidl__c_name(e->arena, e->file, actor->name, "_ref");
    const char *actor_type = zidl__c_name(e->arena, e->file, actor->name, "_actor_type");
    const char *table = zidl__c_name(e->arena, e->file, actor->name, "_handlers");
    ZIDL__EXPAND(e->out, e->tmpl, "actor_begin", {"name", actor->name});
    /* The tags first: the request dispatchers name theirs. */
    unsigned handler_count = 0;
    for (size_t i = 0; i < actor->handlers.count; i++)
        handler_count += in_table(actor->handlers.items[i]);
    if (handler_count > 0)
        emit_tags(e, actor);
    emit_dispatchers(e, actor, state);
    if (handler_count > 0)
        emit_handler_table(e, actor, table);

    const zidl__handler *start = find_hook(actor, ZIDL__HANDLER_START);
    const zidl__handler *stop = find_hook(actor, ZIDL__HANDLER_STOP);
    ZIDL__EXPAND(e->out, e->tmpl, "actor_type", {"actor_type", actor_type},
                 {"qualified", zidl__qualified_name(e->arena, e->file, actor->name)},
                 {"state", state}, {"slot", zidl__c_name(e->arena, e->file, actor->name, "_slot")},
                 {"handler_count",
                  handler_count == 0
                      ? "0"
                      : zidl__arena_sprintf(e->arena, "sizeof %s / sizeof %s[0]", table, table)},
                 {"handlers", handler_count > 0 ? table : "NULL"},
                 {"on_start", start ? actor_name(e, actor, "dispatch_", "start") : "NULL"},
                 {"on_stop", stop ? actor_name(e, actor, "dispatch_", "stop") : "NULL"},
                 {"mailbox", mailbox_fields(e, actor)}, {"ref", ref},
                 {"spawn", zidl__c_name(e->arena, e->file, actor->name, "_spawn")});
    ZIDL__EXPAND(e->out, e->tmpl, "monitor",
                 {"monitor", zidl__c_name(e->arena, e->file, actor->name, "_monitor")},
                 {"ref", ref}, {"actor_type", actor_type});
    ZIDL__EXPAND(e->out, e->tmpl, "names",
                 {"register", zidl__c_name(e->arena, e->file, actor->name, "_register")},
                 {"lookup", zidl__c_name(e->arena, e->file, actor->name, "_lookup")},
                 {"lookup_remote", zidl__c_name(e->arena, e->file, actor->name, "_lookup_remote")},
                 {"child", zidl__c_name(e->arena, e->file, actor->name, "_child")}, {"ref", ref},
                 {"state", state}, {"actor_type", actor_type});
    emit_sends(e, actor, ref, actor_type);
    emit_send_waits(e, actor, ref, actor_type);
    emit_timers(e, actor, ref, actor_type);
}

void zidl__emit_source(const zidl__file *file, zidl__arena *arena, zidl__strbuf *out)
{
    source_emitter e = {file, arena, out, zidl__template_text(arena->mem, "source.c.tmpl"),
                        {0},  {0},   {0}, {0},
                        {0},  {0}};
    zidl__symtab_init(&e.validated, arena->mem);
    zidl__symtab_init(&e.dropped, arena->mem);
    zidl__symtab_init(&e.imported_keys, arena->mem);
    zidl__symtab_init(&e.wired, arena->mem);
    collect_imported(&e, file);
    for (size_t i = 0; i < file->decls.count; i++) {
        zidl__decl *message = file->decls.items[i];
        if (message->kind != ZIDL__DECL_MESSAGE || message->holds_ptr)
            continue;
        ZIDL__LIST_PUSH(arena, e.travelling, message);
        mark_wired(&e, message);
        mark_validated(&e, message);
        mark_dropped(&e, message);
    }
    for (size_t i = 0; i < file->decls.count; i++) {
        const zidl__decl *actor = file->decls.items[i];
        if (actor->kind != ZIDL__DECL_ACTOR)
            continue;
        for (size_t j = 0; j < actor->handlers.count; j++) {
            const zidl__handler *h = actor->handlers.items[j];
            if (h->kind != ZIDL__HANDLER_MESSAGE)
                continue;
            mark_validated(&e, h->message);
            mark_dropped(&e, h->message);
            if (h->has_reply) {
                mark_validated(&e, h->reply_message);
                mark_dropped(&e, h->reply_message);
            }
        }
    }
    ZIDL__EXPAND(out, e.tmpl, "file_begin", {"version", ZIDL_VERSION_STRING},
                 {"source", file->base}, {"header", zidl__header_file_name(arena, file)});
    if (e.travelling.count > 0 || (e.validated.count > 0 && uses_strings(&e)))
        zidl__template_expand(out, e.tmpl, "string_include", NULL, 0);
    emit_validators(&e);
    emit_drops(&e);
    emit_wire(&e);
    for (size_t i = 0; i < file->decls.count; i++) {
        if (file->decls.items[i]->kind == ZIDL__DECL_ACTOR)
            emit_actor(&e, file->decls.items[i]);
    }
    zidl__wrap_lines(out);
    zidl__symtab_free(&e.imported_keys);
    zidl__symtab_free(&e.wired);
    zidl__symtab_free(&e.validated);
    zidl__symtab_free(&e.dropped);
}
