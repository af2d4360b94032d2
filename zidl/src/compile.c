/* compile.c - zidl_compile(): one run over a set of schemas.
 *
 * Each file goes through the passes in order (parse, resolve, check,
 * layout); a file with syntax errors skips the semantic passes, whose
 * findings would mostly be echoes. Outputs are generated in memory and
 * written only when the whole run had no error. */
#define _XOPEN_SOURCE 700 /* realpath */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "parse.h"
#include "passes.h"
#include "names.h"
#include "zidl/zidl.h"

void zidl_options_init(zidl_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_include_depth = 16;
    opts->max_nesting = 64;
    opts->max_errors_per_file = 20;
    opts->max_file_size = (size_t)16 << 20;
}

typedef struct run {
    const zidl_options *opts;
    zidl_diag diag;
    zidl_arena arena;
    zidl_symtab type_ids;
    zidl_symtab outputs;  /* input base name -> zidl_file, to catch clashes */
    ZIDL_LIST(zidl_file) files;
    ZIDL_LIST(char) read_paths; /* absolute, for the depfile */
} run;

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* Reads the whole file, followed by two NUL bytes; NULL after reporting. */
static char *read_source(run *r, const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        zidl_diag_general(&r->diag, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    zidl_strbuf text;
    zidl_strbuf_init(&text);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len <= r->opts->max_file_size)
        zidl_strbuf_append(&text, chunk, n);
    bool failed = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    char *result = NULL;
    if (failed)
        zidl_diag_general(&r->diag, "cannot read '%s': %s", path, strerror(saved));
    else if (text.len > r->opts->max_file_size)
        zidl_diag_general(&r->diag, "cannot read '%s': larger than the limit of %zu bytes",
                          path, r->opts->max_file_size);
    else {
        result = zidl_arena_alloc(&r->arena, text.len + 2);
        memcpy(result, zidl_strbuf_str(&text), text.len);
        *length = text.len;
    }
    zidl_strbuf_free(&text);
    return result;
}

static void remember_read_path(run *r, const char *path)
{
    char resolved[PATH_MAX];
    const char *absolute = realpath(path, resolved) != NULL ? resolved : path;
    ZIDL_LIST_PUSH(&r->arena, r->read_paths, zidl_arena_strdup(&r->arena, absolute));
}

/* Two inputs with the same base name would overwrite each other's outputs. */
static bool claim_outputs(run *r, zidl_file *file)
{
    const zidl_file *first = zidl_symtab_put(&r->outputs, file->base, file);
    if (first == NULL)
        return true;
    zidl_diag_general(&r->diag, "'%s' and '%s' would write the same output files",
                      first->path, file->path);
    return false;
}

static void run_passes(run *r, const char *path)
{
    size_t length = 0;
    char *text = read_source(r, path, &length);
    if (text == NULL)
        return;
    remember_read_path(r, path);
    zidl_file *file = zidl_arena_alloc(&r->arena, sizeof *file);
    file->path = zidl_arena_strdup(&r->arena, path);
    file->base = base_name(file->path);
    file->text = text;
    file->length = length;
    if (!claim_outputs(r, file))
        return;
    ZIDL_LIST_PUSH(&r->arena, r->files, file);

    zidl_parse(file, &r->diag, &r->arena);
    if (!file->syntax_ok)
        return;
    unsigned errors_before = r->diag.file_errors;
    zidl_resolve(file, &r->diag);
    zidl_check(file, &r->diag, &r->arena);
    if (r->diag.file_errors == errors_before)
        zidl_layout(file, &r->diag, &r->arena, &r->type_ids);
}

static void compile_file(run *r, const char *path)
{
    zidl_diag_begin_file(&r->diag);
    run_passes(r, path);
    zidl_diag_end_file(&r->diag);
}

static bool write_outputs(run *r)
{
    const zidl_options *opts = r->opts;
    if (!zidl_output_make_dir(&r->diag, opts->output_dir))
        return false;
    bool ok = true;
    const char *first_output = NULL;
    for (size_t i = 0; i < r->files.count && ok; i++) {
        const zidl_file *file = r->files.items[i];
        zidl_output outputs[3] = {
            {zidl_output_path(&r->arena, opts->output_dir,
                              zidl_header_file_name(&r->arena, file)), {0}},
            {zidl_output_path(&r->arena, opts->output_dir,
                              zidl_source_file_name(&r->arena, file)), {0}},
            {zidl_output_path(&r->arena, opts->output_dir,
                              zidl_skeleton_file_name(&r->arena, file)), {0}},
        };
        size_t count = opts->skeleton ? 3 : 2;
        zidl_emit_header(file, &r->arena, &outputs[0].text);
        zidl_emit_source(file, &r->arena, &outputs[1].text);
        if (opts->skeleton)
            zidl_emit_skeleton(file, &r->arena, &outputs[2].text);
        for (size_t j = 0; j < count; j++) {
            if (ok)
                ok = zidl_output_write(&r->diag, outputs[j].path, &outputs[j].text);
            zidl_strbuf_free(&outputs[j].text);
        }
        if (first_output == NULL)
            first_output = outputs[0].path;
    }
    if (ok && opts->depfile != NULL && first_output != NULL)
        ok = zidl_output_write_depfile(&r->diag, opts->depfile, first_output,
                                       (const char *const *)r->read_paths.items,
                                       r->read_paths.count);
    return ok;
}

int zidl_compile(const zidl_options *opts, const char *const *files, size_t count)
{
    run r;
    memset(&r, 0, sizeof r);
    r.opts = opts;
    zidl_diag_init(&r.diag, opts);
    zidl_arena_init(&r.arena);
    zidl_symtab_init(&r.type_ids);
    zidl_symtab_init(&r.outputs);

    if (count == 0)
        zidl_diag_general(&r.diag, "no input files");
    for (size_t i = 0; i < count; i++)
        compile_file(&r, files[i]);
    if (r.diag.errors == 0)
        write_outputs(&r);

    int errors = (int)r.diag.errors;
    zidl_symtab_free(&r.outputs);
    zidl_symtab_free(&r.type_ids);
    zidl_arena_free(&r.arena);
    zidl_diag_free(&r.diag);
    return errors;
}
