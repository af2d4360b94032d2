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
    if (decl->kind != ZIDL__DECL_MESSAGE)
        return;
    emit(e, zidl__macro_name(e->arena, file, decl->name, "TYPE_ID"), decl->loc,
         describe(e, "the type id macro of", kind, decl->name));
    emit(e, zidl__macro_name(e->arena, file, decl->name, "SIZE_CLASS"), decl->loc,
         describe(e, "the size class macro of", kind, decl->name));
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
    for (size_t i = 0; i < decl->handlers.count; i++) {
        const zidl__handler *h = decl->handlers.items[i];
        const char *in_actor = concat(e->arena, "' in actor '", decl->name, "", "");
        const char *subject = concat(e->arena, h->name, in_actor, "", "");
        emit(e, zidl__c_name(e->arena, file, decl->name, concat(e->arena, "_on_", h->name, "", "")),
             h->loc, describe(e, "the handler", "of", subject));
        emit(e,
             zidl__c_name(e->arena, file, decl->name,
                          concat(e->arena, "_dispatch_", h->name, "", "")),
             h->loc, describe(e, "the dispatcher", "of", subject));
        if (h->kind == ZIDL__HANDLER_DOWN)
            emit(e, zidl__down_tag_name(e->arena, file, decl->name), h->loc,
                 describe(e, "the handler tag", "of", subject));
        if (h->kind == ZIDL__HANDLER_REQUEST_ERROR)
            emit(e, zidl__request_error_tag_name(e->arena, file, decl->name), h->loc,
                 describe(e, "the handler tag", "of", subject));
        if (h->kind != ZIDL__HANDLER_MESSAGE)
            continue;
        emit(e, zidl__tag_name(e->arena, file, decl->name, h->name), h->loc,
             describe(e, "the handler tag", "of", subject));
        if (!h->has_reply) {
            emit(e,
                 zidl__c_name(e->arena, file, decl->name,
                              concat(e->arena, "_send_", h->name, "", "")),
                 h->loc, describe(e, "the send function", "of", subject));
            /* Reserved also when the message holds bytes and the timer
             * functions are not generated: adding a bytes field to a
             * message then never makes a name free or clash. */
            emit(e,
                 zidl__c_name(e->arena, file, decl->name,
                              concat(e->arena, "_send_", h->name, "_after", "")),
                 h->loc, describe(e, "the delayed send function", "of", subject));
            emit(e,
                 zidl__c_name(e->arena, file, decl->name,
                              concat(e->arena, "_send_", h->name, "_every", "")),
                 h->loc, describe(e, "the periodic send function", "of", subject));
            continue;
        }
        emit(e,
             zidl__c_name(e->arena, file, decl->name, concat(e->arena, "_ask_", h->name, "", "")),
             h->loc, describe(e, "the ask function", "of", subject));
        emit(e,
             zidl__c_name(e->arena, file, decl->name,
                          concat(e->arena, "_request_", h->name, "", "")),
             h->loc, describe(e, "the request function", "of", subject));
        emit(e,
             zidl__c_name(e->arena, file, decl->name,
                          concat(e->arena, "_request_", h->name, "_tracked", "")),
             h->loc, describe(e, "the tracked request function", "of", subject));
        emit(e,
             zidl__c_name(e->arena, file, decl->name,
                          concat(e->arena, "_", h->name, "_promise", "")),
             h->loc, describe(e, "the promise type", "of", subject));
        emit(e,
             zidl__c_name(e->arena, file, decl->name, concat(e->arena, "_defer_", h->name, "", "")),
             h->loc, describe(e, "the defer function", "of", subject));
        emit(e,
             zidl__c_name(e->arena, file, decl->name,
                          concat(e->arena, "_fulfil_", h->name, "", "")),
             h->loc, describe(e, "the fulfil function", "of", subject));
        emit(e,
             zidl__c_name(e->arena, file, decl->name, concat(e->arena, "_drop_", h->name, "", "")),
             h->loc, describe(e, "the request release function", "of", subject));
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
