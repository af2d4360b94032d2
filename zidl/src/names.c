/* names.c - the naming scheme of the generated C API (spec section 3). */
#include "names.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

static char *concat(zidl__arena *arena, const char *a, const char *b, const char *c, const char *d)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c), ld = strlen(d);
    char *out = zidl__arena_alloc(arena, la + lb + lc + ld + 1);
    memcpy(out, a, la);
    memcpy(out + la, b, lb);
    memcpy(out + la + lb, c, lc);
    memcpy(out + la + lb + lc, d, ld);
    return out;
}

char *zidl__c_name(zidl__arena *arena, const zidl__file *file, const char *name, const char *suffix)
{
    const char *package = zidl__file_package(file);
    return concat(arena, package ? package : "", package ? "_" : "", name, suffix);
}

char *zidl__tag_enum_name(zidl__arena *arena, const zidl__file *file, const char *actor)
{
    return zidl__c_name(arena, file, actor, "_tag");
}

static void upcase(char *s);

char *zidl__tag_name(zidl__arena *arena, const zidl__file *file, const char *actor,
                     const char *message)
{
    char *out = zidl__c_name(arena, file, actor, concat(arena, "_TAG_", message, "", ""));
    upcase(out);
    return out;
}

char *zidl__down_tag_name(zidl__arena *arena, const zidl__file *file, const char *actor)
{
    char *out = zidl__c_name(arena, file, actor, "_DOWN_TAG");
    upcase(out);
    return out;
}

char *zidl__request_error_tag_name(zidl__arena *arena, const zidl__file *file, const char *actor)
{
    char *out = zidl__c_name(arena, file, actor, "_REQUEST_ERROR_TAG");
    upcase(out);
    return out;
}

char *zidl__io_tag_name(zidl__arena *arena, const zidl__file *file, const char *actor)
{
    char *out = zidl__c_name(arena, file, actor, "_IO_TAG");
    upcase(out);
    return out;
}

static void upcase(char *s)
{
    for (; *s != '\0'; s++)
        *s = (char)toupper((unsigned char)*s);
}

char *zidl__macro_name(zidl__arena *arena, const zidl__file *file, const char *name,
                       const char *suffix)
{
    char *out = zidl__c_name(arena, file, name, "");
    out = concat(arena, out, "_", suffix, "");
    upcase(out);
    return out;
}

char *zidl__guard_name(zidl__arena *arena, const zidl__file *file)
{
    bool digit_first = isdigit((unsigned char)file->base[0]);
    char *out = concat(arena, digit_first ? "ZIDL_" : "", file->base, "_H_INCLUDED", "");
    for (char *p = out; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p))
            *p = '_';
    }
    upcase(out);
    return out;
}

char *zidl__slot_member_name(zidl__arena *arena, const char *message)
{
    return concat(arena, "as_", message, "", "");
}

char *zidl__request_envelope_name(zidl__arena *arena, const zidl__file *file, const char *actor,
                                  const char *message)
{
    return zidl__c_name(arena, file, actor, concat(arena, "_", message, "_request", ""));
}

char *zidl__qualified_name(zidl__arena *arena, const zidl__file *file, const char *name)
{
    const char *package = zidl__file_package(file);
    return concat(arena, package ? package : "", package ? "." : "", name, "");
}

char *zidl__header_file_name(zidl__arena *arena, const zidl__file *file)
{
    return concat(arena, file->base, ".h", "", "");
}

char *zidl__source_file_name(zidl__arena *arena, const zidl__file *file)
{
    return concat(arena, file->base, ".c", "", "");
}

/* "room" for room.zidl: the file's base name without ".zidl", each
 * character that may not stand in a C name made '_', and "zidl_" in front
 * of a leading digit when no package prefix comes first. */
static char *file_stem(zidl__arena *arena, const zidl__file *file)
{
    size_t len = strlen(file->base);
    const char *ext = ".zidl";
    if (len > strlen(ext) && strcmp(file->base + len - strlen(ext), ext) == 0)
        len -= strlen(ext);
    bool digit_first = zidl__file_package(file) == NULL && isdigit((unsigned char)file->base[0]);
    char *stem = concat(arena, digit_first ? "zidl_" : "",
                        zidl__arena_strndup(arena, file->base, len), "", "");
    for (char *p = stem; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p))
            *p = '_';
    }
    return stem;
}

char *zidl__wire_table_name(zidl__arena *arena, const zidl__file *file)
{
    return zidl__c_name(arena, file, file_stem(arena, file), "_wire_table");
}

char *zidl__wire_count_name(zidl__arena *arena, const zidl__file *file)
{
    return zidl__macro_name(arena, file, file_stem(arena, file), "WIRE_COUNT");
}

char *zidl__skeleton_file_name(zidl__arena *arena, const zidl__file *file)
{
    size_t len = strlen(file->base);
    const char *ext = ".zidl";
    if (len > strlen(ext) && strcmp(file->base + len - strlen(ext), ext) == 0)
        len -= strlen(ext);
    char *stem = zidl__arena_strndup(arena, file->base, len);
    return concat(arena, stem, "_actors.c", "", "");
}

