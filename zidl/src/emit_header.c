/* emit_header.c - writes <file>.zidl.h from templates/header.h.tmpl. */
#include <string.h>

#include "names.h"
#include "passes.h"
#include "template.h"
#include "wrap.h"

/* Generated comments are filled to this width, like hand-written ones. */
#define COMMENT_WIDTH 78

typedef struct header_emitter {
    const zidl__file *file;
    zidl__arena *arena;
    zidl__strbuf *out;
    const char *tmpl;
} header_emitter;

/* `///` lines for a doc comment, each with the given indent; "" if none. */
static const char *doc_lines(header_emitter *e, const char *doc, const char *indent)
{
    if (doc == NULL)
        return "";
    zidl__strbuf text;
    zidl__strbuf_init(&text, e->arena->mem);
    for (const char *line = doc;;) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        zidl__strbuf_printf(&text, "%s///", indent);
        zidl__strbuf_append(&text, line, len);
        zidl__strbuf_putc(&text, '\n');
        if (end == NULL)
            break;
        line = end + 1;
    }
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
    return result;
}

static const char *scalar_ctype(zidl__scalar scalar)
{
    static const char *const ctypes[] = {
        [ZIDL__BOOL] = "bool",    [ZIDL__I8] = "int8_t",    [ZIDL__I16] = "int16_t",
        [ZIDL__I32] = "int32_t",  [ZIDL__I64] = "int64_t",  [ZIDL__U8] = "uint8_t",
        [ZIDL__U16] = "uint16_t", [ZIDL__U32] = "uint32_t", [ZIDL__U64] = "uint64_t",
        [ZIDL__F32] = "float",    [ZIDL__F64] = "double",
    };
    return ctypes[scalar];
}

/* The C declaration of a field: "char name[33]", "chat_Point seats[8]". */
static const char *field_declaration(header_emitter *e, const zidl__field *field)
{
    const zidl__type *type = &field->type;
    zidl__strbuf text;
    zidl__strbuf_init(&text, e->arena->mem);
    switch (type->kind) {
    case ZIDL__TYPE_SCALAR:
        zidl__strbuf_printf(&text, "%s %s", scalar_ctype(type->scalar), field->name);
        break;
    case ZIDL__TYPE_STRING:
        zidl__strbuf_printf(&text, "char %s", field->name);
        break;
    case ZIDL__TYPE_REF:
        zidl__strbuf_printf(&text, "%s %s",
                            zidl__c_name(e->arena, type->decl->file, type->decl->name, "_ref"),
                            field->name);
        break;
    case ZIDL__TYPE_PTR:
        zidl__strbuf_printf(&text, "void *%s", field->name);
        break;
    case ZIDL__TYPE_BYTES:
        zidl__strbuf_printf(&text, "zactor_bytes %s", field->name);
        break;
    case ZIDL__TYPE_DECL:
        zidl__strbuf_printf(&text, "%s %s",
                            zidl__c_name(e->arena, type->decl->file, type->decl->name, ""),
                            field->name);
        break;
    case ZIDL__TYPE_NAMED:
        break;
    }
    if (field->is_array)
        zidl__strbuf_printf(&text, "[%llu]", (unsigned long long)field->array_len);
    if (type->kind == ZIDL__TYPE_STRING)
        zidl__strbuf_printf(&text, "[%llu]", (unsigned long long)type->string_max + 1);
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
    return result;
}

/* An integer constant of the enum's underlying type, usable in `#if`. */
static const char *enum_literal(header_emitter *e, zidl__scalar type, const zidl__value *v)
{
    unsigned long long m = v->magnitude;
    switch (type) {
    case ZIDL__U64:
        return zidl__arena_sprintf(e->arena, "UINT64_C(%llu)", m);
    case ZIDL__I64:
        if (!v->negative)
            return zidl__arena_sprintf(e->arena, "INT64_C(%llu)", m);
        if (m == UINT64_C(1) << 63) /* its magnitude is no int64_t */
            return "(-INT64_C(9223372036854775807) - 1)";
        return zidl__arena_sprintf(e->arena, "(-INT64_C(%llu))", m);
    case ZIDL__I32:
        if (v->negative && m == UINT64_C(1) << 31) /* 2147483648 is no int */
            return "(-2147483647 - 1)";
        return v->negative ? zidl__arena_sprintf(e->arena, "(-%llu)", m)
                           : zidl__arena_sprintf(e->arena, "%llu", m);
    case ZIDL__I8:
    case ZIDL__I16:
        return v->negative ? zidl__arena_sprintf(e->arena, "(-%llu)", m)
                           : zidl__arena_sprintf(e->arena, "%llu", m);
    default:
        return zidl__arena_sprintf(e->arena, "%lluu", m);
    }
}

