/* resolve.c - names to declarations.
 *
 * Names may be used before they are declared, so all declarations are
 * entered first, then every use is looked up. A file sees its own
 * declarations and those of the files it imports directly (not those
 * they import in turn). `p.Name` looks in the visible files whose package
 * is p; a bare `Name` is accepted when exactly one visible declaration has
 * that name, and is ambiguous otherwise. A name that is not found gets
 * the closest visible name of the right kind as a suggestion. */
#include <string.h>

#include "passes.h"
#include "suggest.h"

/* Which declarations a use of a name wants, for suggestions. */
typedef enum wanted_kind { WANT_DATA_TYPE, WANT_ACTOR, WANT_MESSAGE } wanted_kind;

typedef struct resolver {
    zidl__file *file;
    zidl__diag *diag;
    zidl__arena *arena;
    /* The visible files, each once: the file itself, then its imports (a
     * file imported twice, an error already reported, is looked in once). */
    ZIDL__LIST(zidl__file) visible;
    ZIDL__LIST(zidl__import) visible_via; /* the import of each; NULL for itself */
    zidl__symtab visible_keys;
} resolver;

static void enter_decls(resolver *r)
{
    for (size_t i = 0; i < r->file->decls.count; i++) {
        zidl__decl *decl = r->file->decls.items[i];
        zidl__decl *first = zidl__symtab_put(&r->file->decl_table, decl->name, decl);
        if (first == NULL)
            continue;
        zidl__diag_report(r->diag, r->file, decl->loc, ZIDL__ERROR, "duplicate declaration of '%s'",
                          decl->name);
        zidl__diag_report(r->diag, r->file, first->loc, ZIDL__NOTE,
                          "'%s' was first declared here as %s %s", first->name,
                          zidl__decl_kind_article(first->kind), zidl__decl_kind_name(first->kind));
    }
}

static size_t visible_count(const resolver *r)
{
    return r->visible.count;
}

static const zidl__file *visible_file(const resolver *r, size_t i)
{
    return r->visible.items[i];
}

static void add_visible(resolver *r, zidl__file *file, zidl__import *via)
{
    if (zidl__symtab_put(&r->visible_keys, file->key, file) != NULL)
        return;
    ZIDL__LIST_PUSH(r->arena, r->visible, file);
    ZIDL__LIST_PUSH(r->arena, r->visible_via, via);
}

/* How a declaration is written from this file: bare when it is the
 * file's own or its file has no package, else package.Name. */
static const char *spelling(const resolver *r, const zidl__decl *decl)
{
    const char *package = zidl__file_package(decl->file);
    if (decl->file == r->file || package == NULL)
        return decl->name;
    return zidl__arena_sprintf(r->arena, "%s.%s", package, decl->name);
}

/* "p.Name", or "Name" for a file without a package. */
static const char *qualified(const resolver *r, const zidl__decl *decl)
{
    const char *package = zidl__file_package(decl->file);
    if (package == NULL)
        return decl->name;
    return zidl__arena_sprintf(r->arena, "%s.%s", package, decl->name);
}

static void report_ambiguous(resolver *r, const char *name, zidl__loc loc, zidl__decl *const *found,
                             size_t count)
{
    zidl__strbuf list;
    zidl__strbuf_init(&list, r->arena->mem);
    for (size_t i = 0; i < count; i++)
        zidl__strbuf_printf(&list, "%s'%s' from '%s'",
                            i == 0           ? ""
                            : i + 1 == count ? " or "
                                             : ", ",
                            qualified(r, found[i]), found[i]->file->path);
    zidl__diag_report(r->diag, r->file, loc, ZIDL__ERROR,
                      "'%s' is ambiguous: it may be %s; write the package name to choose", name,
                      zidl__strbuf_str(&list));
    zidl__strbuf_free(&list);
    for (size_t i = 0; i < count; i++)
        zidl__diag_report(r->diag, found[i]->file, found[i]->loc, ZIDL__NOTE,
                          "'%s' is declared here", qualified(r, found[i]));
}

