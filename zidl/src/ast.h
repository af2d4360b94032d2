/* ast.h - the syntax tree of one .zidl file, annotated by the later passes.
 *
 * The parser fills in what was written; resolve links names to
 * declarations; layout adds sizes, size classes and type ids. All nodes
 * live in the run's arena. */
#ifndef ZIDL_AST_H
#define ZIDL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "symtab.h"

typedef struct zidl_loc {
    int line; /* 1-based */
    int col;  /* 1-based, in bytes */
} zidl_loc;

/* A growable array of node pointers. */
#define ZIDL_LIST(type)                                                       \
    struct {                                                                  \
        type **items;                                                         \
        size_t count;                                                         \
        size_t cap;                                                           \
    }
#define ZIDL_LIST_PUSH(arena, list, item)                                     \
    zidl_arena_push((arena), (void ***)&(list).items, &(list).count,           \
                    &(list).cap, (item))

typedef enum zidl_scalar {
    ZIDL_BOOL,
    ZIDL_I8,
    ZIDL_I16,
    ZIDL_I32,
    ZIDL_I64,
    ZIDL_U8,
    ZIDL_U16,
    ZIDL_U32,
    ZIDL_U64,
    ZIDL_F32,
    ZIDL_F64
} zidl_scalar;

typedef enum zidl_type_kind {
    ZIDL_TYPE_NAMED,  /* as parsed: a name still to be resolved */
    ZIDL_TYPE_STRING, /* string<N> */
    ZIDL_TYPE_REF,    /* ref<Actor> */
    ZIDL_TYPE_SCALAR, /* resolved from NAMED */
    ZIDL_TYPE_PTR,    /* resolved from NAMED */
    ZIDL_TYPE_BYTES,  /* resolved from NAMED */
    ZIDL_TYPE_DECL    /* resolved from NAMED: an enum, struct or message */
} zidl_type_kind;

struct zidl_decl;
struct zidl_file;

typedef struct zidl_type {
    zidl_type_kind kind;
    zidl_loc loc;
    const char *name;       /* NAMED and REF: the name as written, "p.Name" */
    zidl_loc name_loc;      /* REF: where the actor's name is */
    uint64_t string_max;    /* STRING: N */
    zidl_scalar scalar;     /* SCALAR */
    struct zidl_decl *decl; /* DECL: the type; REF: the actor */
} zidl_type;

/* An integer or a name, as written after `=`. */
typedef struct zidl_value {
    bool is_name;
    const char *name;
    bool is_float;     /* a decimal literal with '.' or an exponent */
    const char *text;  /* is_float: the literal as written, without sign */
    bool negative;
    uint64_t magnitude;
    zidl_loc loc;
} zidl_value;

typedef struct zidl_field {
    const char *name;
    zidl_loc loc;
    const char *doc;
    zidl_type type;
    bool is_array;
    uint64_t array_len;
    zidl_loc array_loc;
    bool has_default;
    zidl_value default_value;
} zidl_field;

typedef ZIDL_LIST(zidl_field) zidl_field_list;

typedef struct zidl_enumerator {
    const char *name;
    zidl_loc loc;
    const char *doc;
    bool has_value;
    zidl_value value; /* as written; check stores the final value here */
} zidl_enumerator;

typedef ZIDL_LIST(zidl_enumerator) zidl_enumerator_list;

typedef enum zidl_handler_kind {
    ZIDL_HANDLER_START,
    ZIDL_HANDLER_STOP,
    ZIDL_HANDLER_MESSAGE
} zidl_handler_kind;

typedef struct zidl_handler {
    zidl_handler_kind kind;
    const char *name; /* the message as written, or "start" / "stop" */
    zidl_loc loc;     /* of `on` */
    zidl_loc name_loc;
    const char *doc;
    bool has_reply;
    const char *reply;
    zidl_loc reply_loc;
    struct zidl_decl *message; /* resolved, for ZIDL_HANDLER_MESSAGE */
    struct zidl_decl *reply_message; /* resolved `-> Reply`, if has_reply */
    uint32_t tag;              /* index in the dispatch table */
} zidl_handler;

typedef enum zidl_decl_kind {
    ZIDL_DECL_ENUM,
    ZIDL_DECL_STRUCT,
    ZIDL_DECL_MESSAGE,
    ZIDL_DECL_ACTOR
} zidl_decl_kind;