typedef struct emitter {
    zidl__arena *arena;
    zidl__name_fn fn;
    void *user;
} emitter;

static void emit(emitter *e, const char *name, zidl__loc loc, const char *what)
{
    zidl__generated_name gen = {name, loc, what};
    e->fn(e->user, &gen);
}

/* "<what> <kind> '<name>'", e.g. "the type of message 'Join'". */
static const char *describe(emitter *e, const char *what, const char *kind, const char *name)
{
    char *head = concat(e->arena, what, " ", kind, " '");
    return concat(e->arena, head, name, "'", "");
}

static void enum_names(emitter *e, const zidl__file *file, const zidl__decl *decl)
{
    emit(e, zidl__c_name(e->arena, file, decl->name, ""), decl->loc,
         describe(e, "the type of", "enum", decl->name));
    emit(e, zidl__c_name(e->arena, file, decl->name, "_is_valid"), decl->loc,
         describe(e, "the validity check of", "enum", decl->name));
    for (size_t i = 0; i < decl->enumerators.count; i++) {
        const zidl__enumerator *en = decl->enumerators.items[i];
        const char *qualified = concat(e->arena, decl->name, ".", en->name, "");
        emit(e, zidl__macro_name(e->arena, file, decl->name, en->name), en->loc,
             describe(e, "the constant of", "enumerator", qualified));
    }
}

static void struct_names(emitter *e, const zidl__file *file, const zidl__decl *decl)
{
    const char *kind = zidl__decl_kind_name(decl->kind);
    emit(e, zidl__c_name(e->arena, file, decl->name, ""), decl->loc,
         describe(e, "the type of", kind, decl->name));
    emit(e, zidl__c_name(e->arena, file, decl->name, "_is_valid"), decl->loc,
         describe(e, "the validity check of", kind, decl->name));
    emit(e, zidl__c_name(e->arena, file, decl->name, "_drop"), decl->loc,
         describe(e, "the bytes release function of", kind, decl->name));
    emit(e, zidl__macro_name(e->arena, file, decl->name, "INIT"), decl->loc,
         describe(e, "the initialiser macro of", kind, decl->name));
    /* The wire functions are reserved also for a type that holds a ptr
     * and has none: adding a ptr then never makes a name free or clash. */
    static const struct {
        const char *suffix;
        const char *what;
    } wire[] = {
        {"_wire_measure", "the wire size function of"},
        {"_wire_put", "the wire writer of"},
        {"_wire_get", "the wire reader of"},
    };
    for (size_t i = 0; i < sizeof wire / sizeof wire[0]; i++)
        emit(e, zidl__c_name(e->arena, file, decl->name, wire[i].suffix), decl->loc,
             describe(e, wire[i].what, kind, decl->name));
    if (decl->kind != ZIDL__DECL_MESSAGE)
        return;
    emit(e, zidl__macro_name(e->arena, file, decl->name, "TYPE_ID"), decl->loc,
         describe(e, "the type id macro of", kind, decl->name));
    emit(e, zidl__macro_name(e->arena, file, decl->name, "SIZE_CLASS"), decl->loc,
         describe(e, "the size class macro of", kind, decl->name));
    emit(e, zidl__macro_name(e->arena, file, decl->name, "LOCAL_ONLY"), decl->loc,
         describe(e, "the local-only macro of", kind, decl->name));
    static const struct {
        const char *suffix;
        const char *what;
    } message_wire[] = {
        {"_wire_size", "the wire size function of"},
        {"_wire_encode", "the wire encoder of"},
        {"_wire_decode", "the wire decoder of"},
        {"_wire_size_any", "the wire table's size function of"},
        {"_wire_encode_any", "the wire table's encoder of"},
        {"_wire_decode_any", "the wire table's decoder of"},
    };
    for (size_t i = 0; i < sizeof message_wire / sizeof message_wire[0]; i++)
        emit(e, zidl__c_name(e->arena, file, decl->name, message_wire[i].suffix), decl->loc,
             describe(e, message_wire[i].what, kind, decl->name));
}

/* A name one `on` line gives rise to: the actor's name, prefix, the
 * handler's name, suffix. */
typedef struct handler_name {
    const char *prefix;
    const char *suffix;
    const char *what;
} handler_name;

/* Every `on` line. */
static const handler_name every_handler[] = {
    {"_on_", "", "the handler"},
    {"_dispatch_", "", "the dispatcher"},
};

/* `on M;`. The timer functions are reserved also when the message holds
 * bytes and they are not generated: adding a bytes field to a message
 * then never makes a name free or clash. */
static const handler_name message_handler[] = {
    {"_send_", "", "the send function"},
    {"_send_", "_after", "the delayed send function"},
    {"_send_", "_every", "the periodic send function"},
};

/* `on M;` in an actor with a `mailbox` line (only there: a schema that
 * declares no bound keeps every name it had). */
static const handler_name bounded_message_handler[] = {
    {"_send_", "_wait", "the waiting send function"},
};

