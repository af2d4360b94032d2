/* load.c - finds, reads and parses every file of a run once (see load.h). */
#define _XOPEN_SOURCE 700 /* realpath */

#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "strbuf.h"

/* One import being followed, so that a cycle can be shown in full. */
struct zidl__import_step {
    zidl__file *importer;
    zidl__import *import;
};

/* Not an errno value: the file is larger than opts->max_file_size. */
#define READ_TOO_LARGE (-1)

void zidl__loader_init(zidl__loader *l, const zidl_options *opts, zidl__diag *diag,
                       zidl__arena *arena)
{
    memset(l, 0, sizeof *l);
    l->opts = opts;
    l->diag = diag;
    l->arena = arena;
    zidl__symtab_init(&l->by_key, arena->mem);
    zidl__symtab_init(&l->by_base, arena->mem);
}

void zidl__loader_free(zidl__loader *l)
{
    for (size_t i = 0; i < l->order.count; i++)
        zidl__symtab_free(&l->order.items[i]->decl_table);
    zidl__symtab_free(&l->by_key);
    zidl__symtab_free(&l->by_base);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* "a/./b/../c.zidl" -> "a/c.zidl": the key of a file seen through a
 * custom reader, which has no real path. Leading ".." are kept. */
static char *normalise(zidl__arena *arena, const char *path)
{
    size_t len = strlen(path);
    char *out = zidl__arena_alloc(arena, len + 2);
    size_t n = 0;
    size_t kept = 0; /* components that a ".." may remove */
    bool absolute = path[0] == '/';
    if (absolute)
        out[n++] = '/';
    for (const char *p = path; *p != '\0';) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t part = end != NULL ? (size_t)(end - p) : strlen(p);
        if (part == 0)
            break;
        if (part == 1 && p[0] == '.') {
            /* "." adds nothing */
        } else if (part == 2 && p[0] == '.' && p[1] == '.' && kept > 0) {
            n--; /* drop the last component and its slash */
            while (n > (absolute ? 1u : 0u) && out[n - 1] != '/')
                n--;
            if (n > (absolute ? 1u : 0u))
                n--;
            kept--;
        } else if (!(part == 2 && p[0] == '.' && p[1] == '.' && absolute)) {
            if (n > (absolute ? 1u : 0u))
                out[n++] = '/';
            memcpy(out + n, p, part);
            n += part;
            if (!(part == 2 && p[0] == '.' && p[1] == '.'))
                kept++;
        }
        p += part;
    }
    if (n == 0)
        out[n++] = '.';
    out[n] = '\0';
    return out;
}

/* The identity of the file at path, or NULL when there is none. */
static char *file_key(zidl__loader *l, const char *path)
{
    if (l->opts->read_file != NULL)
        return normalise(l->arena, path);
    char resolved[PATH_MAX];
    if (realpath(path, resolved) == NULL)
        return NULL;
    return zidl__arena_strdup(l->arena, resolved);
}

static void close_file(void *f)
{
    fclose(f);
}

static int read_from_disk(zidl__mem *mem, const char *path, size_t max_size, zidl__strbuf *text)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno;
    /* Growing text may run out of memory: the file must not stay open. */
    zidl__mem_hold(mem, close_file, f);
    char chunk[8192];
    size_t n;
    while (text->len <= max_size && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        zidl__strbuf_append(text, chunk, n);
    int err = ferror(f) ? errno : 0;
    zidl__mem_let_go(mem);
    fclose(f);
    if (err == 0 && text->len > max_size)
        err = READ_TOO_LARGE;
    return err;
}

/* Reads path into the arena, followed by two NUL bytes (the scanner's
 * sentinel); returns 0, an errno value or READ_TOO_LARGE. */
static int read_text(zidl__loader *l, const char *path, char **text, size_t *length)
{
    zidl__strbuf buffer;
    zidl__strbuf_init(&buffer, l->arena->mem);
    int err;
    if (l->opts->read_file != NULL) {
        char *data = NULL;
        size_t size = 0;
        err = l->opts->read_file(l->opts->user, path, &data, &size);
        /* The reader's buffer is ours to free, even when copying it runs
         * out of memory. */
        zidl__mem_hold(l->arena->mem, free, data);
        if (err == 0 && size > l->opts->max_file_size)
            err = READ_TOO_LARGE;
        if (err == 0 && size > 0)
            zidl__strbuf_append(&buffer, data, size);
        zidl__mem_let_go(l->arena->mem);
        free(data);
    } else {
        err = read_from_disk(l->arena->mem, path, l->opts->max_file_size, &buffer);
    }
    if (err == 0) {
        *length = buffer.len;
        *text = zidl__arena_alloc(l->arena, buffer.len + 2);
        memcpy(*text, zidl__strbuf_str(&buffer), buffer.len);
    }
    zidl__strbuf_free(&buffer);
    return err;
}

