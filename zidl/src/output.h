/* output.h - writing the generated files and the depfile, only once the
 * whole run is known to be free of errors. */
#ifndef ZIDL_OUTPUT_H
#define ZIDL_OUTPUT_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "strbuf.h"

typedef struct zidl_output {
    const char *path; /* as written: output_dir + "/" + name, or name */
    zidl_strbuf text;
} zidl_output;

/* output_dir + "/" + name, or name alone when output_dir is NULL. */
char *zidl_output_path(zidl_arena *arena, const char *output_dir, const char *name);

/* Creates output_dir (and its parents) if missing; false after reporting.
 * It allocates before creating anything. */
bool zidl_output_make_dir(zidl_diag *diag, zidl_arena *arena, const char *output_dir);

/* Writes one file; false after reporting. */
bool zidl_output_write(zidl_diag *diag, const char *path, const zidl_strbuf *text);

/* `target: prereq...` with Make escaping, the text of a depfile. */
void zidl_output_depfile_text(zidl_strbuf *out, const char *target,
                              const char *const *prereqs, size_t count);

#endif /* ZIDL_OUTPUT_H */