/* `on M -> R;`. */
static const handler_name request_handler[] = {
    {"_ask_", "", "the ask function"},
    {"_request_", "", "the request function"},
    {"_request_", "_tracked", "the tracked request function"},
    {"_request_", "_timeout", "the request function with a timeout"},
    {"_", "_promise", "the promise type"},
    {"_defer_", "", "the defer function"},
    {"_fulfil_", "", "the fulfil function"},
    {"_drop_", "", "the request release function"},
};

static void emit_handler_names(emitter *e, const zidl__file *file, const zidl__decl *decl,
                               const zidl__handler *h, const char *subject,
                               const handler_name *names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        emit(e,
             zidl__c_name(e->arena, file, decl->name,
                          concat(e->arena, names[i].prefix, h->name, names[i].suffix, "")),
             h->loc, describe(e, names[i].what, "of", subject));
}

static void actor_names(emitter *e, const zidl__file *file, const zidl__decl *decl)
{
    static const struct {
        const char *suffix;
        const char *what;
    } fixed[] = {
        {"", "the state type of"},
        {"_ref", "the reference type of"},
        {"_slot", "the mailbox slot type of"},
        {"_spawn", "the spawn function of"},
        {"_monitor", "the monitor function of"},
        {"_register", "the name register function of"},
        {"_lookup", "the name lookup function of"},
        {"_lookup_remote", "the remote name lookup function of"},
        {"_child", "the supervisor child spec function of"},
        {"_handlers", "the dispatch table of"},
        {"_actor_type", "the type descriptor of"},
        {"_tag", "the enum of the handler tags of"},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        emit(e, zidl__c_name(e->arena, file, decl->name, fixed[i].suffix), decl->loc,
             describe(e, fixed[i].what, "actor", decl->name));
    emit(e, zidl__macro_name(e->arena, file, decl->name, "INIT"), decl->loc,
         describe(e, "the state initialiser macro of", "actor", decl->name));
    if (decl->mailbox_bound != 0)
        emit(e, zidl__macro_name(e->arena, file, decl->name, "MAILBOX_BOUND"), decl->loc,
             describe(e, "the mailbox bound macro of", "actor", decl->name));
    for (size_t i = 0; i < decl->handlers.count; i++) {
        const zidl__handler *h = decl->handlers.items[i];
        const char *in_actor = concat(e->arena, "' in actor '", decl->name, "", "");
        const char *subject = concat(e->arena, h->name, in_actor, "", "");
        emit_handler_names(e, file, decl, h, subject, every_handler,
                           sizeof every_handler / sizeof every_handler[0]);
        if (h->kind == ZIDL__HANDLER_DOWN)
            emit(e, zidl__down_tag_name(e->arena, file, decl->name), h->loc,
                 describe(e, "the handler tag", "of", subject));
        if (h->kind == ZIDL__HANDLER_REQUEST_ERROR)
            emit(e, zidl__request_error_tag_name(e->arena, file, decl->name), h->loc,
                 describe(e, "the handler tag", "of", subject));
        if (h->kind == ZIDL__HANDLER_IO)
            emit(e, zidl__io_tag_name(e->arena, file, decl->name), h->loc,
                 describe(e, "the handler tag", "of", subject));
        if (h->kind != ZIDL__HANDLER_MESSAGE)
            continue;
        emit(e, zidl__tag_name(e->arena, file, decl->name, h->name), h->loc,
             describe(e, "the handler tag", "of", subject));
        if (!h->has_reply) {
            emit_handler_names(e, file, decl, h, subject, message_handler,
                               sizeof message_handler / sizeof message_handler[0]);
            if (decl->mailbox_bound != 0)
                emit_handler_names(e, file, decl, h, subject, bounded_message_handler,
                                   sizeof bounded_message_handler /
                                       sizeof bounded_message_handler[0]);
            continue;
        }
        emit_handler_names(e, file, decl, h, subject, request_handler,
                           sizeof request_handler / sizeof request_handler[0]);
        emit(e, zidl__request_envelope_name(e->arena, file, decl->name, h->name), h->loc,
             describe(e, "the request envelope type", "of", subject));
    }
}

void zidl__names_for_each(zidl__arena *arena, const zidl__file *file, zidl__name_fn fn, void *user)
{
    emitter e = {arena, fn, user};
    zidl__loc start = {1, 1};
    emit(&e, zidl__guard_name(arena, file), start,
         concat(arena, "the include guard of ", file->base, "", ""));
    emit(&e, zidl__wire_table_name(arena, file), start,
         concat(arena, "the wire table of ", file->base, "", ""));
    emit(&e, zidl__wire_count_name(arena, file), start,
         concat(arena, "the wire table's count of ", file->base, "", ""));
    for (size_t i = 0; i < file->decls.count; i++) {
        const zidl__decl *decl = file->decls.items[i];
        switch (decl->kind) {
        case ZIDL__DECL_ENUM:
            enum_names(&e, file, decl);
            break;
        case ZIDL__DECL_STRUCT:
        case ZIDL__DECL_MESSAGE:
            struct_names(&e, file, decl);
            break;
        case ZIDL__DECL_ACTOR:
            actor_names(&e, file, decl);
            break;
        }
    }
}