static void emit_enum(header_emitter *e, const zidl__decl *decl)
{
    ZIDL__EXPAND(e->out, e->tmpl, "enum_begin", {"doc", doc_lines(e, decl->doc, "")},
                 {"ctype", scalar_ctype(decl->underlying)},
                 {"type", zidl__c_name(e->arena, e->file, decl->name, "")});
    for (size_t i = 0; i < decl->enumerators.count; i++) {
        const zidl__enumerator *en = decl->enumerators.items[i];
        ZIDL__EXPAND(e->out, e->tmpl, "enum_constant", {"doc", doc_lines(e, en->doc, "")},
                     {"macro", zidl__macro_name(e->arena, e->file, decl->name, en->name)},
                     {"value", enum_literal(e, decl->underlying, &en->value)});
    }
}

static const char *scalar_zero(zidl__scalar scalar)
{
    switch (scalar) {
    case ZIDL__BOOL:
        return "false";
    case ZIDL__F32:
        return "0.0f";
    case ZIDL__F64:
        return "0.0";
    default:
        return "0";
    }
}

/* A checked default value as a C constant of the field's scalar type. */
static const char *scalar_default(header_emitter *e, zidl__scalar scalar, const zidl__value *v)
{
    if (scalar == ZIDL__BOOL)
        return v->name; /* true or false, from <stdbool.h> */
    if (scalar != ZIDL__F32 && scalar != ZIDL__F64)
        return enum_literal(e, scalar, v);
    const char *digits =
        v->is_float ? v->text
                    : zidl__arena_sprintf(e->arena, "%llu.0", (unsigned long long)v->magnitude);
    const char *suffix = scalar == ZIDL__F32 ? "f" : "";
    return v->negative ? zidl__arena_sprintf(e->arena, "(-%s%s)", digits, suffix)
                       : zidl__arena_sprintf(e->arena, "%s%s", digits, suffix);
}

/* The initialiser of one element of the field: its default or zero. */
static const char *element_initializer(header_emitter *e, const zidl__field *field)
{
    const zidl__type *type = &field->type;
    const zidl__value *v = &field->default_value;
    switch (type->kind) {
    case ZIDL__TYPE_SCALAR:
        return field->has_default ? scalar_default(e, type->scalar, v) : scalar_zero(type->scalar);
    case ZIDL__TYPE_STRING:
        return "\"\"";
    case ZIDL__TYPE_REF:
        return "{{NULL, 0}}";
    case ZIDL__TYPE_PTR:
        return "NULL";
    case ZIDL__TYPE_BYTES:
        return "{NULL}";
    case ZIDL__TYPE_DECL:
        if (type->decl->kind == ZIDL__DECL_ENUM)
            return field->has_default
                       ? zidl__macro_name(e->arena, type->decl->file, type->decl->name, v->name)
                       : "0";
        return zidl__macro_name(e->arena, type->decl->file, type->decl->name, "INIT");
    case ZIDL__TYPE_NAMED:
        break;
    }
    return "0";
}

/* An array lists its first element, and every element when they hold
 * defaults (layout bounds that count): the rest are zero. */
static const char *field_initializer(header_emitter *e, const zidl__field *field)
{
    const char *element = element_initializer(e, field);
    if (!field->is_array)
        return element;
    bool every = field->type.kind == ZIDL__TYPE_DECL && field->type.decl->has_defaults;
    zidl__strbuf text;
    zidl__strbuf_init(&text, e->arena->mem);
    zidl__strbuf_putc(&text, '{');
    for (uint64_t i = 0; i < (every ? field->array_len : 1); i++)
        zidl__strbuf_printf(&text, "%s%s", i > 0 ? ", " : "", element);
    zidl__strbuf_putc(&text, '}');
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
    return result;
}

/* Positional, so that it is valid C11 and C++17 alike (C++17 has no
 * designated initialisers), and complete, so that no compiler warns about
 * a missing field. */
static const char *struct_initializer(header_emitter *e, const zidl__field_list *fields)
{
    if (fields->count == 0)
        return "{0}";
    zidl__strbuf text;
    zidl__strbuf_init(&text, e->arena->mem);
    zidl__strbuf_putc(&text, '{');
    for (size_t i = 0; i < fields->count; i++)
        zidl__strbuf_printf(&text, "%s%s", i > 0 ? ", " : "",
                            field_initializer(e, fields->items[i]));
    zidl__strbuf_putc(&text, '}');
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
    return result;
}

