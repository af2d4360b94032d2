/* strbuf.h - a growable text buffer: generated files are built in memory
 * and written only when the whole run succeeded. */
#ifndef ZIDL_STRBUF_H
#define ZIDL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "mem.h"

typedef struct zidl_strbuf {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
    zidl_mem *mem;
} zidl_strbuf;

/* An empty buffer; it grows in mem, so out of memory ends the run
 * (mem.h). */
void zidl_strbuf_init(zidl_strbuf *sb, zidl_mem *mem);
void zidl_strbuf_free(zidl_strbuf *sb);
void zidl_strbuf_clear(zidl_strbuf *sb);
void zidl_strbuf_append(zidl_strbuf *sb, const char *text, size_t len);
void zidl_strbuf_puts(zidl_strbuf *sb, const char *text);
void zidl_strbuf_putc(zidl_strbuf *sb, char c);
void zidl_strbuf_printf(zidl_strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void zidl_strbuf_vprintf(zidl_strbuf *sb, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
/* The text so far ("" when empty). */
const char *zidl_strbuf_str(const zidl_strbuf *sb);

#endif /* ZIDL_STRBUF_H */
