/* ast.h - the syntax tree of one .zidl file, annotated by the later passes.
 *
 * The parser fills in what was written; resolve links names to
 * declarations; layout adds sizes, size classes and type ids. All nodes
 * live in the run's arena. */
#ifndef ZIDL__AST_H
#define ZIDL__AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "symtab.h"

typedef struct zidl__loc {
    int line; /* 1-based */
    int col;  /* 1-based, in bytes */
} zidl__loc;

/* A growable array of node pointers. */
#define ZIDL__LIST(type) \
    struct {             \
        type **items;    \
        size_t count;    \
        size_t cap;      \
    }
#define ZIDL__LIST_PUSH(arena, list, item) \
    zidl__arena_push((arena), (void ***)&(list).items, &(list).count, &(list).cap, (item))

typedef enum zidl__scalar {
    ZIDL__BOOL,
    ZIDL__I8,
    ZIDL__I16,
    ZIDL__I32,
    ZIDL__I64,
    ZIDL__U8,
    ZIDL__U16,
    ZIDL__U32,
    ZIDL__U64,
    ZIDL__F32,
    ZIDL__F64
} zidl__scalar;

typedef enum zidl__type_kind {
    ZIDL__TYPE_NAMED,  /* as parsed: a name still to be resolved */
    ZIDL__TYPE_STRING, /* string<N> */
    ZIDL__TYPE_REF,    /* ref<Actor> */
    ZIDL__TYPE_SCALAR, /* resolved from NAMED */
    ZIDL__TYPE_PTR,    /* resolved from NAMED */
    ZIDL__TYPE_BYTES,  /* resolved from NAMED */
    ZIDL__TYPE_DECL    /* resolved from NAMED: an enum, struct or message */
} zidl__type_kind;

struct zidl__decl;
struct zidl__file;

typedef struct zidl__type {
    zidl__type_kind kind;
    zidl__loc loc;
    const char *name;        /* NAMED and REF: the name as written, "p.Name" */
    zidl__loc name_loc;      /* REF: where the actor's name is */
    uint64_t string_max;     /* STRING: N */
    zidl__scalar scalar;     /* SCALAR */
    struct zidl__decl *decl; /* DECL: the type; REF: the actor */
} zidl__type;

/* An integer or a name, as written after `=`. */
typedef struct zidl__value {
    bool is_name;
    const char *name;
    bool is_float;    /* a decimal literal with '.' or an exponent */
    const char *text; /* is_float: the literal as written, without sign */
    bool negative;
    uint64_t magnitude;
    zidl__loc loc;
} zidl__value;

typedef struct zidl__field {
    const char *name;
    zidl__loc loc;
    const char *doc;
    zidl__type type;
    bool is_array;
    uint64_t array_len;
    zidl__loc array_loc;
    bool has_default;
    zidl__value default_value;
} zidl__field;

typedef ZIDL__LIST(zidl__field) zidl__field_list;

typedef struct zidl__enumerator {
    const char *name;
    zidl__loc loc;
    const char *doc;
    bool has_value;
    zidl__value value; /* as written; check stores the final value here */
} zidl__enumerator;

typedef ZIDL__LIST(zidl__enumerator) zidl__enumerator_list;

typedef enum zidl__handler_kind {
    ZIDL__HANDLER_START,
    ZIDL__HANDLER_STOP,
    ZIDL__HANDLER_DOWN,          /* `on down;`: Down notices of the actors it monitors */
    ZIDL__HANDLER_REQUEST_ERROR, /* `on request_error;`: requests it made that failed */
    ZIDL__HANDLER_IO,            /* `on io;`: readiness of the descriptors it watches */
    ZIDL__HANDLER_MESSAGE
} zidl__handler_kind;

typedef struct zidl__handler {
    zidl__handler_kind kind;
    const char *name; /* the message as written, or "start", "stop", "down", "request_error",
                         "io" */
    zidl__loc loc;    /* of `on` */
    zidl__loc name_loc;
    const char *doc;
    bool has_reply;
    const char *reply;
    zidl__loc reply_loc;
    struct zidl__decl *message;       /* resolved, for ZIDL__HANDLER_MESSAGE */
    struct zidl__decl *reply_message; /* resolved `-> Reply`, if has_reply */
} zidl__handler;

/* What a send finds when an actor's mailbox is at its bound. */
typedef enum zidl__mailbox_policy {
    ZIDL__MAILBOX_UNBOUNDED, /* no `mailbox` line */
    ZIDL__MAILBOX_REFUSE,
    ZIDL__MAILBOX_BACKPRESSURE
} zidl__mailbox_policy;

/* A `mailbox N policy;` line, as written: check rejects the broken ones. */
typedef struct zidl__mailbox {
    zidl__loc loc; /* of `mailbox` */
    bool has_bound;
    zidl__value bound;  /* N: an integer unless mistyped (a name, a decimal) */
    const char *policy; /* NULL when missing */
    zidl__loc policy_loc;
    zidl__loc end_loc; /* of the `;`, where a missing part was expected */
} zidl__mailbox;

