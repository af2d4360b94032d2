/* compat.c - zidl_check_compat(): the changes between two versions of a
 * schema that break the wire (docs/wire.md#compatibility).
 *
 * A frame names its message by type id, which hashes the message's
 * canonical form (layout.c): the package, the name, and every field's name
 * and type in order, nested types expanded. So a message of OLD still
 * travels to a NEW peer exactly when NEW has a message of the same
 * qualified name and the same canonical form. For each message of OLD's
 * file whose form differs, the fields are compared to say why: removed,
 * added, renamed, moved, retyped, a string bound or array length, an
 * enumerator removed, added or renumbered, an enum's underlying type;
 * nested structs and messages are compared the same way, each pair once.
 * Changes are errors at NEW's positions; a removed message is reported at
 * OLD's. A message only NEW has breaks nothing: old peers never send it. */
#include <string.h>

#include "compat.h"
#include "names.h"

typedef struct comparer {
    zidl__diag *diag;
    zidl__arena *arena;
    zidl__file *old_file; /* the root files, for positions of removals */
    zidl__file *new_file;
    zidl__symtab compared; /* "old canonical\nnew canonical" of the pairs done */
    unsigned changes;
} comparer;

static const char *qualified(comparer *c, const zidl__decl *decl)
{
    return zidl__qualified_name(c->arena, decl->file, decl->name);
}

/* A field's element type as written in the canonical form: "u32",
 * "string<8>", "ref<p.A>", or the declaration's qualified name. */
static const char *type_text(comparer *c, const zidl__type *type)
{
    switch (type->kind) {
    case ZIDL__TYPE_SCALAR:
        return zidl__scalar_name(type->scalar);
    case ZIDL__TYPE_STRING:
        return zidl__arena_sprintf(c->arena, "string<%llu>", (unsigned long long)type->string_max);
    case ZIDL__TYPE_REF:
        return zidl__arena_sprintf(c->arena, "ref<%s>", qualified(c, type->decl));
    case ZIDL__TYPE_PTR:
        return "ptr";
    case ZIDL__TYPE_BYTES:
        return "bytes";
    case ZIDL__TYPE_DECL:
        return qualified(c, type->decl);
    case ZIDL__TYPE_NAMED:
        break;
    }
    return type->name;
}

static void report(comparer *c, zidl__file *file, zidl__loc loc, const char *text)
{
    zidl__diag_report(c->diag, file, loc, ZIDL__ERROR, "%s", text);
    c->changes++;
}

static const zidl__field *find_field(const zidl__decl *decl, const char *name, size_t *index)
{
    for (size_t i = 0; i < decl->fields.count; i++) {
        if (strcmp(decl->fields.items[i]->name, name) == 0) {
            *index = i;
            return decl->fields.items[i];
        }
    }
    return NULL;
}

static const zidl__enumerator *find_enumerator(const zidl__decl *decl, const char *name)
{
    for (size_t i = 0; i < decl->enumerators.count; i++) {
        if (strcmp(decl->enumerators.items[i]->name, name) == 0)
            return decl->enumerators.items[i];
    }
    return NULL;
}

static const char *value_text(comparer *c, const zidl__enumerator *en)
{
    return zidl__arena_sprintf(c->arena, "%s%llu", en->value.negative ? "-" : "",
                               (unsigned long long)en->value.magnitude);
}

