/* compile.c - zidl_compile(): one run over a set of schemas.
 *
 * First every file is loaded with its imports (load.c). Then each file
 * goes through the passes in order (resolve, check, layout), every file
 * after the files it imports, whose declarations it sees. A file with
 * syntax errors skips the semantic passes, whose findings would mostly be
 * echoes, and so does a file whose imports could not be loaded. The
 * warnings of a run without errors come last. Outputs are generated in
 * memory and written only when the whole run had no error.
 *
 * zidl.h promises that the library never prints and never exits: running
 * out of memory jumps back here (mem.h), frees every block of the run and
 * returns ZIDL_ENOMEM. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "output.h"
#include "passes.h"
#include "names.h"
#include "zidl/zidl.h"

void zidl_options_init(zidl_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_include_depth = 64;
    opts->max_nesting = 64;
    opts->max_errors_per_file = 20;
    opts->max_file_size = (size_t)16 << 20;
}

typedef struct run {
    const zidl_options *opts;
    zidl_mem mem; /* every block of the run, whatever else owns it */
    zidl_diag diag;
    zidl_arena arena;
    zidl_symtab type_ids;
    zidl_loader loader;
} run;

/* Whether every direct import was found, parsed and resolved, so that the
 * names the file uses can be looked up. */
static bool imports_resolved(const zidl_file *file)
{
    for (size_t i = 0; i < file->imports.count; i++) {
        const zidl_file *imported = file->imports.items[i]->file;
        if (imported == NULL || !imported->resolved)
            return false;
    }
    return true;
}

static bool imports_free_of_errors(const zidl_file *file)
{
    for (size_t i = 0; i < file->imports.count; i++) {
        const zidl_file *imported = file->imports.items[i]->file;
        if (imported == NULL || imported->errors > 0 || !imported->imports_ok)
            return false;
    }
    return true;
}

static void run_passes(run *r, zidl_file *file)
{
    file->imports_ok = imports_free_of_errors(file);
    if (!file->syntax_ok || !imports_resolved(file))
        return;
    unsigned errors_before = file->errors;
    zidl_resolve(file, &r->diag, &r->arena);
    zidl_check(file, &r->diag, &r->arena);
    if (file->errors == errors_before && file->imports_ok)
        zidl_layout(file, &r->diag, &r->arena, &r->type_ids);
}

/* Emits one file's outputs in memory, appended to *outputs. */
static void emit_file_outputs(run *r, const zidl_file *file, zidl_output **outputs,
                              size_t *count)
{
    const zidl_options *opts = r->opts;
    zidl_output *o = *outputs + *count;
    o[0].path = zidl_output_path(&r->arena, opts->output_dir,
                                 zidl_header_file_name(&r->arena, file));
    o[1].path = zidl_output_path(&r->arena, opts->output_dir,
                                 zidl_source_file_name(&r->arena, file));
    zidl_strbuf_init(&o[0].text, &r->mem);
    zidl_strbuf_init(&o[1].text, &r->mem);
    *count += 2;
    zidl_emit_header(file, &r->arena, &o[0].text);
    zidl_emit_source(file, &r->arena, &o[1].text);
    if (opts->skeleton) {
        o[2].path = zidl_output_path(&r->arena, opts->output_dir,
                                     zidl_skeleton_file_name(&r->arena, file));
        zidl_strbuf_init(&o[2].text, &r->mem);
        *count += 1;
        zidl_emit_skeleton(file, &r->arena, &o[2].text);
    }
}

/* Every output is generated in memory, the depfile's text too, before the
 * first file is written: running out of memory then writes nothing. The
 * outputs of the files given come first, those of their imports after
 * them; the depfile's target is the first output. */
static void write_outputs(run *r)
{
    const zidl_options *opts = r->opts;
    const zidl_loader *l = &r->loader;
    if (l->roots.count == 0)
        return;
    zidl_output *outputs = zidl_arena_alloc(&r->arena, 3 * l->order.count * sizeof *outputs);
    size_t count = 0;
    for (size_t i = 0; i < l->roots.count; i++)
        emit_file_outputs(r, l->roots.items[i], &outputs, &count);
    for (size_t i = 0; i < l->order.count; i++) {
        const zidl_file *file = l->order.items[i];
        bool is_root = false;
        for (size_t j = 0; j < l->roots.count && !is_root; j++)
            is_root = l->roots.items[j] == file;
        if (!is_root)
            emit_file_outputs(r, file, &outputs, &count);
    }
    bool depfile = opts->depfile != NULL && !opts->dry_run;
    zidl_strbuf depfile_text;
    zidl_strbuf_init(&depfile_text, &r->mem);
    if (depfile)
        zidl_output_depfile_text(&depfile_text, outputs[0].path,
                                 (const char *const *)l->read_paths.items, l->read_paths.count);

    bool ok = opts->dry_run || zidl_output_make_dir(&r->diag, &r->arena, opts->output_dir);
    for (size_t i = 0; i < count && ok; i++) {
        if (!opts->dry_run)
            ok = zidl_output_write(&r->diag, outputs[i].path, &outputs[i].text);
        if (ok && opts->on_output != NULL)
            opts->on_output(opts->user, outputs[i].path);
    }
    if (ok && depfile)
        zidl_output_write(&r->diag, opts->depfile, &depfile_text);
    for (size_t i = 0; i < count; i++)
        zidl_strbuf_free(&outputs[i].text);
    zidl_strbuf_free(&depfile_text);
}

/* The run proper; false when it ran out of memory. The setjmp is here, not
 * in zidl_compile(), so that no local of the function that calls setjmp
 * changes after it (their values would be indeterminate after longjmp). */
static bool run_all(run *r, const char *const *files, size_t count)
{
    jmp_buf out_of_memory;
    if (setjmp(out_of_memory) != 0)
        return false;
    r->mem.on_failure = &out_of_memory;
    if (count == 0)
        zidl_diag_general(&r->diag, "no input files");
    for (size_t i = 0; i < count; i++)
        zidl_load_root(&r->loader, files[i]);
    for (size_t i = 0; i < r->loader.order.count; i++)
        run_passes(r, r->loader.order.items[i]);
    if (r->diag.errors == 0)
        zidl_warn(r->loader.order.items, r->loader.order.count, &r->diag);
    zidl_diag_flush(&r->diag);
    if (r->diag.errors == 0)
        write_outputs(r);
    r->mem.on_failure = NULL;
    return true;
}

int zidl_compile(const zidl_options *opts, const char *const *files, size_t count)
{
    run r;
    memset(&r, 0, sizeof r);
    r.opts = opts;
    zidl_mem_init(&r.mem, opts);
    zidl_diag_init(&r.diag, opts, &r.mem);
    zidl_arena_init(&r.arena, &r.mem);
    zidl_symtab_init(&r.type_ids, &r.mem);
    zidl_loader_init(&r.loader, opts, &r.diag, &r.arena);

    if (!run_all(&r, files, count)) {
        /* Out of memory: the passes were left anywhere, holding blocks no
         * one else knows of; every block is on the run's list. */
        zidl_mem_free_all(&r.mem);
        zidl_diag_out_of_memory(opts);
        return ZIDL_ENOMEM;
    }
    int errors = (int)r.diag.errors;
    zidl_loader_free(&r.loader);
    zidl_symtab_free(&r.type_ids);
    zidl_arena_free(&r.arena);
    zidl_diag_free(&r.diag);
    return errors;
}
