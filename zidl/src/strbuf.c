/* strbuf.c - growable text buffer. */
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void zidl__strbuf_init(zidl__strbuf *sb, zidl__mem *mem)
{
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->mem = mem;
}

void zidl__strbuf_free(zidl__strbuf *sb)
{
    zidl__mem_free(sb->mem, sb->data);
    zidl__strbuf_init(sb, sb->mem);
}

void zidl__strbuf_clear(zidl__strbuf *sb)
{
    sb->len = 0;
    if (sb->data != NULL)
        sb->data[0] = '\0';
}

static void reserve(zidl__strbuf *sb, size_t extra)
{
    if (sb->cap - sb->len > extra)
        return;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap - sb->len <= extra) {
        if (cap > SIZE_MAX / 2)
            zidl__mem_fail(sb->mem);
        cap *= 2;
    }
    sb->data = zidl__mem_realloc(sb->mem, sb->data, cap);
    sb->cap = cap;
}

void zidl__strbuf_append(zidl__strbuf *sb, const char *text, size_t len)
{
    reserve(sb, len);
    memcpy(sb->data + sb->len, text, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void zidl__strbuf_puts(zidl__strbuf *sb, const char *text)
{
    zidl__strbuf_append(sb, text, strlen(text));
}

void zidl__strbuf_putc(zidl__strbuf *sb, char c)
{
    zidl__strbuf_append(sb, &c, 1);
}

void zidl__strbuf_vprintf(zidl__strbuf *sb, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n > 0) {
        reserve(sb, (size_t)n);
        vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, again);
        sb->len += (size_t)n;
    }
    va_end(again);
}

void zidl__strbuf_printf(zidl__strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zidl__strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
}

const char *zidl__strbuf_str(const zidl__strbuf *sb)
{
    return sb->data != NULL ? sb->data : "";
}
