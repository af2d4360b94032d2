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
struct zidl_import_step {
    zidl_file *importer;
    zidl_import *import;
};

/* Not an errno value: the file is larger than opts->max_file_size. */
#define READ_TOO_LARGE (-1)

void zidl_loader_init(zidl_loader *l, const zidl_options *opts, zidl_diag *diag,
                      zidl_arena *arena)
{
    memset(l, 0, sizeof *l);
    l->opts = opts;
    l->diag = diag;
    l->arena = arena;
    zidl_symtab_init(&l->by_key, arena->mem);
    zidl_symtab_init(&l->by_base, arena->mem);
}

void zidl_loader_free(zidl_loader *l)
{
    for (size_t i = 0; i < l->order.count; i++)
        zidl_symtab_free(&l->order.items[i]->decl_table);
    zidl_symtab_free(&l->by_key);
    zidl_symtab_free(&l->by_base);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* "a/./b/../c.zidl" -> "a/c.zidl": the key of a file seen through a
 * custom reader, which has no real path. Leading ".." are kept. */
static char *normalise(zidl_arena *arena, const char *path)
{
    size_t len = strlen(path);
    char *out = zidl_arena_alloc(arena, len + 2);
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
static char *file_key(zidl_loader *l, const char *path)
{
    if (l->opts->read_file != NULL)
        return normalise(l->arena, path);
    char resolved[PATH_MAX];
    if (realpath(path, resolved) == NULL)
        return NULL;
    return zidl_arena_strdup(l->arena, resolved);
}

static void close_file(void *f)
{
    fclose(f);
}

static int read_from_disk(zidl_mem *mem, const char *path, size_t max_size, zidl_strbuf *text)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno;
    /* Growing text may run out of memory: the file must not stay open. */
    zidl_mem_hold(mem, close_file, f);
    char chunk[8192];
    size_t n;
    while (text->len <= max_size && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        zidl_strbuf_append(text, chunk, n);
    int err = ferror(f) ? errno : 0;
    zidl_mem_let_go(mem);
    fclose(f);
    if (err == 0 && text->len > max_size)
        err = READ_TOO_LARGE;
    return err;
}

/* Reads path into the arena, followed by two NUL bytes (the scanner's
 * sentinel); returns 0, an errno value or READ_TOO_LARGE. */
static int read_text(zidl_loader *l, const char *path, char **text, size_t *length)
{
    zidl_strbuf buffer;
    zidl_strbuf_init(&buffer, l->arena->mem);
    int err;
    if (l->opts->read_file != NULL) {
        char *data = NULL;
        size_t size = 0;
        err = l->opts->read_file(l->opts->user, path, &data, &size);
        /* The reader's buffer is ours to free, even when copying it runs
         * out of memory. */
        zidl_mem_hold(l->arena->mem, free, data);
        if (err == 0 && size > l->opts->max_file_size)
            err = READ_TOO_LARGE;
        if (err == 0 && size > 0)
            zidl_strbuf_append(&buffer, data, size);
        zidl_mem_let_go(l->arena->mem);
        free(data);
    } else {
        err = read_from_disk(l->arena->mem, path, l->opts->max_file_size, &buffer);
    }
    if (err == 0) {
        *length = buffer.len;
        *text = zidl_arena_alloc(l->arena, buffer.len + 2);
        memcpy(*text, zidl_strbuf_str(&buffer), buffer.len);
    }
    zidl_strbuf_free(&buffer);
    return err;
}

static const char *read_error_text(zidl_loader *l, int err)
{
    if (err == READ_TOO_LARGE)
        return zidl_arena_sprintf(l->arena, "larger than the limit of %zu bytes",
                                  l->opts->max_file_size);
    return strerror(err);
}

static void follow_imports(zidl_loader *l, zidl_file *file);

/* Parses a file that was just read and loads what it imports. */
static zidl_file *add_file(zidl_loader *l, const char *path, char *key,
                           char *text, size_t length)
{
    zidl_file *file = zidl_arena_alloc(l->arena, sizeof *file);
    file->path = zidl_arena_strdup(l->arena, path);
    file->base = base_name(file->path);
    file->key = key;
    file->text = text;
    file->length = length;
    file->index = l->by_key.count;
    zidl_symtab_init(&file->decl_table, l->arena->mem);
    zidl_symtab_put(&l->by_key, key, file);
    zidl_symtab_put(&l->by_base, file->base, file);
    ZIDL_LIST_PUSH(l->arena, l->read_paths, key);

    zidl_parse(file, l->diag, l->arena);
    file->loading = true;
    follow_imports(l, file);
    file->loading = false;
    ZIDL_LIST_PUSH(l->arena, l->order, file);
    return file;
}

void zidl_load_root(zidl_loader *l, const char *path)
{
    char *key = file_key(l, path);
    zidl_file *known = key != NULL ? zidl_symtab_get(&l->by_key, key) : NULL;
    if (known == NULL) {
        zidl_file *same_base = zidl_symtab_get(&l->by_base, base_name(path));
        if (same_base != NULL) {
            zidl_diag_general(l->diag, "'%s' and '%s' would write the same output files",
                              same_base->path, path);
            return;
        }
        char *text = NULL;
        size_t length = 0;
        /* A reader is asked for the normalised path, as for imports. */
        const char *read_path = l->opts->read_file != NULL ? key : path;
        int err = key == NULL ? errno : read_text(l, read_path, &text, &length);
        if (err != 0) {
            zidl_diag_general(l->diag, "cannot read '%s': %s", path, read_error_text(l, err));
            return;
        }
        known = add_file(l, path, key, text, length);
    }
    for (size_t i = 0; i < l->roots.count; i++) {
        if (l->roots.items[i] == known)
            return;
    }
    ZIDL_LIST_PUSH(l->arena, l->roots, known);
}

/* "error: import cycle" at the import that closes it, showing the whole
 * cycle, then a note at every other import along it. The files on the
 * cycle are target, the importers of the steps after target's own, and
 * importer itself. */
static void report_cycle(zidl_loader *l, zidl_file *importer, zidl_import *imp,
                         const zidl_file *target)
{
    size_t first = l->path.count;
    while (first > 0 && l->path.items[first - 1]->importer != target)
        first--;
    if (first > 0)
        first--; /* the step that leaves target */
    else
        first = l->path.count; /* target is importer: it imports itself */
    zidl_strbuf chain;
    zidl_strbuf_init(&chain, l->arena->mem);
    for (size_t i = first; i < l->path.count; i++)
        zidl_strbuf_printf(&chain, "'%s' -> ", l->path.items[i]->importer->path);
    zidl_diag_report(l->diag, importer, imp->loc, ZIDL_ERROR, "import cycle: %s'%s' -> '%s'",
                     zidl_strbuf_str(&chain), importer->path, target->path);
    zidl_strbuf_free(&chain);
    for (size_t i = first; i < l->path.count; i++)
        zidl_diag_report(l->diag, l->path.items[i]->importer, l->path.items[i]->import->loc,
                         ZIDL_NOTE, "'%s' imports '%s' here", l->path.items[i]->importer->path,
                         l->path.items[i]->import->path);
}

/* Follows one import to a file found at candidate, whose identity is key. */
static void import_file(zidl_loader *l, zidl_file *importer, zidl_import *imp,
                        const char *candidate, char *key, char *text, size_t length)
{
    zidl_file *same_base = zidl_symtab_get(&l->by_base, base_name(candidate));
    if (same_base != NULL) {
        zidl_diag_report(l->diag, importer, imp->loc, ZIDL_ERROR,
                         "'%s' and '%s' would write the same output files",
                         same_base->path, candidate);
        return;
    }
    if (l->path.count >= l->opts->max_include_depth) {
        zidl_diag_report(l->diag, importer, imp->loc, ZIDL_ERROR,
                         "imports nested more than %u deep", l->opts->max_include_depth);
        return;
    }
    zidl_import_step *step = zidl_arena_alloc(l->arena, sizeof *step);
    step->importer = importer;
    step->import = imp;
    ZIDL_LIST_PUSH(l->arena, l->path, step);
    imp->file = add_file(l, candidate, key, text, length);
    l->path.count--;
}

/* The places an import is looked for, in order. */
static const char **candidates(zidl_loader *l, const zidl_file *importer,
                               const char *name, size_t *count)
{
    const zidl_options *opts = l->opts;
    const char **list = zidl_arena_alloc(l->arena, (opts->include_dir_count + 1) * sizeof *list);
    *count = 0;
    const char *slash = strrchr(importer->path, '/');
    if (slash == NULL || name[0] == '/')
        list[(*count)++] = name;
    else
        list[(*count)++] = zidl_arena_sprintf(l->arena, "%.*s/%s",
                                              (int)(slash - importer->path),
                                              importer->path, name);
    for (size_t i = 0; i < opts->include_dir_count && name[0] != '/'; i++) {
        const char *dir = opts->include_dirs[i];
        size_t len = strlen(dir);
        bool has_slash = len > 0 && dir[len - 1] == '/';
        list[(*count)++] = zidl_arena_sprintf(l->arena, "%s%s%s", dir,
                                              has_slash || len == 0 ? "" : "/", name);
    }
    /* A reader has no folders to walk through: it is asked for the
     * normalised path, "a/../b.zidl" as "b.zidl". */
    for (size_t i = 0; i < *count && opts->read_file != NULL; i++)
        list[i] = normalise(l->arena, list[i]);
    return list;
}

static void report_not_found(zidl_loader *l, zidl_file *importer, zidl_import *imp,
                             const char *const *tried, size_t count)
{
    zidl_strbuf text;
    zidl_strbuf_init(&text, l->arena->mem);
    for (size_t i = 0; i < count; i++)
        zidl_strbuf_printf(&text, "%s'%s'", i == 0 ? "" : ", ", tried[i]);
    zidl_diag_report(l->diag, importer, imp->loc, ZIDL_ERROR,
                     "cannot find imported file '%s' (tried %s)", imp->path,
                     zidl_strbuf_str(&text));
    zidl_strbuf_free(&text);
}

static void find_import(zidl_loader *l, zidl_file *importer, zidl_import *imp)
{
    if (imp->path[0] == '\0') {
        zidl_diag_report(l->diag, importer, imp->loc, ZIDL_ERROR, "empty import path");
        return;
    }
    size_t count = 0;
    const char **tried = candidates(l, importer, imp->path, &count);
    for (size_t i = 0; i < count; i++) {
        char *key = file_key(l, tried[i]);
        if (key == NULL)
            continue;
        zidl_file *known = zidl_symtab_get(&l->by_key, key);
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
            zidl_diag_report(l->diag, importer, imp->loc, ZIDL_ERROR,
                             "cannot read imported file '%s': %s", tried[i],
                             read_error_text(l, err));
            return;
        }
        import_file(l, importer, imp, tried[i], key, text, length);
        return;
    }
    report_not_found(l, importer, imp, tried, count);
}

static void follow_imports(zidl_loader *l, zidl_file *file)
{
    for (size_t i = 0; i < file->imports.count; i++) {
        zidl_import *imp = file->imports.items[i];
        find_import(l, file, imp);
        for (size_t j = 0; j < i && imp->file != NULL; j++) {
            const zidl_import *earlier = file->imports.items[j];
            if (earlier->file != imp->file)
                continue;
            zidl_diag_report(l->diag, file, imp->loc, ZIDL_ERROR,
                             "'%s' is imported twice", imp->file->path);
            zidl_diag_report(l->diag, file, earlier->loc, ZIDL_NOTE,
                             "it was first imported here");
            break;
        }
    }
}