static const char *read_error_text(zidl__loader *l, int err)
{
    if (err == READ_TOO_LARGE)
        return zidl__arena_sprintf(l->arena, "larger than the limit of %zu bytes",
                                   l->opts->max_file_size);
    return strerror(err);
}

static void follow_imports(zidl__loader *l, zidl__file *file);

/* Parses a file that was just read and loads what it imports. */
static zidl__file *add_file(zidl__loader *l, const char *path, char *key, char *text, size_t length)
{
    zidl__file *file = zidl__arena_alloc(l->arena, sizeof *file);
    file->path = zidl__arena_strdup(l->arena, path);
    file->base = base_name(file->path);
    file->key = key;
    file->text = text;
    file->length = length;
    file->index = l->by_key.count;
    zidl__symtab_init(&file->decl_table, l->arena->mem);
    zidl__symtab_put(&l->by_key, key, file);
    zidl__symtab_put(&l->by_base, file->base, file);
    ZIDL__LIST_PUSH(l->arena, l->read_paths, key);

    zidl__parse(file, l->diag, l->arena);
    file->loading = true;
    follow_imports(l, file);
    file->loading = false;
    ZIDL__LIST_PUSH(l->arena, l->order, file);
    return file;
}

void zidl__load_root(zidl__loader *l, const char *path)
{
    char *key = file_key(l, path);
    zidl__file *known = key != NULL ? zidl__symtab_get(&l->by_key, key) : NULL;
    if (known == NULL) {
        zidl__file *same_base = zidl__symtab_get(&l->by_base, base_name(path));
        if (same_base != NULL) {
            zidl__diag_general(l->diag, "'%s' and '%s' would write the same output files",
                               same_base->path, path);
            return;
        }
        char *text = NULL;
        size_t length = 0;
        /* A reader is asked for the normalised path, as for imports. */
        const char *read_path = l->opts->read_file != NULL ? key : path;
        int err = key == NULL ? errno : read_text(l, read_path, &text, &length);
        if (err != 0) {
            zidl__diag_general(l->diag, "cannot read '%s': %s", path, read_error_text(l, err));
            return;
        }
        known = add_file(l, path, key, text, length);
    }
    for (size_t i = 0; i < l->roots.count; i++) {
        if (l->roots.items[i] == known)
            return;
    }
    ZIDL__LIST_PUSH(l->arena, l->roots, known);
}

/* "error: import cycle" at the import that closes it, showing the whole
 * cycle, then a note at every other import along it. The files on the
 * cycle are target, the importers of the steps after target's own, and
 * importer itself. */
static void report_cycle(zidl__loader *l, zidl__file *importer, zidl__import *imp,
                         const zidl__file *target)
{
    size_t first = l->path.count;
    while (first > 0 && l->path.items[first - 1]->importer != target)
        first--;
    if (first > 0)
        first--; /* the step that leaves target */
    else
        first = l->path.count; /* target is importer: it imports itself */
    zidl__strbuf chain;
    zidl__strbuf_init(&chain, l->arena->mem);
    for (size_t i = first; i < l->path.count; i++)
        zidl__strbuf_printf(&chain, "'%s' -> ", l->path.items[i]->importer->path);
    zidl__diag_report(l->diag, importer, imp->loc, ZIDL__ERROR, "import cycle: %s'%s' -> '%s'",
                      zidl__strbuf_str(&chain), importer->path, target->path);
    zidl__strbuf_free(&chain);
    for (size_t i = first; i < l->path.count; i++)
        zidl__diag_report(l->diag, l->path.items[i]->importer, l->path.items[i]->import->loc,
                          ZIDL__NOTE, "'%s' imports '%s' here", l->path.items[i]->importer->path,
                          l->path.items[i]->import->path);
}

