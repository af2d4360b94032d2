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
 * out of memory, or a broken invariant, jumps back here (mem.h), frees
 * every block of the run and returns ZIDL_ENOMEM or ZIDL_EINTERNAL. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "load.h"
#include "names.h"
#include "output.h"
#include "passes.h"
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
    zidl__mem mem; /* every block of the run, whatever else owns it */
    zidl__diag diag;
    zidl__arena arena;
    zidl__symtab type_ids;
    zidl__loader loader;
} run;

/* Whether every direct import was found, parsed and resolved, so that the
 * names the file uses can be looked up. */
static bool imports_resolved(const zidl__file *file)
{
    for (size_t i = 0; i < file->imports.count; i++) {
        const zidl__file *imported = file->imports.items[i]->file;
        if (imported == NULL || !imported->resolved)
            return false;
    }
    return true;
}

static bool imports_free_of_errors(const zidl__file *file)
{
    for (size_t i = 0; i < file->imports.count; i++) {
        const zidl__file *imported = file->imports.items[i]->file;
        if (imported == NULL || imported->errors > 0 || !imported->imports_ok)
            return false;
    }
    return true;
}

/* type_ids: the ids of this version of the schema (see run_compat). */
static void run_passes(run *r, zidl__file *file, zidl__symtab *type_ids)
{
    file->imports_ok = imports_free_of_errors(file);
    if (!file->syntax_ok || !imports_resolved(file))
        return;
    unsigned errors_before = file->errors;
    zidl__resolve(file, &r->diag, &r->arena);
    zidl__check(file, &r->diag, &r->arena);
    if (file->errors == errors_before && file->imports_ok)
        zidl__layout(file, &r->diag, &r->arena, type_ids);
}

/* Emits one file's outputs in memory, appended to *outputs. */
static void emit_file_outputs(run *r, const zidl__file *file, zidl__output **outputs, size_t *count)
{
    const zidl_options *opts = r->opts;
    zidl__output *o = *outputs + *count;
    o[0].path =
        zidl__output_path(&r->arena, opts->output_dir, zidl__header_file_name(&r->arena, file));
    o[1].path =
        zidl__output_path(&r->arena, opts->output_dir, zidl__source_file_name(&r->arena, file));
    zidl__strbuf_init(&o[0].text, &r->mem);
    zidl__strbuf_init(&o[1].text, &r->mem);
    *count += 2;
    zidl__emit_header(file, &r->arena, &o[0].text);
    zidl__emit_source(file, &r->arena, &o[1].text);
    if (opts->skeleton) {
        o[2].path = zidl__output_path(&r->arena, opts->output_dir,
                                      zidl__skeleton_file_name(&r->arena, file));
        zidl__strbuf_init(&o[2].text, &r->mem);
        *count += 1;
        zidl__emit_skeleton(file, &r->arena, &o[2].text);
    }
}

/* Every output is generated in memory, the depfile's text too, before the
 * first file is written: running out of memory then writes nothing. The
 * outputs of the files given come first, those of their imports after
 * them; the depfile's target is the first output. */
static void write_outputs(run *r)
{
    const zidl_options *opts = r->opts;
    const zidl__loader *l = &r->loader;
    if (l->roots.count == 0)
        return;
    zidl__output *outputs = zidl__arena_alloc(&r->arena, 3 * l->order.count * sizeof *outputs);
    size_t count = 0;
    for (size_t i = 0; i < l->roots.count; i++)
        emit_file_outputs(r, l->roots.items[i], &outputs, &count);
    for (size_t i = 0; i < l->order.count; i++) {
        const zidl__file *file = l->order.items[i];
        bool is_root = false;
        for (size_t j = 0; j < l->roots.count && !is_root; j++)
            is_root = l->roots.items[j] == file;
        if (!is_root)
            emit_file_outputs(r, file, &outputs, &count);
    }
    bool depfile = opts->depfile != NULL && !opts->dry_run;
    zidl__strbuf depfile_text;
    zidl__strbuf_init(&depfile_text, &r->mem);
    if (depfile)
        zidl__output_depfile_text(&depfile_text, outputs[0].path,
                                  (const char *const *)l->read_paths.items, l->read_paths.count);

    bool ok = opts->dry_run || zidl__output_make_dir(&r->diag, &r->arena, opts->output_dir);
    for (size_t i = 0; i < count && ok; i++) {
        if (!opts->dry_run)
            ok = zidl__output_write(&r->diag, outputs[i].path, &outputs[i].text);
        if (ok && opts->on_output != NULL)
            opts->on_output(opts->user, outputs[i].path);
    }
    if (ok && depfile)
        zidl__output_write(&r->diag, opts->depfile, &depfile_text);
    for (size_t i = 0; i < count; i++)
        zidl__strbuf_free(&outputs[i].text);
    zidl__strbuf_free(&depfile_text);
}

static void report_local_only(run *r)
{
    const zidl_options *opts = r->opts;
    for (size_t i = 0; i < r->loader.order.count; i++) {
        const zidl__file *file = r->loader.order.items[i];
        for (size_t j = 0; j < file->decls.count; j++) {
            const zidl__decl *decl = file->decls.items[j];
            if (decl->kind == ZIDL__DECL_MESSAGE && decl->holds_ptr)
                opts->on_local_only(opts->user, file->path, decl->loc.line, decl->loc.col,
                                    zidl__qualified_name(&r->arena, file, decl->name));
        }
    }
}

