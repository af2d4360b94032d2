/* parser.y - the .zidl grammar.
 *
 * Builds the syntax tree of one file. Error recovery resynchronises at `;`
 * and `}` so that one run reports every syntax error, not only the first.
 * Constructs that zidlc does not support yet (bytes, request/reply,
 * default values) are parsed here and rejected by the check pass.
 * `state` and `mailbox` are contextual words, not keywords: an IDENT that
 * opens an actor member, checked by name. */
%define api.pure full
/* Every symbol of the parser starts with zidl_yy, so that a program that
 * links libzidl may have a bison parser of its own. */
%define api.prefix {zidl_yy}
%define parse.error detailed
%locations
%lex-param {yyscan_t scanner}
%parse-param {yyscan_t scanner} {zidl__lexer *lex}

%code requires {
#include "ast.h"
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
typedef struct zidl__lexer zidl__lexer;

/* `[N]` after a field name, if any. */
typedef struct zidl__dim {
    bool present;
    uint64_t len;
    zidl__loc loc;
} zidl__dim;

/* `= value` after a field, if any. */
typedef struct zidl__default {
    bool present;
    zidl__value value;
} zidl__default;
}

%code provides {
int zidl_yylex(ZIDL_YYSTYPE *yylval_param, ZIDL_YYLTYPE *yylloc_param, yyscan_t yyscanner);
}

%code {
#include <string.h>

#include "parse.h"

/* The parser's stack grows in the run's blocks too (mem.h): out of memory
 * ends the run rather than bison's "memory exhausted". */
#define YYMALLOC(size) zidl__mem_alloc(lex->arena->mem, size)
#define YYFREE(block) zidl__mem_free(lex->arena->mem, block)

static void yyerror(YYLTYPE *loc, yyscan_t scanner, zidl__lexer *lex, const char *msg);
static zidl__loc at(YYLTYPE l);
static zidl__decl *new_decl(zidl__lexer *lex, zidl__decl_kind kind);
static void name_decl(zidl__lexer *lex, zidl__decl *decl, YYLTYPE keyword,
                      char *name, YYLTYPE name_loc);
static void add_decl(zidl__lexer *lex, zidl__decl *decl);
static zidl__mailbox *new_mailbox(zidl__lexer *lex);
static void actor_word(zidl__lexer *lex, zidl__decl *actor, const char *word, YYLTYPE word_loc,
                       zidl__mailbox *mailbox, YYLTYPE end);
}

%union {
    char *text;
    uint64_t number;
    zidl__type *type;
    zidl__field *field;
    zidl__field_list *fields;
    zidl__decl *decl;
    zidl__enumerator *enumerator;
    zidl__enumerator_list *enumerators;
    zidl__handler *handler;
    zidl__value value;
    zidl__dim dim;
    zidl__default dflt;
    zidl__mailbox *mailbox;
}

%token YYEOF 0 "end of file"
%token KW_PACKAGE "'package'" KW_IMPORT "'import'" KW_ENUM "'enum'"
%token KW_STRUCT "'struct'" KW_MESSAGE "'message'" KW_ACTOR "'actor'" KW_ON "'on'"
%token ARROW "'->'"
%token <text> IDENT "identifier" STRING "string literal" FLOAT "decimal number"
%token <number> INTEGER "integer"

%type <text> qname
%type <type> type
%type <field> field
%type <fields> fields field_block
%type <decl> enum_decl struct_decl message_decl actor_decl actor_block actor_members
%type <enumerator> enumerator
%type <enumerators> enum_body enumerator_list
%type <handler> handler
%type <value> int_value number value
%type <mailbox> mailbox_args
%type <dim> array_suffix
%type <dflt> default_suffix

%%

file
    : %empty
    | file item
    ;

item
    : package_stmt
    | import_stmt
    | enum_decl     { add_decl(lex, $1); }
    | struct_decl   { add_decl(lex, $1); }
    | message_decl  { add_decl(lex, $1); }
    | actor_decl    { add_decl(lex, $1); }
    /* No yyerrok here: the tokens right after a broken declaration are
     * usually its remains, not new mistakes worth reporting. */
    | error ';'
    | error '}' 
    ;

