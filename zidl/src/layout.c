/* layout.c - C layout, size classes, dependency order and type ids.
 *
 * Sizes follow the C rules on LP64 (x86-64, AArch64): each field at the
 * next multiple of its alignment, the struct padded to a multiple of its
 * largest alignment, an empty struct one placeholder byte. The generated
 * header asserts the size class against the real compiler, so a platform
 * where this disagrees fails to build rather than misbehave.
 *
 * Type id: XXH32, seed 0, of the message's canonical text:
 *
 *   message    = "message " qualified "{" { field } "}"
 *   field      = type " " name [ "[" N "]" ] ";"
 *   type       = "bool" | "i8" ... "u64" | "f32" | "f64" | "ptr"
 *              | "string<" N ">" | "ref<" qualified ">"
 *              | "struct " qualified "{" { field } "}"      (expanded)
 *              | "message " qualified "{" { field } "}"     (expanded)
 *              | "enum " qualified ":" scalar "{" { name "=" value "," } "}"
 *   qualified  = [ package "." ] name
 *
 * with no other spaces; N and values in decimal, negative values with '-'.
 * For example `package p; message M { u8 a[2]; }` hashes
 * "message p.M{u8 a[2];}". The text names the package, the message and
 * every field's name and type in order, so the id changes exactly when the
 * wire layout or a name in it changes.
 */
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "passes.h"

/* Canonical texts longer than this are refused rather than hashed: nested
 * expansion could otherwise grow exponentially on hostile input. */
#define MAX_CANONICAL_LENGTH (UINT64_C(1) << 24)

typedef struct layouter {
    zidl_file *file;
    zidl_diag *diag;
    zidl_arena *arena;
    bool failed;
} layouter;

static void scalar_layout(zidl_scalar scalar, uint64_t *size)
{
    static const uint64_t sizes[] = {
        [ZIDL_BOOL] = 1, [ZIDL_I8] = 1, [ZIDL_I16] = 2, [ZIDL_I32] = 4,
        [ZIDL_I64] = 8,  [ZIDL_U8] = 1, [ZIDL_U16] = 2, [ZIDL_U32] = 4,
        [ZIDL_U64] = 8,  [ZIDL_F32] = 4, [ZIDL_F64] = 8,
    };
    *size = sizes[scalar];
}

static void lay_out(layouter *l, zidl_decl *decl);

/* Size and alignment of one element of the field's type. */
static void type_layout(layouter *l, const zidl_type *type, uint64_t *size,
                        uint64_t *align)
{
    switch (type->kind) {
    case ZIDL_TYPE_SCALAR:
        scalar_layout(type->scalar, size);
        *align = *size;
        return;
    case ZIDL_TYPE_STRING:
        *size = type->string_max + 1;
        *align = 1;
        return;
    case ZIDL_TYPE_REF: /* zactor_ref: a pointer and a uint32_t */
        *size = 16;
        *align = 8;
        return;
    case ZIDL_TYPE_PTR:
    case ZIDL_TYPE_BYTES:
        *size = 8;
        *align = 8;
        return;
    case ZIDL_TYPE_DECL:
        if (type->decl->kind == ZIDL_DECL_ENUM) {
            scalar_layout(type->decl->underlying, size);
            *align = *size;
            return;
        }
        lay_out(l, type->decl);
        *size = type->decl->size;
        *align = type->decl->align;
        return;
    case ZIDL_TYPE_NAMED:
        break;
    }
    *size = 1; /* unreachable after resolve and check */
    *align = 1;
}

static bool holds_bytes(const zidl_type *type)
{
    return type->kind == ZIDL_TYPE_BYTES ||
           (type->kind == ZIDL_TYPE_DECL && type->decl->holds_bytes);
}

static bool has_defaults(const zidl_field *field)
{
    const zidl_type *type = &field->type;
    return field->has_default || (type->kind == ZIDL_TYPE_DECL && type->decl->has_defaults);
}

/* The INIT macro of a type with defaults lists every element of an array
 * of it (C has no "repeat" initialiser); keep that text bounded. */
static void check_default_array(layouter *l, const zidl_field *field)
{
    if (!field->is_array || field->type.kind != ZIDL_TYPE_DECL ||
        !field->type.decl->has_defaults || field->array_len <= ZIDL_MAX_DEFAULT_ELEMENTS)
        return;
    zidl_diag_report(l->diag, l->file, field->array_loc, ZIDL_ERROR,
                     "array '%s' has %llu elements of '%s', which has default values: "
                     "at most %llu are allowed (its initialiser lists each one)",
                     field->name, (unsigned long long)field->array_len, field->type.decl->name,
                     (unsigned long long)ZIDL_MAX_DEFAULT_ELEMENTS);
    l->failed = true;
}

