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
    zidl_file *file;
    zidl_diag *diag;
    zidl_arena *arena;
    /* The visible files, each once: the file itself, then its imports (a
     * file imported twice, an error already reported, is looked in once). */
    ZIDL_LIST(zidl_file) visible;
    ZIDL_LIST(zidl_import) visible_via; /* the import of each; NULL for itself */
    zidl_symtab visible_keys;
} resolver;

static void enter_decls(resolver *r)
{
    for (size_t i = 0; i < r->file->decls.count; i++) {
        zidl_decl *decl = r->file->decls.items[i];
        zidl_decl *first = zidl_symtab_put(&r->file->decl_table, decl->name, decl);
        if (first == NULL)
            continue;
        zidl_diag_report(r->diag, r->file, decl->loc, ZIDL_ERROR,
                         "duplicate declaration of '%s'", decl->name);
        zidl_diag_report(r->diag, r->file, first->loc, ZIDL_NOTE,
                         "'%s' was first declared here as %s %s", first->name,
                         zidl_decl_kind_article(first->kind),
                         zidl_decl_kind_name(first->kind));
    }
}

static size_t visible_count(const resolver *r)
{
    return r->visible.count;
}

static const zidl_file *visible_file(const resolver *r, size_t i)
{
    return r->visible.items[i];
}

static void add_visible(resolver *r, zidl_file *file, zidl_import *via)
{
    if (zidl_symtab_put(&r->visible_keys, file->key, file) != NULL)
        return;
    ZIDL_LIST_PUSH(r->arena, r->visible, file);
    ZIDL_LIST_PUSH(r->arena, r->visible_via, via);
}

/* How a declaration is written from this file: bare when it is the
 * file's own or its file has no package, else package.Name. */
static const char *spelling(const resolver *r, const zidl_decl *decl)
{
    const char *package = zidl_file_package(decl->file);
    if (decl->file == r->file || package == NULL)
        return decl->name;
    return zidl_arena_sprintf(r->arena, "%s.%s", package, decl->name);
}

/* "p.Name", or "Name" for a file without a package. */
static const char *qualified(const resolver *r, const zidl_decl *decl)
{
    const char *package = zidl_file_package(decl->file);
    if (package == NULL)
        return decl->name;
    return zidl_arena_sprintf(r->arena, "%s.%s", package, decl->name);
}

static void report_ambiguous(resolver *r, const char *name, zidl_loc loc,
                             zidl_decl *const *found, size_t count)
{
    zidl_strbuf list;
    zidl_strbuf_init(&list, r->arena->mem);
    for (size_t i = 0; i < count; i++)
        zidl_strbuf_printf(&list, "%s'%s' from '%s'",
                           i == 0 ? "" : i + 1 == count ? " or " : ", ",
                           qualified(r, found[i]), found[i]->file->path);
    zidl_diag_report(r->diag, r->file, loc, ZIDL_ERROR,
                     "'%s' is ambiguous: it may be %s; write the package name to choose",
                     name, zidl_strbuf_str(&list));
    zidl_strbuf_free(&list);
    for (size_t i = 0; i < count; i++)
        zidl_diag_report(r->diag, found[i]->file, found[i]->loc, ZIDL_NOTE,
                         "'%s' is declared here", qualified(r, found[i]));
}

/* The declaration a name refers to, or NULL: *ambiguous tells whether an
 * ambiguity was reported, else the name is unknown. */
