/* wrap.c - line breaking for generated code (see wrap.h). */
#include "wrap.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* ---- Lines of C code ---- */

typedef enum break_kind {
    BREAK_AFTER_COMMA,  /* continue under the first element of the list */
    BREAK_AFTER_OPENER, /* a list too wide to align: start it on the next line */
    BREAK_AFTER_ASSIGN, /* continue one level deeper than the line */
    BREAK_IN_STRING     /* close the literal, reopen it under its quote */
} break_kind;

/* A place where the line may break: the next line starts at pos. */
typedef struct break_point {
    size_t pos;
    break_kind kind;
    size_t anchor; /* COMMA, OPENER: the list's opening bracket; STRING: its quote */
} break_point;

/* A bracketed list on the line, and the widest of its elements. */
typedef struct opener {
    size_t pos;
    size_t first;         /* where its first element starts */
    size_t element_start; /* where the element being scanned starts */
    size_t widest;
    bool has_comma; /* one element alone (sizeof(x)) is not worth a line */
} opener;

/* A line of output: it shows the input from start on, at column col
 * (after the reopened quote of a split string, when quoted). */
typedef struct out_line {
    size_t start;
    size_t col;
    bool quoted;
} out_line;

typedef struct line_wrapper {
    const char *line;
    size_t len;
    size_t indent;
    break_point *breaks;
    size_t break_count;
    opener *openers; /* indexed by the bracket's position */
    out_line *lines;
    size_t line_count;
} line_wrapper;

static size_t line_of(const line_wrapper *w, size_t pos)
{
    size_t i = w->line_count - 1;
    while (i > 0 && w->lines[i].start > pos)
        i--;
    return i;
}

static size_t column_of(const line_wrapper *w, size_t pos)
{
    const out_line *l = &w->lines[line_of(w, pos)];
    return l->col + (l->quoted ? 1 : 0) + (pos - l->start);
}

/* Where the line may break, in order: after an opening bracket and after
 * ", " inside brackets, after the " = " of a declaration or assignment,
 * after a space inside a string literal. Nothing after a comment starts. */
static void find_breaks(line_wrapper *w)
{
    const char *line = w->line;
    size_t len = w->len;
    size_t stack[64];
    size_t depth = 0;
    w->break_count = 0;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (c == '/' && i + 1 < len && (line[i + 1] == '*' || line[i + 1] == '/'))
            break;
        if (c == '"' || c == '\'') {
            size_t quote = i;
            for (i++; i < len && line[i] != c; i++) {
                if (line[i] == '\\')
                    i++;
                else if (c == '"' && line[i] == ' ' && i + 1 < len && line[i + 1] != c)
                    w->breaks[w->break_count++] = (break_point){i + 1, BREAK_IN_STRING, quote};
            }
            continue;
        }
        opener *top = depth > 0 && depth <= 64 ? &w->openers[stack[depth - 1]] : NULL;
        if (c == '(' || c == '{' || c == '[') {
            if (depth < 64) {
                stack[depth] = i;
                size_t first = i + 1 + (i + 1 < len && line[i + 1] == ' ');
                w->openers[i] = (opener){i, first, first, 0, false};
                if (first < len && line[first] != ')' && line[first] != '}')
                    w->breaks[w->break_count++] = (break_point){first, BREAK_AFTER_OPENER, i};
            }
            depth++;
        } else if ((c == ')' || c == '}' || c == ']') && depth > 0) {
            /* the element, and what closes the list on its line (");") */
            if (top != NULL && i + 2 - top->element_start > top->widest)
                top->widest = i + 2 - top->element_start;
            depth--;
        } else if (c == ',' && top != NULL && i + 1 < len && line[i + 1] == ' ') {
            if (i + 1 - top->element_start > top->widest)
                top->widest = i + 1 - top->element_start;
            top->element_start = i + 2;
            top->has_comma = true;
            w->breaks[w->break_count++] = (break_point){i + 2, BREAK_AFTER_COMMA, top->pos};
        } else if (c == '=' && depth == 0 && i > 0 && line[i - 1] == ' ' && i + 1 < len &&
                   line[i + 1] == ' ') {
            w->breaks[w->break_count++] = (break_point){i + 2, BREAK_AFTER_ASSIGN, 0};
        }
    }
    /* A list still open at the end of the line (it goes on in the next
     * one): its last element runs to the end. */
    for (size_t d = 0; d < depth && d < 64; d++) {
        opener *o = &w->openers[stack[d]];
        if (len - o->element_start > o->widest)
            o->widest = len - o->element_start;
    }
}