/* The run proper; false when it ended early: out of memory, or a broken
 * invariant (r->mem.internal_error says which). The setjmp is here, not in
 * zidl_compile(), so that no local of the function that calls setjmp
 * changes after it (their values would be indeterminate after longjmp). */
static bool run_all(run *r, const char *const *files, size_t count)
{
    jmp_buf ended_early;
    if (setjmp(ended_early) != 0)
        return false;
    r->mem.on_failure = &ended_early;
    if (count == 0)
        zidl__diag_general(&r->diag, "no input files");
    for (size_t i = 0; i < count; i++)
        zidl__load_root(&r->loader, files[i]);
    for (size_t i = 0; i < r->loader.order.count; i++)
        run_passes(r, r->loader.order.items[i], &r->type_ids);
    if (r->diag.errors == 0)
        zidl__warn(r->loader.order.items, r->loader.order.count, &r->diag);
    zidl__diag_flush(&r->diag);
    if (r->diag.errors == 0)
        write_outputs(r);
    if (r->diag.errors == 0 && r->opts->on_local_only != NULL)
        report_local_only(r);
    r->mem.on_failure = NULL;
    return true;
}

/* zidl_check_compat()'s run: OLD and its imports, then NEW and its
 * imports, each through the passes with its own loader and type ids (the
 * two versions share most ids), then the comparison of the two roots. */
static bool run_compat(run *r, zidl__loader *new_loader, zidl__symtab *new_ids,
                       const char *old_path, const char *new_path)
{
    jmp_buf ended_early;
    if (setjmp(ended_early) != 0)
        return false;
    r->mem.on_failure = &ended_early;
    zidl__load_root(&r->loader, old_path);
    for (size_t i = 0; i < r->loader.order.count; i++)
        run_passes(r, r->loader.order.items[i], &r->type_ids);
    /* Delivered now: NEW's files are numbered from 0 again. */
    zidl__diag_flush(&r->diag);
    zidl__load_root(new_loader, new_path);
    for (size_t i = 0; i < new_loader->order.count; i++)
        run_passes(r, new_loader->order.items[i], new_ids);
    zidl__diag_flush(&r->diag);
    if (r->diag.errors == 0 && r->loader.roots.count == 1 && new_loader->roots.count == 1) {
        /* Changes in NEW first, then what OLD had and NEW lacks. */
        for (size_t i = 0; i < r->loader.order.count; i++)
            r->loader.order.items[i]->index += new_loader->order.count;
        zidl__compare(r->loader.roots.items[0], new_loader->roots.items[0], &r->diag, &r->arena);
        zidl__diag_flush(&r->diag);
    }
    r->mem.on_failure = NULL;
    return true;
}

/* A run that ran out of memory or hit an internal error: the passes were
 * left anywhere, holding blocks no one else knows of; every block is on
 * the run's list. Frees them all and says why the run ended. */
static int run_failed(run *r)
{
    zidl__mem_free_all(&r->mem);
    if (r->mem.internal_error[0] == '\0') {
        zidl__diag_run_ended(r->opts, "out of memory");
        return ZIDL_ENOMEM;
    }
    char what[sizeof r->mem.internal_error + 32];
    snprintf(what, sizeof what, "internal error: %s", r->mem.internal_error);
    zidl__diag_run_ended(r->opts, what);
    return ZIDL_EINTERNAL;
}

int zidl_check_compat(const zidl_options *opts, const char *old_file, const char *new_file)
{
    run r;
    memset(&r, 0, sizeof r);
    r.opts = opts;
    zidl__mem_init(&r.mem, opts);
    zidl__diag_init(&r.diag, opts, &r.mem);
    zidl__arena_init(&r.arena, &r.mem);
    zidl__symtab_init(&r.type_ids, &r.mem);
    zidl__loader_init(&r.loader, opts, &r.diag, &r.arena);
    zidl__loader new_loader;
    zidl__symtab new_ids;
    zidl__symtab_init(&new_ids, &r.mem);
    zidl__loader_init(&new_loader, opts, &r.diag, &r.arena);

    if (old_file == NULL || new_file == NULL ||
        !run_compat(&r, &new_loader, &new_ids, old_file, new_file)) {
        if (old_file == NULL || new_file == NULL) {
            zidl__mem_free_all(&r.mem);
            return ZIDL_EINTERNAL;
        }
        return run_failed(&r);
    }
    int errors = (int)r.diag.errors;
    zidl__loader_free(&new_loader);
    zidl__loader_free(&r.loader);
    zidl__symtab_free(&new_ids);
    zidl__symtab_free(&r.type_ids);
    zidl__arena_free(&r.arena);
    zidl__diag_free(&r.diag);
    return errors;
}

int zidl_compile(const zidl_options *opts, const char *const *files, size_t count)
{
    run r;
    memset(&r, 0, sizeof r);
    r.opts = opts;
    zidl__mem_init(&r.mem, opts);
    zidl__diag_init(&r.diag, opts, &r.mem);
    zidl__arena_init(&r.arena, &r.mem);
    zidl__symtab_init(&r.type_ids, &r.mem);
    zidl__loader_init(&r.loader, opts, &r.diag, &r.arena);

    if (!run_all(&r, files, count)) {
        return run_failed(&r);
    }
    int errors = (int)r.diag.errors;
    zidl__loader_free(&r.loader);
    zidl__symtab_free(&r.type_ids);
    zidl__arena_free(&r.arena);
    zidl__diag_free(&r.diag);
    return errors;
}