static bool needs_validation(const zidl_type *type)
{
    if (type->kind == ZIDL_TYPE_STRING)
        return true;
    if (type->kind != ZIDL_TYPE_DECL)
        return false;
    return type->decl->kind == ZIDL_DECL_ENUM || type->decl->needs_validation;
}

static void lay_out(layouter *l, zidl_decl *decl)
{
    if (decl->laid_out)
        return;
    decl->laid_out = true;
    uint64_t offset = 0;
    uint64_t align = 1;
    bool holds_too_large = false; /* already reported at the inner type */
    for (size_t i = 0; i < decl->fields.count && offset <= ZIDL_MAX_TYPE_SIZE; i++) {
        const zidl_field *field = decl->fields.items[i];
        uint64_t size, field_align;
        type_layout(l, &field->type, &size, &field_align);
        if (size > ZIDL_MAX_TYPE_SIZE)
            holds_too_large = true;
        if (field->is_array)
            size *= field->array_len; /* <= 2^20 * (2^24 + 1): no overflow */
        offset = (offset + field_align - 1) / field_align * field_align + size;
        if (field_align > align)
            align = field_align;
        if (needs_validation(&field->type))
            decl->needs_validation = true;
        if (holds_bytes(&field->type))
            decl->holds_bytes = true;
        if (has_defaults(field))
            decl->has_defaults = true;
        check_default_array(l, field);
    }
    decl->size = offset == 0 ? 1 : (offset + align - 1) / align * align;
    decl->align = align;
    if (decl->size > ZIDL_MAX_TYPE_SIZE) {
        decl->size = ZIDL_MAX_TYPE_SIZE + 1; /* saturate for the types around it */
        l->failed = true;
        if (!holds_too_large)
            zidl_diag_report(l->diag, l->file, decl->loc, ZIDL_ERROR,
                             "%s%s '%s' is too large: more than %llu bytes",
                             decl->kind == ZIDL_DECL_ACTOR ? "the state of " : "",
                             zidl_decl_kind_name(decl->kind), decl->name,
                             (unsigned long long)ZIDL_MAX_TYPE_SIZE);
    }
    /* A message holding bytes is large whatever its C size (spec section
     * 1); the emitters still use its C size to store it inline. */
    if (decl->holds_bytes)
        decl->size_class = ZIDL_SIZE_LARGE;
    else if (decl->size <= 64)
        decl->size_class = ZIDL_SIZE_SMALL;
    else if (decl->size <= 1024)
        decl->size_class = ZIDL_SIZE_MEDIUM;
    else
        decl->size_class = ZIDL_SIZE_LARGE;
    if (decl->kind != ZIDL_DECL_ACTOR)
        ZIDL_LIST_PUSH(l->arena, l->file->data_order, decl);
}

/* The package is the one of the file that declares decl, which may be
 * imported. */
static void put_qualified(zidl_strbuf *out, const zidl_decl *decl)
{
    const char *package = zidl_file_package(decl->file);
    if (package != NULL)
        zidl_strbuf_printf(out, "%s.", package);
    zidl_strbuf_puts(out, decl->name);
}

static void put_canonical_decl(layouter *l, zidl_strbuf *out, zidl_decl *decl);

static void put_canonical_type(layouter *l, zidl_strbuf *out, const zidl_type *type)
{
    switch (type->kind) {
    case ZIDL_TYPE_SCALAR:
        zidl_strbuf_puts(out, zidl_scalar_name(type->scalar));
        return;
    case ZIDL_TYPE_STRING:
        zidl_strbuf_printf(out, "string<%llu>", (unsigned long long)type->string_max);
        return;
    case ZIDL_TYPE_REF:
        zidl_strbuf_puts(out, "ref<");
        put_qualified(out, type->decl);
        zidl_strbuf_putc(out, '>');
        return;
    case ZIDL_TYPE_PTR:
        zidl_strbuf_puts(out, "ptr");
        return;
    case ZIDL_TYPE_BYTES:
        zidl_strbuf_puts(out, "bytes");
        return;
    case ZIDL_TYPE_DECL:
        put_canonical_decl(l, out, type->decl);
        return;
    case ZIDL_TYPE_NAMED:
        return;
    }
}