/* Where the next line starts when the line breaks at b, or SIZE_MAX when
 * b is no place to break. A list continues under its first element when
 * its widest element fits there, else one level deeper than the line its
 * bracket is on, starting on a line of its own. */
static size_t continuation_column(const line_wrapper *w, const break_point *b)
{
    switch (b->kind) {
    case BREAK_AFTER_COMMA:
    case BREAK_AFTER_OPENER: {
        const opener *o = &w->openers[b->anchor];
        size_t aligned = column_of(w, o->first);
        bool fits = aligned + o->widest <= ZIDL__LINE_LIMIT;
        if (b->kind == BREAK_AFTER_OPENER && (fits || !o->has_comma))
            return SIZE_MAX;
        if (fits)
            return aligned;
        size_t l = line_of(w, b->anchor);
        return (l == 0 ? w->indent : w->lines[l].col) + 4;
    }
    case BREAK_AFTER_ASSIGN:
        return w->indent + 4;
    case BREAK_IN_STRING:
        break;
    }
    /* A string split before: its quote stands where its continuation
     * lines start. */
    size_t col = column_of(w, b->anchor);
    for (size_t l = w->line_count; l-- > 0 && w->lines[l].start > b->anchor;) {
        if (w->lines[l].quoted)
            col = w->lines[l].col;
    }
    return col;
}

/* Where the line that ends at break b ends: before the spaces that
 * separated it from the next, but inside a string literal the space
 * stays in the first half. */
static size_t head_end(const line_wrapper *w, const break_point *b)
{
    size_t end = b->pos;
    if (b->kind == BREAK_IN_STRING)
        return end;
    size_t start = w->lines[w->line_count - 1].start;
    while (end > start && w->line[end - 1] == ' ')
        end--;
    return end;
}

/* The spaces that begin line (len bytes, not NUL-terminated: the line
 * lies in the whole file's text, and strspn would read to its end, which
 * ASan's strict string checks make quadratic over a large file). */
static size_t leading_spaces(const char *line, size_t len)
{
    size_t n = 0;
    while (n < len && line[n] == ' ')
        n++;
    return n;
}

static void wrap_line(zidl__strbuf *out, const char *line, size_t len)
{
    zidl__mem *mem = out->mem;
    line_wrapper w = {line, len, leading_spaces(line, len), NULL, 0, NULL, NULL, 0};
    w.breaks = zidl__mem_alloc(mem, len * sizeof *w.breaks);
    w.openers = zidl__mem_alloc(mem, len * sizeof *w.openers);
    w.lines = zidl__mem_alloc(mem, (len + 1) * sizeof *w.lines);
    find_breaks(&w);
    w.lines[w.line_count++] = (out_line){0, 0, false};
    size_t next_break = 0;
    while (column_of(&w, len) > ZIDL__LINE_LIMIT) {
        /* The last break that keeps this line within the limit; failing
         * that (a name longer than the room left), the first one. Either
         * must start the next line further left than it stood. */
        const break_point *best = NULL;
        size_t best_col = 0;
        size_t best_index = 0;
        for (size_t i = next_break; i < w.break_count; i++) {
            const break_point *b = &w.breaks[i];
            size_t closing = b->kind == BREAK_IN_STRING ? 1 : 0;
            bool fits = column_of(&w, head_end(&w, b)) + closing <= ZIDL__LINE_LIMIT;
            if (!fits && best != NULL)
                break;
            size_t col = continuation_column(&w, b);
            if (col == SIZE_MAX || col >= column_of(&w, b->pos))
                continue;
            best = b;
            best_col = col;
            best_index = i;
            if (!fits)
                break;
        }
        if (best == NULL)
            break;
        next_break = best_index + 1;
        const out_line *cur = &w.lines[w.line_count - 1];
        size_t end = head_end(&w, best);
        zidl__strbuf_append(out, line + cur->start, end - cur->start);
        if (best->kind == BREAK_IN_STRING)
            zidl__strbuf_putc(out, '"');
        zidl__strbuf_putc(out, '\n');
        for (size_t i = 0; i < best_col; i++)
            zidl__strbuf_putc(out, ' ');
        if (best->kind == BREAK_IN_STRING)
            zidl__strbuf_putc(out, '"');
        w.lines[w.line_count++] = (out_line){best->pos, best_col, best->kind == BREAK_IN_STRING};
    }
    const out_line *last = &w.lines[w.line_count - 1];
    zidl__strbuf_append(out, line + last->start, len - last->start);
    zidl__strbuf_putc(out, '\n');
    zidl__mem_free(mem, w.lines);
    zidl__mem_free(mem, w.openers);
    zidl__mem_free(mem, w.breaks);
}