/* name is the declaration's .zidl name (for the INIT macro). */
static void emit_struct(header_emitter *e, const char *doc, const char *name,
                        const zidl__field_list *fields)
{
    const char *type = zidl__c_name(e->arena, e->file, name, "");
    ZIDL__EXPAND(e->out, e->tmpl, "struct_begin", {"doc", doc}, {"type", type});
    for (size_t i = 0; i < fields->count; i++) {
        const zidl__field *field = fields->items[i];
        ZIDL__EXPAND(e->out, e->tmpl, "field", {"doc", doc_lines(e, field->doc, "    ")},
                     {"declaration", field_declaration(e, field)});
    }
    if (fields->count == 0)
        zidl__template_expand(e->out, e->tmpl, "empty_struct", NULL, 0);
    zidl__strbuf init_define;
    zidl__strbuf_init(&init_define, e->arena->mem);
    zidl__wrap_define(&init_define, zidl__macro_name(e->arena, e->file, name, "INIT"),
                      struct_initializer(e, fields));
    ZIDL__EXPAND(e->out, e->tmpl, "struct_end", {"type", type},
                 {"init_define", zidl__strbuf_str(&init_define)});
    zidl__strbuf_free(&init_define);
}

static void emit_message_macros(header_emitter *e, const zidl__decl *decl)
{
    static const char *const classes[] = {
        [ZIDL__SIZE_SMALL] = "ZACTOR_SIZE_SMALL",
        [ZIDL__SIZE_MEDIUM] = "ZACTOR_SIZE_MEDIUM",
        [ZIDL__SIZE_LARGE] = "ZACTOR_SIZE_LARGE",
    };
    const char *type = zidl__c_name(e->arena, e->file, decl->name, "");
    const char *size_test;
    /* By C size, also for a message holding bytes (large by definition):
     * the slot union relies on it. */
    if (decl->size <= 64)
        size_test = zidl__arena_sprintf(e->arena, "sizeof(%s) <= ZACTOR_SMALL_MAX", type);
    else if (decl->size <= 1024)
        size_test = zidl__arena_sprintf(e->arena,
                                        "sizeof(%s) > ZACTOR_SMALL_MAX &&\n"
                                        "                         "
                                        "sizeof(%s) <= ZACTOR_MEDIUM_MAX",
                                        type, type);
    else
        size_test = zidl__arena_sprintf(e->arena, "sizeof(%s) > ZACTOR_MEDIUM_MAX", type);
    ZIDL__EXPAND(
        e->out, e->tmpl, "message_macros",
        {"type_id_macro", zidl__macro_name(e->arena, e->file, decl->name, "TYPE_ID")},
        {"type_id", zidl__arena_sprintf(e->arena, "0x%08xu", (unsigned)decl->type_id)},
        {"size_class_macro", zidl__macro_name(e->arena, e->file, decl->name, "SIZE_CLASS")},
        {"size_class", classes[decl->size_class]}, {"size_test", size_test}, {"type", type},
        {"local_only_macro", zidl__macro_name(e->arena, e->file, decl->name, "LOCAL_ONLY")},
        {"local_only", decl->holds_ptr ? "1" : "0"});
}

static bool has_kind(const zidl__file *file, zidl__decl_kind kind)
{
    for (size_t i = 0; i < file->decls.count; i++) {
        if (file->decls.items[i]->kind == kind)
            return true;
    }
    return false;
}

/* sizeof a request envelope: a zactor_reply_to (24 bytes, 8-aligned; no
 * zidl type is more aligned) then the message, padded to 8. */
static uint64_t envelope_size(const zidl__decl *message)
{
    return (24 + message->size + 7) / 8 * 8;
}

static void emit_slot(header_emitter *e, const zidl__decl *actor)
{
    zidl__strbuf members;
    zidl__strbuf_init(&members, e->arena->mem);
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL__HANDLER_MESSAGE)
            continue;
        const char *member = zidl__slot_member_name(e->arena, h->message->name);
        if (h->has_reply && envelope_size(h->message) <= 64)
            ZIDL__EXPAND(&members, e->tmpl, "slot_member",
                         {"type",
                          zidl__request_envelope_name(e->arena, e->file, actor->name, h->name)},
                         {"name", zidl__arena_sprintf(e->arena, "%s_request", member)});
        else if (!h->has_reply && h->message->size <= 64)
            ZIDL__EXPAND(&members, e->tmpl, "slot_member",
                         {"type", zidl__c_name(e->arena, h->message->file, h->message->name, "")},
                         {"name", member});
    }
    ZIDL__EXPAND(e->out, e->tmpl, "slot", {"name", actor->name},
                 {"slot", zidl__c_name(e->arena, e->file, actor->name, "_slot")},
                 {"members", zidl__strbuf_str(&members)});
    zidl__strbuf_free(&members);
}

static void emit_request_envelopes(header_emitter *e, const zidl__decl *actor)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind == ZIDL__HANDLER_MESSAGE && h->has_reply)
            ZIDL__EXPAND(
                e->out, e->tmpl, "request_envelope", {"name", actor->name},
                {"message_name", h->message->name},
                {"envelope", zidl__request_envelope_name(e->arena, e->file, actor->name, h->name)},
                {"message", zidl__c_name(e->arena, h->message->file, h->message->name, "")});
    }
}

