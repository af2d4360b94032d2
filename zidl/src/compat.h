/* compat.h - the wire compatibility of two versions of a schema. */
#ifndef ZIDL__COMPAT_H
#define ZIDL__COMPAT_H

#include "arena.h"
#include "ast.h"
#include "diag.h"

/* Reports, as errors, every change from old_file to new_file (each laid
 * out, in runs of their own) that breaks the wire; returns how many. */
unsigned zidl__compare(zidl__file *old_file, zidl__file *new_file, zidl__diag *diag,
                       zidl__arena *arena);

#endif /* ZIDL__COMPAT_H */