static void compare_enums(comparer *c, const zidl__decl *old, const zidl__decl *new)
{
    zidl__file *file = new->file;
    if (old->underlying != new->underlying)
        report(c, file, new->loc,
               zidl__arena_sprintf(c->arena, "enum '%s' changed its underlying type from %s to %s",
                                   new->name, zidl__scalar_name(old->underlying),
                                   zidl__scalar_name(new->underlying)));
    for (size_t i = 0; i < old->enumerators.count; i++) {
        const zidl__enumerator *was = old->enumerators.items[i];
        const zidl__enumerator *now = find_enumerator(new, was->name);
        if (now == NULL)
            report(c, file, new->loc,
                   zidl__arena_sprintf(c->arena, "enumerator '%s' (%s) was removed from enum '%s'",
                                       was->name, value_text(c, was), new->name));
        else if (strcmp(value_text(c, was), value_text(c, now)) != 0)
            report(c, file, now->loc,
                   zidl__arena_sprintf(c->arena,
                                       "enumerator '%s' of enum '%s' was renumbered from %s to %s",
                                       now->name, new->name, value_text(c, was),
                                       value_text(c, now)));
    }
    for (size_t i = 0; i < new->enumerators.count; i++) {
        const zidl__enumerator *now = new->enumerators.items[i];
        if (find_enumerator(old, now->name) == NULL)
            report(c, file, now->loc,
                   zidl__arena_sprintf(c->arena,
                                       "enumerator '%s' was added to enum '%s' (the type ids of "
                                       "the messages that hold it change)",
                                       now->name, new->name));
    }
}

static void compare_decls(comparer *c, const zidl__decl *old, const zidl__decl *new);

/* Two fields of the same name: their types, bounds and lengths. */
static void compare_field(comparer *c, const zidl__decl *owner, const zidl__field *was,
                          const zidl__field *now)
{
    zidl__file *file = owner->file;
    const char *kind = zidl__decl_kind_name(owner->kind);
    if (was->is_array != now->is_array || (was->is_array && was->array_len != now->array_len)) {
        const char *from = was->is_array ? zidl__arena_sprintf(c->arena, "an array of %llu",
                                                               (unsigned long long)was->array_len)
                                         : "not an array";
        const char *to = now->is_array ? zidl__arena_sprintf(c->arena, "an array of %llu",
                                                             (unsigned long long)now->array_len)
                                       : "not an array";
        report(c, file, now->is_array ? now->array_loc : now->loc,
               zidl__arena_sprintf(c->arena, "field '%s' of %s '%s' was %s, now %s", now->name,
                                   kind, owner->name, from, to));
    }
    const zidl__type *a = &was->type, *b = &now->type;
    if (a->kind == ZIDL__TYPE_STRING && b->kind == ZIDL__TYPE_STRING) {
        if (a->string_max != b->string_max)
            report(c, file, b->loc,
                   zidl__arena_sprintf(c->arena,
                                       "field '%s' of %s '%s' changed its string bound from %llu "
                                       "to %llu",
                                       now->name, kind, owner->name,
                                       (unsigned long long)a->string_max,
                                       (unsigned long long)b->string_max));
        return;
    }
    const char *from = type_text(c, a), *to = type_text(c, b);
    if (strcmp(from, to) != 0) {
        report(c, file, b->loc,
               zidl__arena_sprintf(c->arena, "field '%s' of %s '%s' changed type from '%s' to '%s'",
                                   now->name, kind, owner->name, from, to));
        return;
    }
    if (a->kind == ZIDL__TYPE_DECL)
        compare_decls(c, a->decl, b->decl);
}