static const char *actor_function(header_emitter *e, const zidl__decl *actor, const char *part,
                                  const char *name)
{
    return zidl__c_name(e->arena, e->file, actor->name,
                        zidl__arena_sprintf(e->arena, "_%s%s", part, name));
}

/* The text of one template section, without its final newline. */
static const char *section_text(header_emitter *e, const char *section,
                                const zidl__template_var *vars, size_t var_count)
{
    zidl__strbuf text;
    zidl__strbuf_init(&text, e->arena->mem);
    zidl__template_expand(&text, e->tmpl, section, vars, var_count);
    if (text.len > 0 && text.data[text.len - 1] == '\n')
        text.data[--text.len] = '\0';
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
    return result;
}

#define SECTION_TEXT(e, section, ...)                                       \
    section_text((e), (section), (const zidl__template_var[]){__VA_ARGS__}, \
                 sizeof((const zidl__template_var[]){__VA_ARGS__}) / sizeof(zidl__template_var))

/* A template paragraph filled into a comment. */
static const char *doc_comment(header_emitter *e, const char *paragraph)
{
    zidl__strbuf text;
    zidl__strbuf_init(&text, e->arena->mem);
    zidl__wrap_comment(&text, paragraph, COMMENT_WIDTH);
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
    return result;
}

/* What the generated validator of decl checks: strings for their NUL,
 * enums for a declared value, in decl and every type it holds. */
static void validated_kinds(const zidl__decl *decl, bool *strings, bool *enums)
{
    for (size_t i = 0; i < decl->fields.count; i++) {
        const zidl__type *type = &decl->fields.items[i]->type;
        if (type->kind == ZIDL__TYPE_STRING)
            *strings = true;
        else if (type->kind == ZIDL__TYPE_DECL && type->decl->kind == ZIDL__DECL_ENUM)
            *enums = true;
        else if (type->kind == ZIDL__TYPE_DECL && type->decl->needs_validation)
            validated_kinds(type->decl, strings, enums);
    }
}

/* How a value of decl can break its schema ("a string in *msg lacks its
 * NUL"), or NULL when its validator cannot fail (there is none). */
static const char *breakage(header_emitter *e, const zidl__decl *decl, const char *subject)
{
    bool strings = false, enums = false;
    if (decl->needs_validation)
        validated_kinds(decl, &strings, &enums);
    if (!strings && !enums)
        return NULL;
    const char *section = !enums     ? "broken_strings"
                          : !strings ? "broken_enums"
                                     : "broken_strings_and_enums";
    return SECTION_TEXT(e, section, {"subject", subject});
}

typedef enum call_kind { CALL_SEND, CALL_WAIT, CALL_TIMER, CALL_ASK, CALL_REQUEST } call_kind;

/* The ZACTOR_EFULL clause of a function of a bounded actor, or NULL when
 * it cannot return that code: a timer firing is never refused, nor, under
 * backpressure, a handler's send or request (it goes past the bound), nor
 * a waiting send from outside (it waits instead). */
static const char *full_error(header_emitter *e, const zidl__decl *actor, call_kind kind)
{
    if (actor->mailbox_bound == 0 || kind == CALL_TIMER)
        return NULL;
    bool refuse = actor->mailbox_policy == ZIDL__MAILBOX_REFUSE;
    const char *section = NULL;
    if (kind == CALL_WAIT)
        section = refuse ? "error_full_in_handler" : NULL;
    else if (kind == CALL_SEND)
        section = refuse ? "error_full" : "error_full_outside";
    else if (kind == CALL_ASK || refuse)
        section = "error_full";
    if (section == NULL)
        return NULL;
    return SECTION_TEXT(e, section,
                        {"bound_macro",
                         zidl__macro_name(e->arena, e->file, actor->name, "MAILBOX_BOUND")});
}

/* "ZACTOR_EINVAL when ...; ZACTOR_EARG when ...; ...; ZACTOR_ENOMEM": exactly
 * the codes this send, timer, ask or request function of actor can return
 * besides 0. */