package_stmt
    : KW_PACKAGE IDENT ';'
        {
            zidl__package *pkg = zidl__arena_alloc(lex->arena, sizeof *pkg);
            pkg->name = $2;
            pkg->loc = at(@1);
            pkg->item_index = lex->file->item_count;
            const char *doc = zidl__file_take_doc(lex->file, at(@1));
            if (lex->file->doc == NULL)
                lex->file->doc = doc;
            ZIDL__LIST_PUSH(lex->arena, lex->file->packages, pkg);
        }
    ;

import_stmt
    : KW_IMPORT STRING ';'
        {
            zidl__import *imp = zidl__arena_alloc(lex->arena, sizeof *imp);
            imp->path = $2;
            imp->loc = at(@1);
            const char *doc = zidl__file_take_doc(lex->file, at(@1));
            if (lex->file->doc == NULL)
                lex->file->doc = doc;
            ZIDL__LIST_PUSH(lex->arena, lex->file->imports, imp);
            lex->file->item_count++;
        }
    ;

enum_decl
    : KW_ENUM IDENT enum_body
        {
            $$ = new_decl(lex, ZIDL__DECL_ENUM);
            name_decl(lex, $$, @1, $2, @2);
            $$->enumerators = *$3;
        }
    | KW_ENUM IDENT ':' IDENT enum_body
        {
            $$ = new_decl(lex, ZIDL__DECL_ENUM);
            name_decl(lex, $$, @1, $2, @2);
            $$->has_underlying = true;
            $$->underlying_name = $4;
            $$->underlying_loc = at(@4);
            $$->enumerators = *$5;
        }
    ;

enum_body
    : '{' '}'
        { $$ = zidl__arena_alloc(lex->arena, sizeof *$$); }
    | '{' enumerator_list '}'
        { $$ = $2; }
    | '{' enumerator_list ',' '}'
        { $$ = $2; }
    | '{' error '}'
        { yyerrok; $$ = zidl__arena_alloc(lex->arena, sizeof *$$); }
    ;

enumerator_list
    : enumerator
        {
            $$ = zidl__arena_alloc(lex->arena, sizeof *$$);
            ZIDL__LIST_PUSH(lex->arena, *$$, $1);
        }
    | enumerator_list ',' enumerator
        { $$ = $1; ZIDL__LIST_PUSH(lex->arena, *$$, $3); }
    ;

enumerator
    : IDENT
        {
            $$ = zidl__arena_alloc(lex->arena, sizeof *$$);
            $$->name = $1;
            $$->loc = at(@1);
            $$->doc = zidl__file_take_doc(lex->file, at(@1));
        }
    | IDENT '=' int_value
        {
            $$ = zidl__arena_alloc(lex->arena, sizeof *$$);
            $$->name = $1;
            $$->loc = at(@1);
            $$->doc = zidl__file_take_doc(lex->file, at(@1));
            $$->has_value = true;
            $$->value = $3;
        }
    ;

int_value
    : INTEGER
        { memset(&$$, 0, sizeof $$); $$.magnitude = $1; $$.loc = at(@1); }
    | '-' INTEGER
        {
            memset(&$$, 0, sizeof $$);
            $$.magnitude = $2;
            $$.negative = $2 != 0;
            $$.loc = at(@1);
        }
    ;

struct_decl
    : KW_STRUCT IDENT field_block
        {
            $$ = new_decl(lex, ZIDL__DECL_STRUCT);
            name_decl(lex, $$, @1, $2, @2);
            $$->fields = *$3;
        }
    ;

message_decl
    : KW_MESSAGE IDENT field_block
        {
            $$ = new_decl(lex, ZIDL__DECL_MESSAGE);
            name_decl(lex, $$, @1, $2, @2);
            $$->fields = *$3;
        }
    ;

field_block
    : '{' fields '}'        { $$ = $2; }
    | '{' fields error '}'  { yyerrok; $$ = $2; }
    ;

fields
    : %empty                { $$ = zidl__arena_alloc(lex->arena, sizeof *$$); }
    | fields field          { $$ = $1; ZIDL__LIST_PUSH(lex->arena, *$$, $2); }
    | fields error ';'      { yyerrok; $$ = $1; }
    ;

