/* parse.c - runs the reentrant scanner and the pure parser over one file. */
#include "parse.h"

#include "parser.h"
/* The parser's types under the names flex's header uses (scanner.l). */
#define YYSTYPE ZIDL_YYSTYPE
#define YYLTYPE ZIDL_YYLTYPE
#include "scanner.h"

void zidl__parse(zidl__file *file, zidl__diag *diag, zidl__arena *arena)
{
    zidl__lexer lex = {
        .file = file,
        .diag = diag,
        .arena = arena,
        .pos = {1, 1},
        .has_doc = false,
    };
    zidl__strbuf_init(&lex.doc, arena->mem);
    unsigned errors_before = file->errors;

    /* Cannot fail: out of memory does not return (mem.h). */
    yyscan_t scanner;
    zidl_yylex_init_extra(&lex, &scanner);
    YY_BUFFER_STATE buffer = zidl_yy_scan_bytes(file->text, (int)file->length, scanner);
    zidl_yyparse(scanner, &lex);
    zidl_yy_delete_buffer(buffer, scanner);
    zidl_yylex_destroy(scanner);
    zidl__strbuf_free(&lex.doc);

    file->syntax_ok = file->errors == errors_before && !file->gave_up;
}
