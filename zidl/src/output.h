/* output.h - writing the generated files and the depfile, only once the
 * whole run is known to be free of errors. */
#ifndef ZIDL__OUTPUT_H
#define ZIDL__OUTPUT_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "strbuf.h"

typedef struct zidl__output {
    const char *path; /* as written: output_dir + "/" + name, or name */
    zidl__strbuf text;
} zidl__output;

/* output_dir + "/" + name, or name alone when output_dir is NULL. */
char *zidl__output_path(zidl__arena *arena, const char *output_dir, const char *name);

/* Creates output_dir (and its parents) if missing; false after reporting.
 * It allocates before creating anything. */
bool zidl__output_make_dir(zidl__diag *diag, zidl__arena *arena, const char *output_dir);

/* Writes one file; false after reporting. */
bool zidl__output_write(zidl__diag *diag, const char *path, const zidl__strbuf *text);

/* `target: prereq...` with Make escaping, the text of a depfile. */
void zidl__output_depfile_text(zidl__strbuf *out, const char *target, const char *const *prereqs,
                               size_t count);

#endif /* ZIDL__OUTPUT_H */