/* The declaration a name refers to, or NULL: *ambiguous tells whether an
 * ambiguity was reported, else the name is unknown. */
static zidl__decl *lookup(resolver *r, const char *name, zidl__loc loc, bool *ambiguous)
{
    *ambiguous = false;
    const char *dot = strrchr(name, '.');
    const char *bare = dot != NULL ? dot + 1 : name;
    size_t package_len = dot != NULL ? (size_t)(dot - name) : 0;
    zidl__decl *found[8];
    size_t found_count = 0;
    size_t found_in = 0;
    for (size_t i = 0; i < visible_count(r); i++) {
        const zidl__file *file = visible_file(r, i);
        const char *package = zidl__file_package(file);
        if (dot != NULL && (package == NULL || strlen(package) != package_len ||
                            strncmp(package, name, package_len) != 0))
            continue;
        zidl__decl *decl = zidl__symtab_get(&file->decl_table, bare);
        if (decl == NULL)
            continue;
        if (found_count < sizeof found / sizeof found[0])
            found[found_count] = decl;
        found_count++;
        found_in = i;
    }
    if (found_count > 1) {
        size_t shown = found_count < sizeof found / sizeof found[0]
                           ? found_count
                           : sizeof found / sizeof found[0];
        report_ambiguous(r, name, loc, found, shown);
        *ambiguous = true;
        return NULL;
    }
    if (found_count == 0)
        return NULL;
    if (r->visible_via.items[found_in] != NULL)
        r->visible_via.items[found_in]->used = true;
    return found[0];
}

static bool kind_fits(wanted_kind want, zidl__decl_kind kind)
{
    switch (want) {
    case WANT_DATA_TYPE:
        return kind != ZIDL__DECL_ACTOR;
    case WANT_ACTOR:
        return kind == ZIDL__DECL_ACTOR;
    case WANT_MESSAGE:
        return kind == ZIDL__DECL_MESSAGE;
    }
    return false;
}

/* "; did you mean 'X'?" for the closest visible name of the wanted kind,
 * or "". */
static const char *suggestion(resolver *r, const char *name, wanted_kind want)
{
    if (r->file->gave_up)
        return ""; /* nothing more will be shown */
    const char *dot = strrchr(name, '.');
    zidl__suggestion s;
    zidl__suggest_init(&s, dot != NULL ? dot + 1 : name);
    for (size_t i = 0; i < visible_count(r); i++) {
        const zidl__file *file = visible_file(r, i);
        for (size_t j = 0; j < file->decls.count; j++) {
            const zidl__decl *decl = file->decls.items[j];
            if (kind_fits(want, decl->kind))
                zidl__suggest_consider(&s, decl->name, decl);
        }
    }
    if (s.best == NULL)
        return "";
    const char *text = spelling(r, s.best);
    if (strcmp(text, name) == 0)
        return ""; /* found under this name, but not visible: no help */
    return zidl__arena_sprintf(r->arena, "; did you mean '%s'?", text);
}

/* A declaration of that name in a file imported only indirectly, which
 * the user most likely meant: searched breadth-first, nearest first. */
static const zidl__decl *find_indirect(resolver *r, const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *bare = dot != NULL ? dot + 1 : name;
    ZIDL__LIST(zidl__file) queue = {0};
    zidl__symtab seen;
    zidl__symtab_init(&seen, r->arena->mem);
    zidl__symtab_put(&seen, r->file->key, r->file);
    ZIDL__LIST_PUSH(r->arena, queue, r->file);
    const zidl__decl *found = NULL;
    for (size_t head = 0; head < queue.count && found == NULL; head++) {
        const zidl__file *file = queue.items[head];
        if (zidl__symtab_get(&r->visible_keys, file->key) == NULL)
            found = zidl__symtab_get(&file->decl_table, bare);
        for (size_t i = 0; i < file->imports.count; i++) {
            zidl__file *next = file->imports.items[i]->file;
            if (next != NULL && next->resolved && zidl__symtab_put(&seen, next->key, next) == NULL)
                ZIDL__LIST_PUSH(r->arena, queue, next);
        }
    }
    zidl__symtab_free(&seen);
    return found;
}

