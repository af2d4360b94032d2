/* diag.h - the one way every pass reports a problem.
 *
 * A diagnostic names the file, line and column, quotes the source line with
 * a caret under the column, and is counted (in the run and in its file).
 * Nothing stops at the first error; after max_errors_per_file errors a file
 * is given up with one "too many errors" line, so garbage input cannot
 * flood the output.
 *
 * The passes find problems in their own order, and imports make the run
 * visit files out of order; diagnostics are held back and delivered at the
 * end of the run sorted by file (in reading order) and position, each
 * error or warning followed by its notes, so the user reads them top to
 * bottom. Warnings are dropped with opts->no_warnings and count as errors
 * with opts->warnings_as_errors. */
#ifndef ZIDL__DIAG_H
#define ZIDL__DIAG_H

#include <stdbool.h>

#include "ast.h"
#include "strbuf.h"
#include "zidl/zidl.h"

typedef enum zidl__severity { ZIDL__ERROR, ZIDL__WARNING, ZIDL__NOTE } zidl__severity;

/* One error or warning with its notes, waiting for the end of the run. */
typedef struct zidl__diag_group {
    size_t file_index;
    zidl__loc loc;
    size_t seq; /* keeps the order of equal positions */
    char *text;
} zidl__diag_group;

typedef struct zidl__diag {
    const zidl_options *opts;
    zidl__mem *mem;
    unsigned errors;   /* in the whole run */
    unsigned warnings; /* in the whole run, those delivered as warnings */
    bool dropping;     /* the note being reported belongs to a dropped warning */
    /* Where the last quoted line starts: diagnostics mostly come in
     * source order, so quoting the next line scans on from there rather
     * than from the top of the file. */
    const zidl__file *line_file;
    int line_number;
    const char *line_start;
    zidl__strbuf text;
    zidl__diag_group *groups;
    size_t group_count;
    size_t group_cap;
} zidl__diag;

void zidl__diag_init(zidl__diag *diag, const zidl_options *opts, zidl__mem *mem);
void zidl__diag_free(zidl__diag *diag);
/* Delivers the diagnostics held so far, sorted by file and position. */
void zidl__diag_flush(zidl__diag *diag);

/* `file:line:col: error: message`, the source line and a caret; counted in
 * file->errors too. A note belongs to the error or warning before it. */
void zidl__diag_report(zidl__diag *diag, zidl__file *file, zidl__loc loc, zidl__severity severity,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* `program: error: message`, for problems without a source position. */
void zidl__diag_general(zidl__diag *diag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* `program: error: <what>` ("out of memory", "internal error: ..."), the
 * last word of a run that ended early, delivered at once and without
 * allocating: the run's memory was freed by then. */
void zidl__diag_run_ended(const zidl_options *opts, const char *what);

#endif /* ZIDL__DIAG_H */
