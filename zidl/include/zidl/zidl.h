/**
 * @file
 * zidl/zidl.h - the zidl compiler as a library.
 *
 * zidl_compile() reads .zidl schemas, checks them and writes the generated
 * C files. zidlc is a thin command line around it; tests and fuzzers call
 * it directly. The library never prints and never exits: every message
 * (diagnostics and I/O failures alike) goes to the on_diagnostic callback,
 * and running out of memory or a bug in zidl is a result, ZIDL_ENOMEM or
 * ZIDL_EINTERNAL, not an abort (ctest zidl_never_prints).
 */
#ifndef ZIDL_ZIDL_H
#define ZIDL_ZIDL_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ZIDL_VERSION_STRING, generated from the project version. */
#include <zidl/version.h>

/** zidl_compile()'s result when memory ran out: negative, so never taken
 * for a count of errors. */
#define ZIDL_ENOMEM (-1)

/** zidl_compile()'s result when zidl itself is broken: one of its own
 * invariants failed (an emitter expands a template section or variable
 * that the embedded templates lack, the scanner reached a state it
 * cannot leave). Never caused by the input: a bug to report. The run
 * ends as for ZIDL_ENOMEM (nothing written, everything freed), and the
 * last diagnostic is `program: error: internal error: ...` saying what
 * broke. */
#define ZIDL_EINTERNAL (-2)

/** Receives one complete diagnostic: the `file:line:col: error: message`
 * line (or `warning:`), the source line and the caret line, each ending in
 * '\n', followed by its notes. */
typedef void (*zidl_diagnostic_fn)(void *user, const char *formatted_text);

/** Reads the schema at path: on success returns 0 and sets *text to a
 * malloc()ed buffer (the library frees it) of *length bytes; otherwise
 * returns an errno value, ENOENT when there is no such file (the search
 * for an import then goes on). */
typedef int (*zidl_read_fn)(void *user, const char *path, char **text, size_t *length);

/** Receives the path of every output file of a successful run. */
typedef void (*zidl_output_fn)(void *user, const char *path);

/** Receives each local-only message of a successful run (one that holds a
 * ptr, directly or in a struct, and so has no wire form: docs/wire.md):
 * the file as given, the position of its name, and its qualified name
 * ("chat.Job"). Files in reading order, messages in declaration order. */
typedef void (*zidl_local_only_fn)(void *user, const char *path, int line, int col,
                                   const char *name);

/** Allocates like realloc(): block NULL allocates size bytes, otherwise the
 * block is resized to size, or freed when size is 0 (the result is then
 * ignored). Memory must be aligned for any object. NULL for a size above 0
 * is out of memory. */
typedef void *(*zidl_alloc_fn)(void *user, void *block, size_t size);

/** How zidl_compile and zidl_check_compat run: fill it with
 * zidl_options_init, then set what differs. */
typedef struct zidl_options {
    /** Where the outputs go, flat. NULL: the current directory (output
     * paths are then bare file names). Created if missing. */
    const char *output_dir;
    /** Where `import "x.zidl";` looks after the importing file's folder,
     * in order. */
    const char *const *include_dirs;
    size_t include_dir_count; /**< how many include_dirs holds */
    /** Also write `<stem>_actors.c` with an empty handler for every `on`. */
    bool skeleton;
    /** Write a Make-style depfile here (NULL: none). */
    const char *depfile;
    /** Limits that keep hostile input from costing unbounded time or memory. */
    unsigned max_include_depth;   /**< nested imports */
    unsigned max_nesting;         /**< structs inside structs, by value */
    unsigned max_errors_per_file; /**< then "too many errors" */
    size_t max_file_size;         /**< bytes */
    /** Warnings: none at all (no_warnings), or each one an error
     * (warnings_as_errors). */
    bool no_warnings;
    bool warnings_as_errors; /**< each warning is an error */
    /** Check and generate in memory, but write no file (nor the depfile). */
    bool dry_run;
    /** How schemas are read (NULL: from the file system). With a reader,
     * paths are only joined and normalised, never made absolute. */
    zidl_read_fn read_file;
    /** Told every output path of a successful run (NULL: not told). */
    zidl_output_fn on_output;
    /** Told every local-only message of a successful run (NULL: not told). */
    zidl_local_only_fn on_local_only;
    /** Every block the run allocates, and frees (NULL: realloc() and
     * free()). When it fails the run frees what it holds and returns
     * ZIDL_ENOMEM; tests use it to fail the Nth allocation. The buffers
     * of read_file stay malloc()ed. */
    zidl_alloc_fn allocate;
    /** Diagnostics sink (NULL: diagnostics are only counted). */
    zidl_diagnostic_fn on_diagnostic;
    void *user; /**< passed to every callback */
    /** ANSI colours in diagnostics. */
    bool color;
    /** Prefix of messages that have no source position (e.g. "zidlc"). */
    const char *program_name;
} zidl_options;

/** Fills *opts with the defaults: current directory, no include dirs, no
 * skeleton, no depfile, warnings on, limits 64 / 64 / 20 / 16 MiB, files
 * read from and written to disk, malloc, no callback. */
void zidl_options_init(zidl_options *opts);

/** Compiles count files, and every file they import, as one run; each file
 * is compiled once. Nothing is written unless the whole run is free of
 * errors (warnings do not count). Returns 0 on success, otherwise the
 * number of errors (at least 1), or ZIDL_ENOMEM when memory ran out: then
 * no file was written, everything the run allocated was freed, and the
 * last diagnostic delivered is `program: error: out of memory` (those
 * still held back for sorting are dropped). ZIDL_EINTERNAL ends a run
 * the same way. */
int zidl_compile(const zidl_options *opts, const char *const *files, size_t count);

/** Compares two versions of one schema for the wire (docs/wire.md): loads
 * and checks old_file and new_file, each with its own imports (resolved
 * relative to each), writes nothing, and reports as an error every change
 * that breaks the wire between them: a message of OLD missing from NEW
 * (at OLD's position), and in a message both have, directly or in a type
 * it holds, a field removed, added, renamed, moved or retyped, a string
 * bound or array length changed, an enumerator removed, added or
 * renumbered, an enum's underlying type changed (at NEW's positions).
 * Returns 0 when every message of OLD still travels to NEW, otherwise the
 * number of errors (changes, or errors in either schema, which end the
 * run before any comparison), or ZIDL_ENOMEM / ZIDL_EINTERNAL as
 * zidl_compile(), or ZIDL_EINTERNAL when a file name is NULL. The
 * options' output, skeleton, depfile and warning settings are not used. */
int zidl_check_compat(const zidl_options *opts, const char *old_file, const char *new_file);

#ifdef __cplusplus
}
#endif

#endif /* ZIDL_ZIDL_H */