/* A comment line of a template that a long name pushed past the limit:
 * it breaks at its last space that fits, and goes on in the comment's
 * own style (" * " under the first star). The schema author's `///`
 * lines are theirs and kept. */
static void wrap_comment_line(zidl__strbuf *out, const char *line, size_t len)
{
    size_t indent = leading_spaces(line, len);
    size_t star = indent + (indent < len && line[indent] == '/' ? 1 : 0);
    size_t start = 0;
    size_t col0 = 0;
    while (col0 + (len - start) > ZIDL__LINE_LIMIT) {
        size_t cut = 0;
        for (size_t i = start + 1; i < len && col0 + (i - start) <= ZIDL__LINE_LIMIT; i++) {
            if (line[i] == ' ' && i > start + star + 2 && strncmp(line + i + 1, "*/", 2) != 0)
                cut = i;
        }
        if (cut == 0)
            break;
        zidl__strbuf_append(out, line + start, cut - start);
        zidl__strbuf_putc(out, '\n');
        for (size_t i = 0; i < star; i++)
            zidl__strbuf_putc(out, ' ');
        zidl__strbuf_puts(out, "* ");
        start = cut + 1;
        col0 = star + 2;
    }
    zidl__strbuf_append(out, line + start, len - start);
    zidl__strbuf_putc(out, '\n');
}

/* `#define NAME value` too long for one line: the value goes on the next. */
static void wrap_define_line(zidl__strbuf *out, const char *line, size_t len)
{
    const char *space = memchr(line + 8, ' ', len - 8);
    size_t name_end = space != NULL ? (size_t)(space - line) : len;
    if (name_end >= len || line[len - 1] == '\\') {
        zidl__strbuf_append(out, line, len);
    } else {
        zidl__strbuf_append(out, line, name_end);
        zidl__strbuf_puts(out, " \\\n    ");
        zidl__strbuf_append(out, line + name_end + 1, len - name_end - 1);
    }
    zidl__strbuf_putc(out, '\n');
}

void zidl__wrap_lines(zidl__strbuf *text)
{
    zidl__strbuf out;
    zidl__strbuf_init(&out, text->mem);
    const char *p = zidl__strbuf_str(text);
    /* Bounded scans: a generated file has hundreds of thousands of lines,
     * and a search to the NUL from each would make this quadratic. */
    const char *text_end = p + text->len;
    while (p < text_end) {
        const char *nl = memchr(p, '\n', (size_t)(text_end - p));
        size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(text_end - p);
        const char *first = p;
        while (first < p + len && *first == ' ')
            first++;
        if (len <= ZIDL__LINE_LIMIT || strncmp(first, "///", 3) == 0) {
            zidl__strbuf_append(&out, p, len);
            if (nl != NULL)
                zidl__strbuf_putc(&out, '\n');
        } else if (strncmp(first, "/*", 2) == 0 || first[0] == '*') {
            wrap_comment_line(&out, p, len);
        } else if (strncmp(p, "#define ", 8) == 0) {
            wrap_define_line(&out, p, len);
        } else if (first[0] != '#') {
            wrap_line(&out, p, len);
        } else {
            zidl__strbuf_append(&out, p, len); /* #error, #if: no good break */
            zidl__strbuf_putc(&out, '\n');
        }
        p += len + (nl != NULL ? 1 : 0);
    }
    zidl__strbuf_free(text);
    *text = out;
}

