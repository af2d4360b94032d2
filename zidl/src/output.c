/* output.c - files on disk: output directory, generated files, depfile. */
#define _POSIX_C_SOURCE 200809L

#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

char *zidl__output_path(zidl__arena *arena, const char *output_dir, const char *name)
{
    if (output_dir == NULL || output_dir[0] == '\0')
        return zidl__arena_strdup(arena, name);
    size_t len = strlen(output_dir);
    bool has_slash = output_dir[len - 1] == '/';
    return zidl__arena_sprintf(arena, "%s%s%s", output_dir, has_slash ? "" : "/", name);
}

static bool make_one_dir(zidl__diag *diag, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return true;
        zidl__diag_general(diag, "cannot create directory '%s': %s", path, strerror(ENOTDIR));
        return false;
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        zidl__diag_general(diag, "cannot create directory '%s': %s", path, strerror(errno));
        return false;
    }
    return true;
}

bool zidl__output_make_dir(zidl__diag *diag, zidl__arena *arena, const char *output_dir)
{
    if (output_dir == NULL || output_dir[0] == '\0')
        return true;
    /* Each parent in turn, like `mkdir -p`, cut short in one copy made
     * before the first mkdir: running out of memory creates nothing. */
    char *prefix = zidl__arena_strdup(arena, output_dir);
    bool ok = true;
    for (char *p = prefix + 1; ok && *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            ok = make_one_dir(diag, prefix);
            *p = '/';
        }
    }
    if (ok)
        ok = make_one_dir(diag, output_dir);
    return ok;
}

bool zidl__output_write(zidl__diag *diag, const char *path, const zidl__strbuf *text)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        zidl__diag_general(diag, "cannot write '%s': %s", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(zidl__strbuf_str(text), 1, text->len, f) == text->len;
    int saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok)
        zidl__diag_general(diag, "cannot write '%s': %s", path, strerror(saved));
    return ok;
}

/* Make's escaping for a path in a rule: spaces, '#', '$'. */
static void put_make_path(zidl__strbuf *out, const char *path)
{
    for (; *path != '\0'; path++) {
        if (*path == ' ' || *path == '#')
            zidl__strbuf_putc(out, '\\');
        else if (*path == '$')
            zidl__strbuf_putc(out, '$');
        zidl__strbuf_putc(out, *path);
    }
}

void zidl__output_depfile_text(zidl__strbuf *out, const char *target, const char *const *prereqs,
                               size_t count)
{
    put_make_path(out, target);
    zidl__strbuf_putc(out, ':');
    for (size_t i = 0; i < count; i++) {
        zidl__strbuf_puts(out, " \\\n  ");
        put_make_path(out, prereqs[i]);
    }
    zidl__strbuf_putc(out, '\n');
}
