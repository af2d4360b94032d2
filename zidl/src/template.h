/* template.h - the tiny template expander behind every emitter.
 *
 * A template file (templates/ *.tmpl, embedded into zidlc at build time) is
 * a list of sections. A line `@@ name` starts section `name`; a line
 * starting with `@#` is a comment for the template's reader. In a
 * section's text, `{{var}}` is replaced by the value of var. Loops and
 * choices stay in the emitters, which expand one section per construct. */
#ifndef ZIDL_TEMPLATE_H
#define ZIDL_TEMPLATE_H

#include <stddef.h>

#include "strbuf.h"

typedef struct zidl_template_var {
    const char *name;
    const char *value;
} zidl_template_var;

/* One template file as embedded by zidl/embed_templates.cmake. */
typedef struct zidl_embedded_template {
    const char *file_name;
    const char *text;
} zidl_embedded_template;

extern const zidl_embedded_template zidl_embedded_templates[];
extern const size_t zidl_embedded_template_count;

/* The embedded text of e.g. "header.h.tmpl". */
const char *zidl_template_text(const char *file_name);

/* Appends section `section` of tmpl to out with every {{var}} replaced.
 * A missing section or variable is a bug in zidlc, caught by the golden
 * tests: it aborts with a message rather than emit wrong code. */
void zidl_template_expand(zidl_strbuf *out, const char *tmpl, const char *section,
                          const zidl_template_var *vars, size_t var_count);

/* zidl_template_expand() with a compound-literal array of vars. */
#define ZIDL_EXPAND(out, tmpl, section, ...)                                  \
    zidl_template_expand((out), (tmpl), (section),                            \
                         (const zidl_template_var[]){__VA_ARGS__},            \
                         sizeof((const zidl_template_var[]){__VA_ARGS__}) /   \
                             sizeof(zidl_template_var))

#endif /* ZIDL_TEMPLATE_H */