field
    : type IDENT array_suffix default_suffix ';'
        {
            $$ = zidl__arena_alloc(lex->arena, sizeof *$$);
            $$->name = $2;
            $$->loc = at(@2);
            $$->doc = zidl__file_take_doc(lex->file, at(@1));
            $$->type = *$1;
            $$->is_array = $3.present;
            $$->array_len = $3.len;
            $$->array_loc = $3.loc;
            $$->has_default = $4.present;
            $$->default_value = $4.value;
        }
    ;

array_suffix
    : %empty                { memset(&$$, 0, sizeof $$); }
    | '[' INTEGER ']'       { $$.present = true; $$.len = $2; $$.loc = at(@2); }
    ;

default_suffix
    : %empty                { memset(&$$, 0, sizeof $$); }
    | '=' value             { $$.present = true; $$.value = $2; }
    ;

value
    : number
    | qname
        { memset(&$$, 0, sizeof $$); $$.is_name = true; $$.name = $1; $$.loc = at(@1); }
    ;

number
    : int_value
    | FLOAT
        { memset(&$$, 0, sizeof $$); $$.is_float = true; $$.text = $1; $$.loc = at(@1); }
    | '-' FLOAT
        {
            memset(&$$, 0, sizeof $$);
            $$.is_float = true;
            $$.text = $2;
            $$.negative = true;
            $$.loc = at(@1);
        }
    ;

type
    : qname
        {
            $$ = zidl__arena_alloc(lex->arena, sizeof *$$);
            $$->kind = ZIDL__TYPE_NAMED;
            $$->loc = at(@1);
            $$->name = $1;
        }
    | IDENT '<' INTEGER '>'
        {
            $$ = zidl__arena_alloc(lex->arena, sizeof *$$);
            $$->kind = ZIDL__TYPE_STRING;
            $$->loc = at(@1);
            $$->string_max = $3;
            if (strcmp($1, "string") != 0)
                zidl__diag_report(lex->diag, lex->file, at(@1), ZIDL__ERROR,
                                  "unknown type '%s<...>'; did you mean 'string<%llu>'?",
                                  $1, (unsigned long long)$3);
        }
    | IDENT '<' qname '>'
        {
            $$ = zidl__arena_alloc(lex->arena, sizeof *$$);
            $$->kind = ZIDL__TYPE_REF;
            $$->loc = at(@1);
            $$->name = $3;
            $$->name_loc = at(@3);
            if (strcmp($1, "ref") != 0)
                zidl__diag_report(lex->diag, lex->file, at(@1), ZIDL__ERROR,
                                  "unknown type '%s<...>'; did you mean 'ref<%s>'?", $1, $3);
        }
    ;

qname
    : IDENT
    | qname '.' IDENT
        {
            size_t a = strlen($1), b = strlen($3);
            $$ = zidl__arena_alloc(lex->arena, a + b + 2);
            memcpy($$, $1, a);
            $$[a] = '.';
            memcpy($$ + a + 1, $3, b + 1);
        }
    ;

actor_decl
    : KW_ACTOR IDENT actor_block
        {
            $$ = $3;
            name_decl(lex, $$, @1, $2, @2);
        }
    ;

actor_block
    : '{' actor_members '}'         { $$ = $2; }
    | '{' actor_members error '}'   { yyerrok; $$ = $2; }
    ;

actor_members
    : %empty
        { $$ = new_decl(lex, ZIDL__DECL_ACTOR); }
    | actor_members IDENT field_block
        {
            $$ = $1;
            if (strcmp($2, "mailbox") == 0) {
                zidl__diag_report(lex->diag, lex->file, at(@2), ZIDL__ERROR,
                                  "'mailbox' takes a bound and a policy, not a block: "
                                  "'mailbox N refuse;' or 'mailbox N backpressure;'");
            } else if (strcmp($2, "state") != 0) {
                zidl__diag_report(lex->diag, lex->file, at(@2), ZIDL__ERROR,
                                  "expected 'state', 'mailbox' or 'on' in an actor, found '%s'",
                                  $2);
            } else if ($$->state_count++ == 0) {
                $$->state_loc = at(@2);
                $$->fields = *$3;
            } else if ($$->state_count == 2) {
                $$->extra_state_loc = at(@2);
            }
        }
    | actor_members IDENT mailbox_args ';'
        { $$ = $1; actor_word(lex, $$, $2, @2, $3, @4); }
    | actor_members handler
        { $$ = $1; ZIDL__LIST_PUSH(lex->arena, $$->handlers, $2); }
    | actor_members error ';'
        { yyerrok; $$ = $1; }
    ;

