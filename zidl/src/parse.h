/* parse.h - what the scanner and the parser share: the scanner's state and
 * the entry point that turns one file's text into its syntax tree. */
#ifndef ZIDL__PARSE_H
#define ZIDL__PARSE_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "strbuf.h"

typedef struct zidl__lexer {
    zidl__file *file;
    zidl__diag *diag;
    zidl__arena *arena;
    zidl__loc pos;          /* where the next byte is */
    zidl__loc comment_open; /* the `/ *` being skipped */
    zidl__strbuf doc;       /* `///` lines waiting for the token they document */
    bool has_doc;
    /* An unterminated comment or string ends the file: what follows cannot
     * be told apart from its contents, so syntax errors are not reported. */
    bool stopped;
} zidl__lexer;

/* Scans and parses file->text into file. Lexical and syntax errors go to
 * diag; file->syntax_ok says whether there were none. */
void zidl__parse(zidl__file *file, zidl__diag *diag, zidl__arena *arena);

#endif /* ZIDL__PARSE_H */