static const char *error_list(header_emitter *e, const zidl__decl *actor, const zidl__handler *h,
                              call_kind kind)
{
    const char *reply_name = h->has_reply ? h->reply_message->name : "";
    const char *errors[10];
    size_t count = 0;
    const char *message_broken = breakage(e, h->message, "*msg");
    const char *reply_broken = kind == CALL_ASK ? breakage(e, h->reply_message, "the reply") : NULL;
    if (message_broken != NULL && reply_broken != NULL)
        errors[count++] = SECTION_TEXT(e, "error_invalid_message_or_reply",
                                       {"broken", message_broken}, {"reply_broken", reply_broken});
    else if (message_broken != NULL)
        errors[count++] = SECTION_TEXT(e, "error_invalid", {"broken", message_broken});
    else if (reply_broken != NULL)
        errors[count++] = SECTION_TEXT(e, "error_invalid_reply", {"broken", reply_broken});
    static const char *const arg_sections[] = {
        [CALL_SEND] = "error_arg_send",       [CALL_WAIT] = "error_arg_send",
        [CALL_TIMER] = "error_arg_timer",     [CALL_ASK] = "error_arg_ask",
        [CALL_REQUEST] = "error_arg_request",
    };
    errors[count++] = section_text(e, arg_sections[kind], NULL, 0);
    if (kind == CALL_WAIT)
        errors[count++] = section_text(e, "error_timedout_room", NULL, 0);
    const char *full = full_error(e, actor, kind);
    if (full != NULL)
        errors[count++] = full;
    if (kind == CALL_ASK) {
        errors[count++] = section_text(e, "error_timedout", NULL, 0);
        errors[count++] = section_text(e, "error_deadlock", NULL, 0);
    }
    if (kind == CALL_REQUEST)
        errors[count++] = SECTION_TEXT(e, "error_no_reply_handler", {"reply_name", reply_name});
    errors[count++] = section_text(e, kind == CALL_ASK ? "error_dead_ask" : "error_dead", NULL, 0);
    errors[count++] = section_text(e, "error_stopped", NULL, 0);
    errors[count++] = section_text(e, "error_nomem", NULL, 0);
    zidl__strbuf text;
    zidl__strbuf_init(&text, e->arena->mem);
    for (size_t i = 0; i < count; i++)
        zidl__strbuf_printf(&text, "%s%s", i > 0 ? "; " : "", errors[i]);
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
    return result;
}

/* The comment of the next function in a run that returns the same codes:
 * the whole paragraph above the run's first function (the same paragraph
 * twice in a row would be noise), a line pointing to that function above
 * the others, so that each function has its doc comment (Doxygen). */
static void run_doc(header_emitter *e, const char **previous, const char **first,
                    const char *errors, const char *function, const char *section, const char *doc)
{
    if (*previous == NULL || strcmp(*previous, errors) != 0) {
        ZIDL__EXPAND(e->out, e->tmpl, section, {"doc", doc_comment(e, doc)});
        *first = function;
    } else {
        ZIDL__EXPAND(e->out, e->tmpl, "same_doc", {"first", *first});
    }
    *previous = errors;
}

/* The send functions, one comment above each run of them that can return
 * the same codes. */
static void emit_sends(header_emitter *e, const zidl__decl *actor, const char *ref)
{
    const char *previous = NULL;
    const char *first = NULL;
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL__HANDLER_MESSAGE || h->has_reply)
            continue;
        const char *errors = error_list(e, actor, h, CALL_SEND);
        const char *send = actor_function(e, actor, "send_", h->name);
        run_doc(e, &previous, &first, errors, send, "sends_doc",
                SECTION_TEXT(e, "send_doc", {"errors", errors}));
        ZIDL__EXPAND(e->out, e->tmpl, "send", {"send", send}, {"ref", ref},
                     {"message", zidl__c_name(e->arena, h->message->file, h->message->name, "")});
    }
}

/* The waiting send functions of a bounded actor, after the sends, one
 * comment above each run of them that can return the same codes. */
static void emit_send_waits(header_emitter *e, const zidl__decl *actor, const char *ref)
{
    if (actor->mailbox_bound == 0)
        return;
    const char *previous = NULL;
    const char *first = NULL;
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL__HANDLER_MESSAGE || h->has_reply)
            continue;
        const char *errors = error_list(e, actor, h, CALL_WAIT);
        const char *wait =
            actor_function(e, actor, "send_", zidl__arena_sprintf(e->arena, "%s_wait", h->name));
        run_doc(e, &previous, &first, errors, wait, "send_waits_comment",
                SECTION_TEXT(e, "send_wait_doc", {"errors", errors}));
        ZIDL__EXPAND(e->out, e->tmpl, "send_wait", {"wait", wait}, {"ref", ref},
                     {"message", zidl__c_name(e->arena, h->message->file, h->message->name, "")});
    }
}

/* Whether `on M;` has the timer functions send_M_after and send_M_every: not
 * when M holds bytes, which the runtime refuses for timers (the names are
 * reserved all the same, names.c). */
static bool has_timers(const zidl__handler *h)
{
    return h->kind == ZIDL__HANDLER_MESSAGE && !h->has_reply && !h->message->holds_bytes;
}

/* The timer functions, after the sends, one comment above each run of
 * them that can return the same codes. */