/* Follows one import to a file found at candidate, whose identity is key. */
static void import_file(zidl__loader *l, zidl__file *importer, zidl__import *imp,
                        const char *candidate, char *key, char *text, size_t length)
{
    zidl__file *same_base = zidl__symtab_get(&l->by_base, base_name(candidate));
    if (same_base != NULL) {
        zidl__diag_report(l->diag, importer, imp->loc, ZIDL__ERROR,
                          "'%s' and '%s' would write the same output files", same_base->path,
                          candidate);
        return;
    }
    if (l->path.count >= l->opts->max_include_depth) {
        zidl__diag_report(l->diag, importer, imp->loc, ZIDL__ERROR,
                          "imports nested more than %u deep", l->opts->max_include_depth);
        return;
    }
    zidl__import_step *step = zidl__arena_alloc(l->arena, sizeof *step);
    step->importer = importer;
    step->import = imp;
    ZIDL__LIST_PUSH(l->arena, l->path, step);
    imp->file = add_file(l, candidate, key, text, length);
    l->path.count--;
}

/* The places an import is looked for, in order. */
static const char **candidates(zidl__loader *l, const zidl__file *importer, const char *name,
                               size_t *count)
{
    const zidl_options *opts = l->opts;
    const char **list = zidl__arena_alloc(l->arena, (opts->include_dir_count + 1) * sizeof *list);
    *count = 0;
    const char *slash = strrchr(importer->path, '/');
    if (slash == NULL || name[0] == '/')
        list[(*count)++] = name;
    else
        list[(*count)++] = zidl__arena_sprintf(l->arena, "%.*s/%s", (int)(slash - importer->path),
                                               importer->path, name);
    for (size_t i = 0; i < opts->include_dir_count && name[0] != '/'; i++) {
        const char *dir = opts->include_dirs[i];
        size_t len = strlen(dir);
        bool has_slash = len > 0 && dir[len - 1] == '/';
        list[(*count)++] =
            zidl__arena_sprintf(l->arena, "%s%s%s", dir, has_slash || len == 0 ? "" : "/", name);
    }
    /* A reader has no folders to walk through: it is asked for the
     * normalised path, "a/../b.zidl" as "b.zidl". */
    for (size_t i = 0; i < *count && opts->read_file != NULL; i++)
        list[i] = normalise(l->arena, list[i]);
    return list;
}

static void report_not_found(zidl__loader *l, zidl__file *importer, zidl__import *imp,
                             const char *const *tried, size_t count)
{
    zidl__strbuf text;
    zidl__strbuf_init(&text, l->arena->mem);
    for (size_t i = 0; i < count; i++)
        zidl__strbuf_printf(&text, "%s'%s'", i == 0 ? "" : ", ", tried[i]);
    zidl__diag_report(l->diag, importer, imp->loc, ZIDL__ERROR,
                      "cannot find imported file '%s' (tried %s)", imp->path,
                      zidl__strbuf_str(&text));
    zidl__strbuf_free(&text);
}

static void find_import(zidl__loader *l, zidl__file *importer, zidl__import *imp)
{
    if (imp->path[0] == '\0') {
        zidl__diag_report(l->diag, importer, imp->loc, ZIDL__ERROR, "empty import path");
        return;
    }
    size_t count = 0;
    const char **tried = candidates(l, importer, imp->path, &count);
    for (size_t i = 0; i < count; i++) {
        char *key = file_key(l, tried[i]);
        if (key == NULL)
            continue;
        zidl__file *known = zidl__symtab_get(&l->by_key, key);
        if (known != NULL && known->loading) {
            report_cycle(l, importer, imp, known);
            return;
        }
        if (known != NULL) {
            imp->file = known;
            return;
        }
        char *text = NULL;
        size_t length = 0;
        int err = read_text(l, tried[i], &text, &length);
        if (err == ENOENT)
            continue;
        if (err != 0) {
            zidl__diag_report(l->diag, importer, imp->loc, ZIDL__ERROR,
                              "cannot read imported file '%s': %s", tried[i],
                              read_error_text(l, err));
            return;
        }
        import_file(l, importer, imp, tried[i], key, text, length);
        return;
    }
    report_not_found(l, importer, imp, tried, count);
}

static void follow_imports(zidl__loader *l, zidl__file *file)
{
    for (size_t i = 0; i < file->imports.count; i++) {
        zidl__import *imp = file->imports.items[i];
        find_import(l, file, imp);
        for (size_t j = 0; j < i && imp->file != NULL; j++) {
            const zidl__import *earlier = file->imports.items[j];
            if (earlier->file != imp->file)
                continue;
            zidl__diag_report(l->diag, file, imp->loc, ZIDL__ERROR, "'%s' is imported twice",
                              imp->file->path);
            zidl__diag_report(l->diag, file, earlier->loc, ZIDL__NOTE,
                              "it was first imported here");
            break;
        }
    }
}