typedef enum zidl__decl_kind {
    ZIDL__DECL_ENUM,
    ZIDL__DECL_STRUCT,
    ZIDL__DECL_MESSAGE,
    ZIDL__DECL_ACTOR
} zidl__decl_kind;

typedef enum zidl__size_class {
    ZIDL__SIZE_SMALL,
    ZIDL__SIZE_MEDIUM,
    ZIDL__SIZE_LARGE
} zidl__size_class;

typedef struct zidl__decl {
    zidl__decl_kind kind;
    const char *name;
    zidl__loc loc; /* of the name */
    const char *doc;
    struct zidl__file *file; /* where it is declared: its package names it */
    /* set by resolve, for the warnings about unused messages */
    bool used_as_type;
    bool handled;
    /* enum */
    bool has_underlying;
    const char *underlying_name;
    zidl__loc underlying_loc;
    zidl__scalar underlying;
    zidl__enumerator_list enumerators;
    /* struct and message: the fields; actor: the state's fields */
    zidl__field_list fields;
    /* actor */
    unsigned state_count;
    zidl__loc state_loc;
    zidl__loc extra_state_loc; /* a second `state`, which check rejects */
    ZIDL__LIST(zidl__handler) handlers;
    ZIDL__LIST(zidl__mailbox) mailboxes; /* more than one is an error */
    uint32_t mailbox_bound;              /* set by check: N, 0 when unbounded */
    zidl__mailbox_policy mailbox_policy; /* set by check */
    /* filled in by layout */
    uint64_t size;
    uint64_t align;
    zidl__size_class size_class;
    uint32_t type_id;
    bool needs_validation; /* holds a string or an enum, maybe nested */
    bool holds_bytes;      /* holds a bytes field, maybe nested */
    bool holds_ptr;        /* holds a ptr field, maybe nested: local-only, no wire form */
    bool has_defaults;     /* a field has a default value, maybe nested */
    bool laid_out;
    /* check's search for recursive types */
    enum { ZIDL__SEARCH_UNVISITED, ZIDL__SEARCH_ON_PATH, ZIDL__SEARCH_DONE } search;
    unsigned nesting;      /* levels of structs held by value, itself included */
    const char *canonical; /* the text its type id hashes (see layout.c) */
} zidl__decl;

typedef struct zidl__package {
    const char *name;
    zidl__loc loc;
    size_t item_index; /* how many declarations and imports precede it */
} zidl__package;

typedef struct zidl__import {
    const char *path; /* as written */
    zidl__loc loc;
    struct zidl__file *file; /* the file it names; NULL when it was not found */
    bool used;               /* resolve found a name in it */
} zidl__import;

/* A `///` comment, keyed by the position of the token that follows it. */
typedef struct zidl__doc {
    zidl__loc before;
    const char *text; /* lines joined by '\n', without the slashes */
} zidl__doc;

typedef struct zidl__file {
    const char *path; /* as given, for diagnostics */
    const char *base; /* file name without directories, for outputs */
    const char *text; /* contents, followed by two NUL bytes */
    size_t length;
    const char *doc; /* documents the file (before `package`/`import`) */
    ZIDL__LIST(zidl__package) packages;
    ZIDL__LIST(zidl__import) imports;
    ZIDL__LIST(zidl__decl) decls;
    ZIDL__LIST(zidl__doc) docs;
    ZIDL__LIST(zidl__decl)
    data_order;        /* structs and messages, each after
                        * the ones it holds (set by layout) */
    size_t item_count; /* declarations and imports, for `package` first */
    bool syntax_ok;
    /* Set by the run: */
    const char *key;         /* identity: the absolute path, so a file loads once */
    size_t index;            /* in reading order: diagnostics are sorted by it */
    bool loading;            /* its imports are being loaded: a cycle if met again */
    bool resolved;           /* resolve ran: decl_table holds its names */
    bool imports_ok;         /* every file it imports, directly or not, is free of errors */
    zidl__symtab decl_table; /* name -> its zidl__decl, filled by resolve */
    /* Diagnostics so far (see diag.h). */
    unsigned errors;
    bool gave_up;
} zidl__file;

/* The package name, or NULL without `package`. */
const char *zidl__file_package(const zidl__file *file);

/* Removes and returns the doc comment that precedes the token at loc. */
const char *zidl__file_take_doc(zidl__file *file, zidl__loc loc);

const char *zidl__scalar_name(zidl__scalar scalar);
/* Looks up a built-in scalar by its .zidl name ("u8"); false if none. */
bool zidl__scalar_lookup(const char *name, zidl__scalar *out);
bool zidl__scalar_is_integer(zidl__scalar scalar);
const char *zidl__decl_kind_name(zidl__decl_kind kind);
/* "a" or "an", to go before zidl__decl_kind_name(). */
const char *zidl__decl_kind_article(zidl__decl_kind kind);

#endif /* ZIDL__AST_H */
