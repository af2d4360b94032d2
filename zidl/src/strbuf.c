/* strbuf.c - growable text buffer. */
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void zidl_strbuf_init(zidl_strbuf *sb, zidl_mem *mem)
{
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->mem = mem;
}

void zidl_strbuf_free(zidl_strbuf *sb)
{
    zidl_mem_free(sb->mem, sb->data);
    zidl_strbuf_init(sb, sb->mem);
}

void zidl_strbuf_clear(zidl_strbuf *sb)
{
    sb->len = 0;
    if (sb->data != NULL)
        sb->data[0] = '\0';
}

static void reserve(zidl_strbuf *sb, size_t extra)
{
    if (sb->cap - sb->len > extra)
        return;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap - sb->len <= extra) {
        if (cap > SIZE_MAX / 2)
            zidl_mem_fail(sb->mem);
        cap *= 2;
    }
    sb->data = zidl_mem_realloc(sb->mem, sb->data, cap);
    sb->cap = cap;
}

void zidl_strbuf_append(zidl_strbuf *sb, const char *text, size_t len)
{
    reserve(sb, len);
    memcpy(sb->data + sb->len, text, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void zidl_strbuf_puts(zidl_strbuf *sb, const char *text)
{
    zidl_strbuf_append(sb, text, strlen(text));
}

void zidl_strbuf_putc(zidl_strbuf *sb, char c)
{
    zidl_strbuf_append(sb, &c, 1);
}

void zidl_strbuf_vprintf(zidl_strbuf *sb, const char *fmt, va_list ap)
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

void zidl_strbuf_printf(zidl_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zidl_strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
}

const char *zidl_strbuf_str(const zidl_strbuf *sb)
{
    return sb->data != NULL ? sb->data : "";
}
