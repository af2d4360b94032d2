/* parse.c - runs the reentrant scanner and the pure parser over one file. */
#include "parse.h"

#include "parser.h"
#include "scanner.h"

void zidl_parse(zidl_file *file, zidl_diag *diag, zidl_arena *arena)
{
    zidl_lexer lex = {
        .file = file,
        .diag = diag,
        .arena = arena,
        .pos = {1, 1},
        .has_doc = false,
    };
    zidl_strbuf_init(&lex.doc);
    unsigned errors_before = file->errors;

    yyscan_t scanner;
    if (yylex_init_extra(&lex, &scanner) != 0) {
        zidl_diag_general(diag, "out of memory while scanning '%s'", file->path);
        zidl_strbuf_free(&lex.doc);
        file->syntax_ok = false;
        return;
    }
    YY_BUFFER_STATE buffer = yy_scan_bytes(file->text, (int)file->length, scanner);
    yyparse(scanner, &lex);
    yy_delete_buffer(buffer, scanner);
    yylex_destroy(scanner);
    zidl_strbuf_free(&lex.doc);

    file->syntax_ok = file->errors == errors_before && !file->gave_up;
}