static void put_enum(zidl_strbuf *out, const zidl_decl *decl)
{
    zidl_strbuf_puts(out, "enum ");
    put_qualified(out, decl);
    zidl_strbuf_printf(out, ":%s{", zidl_scalar_name(decl->underlying));
    for (size_t i = 0; i < decl->enumerators.count; i++) {
        const zidl_enumerator *en = decl->enumerators.items[i];
        zidl_strbuf_printf(out, "%s=%s%llu,", en->name, en->value.negative ? "-" : "",
                           (unsigned long long)en->value.magnitude);
    }
    zidl_strbuf_putc(out, '}');
}

/* Appends the canonical text of a struct, message or enum, memoised per
 * declaration; stops appending once the text is too long. */
static void put_canonical_decl(layouter *l, zidl_strbuf *out, zidl_decl *decl)
{
    if (decl->kind == ZIDL_DECL_ENUM) {
        put_enum(out, decl);
        return;
    }
    if (decl->canonical == NULL) {
        zidl_strbuf text;
        zidl_strbuf_init(&text, l->arena->mem);
        zidl_strbuf_printf(&text, "%s ", zidl_decl_kind_name(decl->kind));
        put_qualified(&text, decl);
        zidl_strbuf_putc(&text, '{');
        for (size_t i = 0; i < decl->fields.count && text.len <= MAX_CANONICAL_LENGTH; i++) {
            const zidl_field *field = decl->fields.items[i];
            put_canonical_type(l, &text, &field->type);
            zidl_strbuf_printf(&text, " %s", field->name);
            if (field->is_array)
                zidl_strbuf_printf(&text, "[%llu]", (unsigned long long)field->array_len);
            zidl_strbuf_putc(&text, ';');
        }
        zidl_strbuf_putc(&text, '}');
        decl->canonical = zidl_arena_strndup(l->arena, zidl_strbuf_str(&text), text.len);
        zidl_strbuf_free(&text);
    }
    if (out->len <= MAX_CANONICAL_LENGTH)
        zidl_strbuf_puts(out, decl->canonical);
}

/* Where a type id was first seen in this run. */
typedef struct id_owner {
    zidl_file *file;
    const zidl_decl *decl;
} id_owner;

static void assign_type_id(layouter *l, zidl_decl *message, zidl_symtab *type_ids)
{
    zidl_strbuf text;
    zidl_strbuf_init(&text, l->arena->mem);
    put_canonical_decl(l, &text, message);
    if (text.len > MAX_CANONICAL_LENGTH) {
        zidl_diag_report(l->diag, l->file, message->loc, ZIDL_ERROR,
                         "message '%s' nests too much to compute its type id "
                         "(its canonical form exceeds %llu bytes)",
                         message->name, (unsigned long long)MAX_CANONICAL_LENGTH);
        zidl_strbuf_free(&text);
        return;
    }
    message->type_id = XXH32(text.data, text.len, 0);
    zidl_strbuf_free(&text);

    char key[16];
    snprintf(key, sizeof key, "%08x", (unsigned)message->type_id);
    id_owner *owner = zidl_arena_alloc(l->arena, sizeof *owner);
    owner->file = l->file;
    owner->decl = message;
    const id_owner *first =
        zidl_symtab_put(type_ids, zidl_arena_strdup(l->arena, key), owner);
    if (first == NULL)
        return;
    zidl_diag_report(l->diag, l->file, message->loc, ZIDL_ERROR,
                     "the type id 0x%s of message '%s' collides with the type id of "
                     "message '%s'; rename one of them", key, message->name,
                     first->decl->name);
    zidl_diag_report(l->diag, first->file, first->decl->loc, ZIDL_NOTE,
                     "'%s' is declared here", first->decl->name);
}

void zidl_layout(zidl_file *file, zidl_diag *diag, zidl_arena *arena,
                 zidl_symtab *type_ids)
{
    layouter l = {file, diag, arena, false};
    for (size_t i = 0; i < file->decls.count; i++) {
        zidl_decl *decl = file->decls.items[i];
        if (decl->kind != ZIDL_DECL_ENUM)
            lay_out(&l, decl);
    }
    if (l.failed)
        return;
    for (size_t i = 0; i < file->decls.count; i++) {
        zidl_decl *decl = file->decls.items[i];
        if (decl->kind == ZIDL_DECL_MESSAGE)
            assign_type_id(&l, decl, type_ids);
    }
}
