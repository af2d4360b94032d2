/* warn.c - warnings: things that are legal but most likely a mistake.
 *
 * They look at the whole run, so that a message declared in one file and
 * handled in another counts as used. */
#include "passes.h"

static void warn_unused_imports(zidl__file *file, zidl__diag *diag)
{
    for (size_t i = 0; i < file->imports.count; i++) {
        const zidl__import *imp = file->imports.items[i];
        if (imp->file != NULL && !imp->used)
            zidl__diag_report(diag, file, imp->loc, ZIDL__WARNING,
                              "nothing from imported file '%s' is used", imp->path);
    }
}

static void warn_decl(zidl__file *file, const zidl__decl *decl, zidl__diag *diag)
{
    if (decl->kind == ZIDL__DECL_MESSAGE && !decl->handled && !decl->used_as_type)
        zidl__diag_report(diag, file, decl->loc, ZIDL__WARNING,
                          "message '%s' is never used: no actor accepts it and no field "
                          "holds it",
                          decl->name);
    else if (decl->kind == ZIDL__DECL_ACTOR && decl->handlers.count == 0)
        zidl__diag_report(diag, file, decl->loc, ZIDL__WARNING,
                          "actor '%s' has no handlers: it accepts no message and has "
                          "no 'on start' or 'on stop'",
                          decl->name);
}

void zidl__warn(zidl__file *const *files, size_t count, zidl__diag *diag)
{
    for (size_t i = 0; i < count; i++) {
        zidl__file *file = files[i];
        warn_unused_imports(file, diag);
        for (size_t j = 0; j < file->decls.count; j++)
            warn_decl(file, file->decls.items[j], diag);
    }
}
