/* resolve.c - names to declarations.
 *
 * Names may be used before they are declared, so all declarations are
 * entered first, then every use is looked up. A name written `p.Name` is
 * accepted when p is the file's own package. */
#include <string.h>

#include "passes.h"

typedef struct resolver {
    zidl_file *file;
    zidl_diag *diag;
    zidl_symtab decls;
} resolver;

static void enter_decls(resolver *r)
{
    for (size_t i = 0; i < r->file->decls.count; i++) {
        zidl_decl *decl = r->file->decls.items[i];
        zidl_decl *first = zidl_symtab_put(&r->decls, decl->name, decl);
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

/* The declaration a name refers to, or NULL. */
static zidl_decl *lookup(const resolver *r, const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot == NULL)
        return zidl_symtab_get(&r->decls, name);
    const char *package = zidl_file_package(r->file);
    size_t package_len = (size_t)(dot - name);
    if (package == NULL || strlen(package) != package_len ||
        strncmp(package, name, package_len) != 0)
        return NULL;
    return zidl_symtab_get(&r->decls, dot + 1);
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
    zidl_decl *decl = lookup(r, type->name);
    if (decl == NULL) {
        zidl_diag_report(r->diag, r->file, type->loc, ZIDL_ERROR,
                         "unknown type '%s'", type->name);
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
}

static void resolve_ref(resolver *r, zidl_type *type)
{
    zidl_decl *decl = lookup(r, type->name);
    if (decl == NULL) {
        zidl_diag_report(r->diag, r->file, type->name_loc, ZIDL_ERROR,
                         "unknown actor '%s' in ref<>", type->name);
    } else if (decl->kind != ZIDL_DECL_ACTOR) {
        zidl_diag_report(r->diag, r->file, type->name_loc, ZIDL_ERROR,
                         "ref<> needs an actor, but '%s' is %s %s", type->name,
                         zidl_decl_kind_article(decl->kind), zidl_decl_kind_name(decl->kind));
        zidl_diag_report(r->diag, r->file, decl->loc, ZIDL_NOTE,
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

/* The message after `->`, or NULL (reported). */
static zidl_decl *resolve_reply(resolver *r, const zidl_handler *h)
{
    zidl_decl *decl = lookup(r, h->reply);
    if (decl == NULL) {
        zidl_diag_report(r->diag, r->file, h->reply_loc, ZIDL_ERROR,
                         "unknown reply message '%s'", h->reply);
        return NULL;
    }
    if (decl->kind != ZIDL_DECL_MESSAGE) {
        zidl_diag_report(r->diag, r->file, h->reply_loc, ZIDL_ERROR,
                         "a reply is a message, but '%s' is %s %s", h->reply,
                         zidl_decl_kind_article(decl->kind), zidl_decl_kind_name(decl->kind));
        zidl_diag_report(r->diag, r->file, decl->loc, ZIDL_NOTE,
                         "'%s' is declared here", decl->name);
        return NULL;
    }
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
    zidl_decl *decl = lookup(r, h->name);
    if (decl == NULL) {
        zidl_diag_report(r->diag, r->file, h->name_loc, ZIDL_ERROR,
                         "unknown message '%s'", h->name);
    } else if (decl->kind != ZIDL_DECL_MESSAGE) {
        zidl_diag_report(r->diag, r->file, h->name_loc, ZIDL_ERROR,
                         "an actor handles messages, but '%s' is %s %s", h->name,
                         zidl_decl_kind_article(decl->kind), zidl_decl_kind_name(decl->kind));
        zidl_diag_report(r->diag, r->file, decl->loc, ZIDL_NOTE,
                         "'%s' is declared here", decl->name);
    } else {
        h->message = decl;
    }
    if (h->has_reply)
        h->reply_message = resolve_reply(r, h);
}

void zidl_resolve(zidl_file *file, zidl_diag *diag)
{
    resolver r = {file, diag, {0}};
    zidl_symtab_init(&r.decls);
    enter_decls(&r);
    for (size_t i = 0; i < file->decls.count; i++) {
        zidl_decl *decl = file->decls.items[i];
        resolve_fields(&r, &decl->fields);
        for (size_t j = 0; j < decl->handlers.count; j++)
            resolve_handler(&r, decl->handlers.items[j]);
    }
    zidl_symtab_free(&r.decls);
}
