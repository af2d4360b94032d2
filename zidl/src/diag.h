/* diag.h - the one way every pass reports a problem.
 *
 * A diagnostic names the file, line and column, quotes the source line with
 * a caret under the column, and is counted. Nothing stops at the first
 * error; after max_errors_per_file errors a file is given up with one
 * "too many errors" line, so garbage input cannot flood the output.
 *
 * The passes find problems in their own order; a file's diagnostics are
 * held back and delivered sorted by position when the file is done, each
 * error followed by its notes, so that the user reads them top to bottom. */
#ifndef ZIDL_DIAG_H
#define ZIDL_DIAG_H

#include <stdbool.h>

#include "ast.h"
#include "strbuf.h"
#include "zidl/zidl.h"

typedef enum zidl_severity { ZIDL_ERROR, ZIDL_NOTE } zidl_severity;

/* One error with its notes, waiting for the end of its file. */
typedef struct zidl_diag_group {
    zidl_loc loc;
    size_t seq; /* keeps the order of equal positions */
    char *text;
} zidl_diag_group;

typedef struct zidl_diag {
    const zidl_options *opts;
    unsigned errors;      /* in the whole run */
    unsigned file_errors; /* in the file being compiled */
    bool file_gave_up;    /* the file hit the error limit */
    zidl_strbuf text;
    zidl_diag_group *groups;
    size_t group_count;
    size_t group_cap;
} zidl_diag;

void zidl_diag_init(zidl_diag *diag, const zidl_options *opts);
void zidl_diag_free(zidl_diag *diag);
/* Resets the per-file count before the next file. */
void zidl_diag_begin_file(zidl_diag *diag);
/* Delivers the file's diagnostics, sorted by position. */
void zidl_diag_end_file(zidl_diag *diag);

/* `file:line:col: error: message`, the source line and a caret. */
void zidl_diag_report(zidl_diag *diag, const zidl_file *file, zidl_loc loc,
                      zidl_severity severity, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* `program: error: message`, for problems without a source position. */
void zidl_diag_general(zidl_diag *diag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif /* ZIDL_DIAG_H */
