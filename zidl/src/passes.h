/* passes.h - the compiler passes after parsing, in the order they run. */
#ifndef ZIDL__PASSES_H
#define ZIDL__PASSES_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "strbuf.h"
#include "symtab.h"

/* Links every type name, ref<> target and handler to its declaration,
 * looking in the file and the files it imports directly (their resolve
 * has run); reports duplicate declarations, ambiguous names and names
 * that do not resolve, with a suggestion when one is close. */
void zidl__resolve(zidl__file *file, zidl__diag *diag, zidl__arena *arena);

/* The semantic rules of spec section 1 (and what zidlc does not support
 * yet). Expects a resolved file; the rules that look into imported
 * declarations run only when file->imports_ok. */
void zidl__check(zidl__file *file, zidl__diag *diag, zidl__arena *arena);

/* C sizes and alignment (LP64), size classes, dependency order and type
 * ids. type_ids maps "%08x" ids to their message across the whole run, to
 * reject collisions. Expects a checked file. */
void zidl__layout(zidl__file *file, zidl__diag *diag, zidl__arena *arena, zidl__symtab *type_ids);

/* The warnings of a run free of errors: messages nothing uses, actors
 * without handlers, imports nothing is used from. files are all the files
 * of the run, resolved and checked. */
void zidl__warn(zidl__file *const *files, size_t count, zidl__diag *diag);

/* The generated artefacts, built in memory. Expect a laid-out file. */
void zidl__emit_header(const zidl__file *file, zidl__arena *arena, zidl__strbuf *out);
void zidl__emit_source(const zidl__file *file, zidl__arena *arena, zidl__strbuf *out);
void zidl__emit_skeleton(const zidl__file *file, zidl__arena *arena, zidl__strbuf *out);

/* Limits of the language, checked by check and layout. */
#define ZIDL__MAX_COUNT (UINT64_C(1) << 20)       /* string<N>, [N] */
#define ZIDL__MAX_TYPE_SIZE (UINT64_C(1) << 24)   /* bytes of one struct */
#define ZIDL__MAX_DEFAULT_ELEMENTS UINT64_C(4096) /* [N] of a type with defaults */
/* `mailbox N ...;`: the runtime's ZACTOR_MAILBOX_BOUND_MAX (zactor.h). */
#define ZIDL__MAX_MAILBOX_BOUND (UINT64_C(1) << 24)

#endif /* ZIDL__PASSES_H */