static zidl_decl *lookup(resolver *r, const char *name, zidl_loc loc, bool *ambiguous)
{
    *ambiguous = false;
    const char *dot = strrchr(name, '.');
    const char *bare = dot != NULL ? dot + 1 : name;
    size_t package_len = dot != NULL ? (size_t)(dot - name) : 0;
    zidl_decl *found[8];
    size_t found_count = 0;
    size_t found_in = 0;
    for (size_t i = 0; i < visible_count(r); i++) {
        const zidl_file *file = visible_file(r, i);
        const char *package = zidl_file_package(file);
        if (dot != NULL && (package == NULL || strlen(package) != package_len ||
                            strncmp(package, name, package_len) != 0))
            continue;
        zidl_decl *decl = zidl_symtab_get(&file->decl_table, bare);
        if (decl == NULL)
            continue;
        if (found_count < sizeof found / sizeof found[0])
            found[found_count] = decl;
        found_count++;
        found_in = i;
    }
    if (found_count > 1) {
        size_t shown = found_count < sizeof found / sizeof found[0]
                           ? found_count : sizeof found / sizeof found[0];
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

static bool kind_fits(wanted_kind want, zidl_decl_kind kind)
{
    switch (want) {
    case WANT_DATA_TYPE:
        return kind != ZIDL_DECL_ACTOR;
    case WANT_ACTOR:
        return kind == ZIDL_DECL_ACTOR;
    case WANT_MESSAGE:
        return kind == ZIDL_DECL_MESSAGE;
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
    zidl_suggestion s;
    zidl_suggest_init(&s, dot != NULL ? dot + 1 : name);
    for (size_t i = 0; i < visible_count(r); i++) {
        const zidl_file *file = visible_file(r, i);
        for (size_t j = 0; j < file->decls.count; j++) {
            const zidl_decl *decl = file->decls.items[j];
            if (kind_fits(want, decl->kind))
                zidl_suggest_consider(&s, decl->name, decl);
        }
    }
    if (s.best == NULL)
        return "";
    const char *text = spelling(r, s.best);
    if (strcmp(text, name) == 0)
        return ""; /* found under this name, but not visible: no help */
    return zidl_arena_sprintf(r->arena, "; did you mean '%s'?", text);
}

/* A declaration of that name in a file imported only indirectly, which
 * the user most likely meant: searched breadth-first, nearest first. */
static const zidl_decl *find_indirect(resolver *r, const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *bare = dot != NULL ? dot + 1 : name;
    ZIDL_LIST(zidl_file) queue = {0};
    zidl_symtab seen;
    zidl_symtab_init(&seen, r->arena->mem);
    zidl_symtab_put(&seen, r->file->key, r->file);
    ZIDL_LIST_PUSH(r->arena, queue, r->file);
    const zidl_decl *found = NULL;
    for (size_t head = 0; head < queue.count && found == NULL; head++) {
        const zidl_file *file = queue.items[head];
        if (zidl_symtab_get(&r->visible_keys, file->key) == NULL)
            found = zidl_symtab_get(&file->decl_table, bare);
        for (size_t i = 0; i < file->imports.count; i++) {
            zidl_file *next = file->imports.items[i]->file;
            if (next != NULL && next->resolved && zidl_symtab_put(&seen, next->key, next) == NULL)
                ZIDL_LIST_PUSH(r->arena, queue, next);
        }
    }
    zidl_symtab_free(&seen);
    return found;
}

/* After "unknown ...": where a name that is not visible is declared. */
static void note_indirect(resolver *r, const char *name)
{
    if (r->file->gave_up)
        return;
    const zidl_decl *decl = find_indirect(r, name);
    if (decl != NULL)
        zidl_diag_report(r->diag, decl->file, decl->loc, ZIDL_NOTE,
                         "'%s' is declared in '%s', which '%s' does not import directly",
                         decl->name, decl->file->path, r->file->path);
}

static void resolve_named(resolver *r, zidl_type *type)
{
    if (strcmp(type->name, "ptr") == 0) {
        type->kind = ZIDL_TYPE_PTR;
        return;
    }
    if (strcmp(type->name, "bytes") == 0) {
        type->kind = ZIDL_TYPE_BYTES;
        return;
    }
    if (zidl_scalar_lookup(type->name, &type->scalar)) {
        type->kind = ZIDL_TYPE_SCALAR;
        return;
    }
    bool ambiguous;
    zidl_decl *decl = lookup(r, type->name, type->loc, &ambiguous);
    if (decl == NULL) {
        if (!ambiguous) {
            zidl_diag_report(r->diag, r->file, type->loc, ZIDL_ERROR, "unknown type '%s'%s",
                             type->name, suggestion(r, type->name, WANT_DATA_TYPE));
            note_indirect(r, type->name);
        }
        return;
    }
    if (decl->kind == ZIDL_DECL_ACTOR) {
        zidl_diag_report(r->diag, r->file, type->loc, ZIDL_ERROR,
                         "'%s' is an actor, not a data type; a field refers to an actor as 'ref<%s>'",
                         type->name, type->name);
        return;
    }
    type->kind = ZIDL_TYPE_DECL;
    type->decl = decl;
    decl->used_as_type = true;
}

static void resolve_ref(resolver *r, zidl_type *type)
{
    bool ambiguous;
    zidl_decl *decl = lookup(r, type->name, type->name_loc, &ambiguous);
    if (decl == NULL) {
        if (!ambiguous) {
            zidl_diag_report(r->diag, r->file, type->name_loc, ZIDL_ERROR,
                             "unknown actor '%s' in ref<>%s", type->name,
                             suggestion(r, type->name, WANT_ACTOR));
            note_indirect(r, type->name);
        }
    } else if (decl->kind != ZIDL_DECL_ACTOR) {
        zidl_diag_report(r->diag, r->file, type->name_loc, ZIDL_ERROR,
                         "ref<> needs an actor, but '%s' is %s %s", type->name,
                         zidl_decl_kind_article(decl->kind), zidl_decl_kind_name(decl->kind));
        zidl_diag_report(r->diag, decl->file, decl->loc, ZIDL_NOTE,
                         "'%s' is declared here", decl->name);
    } else {
        type->decl = decl;
    }
}

static void resolve_fields(resolver *r, zidl_field_list *fields)
{
    for (size_t i = 0; i < fields->count; i++) {
        zidl_type *type = &fields->items[i]->type;
        if (type->kind == ZIDL_TYPE_NAMED)
            resolve_named(r, type);
        else if (type->kind == ZIDL_TYPE_REF)
            resolve_ref(r, type);
    }
}

/* The message after `->`, or NULL (reported). A reply counts as a use of
 * its message. */
static zidl_decl *resolve_reply(resolver *r, const zidl_handler *h)
{
    bool ambiguous;
    zidl_decl *decl = lookup(r, h->reply, h->reply_loc, &ambiguous);
    if (decl == NULL) {
        if (!ambiguous) {
            zidl_diag_report(r->diag, r->file, h->reply_loc, ZIDL_ERROR,
                             "unknown reply message '%s'%s", h->reply,
                             suggestion(r, h->reply, WANT_MESSAGE));
            note_indirect(r, h->reply);
        }
        return NULL;
    }
    if (decl->kind != ZIDL_DECL_MESSAGE) {
        zidl_diag_report(r->diag, r->file, h->reply_loc, ZIDL_ERROR,
                         "a reply is a message, but '%s' is %s %s", h->reply,
                         zidl_decl_kind_article(decl->kind), zidl_decl_kind_name(decl->kind));
        zidl_diag_report(r->diag, decl->file, decl->loc, ZIDL_NOTE,
                         "'%s' is declared here", decl->name);
        return NULL;
    }
    decl->handled = true;
    return decl;
}

static void resolve_handler(resolver *r, zidl_handler *h)
{
    if (strcmp(h->name, "start") == 0) {
        h->kind = ZIDL_HANDLER_START;
        return;
    }
    if (strcmp(h->name, "stop") == 0) {
        h->kind = ZIDL_HANDLER_STOP;
        return;
    }
    h->kind = ZIDL_HANDLER_MESSAGE;
    bool ambiguous;
    zidl_decl *decl = lookup(r, h->name, h->name_loc, &ambiguous);
    if (decl == NULL) {
        if (!ambiguous) {
            zidl_diag_report(r->diag, r->file, h->name_loc, ZIDL_ERROR,
                             "unknown message '%s'%s", h->name,
                             suggestion(r, h->name, WANT_MESSAGE));
            note_indirect(r, h->name);
        }
    } else if (decl->kind != ZIDL_DECL_MESSAGE) {
        zidl_diag_report(r->diag, r->file, h->name_loc, ZIDL_ERROR,
                         "an actor handles messages, but '%s' is %s %s", h->name,
                         zidl_decl_kind_article(decl->kind), zidl_decl_kind_name(decl->kind));
        zidl_diag_report(r->diag, decl->file, decl->loc, ZIDL_NOTE,
                         "'%s' is declared here", decl->name);
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

void zidl_resolve(zidl_file *file, zidl_diag *diag, zidl_arena *arena)
{
    resolver r = {file, diag, arena, {0}, {0}, {0}};
    zidl_symtab_init(&r.visible_keys, arena->mem);
    add_visible(&r, file, NULL);
    for (size_t i = 0; i < file->imports.count; i++)
        add_visible(&r, file->imports.items[i]->file, file->imports.items[i]);
    enter_decls(&r);
    for (size_t i = 0; i < file->decls.count; i++) {
        zidl_decl *decl = file->decls.items[i];
        resolve_fields(&r, &decl->fields);
        for (size_t j = 0; j < decl->handlers.count; j++)
            resolve_handler(&r, decl->handlers.items[j]);
    }
    zidl_symtab_free(&r.visible_keys);
    file->resolved = true;
}
