/* diag.c - formats diagnostics and hands them to the user's callback. */
#include "diag.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLOR_BOLD "\033[1m"
#define COLOR_RED "\033[1;31m"
#define COLOR_MAGENTA "\033[1;35m"
#define COLOR_CYAN "\033[1;36m"
#define COLOR_GREEN "\033[1;32m"
#define COLOR_RESET "\033[0m"

void zidl__diag_init(zidl__diag *diag, const zidl_options *opts, zidl__mem *mem)
{
    diag->opts = opts;
    diag->mem = mem;
    diag->errors = 0;
    diag->warnings = 0;
    diag->dropping = false;
    diag->line_file = NULL;
    diag->line_number = 0;
    diag->line_start = NULL;
    diag->groups = NULL;
    diag->group_count = 0;
    diag->group_cap = 0;
    zidl__strbuf_init(&diag->text, mem);
}

void zidl__diag_free(zidl__diag *diag)
{
    zidl__diag_flush(diag);
    zidl__mem_free(diag->mem, diag->groups);
    zidl__strbuf_free(&diag->text);
}

static void deliver_text(zidl__diag *diag, const char *text)
{
    if (diag->opts->on_diagnostic != NULL)
        diag->opts->on_diagnostic(diag->opts->user, text);
}

static void deliver(zidl__diag *diag)
{
    deliver_text(diag, zidl__strbuf_str(&diag->text));
    zidl__strbuf_clear(&diag->text);
}

static char *copy_text(zidl__mem *mem, const zidl__strbuf *sb)
{
    char *copy = zidl__mem_alloc(mem, sb->len + 1);
    memcpy(copy, zidl__strbuf_str(sb), sb->len + 1);
    return copy;
}

/* Holds an error or warning back as a new group, or adds a note to the
 * last group. */
static void hold(zidl__diag *diag, const zidl__file *file, zidl__loc loc, zidl__severity severity)
{
    if (severity == ZIDL__NOTE && diag->group_count > 0) {
        zidl__diag_group *last = &diag->groups[diag->group_count - 1];
        size_t old = strlen(last->text);
        char *joined = zidl__mem_realloc(diag->mem, last->text, old + diag->text.len + 1);
        memcpy(joined + old, zidl__strbuf_str(&diag->text), diag->text.len + 1);
        last->text = joined;
        zidl__strbuf_clear(&diag->text);
        return;
    }
    if (diag->group_count == diag->group_cap) {
        size_t cap = diag->group_cap ? diag->group_cap * 2 : 16;
        diag->groups = zidl__mem_realloc(diag->mem, diag->groups, cap * sizeof *diag->groups);
        diag->group_cap = cap;
    }
    zidl__diag_group *group = &diag->groups[diag->group_count];
    group->file_index = file->index;
    group->loc = loc;
    group->seq = diag->group_count++;
    group->text = copy_text(diag->mem, &diag->text);
    zidl__strbuf_clear(&diag->text);
}

