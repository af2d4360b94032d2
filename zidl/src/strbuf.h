/* strbuf.h - a growable text buffer: generated files are built in memory
 * and written only when the whole run succeeded. */
#ifndef ZIDL__STRBUF_H
#define ZIDL__STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "mem.h"

typedef struct zidl__strbuf {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
    zidl__mem *mem;
} zidl__strbuf;

/* An empty buffer; it grows in mem, so out of memory ends the run
 * (mem.h). */
void zidl__strbuf_init(zidl__strbuf *sb, zidl__mem *mem);
void zidl__strbuf_free(zidl__strbuf *sb);
void zidl__strbuf_clear(zidl__strbuf *sb);
void zidl__strbuf_append(zidl__strbuf *sb, const char *text, size_t len);
void zidl__strbuf_puts(zidl__strbuf *sb, const char *text);
void zidl__strbuf_putc(zidl__strbuf *sb, char c);
void zidl__strbuf_printf(zidl__strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void zidl__strbuf_vprintf(zidl__strbuf *sb, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
/* The text so far ("" when empty). */
const char *zidl__strbuf_str(const zidl__strbuf *sb);

#endif /* ZIDL__STRBUF_H */
