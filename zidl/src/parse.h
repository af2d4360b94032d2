/* parse.h - what the scanner and the parser share: the scanner's state and
 * the entry point that turns one file's text into its syntax tree. */
#ifndef ZIDL_PARSE_H
#define ZIDL_PARSE_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "strbuf.h"

typedef struct zidl_lexer {
    zidl_file *file;
    zidl_diag *diag;
    zidl_arena *arena;
    zidl_loc pos;          /* where the next byte is */
    zidl_loc comment_open; /* the `/ *` being skipped */
    zidl_strbuf doc;       /* `///` lines waiting for the token they document */
    bool has_doc;
    /* An unterminated comment or string ends the file: what follows cannot
     * be told apart from its contents, so syntax errors are not reported. */
    bool stopped;
} zidl_lexer;

/* Scans and parses file->text into file. Lexical and syntax errors go to
 * diag; file->syntax_ok says whether there were none. */
void zidl_parse(zidl_file *file, zidl_diag *diag, zidl_arena *arena);

#endif /* ZIDL_PARSE_H */