static int compare_groups(const void *a, const void *b)
{
    const zidl__diag_group *x = a, *y = b;
    if (x->file_index != y->file_index)
        return x->file_index < y->file_index ? -1 : 1;
    if (x->loc.line != y->loc.line)
        return x->loc.line < y->loc.line ? -1 : 1;
    if (x->loc.col != y->loc.col)
        return x->loc.col < y->loc.col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void zidl__diag_flush(zidl__diag *diag)
{
    if (diag->group_count == 0)
        return;
    qsort(diag->groups, diag->group_count, sizeof *diag->groups, compare_groups);
    for (size_t i = 0; i < diag->group_count; i++) {
        deliver_text(diag, diag->groups[i].text);
        zidl__mem_free(diag->mem, diag->groups[i].text);
    }
    diag->group_count = 0;
}

static void put_color(zidl__diag *diag, const char *code)
{
    if (diag->opts->color)
        zidl__strbuf_puts(&diag->text, code);
}

static void put_severity(zidl__diag *diag, zidl__severity severity)
{
    static const char *const colors[] = {
        [ZIDL__ERROR] = COLOR_RED, [ZIDL__WARNING] = COLOR_MAGENTA, [ZIDL__NOTE] = COLOR_CYAN};
    static const char *const labels[] = {
        [ZIDL__ERROR] = "error: ", [ZIDL__WARNING] = "warning: ", [ZIDL__NOTE] = "note: "};
    put_color(diag, colors[severity]);
    zidl__strbuf_puts(&diag->text, labels[severity]);
    put_color(diag, COLOR_RESET);
}

/* Quotes the line with a caret under col. Bytes that could upset a
 * terminal (control characters, non-ASCII) are shown as '?'; tabs are kept
 * in both lines so that the caret stays aligned. */
static void put_source_line(zidl__diag *diag, const zidl__file *file, zidl__loc loc)
{
    const char *p = file->text;
    const char *end = file->text + file->length;
    int line = 1;
    if (diag->line_file == file && diag->line_number <= loc.line) {
        p = diag->line_start;
        line = diag->line_number;
    }
    for (; line < loc.line && p < end; p++) {
        if (*p == '\n')
            line++;
    }
    if (line == loc.line) {
        diag->line_file = file;
        diag->line_number = line;
        diag->line_start = p;
    }
    const char *line_end = p;
    while (line_end < end && *line_end != '\n')
        line_end++;
    if (line_end > p && line_end[-1] == '\r')
        line_end--;
    for (const char *c = p; c < line_end; c++) {
        unsigned char byte = (unsigned char)*c;
        bool printable = (byte >= 0x20 && byte < 0x7f) || byte == '\t';
        zidl__strbuf_putc(&diag->text, printable ? (char)byte : '?');
    }
    zidl__strbuf_putc(&diag->text, '\n');
    for (int col = 1; col < loc.col; col++) {
        const char *c = p + col - 1;
        zidl__strbuf_putc(&diag->text, c < line_end && *c == '\t' ? '\t' : ' ');
    }
    put_color(diag, COLOR_GREEN);
    zidl__strbuf_putc(&diag->text, '^');
    put_color(diag, COLOR_RESET);
    zidl__strbuf_putc(&diag->text, '\n');
}

void zidl__diag_report(zidl__diag *diag, zidl__file *file, zidl__loc loc, zidl__severity severity,
                       const char *fmt, ...)
{
    bool promoted = false;
    if (severity == ZIDL__WARNING) {
        diag->dropping = diag->opts->no_warnings;
        promoted = diag->opts->warnings_as_errors;
        if (promoted)
            severity = ZIDL__ERROR;
    } else if (severity == ZIDL__ERROR) {
        diag->dropping = false;
    }
    if (file->gave_up || diag->dropping)
        return;
    put_color(diag, COLOR_BOLD);
    zidl__strbuf_printf(&diag->text, "%s:%d:%d: ", file->path, loc.line, loc.col);
    put_color(diag, COLOR_RESET);
    put_severity(diag, severity);
    va_list ap;
    va_start(ap, fmt);
    zidl__strbuf_vprintf(&diag->text, fmt, ap);
    va_end(ap);
    zidl__strbuf_puts(&diag->text, promoted ? " [-Werror]\n" : "\n");
    put_source_line(diag, file, loc);
    hold(diag, file, loc, severity);
    if (severity == ZIDL__WARNING)
        diag->warnings++;
    if (severity != ZIDL__ERROR)
        return;
    diag->errors++;
    file->errors++;
    unsigned limit = diag->opts->max_errors_per_file;
    if (limit > 0 && file->errors >= limit) {
        put_color(diag, COLOR_BOLD);
        zidl__strbuf_printf(&diag->text, "%s: ", file->path);
        put_color(diag, COLOR_RESET);
        put_severity(diag, ZIDL__ERROR);
        zidl__strbuf_puts(&diag->text, "too many errors, giving up on this file\n");
        zidl__loc last = {INT_MAX, INT_MAX};
        hold(diag, file, last, ZIDL__ERROR);
        diag->errors++;
        file->gave_up = true;
    }
}

void zidl__diag_general(zidl__diag *diag, const char *fmt, ...)
{
    const char *program = diag->opts->program_name;
    zidl__strbuf_printf(&diag->text, "%s: ", program != NULL ? program : "zidl");
    put_severity(diag, ZIDL__ERROR);
    va_list ap;
    va_start(ap, fmt);
    zidl__strbuf_vprintf(&diag->text, fmt, ap);
    va_end(ap);
    zidl__strbuf_putc(&diag->text, '\n');
    deliver(diag);
    diag->errors++;
}

void zidl__diag_run_ended(const zidl_options *opts, const char *what)
{
    if (opts->on_diagnostic == NULL)
        return;
    const char *program = opts->program_name != NULL ? opts->program_name : "zidl";
    char text[512];
    snprintf(text, sizeof text, "%s: %serror: %s%s\n", program, opts->color ? COLOR_RED : "",
             opts->color ? COLOR_RESET : "", what);
    opts->on_diagnostic(opts->user, text);
}
