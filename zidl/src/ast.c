/* ast.c - small queries on the syntax tree. */
#include "ast.h"

#include <string.h>

static const char *const scalar_names[] = {
    [ZIDL__BOOL] = "bool", [ZIDL__I8] = "i8",   [ZIDL__I16] = "i16", [ZIDL__I32] = "i32",
    [ZIDL__I64] = "i64",   [ZIDL__U8] = "u8",   [ZIDL__U16] = "u16", [ZIDL__U32] = "u32",
    [ZIDL__U64] = "u64",   [ZIDL__F32] = "f32", [ZIDL__F64] = "f64",
};

const char *zidl__file_package(const zidl__file *file)
{
    return file->packages.count > 0 ? file->packages.items[0]->name : NULL;
}

/* Docs are recorded in source order and taken a token or two after they
 * were recorded, so the search runs backwards from the newest and stops at
 * the first doc before loc: constant time in practice, not quadratic. */
const char *zidl__file_take_doc(zidl__file *file, zidl__loc loc)
{
    for (size_t i = file->docs.count; i > 0; i--) {
        zidl__doc *doc = file->docs.items[i - 1];
        if (doc->before.line < loc.line ||
            (doc->before.line == loc.line && doc->before.col < loc.col))
            return NULL;
        if (doc->text != NULL && doc->before.line == loc.line && doc->before.col == loc.col) {
            const char *text = doc->text;
            doc->text = NULL;
            return text;
        }
    }
    return NULL;
}

const char *zidl__scalar_name(zidl__scalar scalar)
{
    return scalar_names[scalar];
}

bool zidl__scalar_lookup(const char *name, zidl__scalar *out)
{
    for (size_t i = 0; i < sizeof scalar_names / sizeof scalar_names[0]; i++) {
        if (strcmp(scalar_names[i], name) == 0) {
            *out = (zidl__scalar)i;
            return true;
        }
    }
    return false;
}

bool zidl__scalar_is_integer(zidl__scalar scalar)
{
    return scalar >= ZIDL__I8 && scalar <= ZIDL__U64;
}

const char *zidl__decl_kind_name(zidl__decl_kind kind)
{
    switch (kind) {
    case ZIDL__DECL_ENUM:
        return "enum";
    case ZIDL__DECL_STRUCT:
        return "struct";
    case ZIDL__DECL_MESSAGE:
        return "message";
    case ZIDL__DECL_ACTOR:
        return "actor";
    }
    return "declaration";
}

const char *zidl__decl_kind_article(zidl__decl_kind kind)
{
    return kind == ZIDL__DECL_ENUM || kind == ZIDL__DECL_ACTOR ? "an" : "a";
}
