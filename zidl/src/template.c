/* template.c - finds a section and substitutes {{var}} placeholders. */
#include "template.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A template and its emitter disagree: a bug in zidl, which the golden
 * tests catch. Better no output than wrong code; and the library must not
 * print or abort, so the run ends with ZIDL_EINTERNAL (mem.h). */
_Noreturn static void internal_error(zidl__mem *mem, const char *what, const char *name)
{
    zidl__mem_fail_internal(mem, what, name);
}

const char *zidl__template_text(zidl__mem *mem, const char *file_name)
{
    for (size_t i = 0; i < zidl__embedded_template_count; i++) {
        if (strcmp(zidl__embedded_templates[i].file_name, file_name) == 0)
            return zidl__embedded_templates[i].text;
    }
    internal_error(mem, "no embedded template", file_name);
}

/* Every scan below is bounded by the template's end: a search up to the
 * terminating NUL from every line would make each expansion cost the whole
 * template (and, under ASan's strict string checks, each call does). */
static const char *line_end(const char *p, const char *text_end)
{
    const char *nl = memchr(p, '\n', (size_t)(text_end - p));
    return nl != NULL ? nl + 1 : text_end;
}

/* The first pair of c ("{{" or "}}") in [p, end), or NULL. */
static const char *find_pair(const char *p, const char *end, char c)
{
    while (p < end) {
        const char *first = memchr(p, c, (size_t)(end - p));
        if (first == NULL || first + 1 >= end)
            return NULL;
        if (first[1] == c)
            return first;
        p = first + 1;
    }
    return NULL;
}

static bool is_section_line(const char *p, const char *line_end_p, const char *name)
{
    size_t line = (size_t)(line_end_p - p);
    if (line < 3 || memcmp(p, "@@ ", 3) != 0)
        return false;
    size_t len = strlen(name);
    return line >= 3 + len && memcmp(p + 3, name, len) == 0 &&
           (line == 3 + len || p[3 + len] == '\n');
}

static const char *lookup(zidl__mem *mem, const zidl__template_var *vars, size_t count,
                          const char *name, size_t len)
{
    for (size_t i = 0; i < count; i++) {
        if (strlen(vars[i].name) == len && strncmp(vars[i].name, name, len) == 0)
            return vars[i].value;
    }
    char missing[128];
    snprintf(missing, sizeof missing, "%.*s", (int)len, name);
    internal_error(mem, "template variable not set", missing);
}

static void expand_line(zidl__strbuf *out, const char *p, const char *end,
                        const zidl__template_var *vars, size_t count)
{
    while (p < end) {
        const char *open = find_pair(p, end, '{');
        if (open == NULL) {
            zidl__strbuf_append(out, p, (size_t)(end - p));
            return;
        }
        while (open + 2 < end && open[2] == '{')
            open++; /* "{{{var}}": a brace, then the variable */
        const char *close = find_pair(open, end, '}');
        if (close == NULL)
            internal_error(out->mem, "unclosed {{ in template line", "");
        zidl__strbuf_append(out, p, (size_t)(open - p));
        size_t name_len = (size_t)(close - open - 2);
        zidl__strbuf_puts(out, lookup(out->mem, vars, count, open + 2, name_len));
        p = close + 2;
    }
}

void zidl__template_expand(zidl__strbuf *out, const char *tmpl, const char *section,
                           const zidl__template_var *vars, size_t var_count)
{
    const char *text_end = tmpl + strlen(tmpl);
    const char *p = tmpl;
    while (p < text_end && !is_section_line(p, line_end(p, text_end), section))
        p = line_end(p, text_end);
    if (p == text_end)
        internal_error(out->mem, "no template section", section);
    for (p = line_end(p, text_end); p < text_end; p = line_end(p, text_end)) {
        const char *next = line_end(p, text_end);
        size_t line = (size_t)(next - p);
        if (line >= 3 && memcmp(p, "@@ ", 3) == 0)
            break;
        if (line < 2 || memcmp(p, "@#", 2) != 0)
            expand_line(out, p, next, vars, var_count);
    }
}