static void emit_timers(header_emitter *e, const zidl__decl *actor, const char *ref)
{
    const char *previous = NULL;
    const char *first = NULL;
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (!has_timers(h))
            continue;
        const char *errors = error_list(e, actor, h, CALL_TIMER);
        const char *after =
            actor_function(e, actor, "send_", zidl__arena_sprintf(e->arena, "%s_after", h->name));
        run_doc(e, &previous, &first, errors, after, "timers_comment",
                SECTION_TEXT(e, "timers_doc", {"errors", errors}));
        ZIDL__EXPAND(e->out, e->tmpl, "timers", {"after", after},
                     {"every", actor_function(e, actor, "send_",
                                              zidl__arena_sprintf(e->arena, "%s_every", h->name))},
                     {"ref", ref},
                     {"message", zidl__c_name(e->arena, h->message->file, h->message->name, "")});
    }
}

/* Each ask and request function with its own comment: their codes depend
 * on the message and on the reply. */
static void emit_requests(header_emitter *e, const zidl__decl *actor, const char *ref)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL__HANDLER_MESSAGE || !h->has_reply)
            continue;
        const char *message = zidl__c_name(e->arena, h->message->file, h->message->name, "");
        const zidl__decl *reply = h->reply_message;
        const char *ask_doc =
            SECTION_TEXT(e, "ask_doc", {"errors", error_list(e, actor, h, CALL_ASK)});
        ZIDL__EXPAND(e->out, e->tmpl, "ask", {"doc", doc_comment(e, ask_doc)},
                     {"ask", actor_function(e, actor, "ask_", h->name)}, {"ref", ref},
                     {"message", message},
                     {"reply", zidl__c_name(e->arena, reply->file, reply->name, "")});
        const char *request_doc =
            SECTION_TEXT(e, "request_doc", {"errors", error_list(e, actor, h, CALL_REQUEST)},
                         {"reply_name", reply->name});
        const char *request = actor_function(e, actor, "request_", h->name);
        const char *tracked = zidl__arena_sprintf(e->arena, "%s_tracked", request);
        const char *tracked_doc = SECTION_TEXT(e, "request_tracked_doc", {"request", request});
        const char *timeout_doc = SECTION_TEXT(e, "request_timeout_doc", {"tracked", tracked});
        ZIDL__EXPAND(e->out, e->tmpl, "request", {"doc", doc_comment(e, request_doc)},
                     {"request", request}, {"ref", ref}, {"message", message},
                     {"tracked_doc", doc_comment(e, tracked_doc)}, {"tracked", tracked},
                     {"timeout_doc", doc_comment(e, timeout_doc)},
                     {"timeout", zidl__arena_sprintf(e->arena, "%s_timeout", request)});
    }
}

/* Each request the actor handles: its promise type, defer and fulfil. */
static void emit_promises(header_emitter *e, const zidl__decl *actor)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL__HANDLER_MESSAGE || !h->has_reply)
            continue;
        const zidl__decl *reply = h->reply_message;
        const char *handler = actor_function(e, actor, "on_", h->name);
        const char *fulfil = actor_function(e, actor, "fulfil_", h->name);
        const char *broken = breakage(e, reply, "*reply");
        const char *invalid =
            broken != NULL ? SECTION_TEXT(e, "error_invalid_fulfil", {"broken", broken}) : "";
        const char *defer_doc = SECTION_TEXT(e, "defer_doc", {"handler", handler},
                                             {"name", actor->name}, {"fulfil", fulfil});
        const char *fulfil_doc = SECTION_TEXT(e, "fulfil_doc", {"handler", handler},
                                              {"name", actor->name}, {"invalid", invalid});
        ZIDL__EXPAND(
            e->out, e->tmpl, "promise", {"message_name", h->message->name}, {"name", actor->name},
            {"promise", zidl__c_name(e->arena, e->file, actor->name,
                                     zidl__arena_sprintf(e->arena, "_%s_promise", h->name))},
            {"defer_doc", doc_comment(e, defer_doc)},
            {"defer", actor_function(e, actor, "defer_", h->name)},
            {"fulfil_doc", doc_comment(e, fulfil_doc)}, {"fulfil", fulfil},
            {"reply", zidl__c_name(e->arena, reply->file, reply->name, "")});
    }
}

