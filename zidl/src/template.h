/* template.h - the tiny template expander behind every emitter.
 *
 * A template file (templates/ *.tmpl, embedded into zidlc at build time) is
 * a list of sections. A line `@@ name` starts section `name`; a line
 * starting with `@#` is a comment for the template's reader. In a
 * section's text, `{{var}}` is replaced by the value of var (`{{{var}}`
 * is a brace, then the value). Loops and
 * choices stay in the emitters, which expand one section per construct. */
#ifndef ZIDL__TEMPLATE_H
#define ZIDL__TEMPLATE_H

#include <stddef.h>

#include "strbuf.h"

typedef struct zidl__template_var {
    const char *name;
    const char *value;
} zidl__template_var;

/* One template file as embedded by zidl/embed_templates.cmake. */
typedef struct zidl__embedded_template {
    const char *file_name;
    const char *text;
} zidl__embedded_template;

extern const zidl__embedded_template zidl__embedded_templates[];
extern const size_t zidl__embedded_template_count;

/* The embedded text of e.g. "header.h.tmpl". */
const char *zidl__template_text(zidl__mem *mem, const char *file_name);

/* Appends section `section` of tmpl to out with every {{var}} replaced.
 * A missing template, section or variable is a bug in zidl, caught by the
 * golden tests: rather than emit wrong code the run ends, through
 * out->mem, with ZIDL_EINTERNAL (never an abort: zidl.h). */
void zidl__template_expand(zidl__strbuf *out, const char *tmpl, const char *section,
                           const zidl__template_var *vars, size_t var_count);

/* zidl__template_expand() with a compound-literal array of vars. */
#define ZIDL__EXPAND(out, tmpl, section, ...)                                                  \
    zidl__template_expand((out), (tmpl), (section), (const zidl__template_var[]){__VA_ARGS__}, \
                          sizeof((const zidl__template_var[]){__VA_ARGS__}) /                  \
                              sizeof(zidl__template_var))

#endif /* ZIDL__TEMPLATE_H */
