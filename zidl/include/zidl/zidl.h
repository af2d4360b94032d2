/*
 * zidl/zidl.h - the zidl compiler as a library.
 *
 * zidl_compile() reads .zidl schemas, checks them and writes the generated
 * C files. zidlc is a thin command line around it; tests and fuzzers call
 * it directly. The library never prints and never exits: every message
 * (diagnostics and I/O failures alike) goes to the on_diagnostic callback.
 */
#ifndef ZIDL_ZIDL_H
#define ZIDL_ZIDL_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZIDL_VERSION_STRING "0.1.0"

/* Receives one complete diagnostic: the `file:line:col: error: message`
 * line, the source line and the caret line, each ending in '\n'. */
typedef void (*zidl_diagnostic_fn)(void *user, const char *formatted_text);

typedef struct zidl_options {
    /* Where the outputs go, flat. NULL: the current directory (output
     * paths are then bare file names). Created if missing. */
    const char *output_dir;
    /* Search path for `import` (accepted and stored; imports are not
     * supported yet by zidlc 0.1). */
    const char *const *include_dirs;
    size_t include_dir_count;
    /* Also write <stem>_actors.c with an empty handler for every `on`. */
    bool skeleton;
    /* Write a Make-style depfile here (NULL: none). */
    const char *depfile;
    /* Limits that keep hostile input from costing unbounded time or memory. */
    unsigned max_include_depth;   /* nested imports */
    unsigned max_nesting;         /* structs inside structs, by value */
    unsigned max_errors_per_file; /* then "too many errors" */
    size_t max_file_size;         /* bytes */
    /* Diagnostics sink (NULL: diagnostics are only counted). */
    zidl_diagnostic_fn on_diagnostic;
    void *user;
    /* ANSI colours in diagnostics. */
    bool color;
    /* Prefix of messages that have no source position (e.g. "zidlc"). */
    const char *program_name;
} zidl_options;

/* Fills *opts with the defaults: current directory, no include dirs, no
 * skeleton, no depfile, limits 16 / 64 / 20 / 16 MiB, no callback. */
void zidl_options_init(zidl_options *opts);

/* Compiles count files as one run. Nothing is written unless the whole run
 * is free of errors. Returns 0 on success, otherwise the number of errors
 * (at least 1). */
int zidl_compile(const zidl_options *opts, const char *const *files,
                 size_t count);

#ifdef __cplusplus
}
#endif

#endif /* ZIDL_ZIDL_H */