static void emit_actor(header_emitter *e, const zidl__decl *actor)
{
    const char *state = zidl__c_name(e->arena, e->file, actor->name, "");
    const char *ref = zidl__c_name(e->arena, e->file, actor->name, "_ref");
    ZIDL__EXPAND(e->out, e->tmpl, "actor_begin", {"name", actor->name});
    zidl__strbuf doc;
    zidl__strbuf_init(&doc, e->arena->mem);
    if (actor->doc != NULL)
        zidl__strbuf_puts(&doc, doc_lines(e, actor->doc, ""));
    else
        ZIDL__EXPAND(&doc, e->tmpl, "state_comment", {"name", actor->name});
    emit_struct(e, zidl__strbuf_str(&doc), actor->name, &actor->fields);
    zidl__strbuf_free(&doc);
    if (actor->mailbox_bound != 0)
        ZIDL__EXPAND(
            e->out, e->tmpl, "mailbox_bound", {"name", actor->name},
            {"macro", zidl__macro_name(e->arena, e->file, actor->name, "MAILBOX_BOUND")},
            {"bound", zidl__arena_sprintf(e->arena, "%lu", (unsigned long)actor->mailbox_bound)},
            {"policy", actor->mailbox_policy == ZIDL__MAILBOX_REFUSE ? "refuse" : "backpressure"});
    emit_request_envelopes(e, actor);
    emit_slot(e, actor);
    const char *spawn_doc =
        SECTION_TEXT(e, "spawn_doc", {"name", actor->name},
                     {"init_macro", zidl__macro_name(e->arena, e->file, actor->name, "INIT")});
    ZIDL__EXPAND(e->out, e->tmpl, "spawn", {"doc", doc_comment(e, spawn_doc)}, {"ref", ref},
                 {"state", state},
                 {"spawn", zidl__c_name(e->arena, e->file, actor->name, "_spawn")});
    ZIDL__EXPAND(e->out, e->tmpl, "monitor",
                 {"doc", doc_comment(e, SECTION_TEXT(e, "monitor_doc", {"name", actor->name}))},
                 {"monitor", zidl__c_name(e->arena, e->file, actor->name, "_monitor")},
                 {"ref", ref});
    const char *init_macro = zidl__macro_name(e->arena, e->file, actor->name, "INIT");
    ZIDL__EXPAND(
        e->out, e->tmpl, "names",
        {"register_doc", doc_comment(e, SECTION_TEXT(e, "register_doc", {"name", actor->name}))},
        {"register", zidl__c_name(e->arena, e->file, actor->name, "_register")},
        {"lookup_doc", doc_comment(e, SECTION_TEXT(e, "lookup_doc", {"name", actor->name}))},
        {"lookup", zidl__c_name(e->arena, e->file, actor->name, "_lookup")},
        {"lookup_remote_doc",
         doc_comment(e, SECTION_TEXT(e, "lookup_remote_doc", {"name", actor->name}))},
        {"lookup_remote", zidl__c_name(e->arena, e->file, actor->name, "_lookup_remote")},
        {"child_doc", doc_comment(e, SECTION_TEXT(e, "child_doc", {"name", actor->name},
                                                  {"init_macro", init_macro}))},
        {"child", zidl__c_name(e->arena, e->file, actor->name, "_child")}, {"ref", ref},
        {"state", state});
    emit_sends(e, actor, ref);
    emit_send_waits(e, actor, ref);
    emit_timers(e, actor, ref);
    emit_requests(e, actor, ref);
    emit_promises(e, actor);

    /* The down handler's comment names the typed monitor functions the
     * way the package spells them: "chat_X_monitor". */
    const char *any_monitor = zidl__c_name(e->arena, e->file, "X", "_monitor");
    if (actor->handlers.count > 0)
        ZIDL__EXPAND(e->out, e->tmpl, "handlers_comment", {"name", actor->name});
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        const char *function = zidl__c_name(e->arena, e->file, actor->name,
                                            zidl__arena_sprintf(e->arena, "_on_%s", h->name));
        if (h->kind == ZIDL__HANDLER_MESSAGE && h->has_reply)
            ZIDL__EXPAND(e->out, e->tmpl, "reply_handler", {"doc", doc_lines(e, h->doc, "")},
                         {"function", function}, {"state", state},
                         {"message",
                          zidl__c_name(e->arena, h->message->file, h->message->name, "")},
                         {"reply", zidl__c_name(e->arena, h->reply_message->file,
                                                h->reply_message->name, "")});
        else if (h->kind == ZIDL__HANDLER_MESSAGE)
            ZIDL__EXPAND(e->out, e->tmpl, "handler", {"doc", doc_lines(e, h->doc, "")},
                         {"function", function}, {"state", state},
                         {"message",
                          zidl__c_name(e->arena, h->message->file, h->message->name, "")});
        else if (h->kind == ZIDL__HANDLER_DOWN)
            ZIDL__EXPAND(e->out, e->tmpl, "down_handler", {"doc", doc_lines(e, h->doc, "")},
                         {"about", doc_comment(e, SECTION_TEXT(e, "down_doc",
                                                               {"any_monitor", any_monitor}))},
                         {"function", function}, {"state", state});
        else if (h->kind == ZIDL__HANDLER_REQUEST_ERROR)
            ZIDL__EXPAND(e->out, e->tmpl, "request_error_handler",
                         {"doc", doc_lines(e, h->doc, "")},
                         {"about", doc_comment(e, section_text(e, "request_error_doc", NULL, 0))},
                         {"function", function}, {"state", state});
        else if (h->kind == ZIDL__HANDLER_IO)
            ZIDL__EXPAND(e->out, e->tmpl, "io_handler", {"doc", doc_lines(e, h->doc, "")},
                         {"about", doc_comment(e, section_text(e, "io_doc", NULL, 0))},
                         {"function", function}, {"state", state});
        else
            ZIDL__EXPAND(e->out, e->tmpl, "hook", {"doc", doc_lines(e, h->doc, "")},
                         {"function", function}, {"state", state});
    }
}