/* ---- Initialiser macros ---- */

typedef struct define_writer {
    zidl__strbuf *out;
    size_t col;
} define_writer;

/* Content stops two columns short of the limit: " \" ends the line. */
#define DEFINE_WIDTH (ZIDL__LINE_LIMIT - 2)

static void define_put(define_writer *w, const char *text, size_t len)
{
    zidl__strbuf_append(w->out, text, len);
    w->col += len;
}

static void define_newline(define_writer *w, size_t col)
{
    zidl__strbuf_puts(w->out, " \\\n");
    for (size_t i = 0; i < col; i++)
        zidl__strbuf_putc(w->out, ' ');
    w->col = col;
}

/* The length of the element of a braced list that starts at item: up to
 * the ',' or '}' that ends it at its own level. */
static size_t element_length(const char *item)
{
    size_t depth = 0;
    for (size_t i = 0;; i++) {
        char c = item[i];
        if (c == '\0')
            return i;
        if (c == '"' || c == '\'') {
            for (i++; item[i] != '\0' && item[i] != c; i++) {
                if (item[i] == '\\' && item[i + 1] != '\0')
                    i++;
            }
            continue;
        }
        if (c == '{' || c == '(')
            depth++;
        else if ((c == '}' || c == ')') && depth-- == 0)
            return i;
        else if (c == ',' && depth == 0)
            return i;
    }
}

/* Places one element; tail is how many characters must follow it on its
 * line (its ',' or the closing braces after it). */
static void define_place(define_writer *w, const char *item, size_t len, size_t tail)
{
    if (w->col + len + tail <= DEFINE_WIDTH || item[0] != '{') {
        define_put(w, item, len);
        return;
    }
    define_put(w, "{", 1);
    size_t child_col = w->col;
    const char *p = item + 1;
    const char *end = item + len - 1; /* the closing brace */
    bool first = true;
    while (p < end) {
        size_t child_len = element_length(p);
        bool last = p + child_len >= end;
        size_t child_tail = last ? tail + 1 : 1;
        if (!first) {
            if (w->col + 1 + child_len + child_tail <= DEFINE_WIDTH)
                define_put(w, " ", 1);
            else
                define_newline(w, child_col);
        }
        define_place(w, p, child_len, child_tail);
        define_put(w, last ? "}" : ",", 1);
        first = false;
        p += child_len + 1;
        while (p < end && *p == ' ')
            p++;
    }
    if (first)
        define_put(w, "}", 1);
}

void zidl__wrap_define(zidl__strbuf *out, const char *name, const char *value)
{
    size_t head = strlen("#define ") + strlen(name);
    if (head + 1 + strlen(value) <= ZIDL__LINE_LIMIT) {
        zidl__strbuf_printf(out, "#define %s %s", name, value);
        return;
    }
    zidl__strbuf_printf(out, "#define %s", name);
    define_writer w = {out, head};
    define_newline(&w, 4);
    define_place(&w, value, strlen(value), 0);
}

/* ---- Comments ---- */

void zidl__wrap_comment(zidl__strbuf *out, const char *text, size_t width)
{
    zidl__strbuf_puts(out, "/**");
    size_t col = 3;
    const char *p = text;
    for (;;) {
        p += strspn(p, " ");
        bool end = *p == '\0';
        const char *word = end ? "*/" : p;
        size_t len = end ? 2 : strcspn(p, " ");
        if (col + 1 + len > width && col > 3) {
            zidl__strbuf_puts(out, "\n *");
            col = 2;
        }
        zidl__strbuf_putc(out, ' ');
        zidl__strbuf_append(out, word, len);
        col += 1 + len;
        if (end)
            break;
        p += len;
    }
}