/* What follows `mailbox`: N and a policy, either missing or mistyped, so
 * that check can say which. A lone word is taken for the policy; check
 * decides whether it was meant as one. A doc comment above the line is
 * ignored, as above `state`. */
mailbox_args
    : %empty
        { $$ = new_mailbox(lex); }
    | IDENT
        { $$ = new_mailbox(lex); $$->policy = $1; $$->policy_loc = at(@1); }
    | IDENT IDENT
        {
            $$ = new_mailbox(lex);
            $$->has_bound = true;
            $$->bound.is_name = true;
            $$->bound.name = $1;
            $$->bound.loc = at(@1);
            $$->policy = $2;
            $$->policy_loc = at(@2);
        }
    | number
        { $$ = new_mailbox(lex); $$->has_bound = true; $$->bound = $1; }
    | number IDENT
        {
            $$ = new_mailbox(lex);
            $$->has_bound = true;
            $$->bound = $1;
            $$->policy = $2;
            $$->policy_loc = at(@2);
        }
    ;

handler
    : KW_ON qname ';'
        {
            $$ = zidl__arena_alloc(lex->arena, sizeof *$$);
            $$->name = $2;
            $$->loc = at(@1);
            $$->name_loc = at(@2);
            $$->doc = zidl__file_take_doc(lex->file, at(@1));
        }
    | KW_ON qname ARROW qname ';'
        {
            $$ = zidl__arena_alloc(lex->arena, sizeof *$$);
            $$->name = $2;
            $$->loc = at(@1);
            $$->name_loc = at(@2);
            $$->doc = zidl__file_take_doc(lex->file, at(@1));
            $$->has_reply = true;
            $$->reply = $4;
            $$->reply_loc = at(@4);
        }
    ;

%%

static void yyerror(YYLTYPE *loc, yyscan_t scanner, zidl__lexer *lex, const char *msg)
{
    (void)scanner;
    if (!lex->stopped)
        zidl__diag_report(lex->diag, lex->file, at(*loc), ZIDL__ERROR, "%s", msg);
}

static zidl__loc at(YYLTYPE l)
{
    zidl__loc loc = {l.first_line, l.first_column};
    return loc;
}

static zidl__decl *new_decl(zidl__lexer *lex, zidl__decl_kind kind)
{
    zidl__decl *decl = zidl__arena_alloc(lex->arena, sizeof *decl);
    decl->kind = kind;
    decl->file = lex->file;
    return decl;
}

static void name_decl(zidl__lexer *lex, zidl__decl *decl, YYLTYPE keyword,
                      char *name, YYLTYPE name_loc)
{
    decl->name = name;
    decl->loc = at(name_loc);
    decl->doc = zidl__file_take_doc(lex->file, at(keyword));
}

static void add_decl(zidl__lexer *lex, zidl__decl *decl)
{
    ZIDL__LIST_PUSH(lex->arena, lex->file->decls, decl);
    lex->file->item_count++;
}

static zidl__mailbox *new_mailbox(zidl__lexer *lex)
{
    return zidl__arena_alloc(lex->arena, sizeof(zidl__mailbox));
}

/* `word ... ;` in an actor, other than `state { ... }`: a mailbox line
 * when word is `mailbox`. */
static void actor_word(zidl__lexer *lex, zidl__decl *actor, const char *word, YYLTYPE word_loc,
                       zidl__mailbox *mailbox, YYLTYPE end)
{
    if (strcmp(word, "mailbox") == 0) {
        mailbox->loc = at(word_loc);
        mailbox->end_loc = at(end);
        ZIDL__LIST_PUSH(lex->arena, actor->mailboxes, mailbox);
    } else if (strcmp(word, "state") == 0) {
        zidl__diag_report(lex->diag, lex->file, at(word_loc), ZIDL__ERROR,
                          "'state' takes its fields in braces: 'state { ... }'");
    } else {
        zidl__diag_report(lex->diag, lex->file, at(word_loc), ZIDL__ERROR,
                          "expected 'state', 'mailbox' or 'on' in an actor, found '%s'", word);
    }
}
