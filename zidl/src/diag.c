/* diag.c - formats diagnostics and hands them to the user's callback. */
#include "diag.h"

#include <stdarg.h>
#include <stddef.h>

#define COLOR_BOLD "\033[1m"
#define COLOR_RED "\033[1;31m"
#define COLOR_CYAN "\033[1;36m"
#define COLOR_GREEN "\033[1;32m"
#define COLOR_RESET "\033[0m"

void zidl_diag_init(zidl_diag *diag, const zidl_options *opts)
{
    diag->opts = opts;
    diag->errors = 0;
    diag->file_errors = 0;
    diag->file_gave_up = false;
    zidl_strbuf_init(&diag->text);
}

void zidl_diag_free(zidl_diag *diag)
{
    zidl_strbuf_free(&diag->text);
}

void zidl_diag_begin_file(zidl_diag *diag)
{
    diag->file_errors = 0;
    diag->file_gave_up = false;
}

static void deliver(zidl_diag *diag)
{
    if (diag->opts->on_diagnostic != NULL)
        diag->opts->on_diagnostic(diag->opts->user, zidl_strbuf_str(&diag->text));
    zidl_strbuf_clear(&diag->text);
}

static void put_color(zidl_diag *diag, const char *code)
{
    if (diag->opts->color)
        zidl_strbuf_puts(&diag->text, code);
}

static void put_severity(zidl_diag *diag, zidl_severity severity)
{
    put_color(diag, severity == ZIDL_ERROR ? COLOR_RED : COLOR_CYAN);
    zidl_strbuf_puts(&diag->text, severity == ZIDL_ERROR ? "error: " : "note: ");
    put_color(diag, COLOR_RESET);
}

/* Quotes the line with a caret under col. Bytes that could upset a
 * terminal (control characters, non-ASCII) are shown as '?'; tabs are kept
 * in both lines so that the caret stays aligned. */
static void put_source_line(zidl_diag *diag, const zidl_file *file, zidl_loc loc)
{
    const char *p = file->text;
    const char *end = file->text + file->length;
    for (int line = 1; line < loc.line && p < end; p++) {
        if (*p == '\n')
            line++;
    }
    const char *line_end = p;
    while (line_end < end && *line_end != '\n')
        line_end++;
    if (line_end > p && line_end[-1] == '\r')
        line_end--;
    for (const char *c = p; c < line_end; c++) {
        unsigned char byte = (unsigned char)*c;
        bool printable = (byte >= 0x20 && byte < 0x7f) || byte == '\t';
        zidl_strbuf_putc(&diag->text, printable ? (char)byte : '?');
    }
    zidl_strbuf_putc(&diag->text, '\n');
    for (int col = 1; col < loc.col; col++) {
        const char *c = p + col - 1;
        zidl_strbuf_putc(&diag->text, c < line_end && *c == '\t' ? '\t' : ' ');
    }
    put_color(diag, COLOR_GREEN);
    zidl_strbuf_putc(&diag->text, '^');
    put_color(diag, COLOR_RESET);
    zidl_strbuf_putc(&diag->text, '\n');
}

void zidl_diag_report(zidl_diag *diag, const zidl_file *file, zidl_loc loc,
                      zidl_severity severity, const char *fmt, ...)
{
    if (diag->file_gave_up)
        return;
    put_color(diag, COLOR_BOLD);
    zidl_strbuf_printf(&diag->text, "%s:%d:%d: ", file->path, loc.line, loc.col);
    put_color(diag, COLOR_RESET);
    put_severity(diag, severity);
    va_list ap;
    va_start(ap, fmt);
    zidl_strbuf_vprintf(&diag->text, fmt, ap);
    va_end(ap);
    zidl_strbuf_putc(&diag->text, '\n');
    put_source_line(diag, file, loc);
    deliver(diag);
    if (severity != ZIDL_ERROR)
        return;
    diag->errors++;
    diag->file_errors++;
    unsigned limit = diag->opts->max_errors_per_file;
    if (limit > 0 && diag->file_errors >= limit) {
        put_color(diag, COLOR_BOLD);
        zidl_strbuf_printf(&diag->text, "%s: ", file->path);
        put_color(diag, COLOR_RESET);
        put_severity(diag, ZIDL_ERROR);
        zidl_strbuf_puts(&diag->text, "too many errors, giving up on this file\n");
        deliver(diag);
        diag->errors++;
        diag->file_gave_up = true;
    }
}

void zidl_diag_general(zidl_diag *diag, const char *fmt, ...)
{
    const char *program = diag->opts->program_name;
    zidl_strbuf_printf(&diag->text, "%s: ", program != NULL ? program : "zidl");
    put_severity(diag, ZIDL_ERROR);
    va_list ap;
    va_start(ap, fmt);
    zidl_strbuf_vprintf(&diag->text, fmt, ap);
    va_end(ap);
    zidl_strbuf_putc(&diag->text, '\n');
    deliver(diag);
    diag->errors++;
}