/* After "unknown ...": where a name that is not visible is declared. */
static void note_indirect(resolver *r, const char *name)
{
    if (r->file->gave_up)
        return;
    const zidl__decl *decl = find_indirect(r, name);
    if (decl != NULL)
        zidl__diag_report(r->diag, decl->file, decl->loc, ZIDL__NOTE,
                          "'%s' is declared in '%s', which '%s' does not import directly",
                          decl->name, decl->file->path, r->file->path);
}

static void resolve_named(resolver *r, zidl__type *type)
{
    if (strcmp(type->name, "ptr") == 0) {
        type->kind = ZIDL__TYPE_PTR;
        return;
    }
    if (strcmp(type->name, "bytes") == 0) {
        type->kind = ZIDL__TYPE_BYTES;
        return;
    }
    if (zidl__scalar_lookup(type->name, &type->scalar)) {
        type->kind = ZIDL__TYPE_SCALAR;
        return;
    }
    bool ambiguous;
    zidl__decl *decl = lookup(r, type->name, type->loc, &ambiguous);
    if (decl == NULL) {
        if (!ambiguous) {
            zidl__diag_report(r->diag, r->file, type->loc, ZIDL__ERROR, "unknown type '%s'%s",
                              type->name, suggestion(r, type->name, WANT_DATA_TYPE));
            note_indirect(r, type->name);
        }
        return;
    }
    if (decl->kind == ZIDL__DECL_ACTOR) {
        zidl__diag_report(
            r->diag, r->file, type->loc, ZIDL__ERROR,
            "'%s' is an actor, not a data type; a field refers to an actor as 'ref<%s>'",
            type->name, type->name);
        return;
    }
    type->kind = ZIDL__TYPE_DECL;
    type->decl = decl;
    decl->used_as_type = true;
}

static void resolve_ref(resolver *r, zidl__type *type)
{
    bool ambiguous;
    zidl__decl *decl = lookup(r, type->name, type->name_loc, &ambiguous);
    if (decl == NULL) {
        if (!ambiguous) {
            zidl__diag_report(r->diag, r->file, type->name_loc, ZIDL__ERROR,
                              "unknown actor '%s' in ref<>%s", type->name,
                              suggestion(r, type->name, WANT_ACTOR));
            note_indirect(r, type->name);
        }
    } else if (decl->kind != ZIDL__DECL_ACTOR) {
        zidl__diag_report(r->diag, r->file, type->name_loc, ZIDL__ERROR,
                          "ref<> needs an actor, but '%s' is %s %s", type->name,
                          zidl__decl_kind_article(decl->kind), zidl__decl_kind_name(decl->kind));
        zidl__diag_report(r->diag, decl->file, decl->loc, ZIDL__NOTE, "'%s' is declared here",
                          decl->name);
    } else {
        type->decl = decl;
    }
}

static void resolve_fields(resolver *r, zidl__field_list *fields)
{
    for (size_t i = 0; i < fields->count; i++) {
        zidl__type *type = &fields->items[i]->type;
        if (type->kind == ZIDL__TYPE_NAMED)
            resolve_named(r, type);
        else if (type->kind == ZIDL__TYPE_REF)
            resolve_ref(r, type);
    }
}

/* The message after `->`, or NULL (reported). A reply counts as a use of
 * its message. */
static zidl__decl *resolve_reply(resolver *r, const zidl__handler *h)
{
    bool ambiguous;
    zidl__decl *decl = lookup(r, h->reply, h->reply_loc, &ambiguous);
    if (decl == NULL) {
        if (!ambiguous) {
            zidl__diag_report(r->diag, r->file, h->reply_loc, ZIDL__ERROR,
                              "unknown reply message '%s'%s", h->reply,
                              suggestion(r, h->reply, WANT_MESSAGE));
            note_indirect(r, h->reply);
        }
        return NULL;
    }
    if (decl->kind != ZIDL__DECL_MESSAGE) {
        zidl__diag_report(r->diag, r->file, h->reply_loc, ZIDL__ERROR,
                          "a reply is a message, but '%s' is %s %s", h->reply,
                          zidl__decl_kind_article(decl->kind), zidl__decl_kind_name(decl->kind));
        zidl__diag_report(r->diag, decl->file, decl->loc, ZIDL__NOTE, "'%s' is declared here",
                          decl->name);
        return NULL;
    }
    decl->handled = true;
    return decl;
}