/* The fields of two versions of one struct or message. */
static void compare_fields(comparer *c, const zidl__decl *old, const zidl__decl *new)
{
    zidl__file *file = new->file;
    const char *kind = zidl__decl_kind_name(new->kind);
    bool *renamed = zidl__arena_alloc(c->arena, old->fields.count + 1);
    memset(renamed, 0, old->fields.count + 1);
    for (size_t i = 0; i < new->fields.count; i++) {
        const zidl__field *now = new->fields.items[i];
        size_t at;
        const zidl__field *was = find_field(old, now->name, &at);
        if (was == NULL) {
            /* A new name where OLD had a name NEW lacks: a rename. */
            size_t ignored;
            if (i < old->fields.count &&
                find_field(new, old->fields.items[i]->name, &ignored) == NULL) {
                renamed[i] = true;
                report(c, file, now->loc,
                       zidl__arena_sprintf(c->arena, "field '%s' of %s '%s' was renamed to '%s'",
                                           old->fields.items[i]->name, kind, new->name, now->name));
            } else {
                report(c, file, now->loc,
                       zidl__arena_sprintf(c->arena, "field '%s' was added to %s '%s'", now->name,
                                           kind, new->name));
            }
            continue;
        }
        /* Each pair of fields whose order changed is reported once, at
         * the one that now comes first. */
        for (size_t j = i + 1; j < new->fields.count; j++) {
            size_t old_j;
            if (find_field(old, new->fields.items[j]->name, &old_j) != NULL && old_j < at) {
                report(c, file, now->loc,
                       zidl__arena_sprintf(c->arena,
                                           "field '%s' of %s '%s' moved before '%s' (it came "
                                           "after it)",
                                           now->name, kind, new->name, new->fields.items[j]->name));
                break;
            }
        }
        compare_field(c, new, was, now);
    }
    for (size_t i = 0; i < old->fields.count; i++) {
        const zidl__field *was = old->fields.items[i];
        size_t ignored;
        if (renamed[i] || find_field(new, was->name, &ignored) != NULL)
            continue;
        report(c, file, new->loc,
               zidl__arena_sprintf(c->arena, "field '%s' was removed from %s '%s'", was->name, kind,
                                   new->name));
        zidl__diag_report(c->diag, old->file, was->loc, ZIDL__NOTE, "'%s' was declared here",
                          was->name);
    }
}

/* Two versions of one type (same qualified name): each pair once. */
static void compare_decls(comparer *c, const zidl__decl *old, const zidl__decl *new)
{
    if (old->kind != new->kind) /* reported as a change of type already */
        return;
    if (old->canonical != NULL && new->canonical != NULL &&
        strcmp(old->canonical, new->canonical) == 0)
        return;
    /* A key by address: the declarations live as long as the run. */
    char *key = zidl__arena_sprintf(c->arena, "%p %p", (const void *)old, (const void *)new);
    if (zidl__symtab_put(&c->compared, key, key) != NULL)
        return;
    if (old->kind == ZIDL__DECL_ENUM)
        compare_enums(c, old, new);
    else
        compare_fields(c, old, new);
}

static const zidl__decl *find_message(comparer *c, const zidl__file *file, const char *name)
{
    for (size_t i = 0; i < file->decls.count; i++) {
        const zidl__decl *decl = file->decls.items[i];
        if (decl->kind == ZIDL__DECL_MESSAGE && strcmp(qualified(c, decl), name) == 0)
            return decl;
    }
    return NULL;
}

unsigned zidl__compare(zidl__file *old_file, zidl__file *new_file, zidl__diag *diag,
                       zidl__arena *arena)
{
    comparer c = {diag, arena, old_file, new_file, {0}, 0};
    zidl__symtab_init(&c.compared, arena->mem);
    for (size_t i = 0; i < old_file->decls.count; i++) {
        const zidl__decl *old = old_file->decls.items[i];
        if (old->kind != ZIDL__DECL_MESSAGE)
            continue;
        const char *name = qualified(&c, old);
        const zidl__decl *new = find_message(&c, new_file, name);
        if (new == NULL) {
            report(&c, old_file, old->loc,
                   zidl__arena_sprintf(arena,
                                       "message '%s' was removed or renamed (in OLD here): its "
                                       "type id 0x%08x is no longer known",
                                       name, (unsigned)old->type_id));
            continue;
        }
        if (old->type_id == new->type_id && strcmp(old->canonical, new->canonical) == 0)
            continue;
        unsigned before = c.changes;
        compare_decls(&c, old, new);
        if (c.changes == before) /* through a type compared for an earlier message */
            report(&c, new_file, new->loc,
                   zidl__arena_sprintf(arena,
                                       "message '%s' changed through a type it holds (above): its "
                                       "type id 0x%08x is now 0x%08x",
                                       new->name, (unsigned)old->type_id, (unsigned)new->type_id));
    }
    zidl__symtab_free(&c.compared);
    return c.changes;
}
