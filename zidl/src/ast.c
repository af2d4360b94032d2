/* ast.c - small queries on the syntax tree. */
#include "ast.h"

#include <string.h>

static const char *const scalar_names[] = {
    [ZIDL_BOOL] = "bool", [ZIDL_I8] = "i8",   [ZIDL_I16] = "i16",
    [ZIDL_I32] = "i32",   [ZIDL_I64] = "i64", [ZIDL_U8] = "u8",
    [ZIDL_U16] = "u16",   [ZIDL_U32] = "u32", [ZIDL_U64] = "u64",
    [ZIDL_F32] = "f32",   [ZIDL_F64] = "f64",
};

const char *zidl_file_package(const zidl_file *file)
{
    return file->packages.count > 0 ? file->packages.items[0]->name : NULL;
}

/* Docs are recorded in source order and taken a token or two after they
 * were recorded, so the search runs backwards from the newest and stops at
 * the first doc before loc: constant time in practice, not quadratic. */
const char *zidl_file_take_doc(zidl_file *file, zidl_loc loc)
{
    for (size_t i = file->docs.count; i > 0; i--) {
        zidl_doc *doc = file->docs.items[i - 1];
        if (doc->before.line < loc.line ||
            (doc->before.line == loc.line && doc->before.col < loc.col))
            return NULL;
        if (doc->text != NULL && doc->before.line == loc.line &&
            doc->before.col == loc.col) {
            const char *text = doc->text;
            doc->text = NULL;
            return text;
        }
    }
    return NULL;
}

const char *zidl_scalar_name(zidl_scalar scalar)
{
    return scalar_names[scalar];
}

bool zidl_scalar_lookup(const char *name, zidl_scalar *out)
{
    for (size_t i = 0; i < sizeof scalar_names / sizeof scalar_names[0]; i++) {
        if (strcmp(scalar_names[i], name) == 0) {
            *out = (zidl_scalar)i;
            return true;
        }
    }
    return false;
}

bool zidl_scalar_is_integer(zidl_scalar scalar)
{
    return scalar >= ZIDL_I8 && scalar <= ZIDL_U64;
}

const char *zidl_decl_kind_name(zidl_decl_kind kind)
{
    switch (kind) {
    case ZIDL_DECL_ENUM:
        return "enum";
    case ZIDL_DECL_STRUCT:
        return "struct";
    case ZIDL_DECL_MESSAGE:
        return "message";
    case ZIDL_DECL_ACTOR:
        return "actor";
    }
    return "declaration";
}

const char *zidl_decl_kind_article(zidl_decl_kind kind)
{
    return kind == ZIDL_DECL_ENUM || kind == ZIDL_DECL_ACTOR ? "an" : "a";
}