/* Whether a message of that bare name is visible, without reporting
 * anything or marking an import used. */
static bool message_visible(const resolver *r, const char *name)
{
    for (size_t i = 0; i < visible_count(r); i++) {
        const zidl__decl *decl = zidl__symtab_get(&visible_file(r, i)->decl_table, name);
        if (decl != NULL && decl->kind == ZIDL__DECL_MESSAGE)
            return true;
    }
    return false;
}

static void resolve_handler(resolver *r, zidl__handler *h)
{
    if (strcmp(h->name, "start") == 0) {
        h->kind = ZIDL__HANDLER_START;
        return;
    }
    if (strcmp(h->name, "stop") == 0) {
        h->kind = ZIDL__HANDLER_STOP;
        return;
    }
    /* `on down;` came after messages named `down` were allowed: where one
     * is visible the line keeps meaning what it meant before, handling
     * that message, so that no existing schema changes. */
    if (strcmp(h->name, "down") == 0 && !message_visible(r, h->name)) {
        h->kind = ZIDL__HANDLER_DOWN;
        return;
    }
    /* Likewise `on request_error;`, which came later still, and `on io;`. */
    if (strcmp(h->name, "request_error") == 0 && !message_visible(r, h->name)) {
        h->kind = ZIDL__HANDLER_REQUEST_ERROR;
        return;
    }
    if (strcmp(h->name, "io") == 0 && !message_visible(r, h->name)) {
        h->kind = ZIDL__HANDLER_IO;
        return;
    }
    h->kind = ZIDL__HANDLER_MESSAGE;
    bool ambiguous;
    zidl__decl *decl = lookup(r, h->name, h->name_loc, &ambiguous);
    if (decl == NULL) {
        if (!ambiguous) {
            zidl__diag_report(r->diag, r->file, h->name_loc, ZIDL__ERROR, "unknown message '%s'%s",
                              h->name, suggestion(r, h->name, WANT_MESSAGE));
            note_indirect(r, h->name);
        }
    } else if (decl->kind != ZIDL__DECL_MESSAGE) {
        zidl__diag_report(r->diag, r->file, h->name_loc, ZIDL__ERROR,
                          "an actor handles messages, but '%s' is %s %s", h->name,
                          zidl__decl_kind_article(decl->kind), zidl__decl_kind_name(decl->kind));
        zidl__diag_report(r->diag, decl->file, decl->loc, ZIDL__NOTE, "'%s' is declared here",
                          decl->name);
    } else {
        h->message = decl;
        /* Generated names use the message's own name: `on common.Tag;`
         * gives _on_Tag and _send_Tag. */
        h->name = decl->name;
        decl->handled = true;
    }
    if (h->has_reply)
        h->reply_message = resolve_reply(r, h);
}

void zidl__resolve(zidl__file *file, zidl__diag *diag, zidl__arena *arena)
{
    resolver r = {file, diag, arena, {0}, {0}, {0}};
    zidl__symtab_init(&r.visible_keys, arena->mem);
    add_visible(&r, file, NULL);
    for (size_t i = 0; i < file->imports.count; i++)
        add_visible(&r, file->imports.items[i]->file, file->imports.items[i]);
    enter_decls(&r);
    for (size_t i = 0; i < file->decls.count; i++) {
        zidl__decl *decl = file->decls.items[i];
        resolve_fields(&r, &decl->fields);
        for (size_t j = 0; j < decl->handlers.count; j++)
            resolve_handler(&r, decl->handlers.items[j]);
    }
    zidl__symtab_free(&r.visible_keys);
    file->resolved = true;
}