typedef enum zidl_size_class {
    ZIDL_SIZE_SMALL,
    ZIDL_SIZE_MEDIUM,
    ZIDL_SIZE_LARGE
} zidl_size_class;

typedef struct zidl_decl {
    zidl_decl_kind kind;
    const char *name;
    zidl_loc loc; /* of the name */
    const char *doc;
    struct zidl_file *file; /* where it is declared: its package names it */
    /* set by resolve, for the warnings about unused messages */
    bool used_as_type;
    bool handled;
    /* enum */
    bool has_underlying;
    const char *underlying_name;
    zidl_loc underlying_loc;
    zidl_scalar underlying;
    zidl_enumerator_list enumerators;
    /* struct and message: the fields; actor: the state's fields */
    zidl_field_list fields;
    /* actor */
    unsigned state_count;
    zidl_loc state_loc;
    zidl_loc extra_state_loc; /* a second `state`, which check rejects */
    ZIDL_LIST(zidl_handler) handlers;
    /* filled in by layout */
    uint64_t size;
    uint64_t align;
    zidl_size_class size_class;
    uint32_t type_id;
    bool needs_validation; /* holds a string or an enum, maybe nested */
    bool holds_bytes;      /* holds a bytes field, maybe nested */
    bool has_defaults;     /* a field has a default value, maybe nested */
    bool laid_out;
    /* check's search for recursive types */
    enum { ZIDL_SEARCH_UNVISITED, ZIDL_SEARCH_ON_PATH, ZIDL_SEARCH_DONE } search;
    unsigned nesting; /* levels of structs held by value, itself included */
    const char *canonical; /* the text its type id hashes (see layout.c) */
} zidl_decl;

typedef struct zidl_package {
    const char *name;
    zidl_loc loc;
    size_t item_index; /* how many declarations and imports precede it */
} zidl_package;

typedef struct zidl_import {
    const char *path; /* as written */
    zidl_loc loc;
    struct zidl_file *file; /* the file it names; NULL when it was not found */
    bool used;              /* resolve found a name in it */
} zidl_import;

/* A `///` comment, keyed by the position of the token that follows it. */
typedef struct zidl_doc {
    zidl_loc before;
    const char *text; /* lines joined by '\n', without the slashes */
} zidl_doc;

typedef struct zidl_file {
    const char *path;   /* as given, for diagnostics */
    const char *base;   /* file name without directories, for outputs */
    const char *text;   /* contents, followed by two NUL bytes */
    size_t length;
    const char *doc;    /* documents the file (before `package`/`import`) */
    ZIDL_LIST(zidl_package) packages;
    ZIDL_LIST(zidl_import) imports;
    ZIDL_LIST(zidl_decl) decls;
    ZIDL_LIST(zidl_doc) docs;
    ZIDL_LIST(zidl_decl) data_order; /* structs and messages, each after
                                      * the ones it holds (set by layout) */
    size_t item_count; /* declarations and imports, for `package` first */
    bool syntax_ok;
    /* Set by the run: */
    const char *key;     /* identity: the absolute path, so a file loads once */
    size_t index;        /* in reading order: diagnostics are sorted by it */
    bool loading;        /* its imports are being loaded: a cycle if met again */
    bool resolved;       /* resolve ran: decl_table holds its names */
    bool imports_ok;     /* every file it imports, directly or not, is free of errors */
    zidl_symtab decl_table; /* name -> its zidl_decl, filled by resolve */
    /* Diagnostics so far (see diag.h). */
    unsigned errors;
    bool gave_up;
} zidl_file;

/* The package name, or NULL without `package`. */
const char *zidl_file_package(const zidl_file *file);

/* Removes and returns the doc comment that precedes the token at loc. */
const char *zidl_file_take_doc(zidl_file *file, zidl_loc loc);

const char *zidl_scalar_name(zidl_scalar scalar);
/* Looks up a built-in scalar by its .zidl name ("u8"); false if none. */
bool zidl_scalar_lookup(const char *name, zidl_scalar *out);
bool zidl_scalar_is_integer(zidl_scalar scalar);
const char *zidl_decl_kind_name(zidl_decl_kind kind);
/* "a" or "an", to go before zidl_decl_kind_name(). */
const char *zidl_decl_kind_article(zidl_decl_kind kind);

#endif /* ZIDL_AST_H */