/* `#include "x.zidl.h"` for each file imported directly; those include
 * the headers of their own imports. */
/* The wire functions of the messages that travel (no ptr), in declaration
 * order, and the file's table of them. */
static void emit_wire(header_emitter *e)
{
    size_t count = 0;
    for (size_t i = 0; i < e->file->decls.count; i++) {
        const zidl__decl *decl = e->file->decls.items[i];
        if (decl->kind != ZIDL__DECL_MESSAGE || decl->holds_ptr)
            continue;
        if (count++ == 0)
            zidl__template_expand(e->out, e->tmpl, "wire_begin", NULL, 0);
        ZIDL__EXPAND(e->out, e->tmpl, "wire_message",
                     {"size", zidl__c_name(e->arena, e->file, decl->name, "_wire_size")},
                     {"encode", zidl__c_name(e->arena, e->file, decl->name, "_wire_encode")},
                     {"decode", zidl__c_name(e->arena, e->file, decl->name, "_wire_decode")},
                     {"type", zidl__c_name(e->arena, e->file, decl->name, "")});
    }
    if (count > 0)
        ZIDL__EXPAND(e->out, e->tmpl, "wire_table",
                     {"count_macro", zidl__wire_count_name(e->arena, e->file)},
                     {"count", zidl__arena_sprintf(e->arena, "%zu", count)},
                     {"table", zidl__wire_table_name(e->arena, e->file)});
}

static const char *import_includes(header_emitter *e)
{
    zidl__strbuf text;
    zidl__strbuf_init(&text, e->arena->mem);
    for (size_t i = 0; i < e->file->imports.count; i++)
        zidl__strbuf_printf(&text, "#include \"%s\"\n",
                            zidl__header_file_name(e->arena, e->file->imports.items[i]->file));
    char *result = zidl__arena_strdup(e->arena, zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
    return result;
}

void zidl__emit_header(const zidl__file *file, zidl__arena *arena, zidl__strbuf *out)
{
    header_emitter e = {file, arena, out, zidl__template_text(arena->mem, "header.h.tmpl")};
    const char *guard = zidl__guard_name(arena, file);
    ZIDL__EXPAND(out, e.tmpl, "file_begin", {"version", ZIDL_VERSION_STRING},
                 {"runtime_major", ZIDL_RUNTIME_VERSION_MAJOR_TEXT},
                 {"runtime_minor", ZIDL_RUNTIME_VERSION_MINOR_TEXT}, {"source", file->base},
                 {"header", zidl__header_file_name(arena, file)},
                 {"file_doc", doc_lines(&e, file->doc, "")}, {"guard", guard},
                 {"imports", import_includes(&e)});

    if (has_kind(file, ZIDL__DECL_ACTOR)) {
        zidl__template_expand(out, e.tmpl, "refs_begin", NULL, 0);
        for (size_t i = 0; i < file->decls.count; i++) {
            const zidl__decl *decl = file->decls.items[i];
            if (decl->kind == ZIDL__DECL_ACTOR)
                ZIDL__EXPAND(out, e.tmpl, "actor_ref", {"name", decl->name},
                             {"ref", zidl__c_name(arena, file, decl->name, "_ref")});
        }
    }

    if (has_kind(file, ZIDL__DECL_ENUM)) {
        zidl__template_expand(out, e.tmpl, "enums_begin", NULL, 0);
        for (size_t i = 0; i < file->decls.count; i++) {
            if (file->decls.items[i]->kind == ZIDL__DECL_ENUM)
                emit_enum(&e, file->decls.items[i]);
        }
    }

    if (file->data_order.count > 0)
        zidl__template_expand(out, e.tmpl, "data_begin", NULL, 0);
    for (size_t i = 0; i < file->data_order.count; i++) {
        const zidl__decl *decl = file->data_order.items[i];
        emit_struct(&e, doc_lines(&e, decl->doc, ""), decl->name, &decl->fields);
        if (decl->kind == ZIDL__DECL_MESSAGE)
            emit_message_macros(&e, decl);
    }

    emit_wire(&e);

    for (size_t i = 0; i < file->decls.count; i++) {
        if (file->decls.items[i]->kind == ZIDL__DECL_ACTOR)
            emit_actor(&e, file->decls.items[i]);
    }

    ZIDL__EXPAND(out, e.tmpl, "file_end", {"guard", guard});
    zidl__wrap_lines(out);
}
