/* check.c - the semantic rules of a .zidl file.
 *
 * Runs on a resolved file and reports every broken rule at the construct
 * that breaks it. Checks that need a sound file (recursion, clashes of
 * generated names) run only when the simpler ones passed, so that one
 * mistake does not come back as a cascade of follow-up errors. */
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "passes.h"
#include "suggest.h"

typedef struct checker {
    zidl__file *file;
    zidl__diag *diag;
    zidl__arena *arena;
} checker;

/* C11 and C++17 keywords, including the alternative tokens, plus the
 * macros of <stdbool.h>: a generated name must be neither. */
static const char *const keywords[] = {
    "_Alignas",      "_Alignof",    "_Atomic",
    "_Bool",         "_Complex",    "_Generic",
    "_Imaginary",    "_Noreturn",   "_Static_assert",
    "_Thread_local", "alignas",     "alignof",
    "and",           "and_eq",      "asm",
    "auto",          "bitand",      "bitor",
    "bool",          "break",       "case",
    "catch",         "char",        "char16_t",
    "char32_t",      "class",       "compl",
    "const",         "const_cast",  "constexpr",
    "continue",      "decltype",    "default",
    "delete",        "do",          "double",
    "dynamic_cast",  "else",        "enum",
    "explicit",      "export",      "extern",
    "false",         "float",       "for",
    "friend",        "goto",        "if",
    "inline",        "int",         "long",
    "mutable",       "namespace",   "new",
    "noexcept",      "not",         "not_eq",
    "nullptr",       "operator",    "or",
    "or_eq",         "private",     "protected",
    "public",        "register",    "reinterpret_cast",
    "restrict",      "return",      "short",
    "signed",        "sizeof",      "static",
    "static_assert", "static_cast", "struct",
    "switch",        "template",    "this",
    "thread_local",  "throw",       "true",
    "try",           "typedef",     "typeid",
    "typename",      "union",       "unsigned",
    "using",         "virtual",     "void",
    "volatile",      "wchar_t",     "while",
    "xor",           "xor_eq",
};

/* Names the headers that generated code includes already define. */
static const char *const library_names[] = {
    "NULL",     "int16_t",     "int32_t",   "int64_t",   "int8_t",    "intmax_t",
    "intptr_t", "max_align_t", "memchr",    "memcmp",    "memcpy",    "memmove",
    "memset",   "offsetof",    "ptrdiff_t", "size_t",    "strlen",    "uint16_t",
    "uint32_t", "uint64_t",    "uint8_t",   "uintmax_t", "uintptr_t",
};

/* Parameters and locals of the generated functions: a type with one of
 * these names would be hidden inside the function bodies that use it. */
static const char *const generated_locals[] = {
    "cap",     "child", "ctx",  "delay_ns", "err",       "i",          "in",  "init",  "len",
    "msg",     "name",  "out",  "payload",  "period_ns", "r",          "ref", "reply", "request",
    "restart", "self",  "size", "sys",      "timer",     "timeout_ns", "to",  "value", "w",
};

static bool in_list(const char *const *list, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(list[i], name) == 0)
            return true;
    }
    return false;
}

static bool is_keyword(const char *name)
{
    return in_list(keywords, sizeof keywords / sizeof keywords[0], name);
}

static bool is_reserved_spelling(const char *name)
{
    return (name[0] == '_' && name[1] >= 'A' && name[1] <= 'Z') || strstr(name, "__") != NULL;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t len = strlen(name), slen = strlen(suffix);
    return len >= slen && strcmp(name + len - slen, suffix) == 0;
}

/* The limit and constant macros of <stdint.h> (INT8_MAX, UINT64_C, ...). */
static bool is_library_macro(const char *name)
{
    static const char *const prefixes[] = {"INT",         "UINT",   "SIZE_", "PTRDIFF_",
                                           "SIG_ATOMIC_", "WCHAR_", "WINT_"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0 &&
            (has_suffix(name, "_MAX") || has_suffix(name, "_MIN") || has_suffix(name, "_C")))
            return true;
    }
    return false;
}

static bool is_builtin_type(const char *name)
{
    zidl__scalar scalar;
    return zidl__scalar_lookup(name, &scalar) || strcmp(name, "ptr") == 0 ||
           strcmp(name, "bytes") == 0 || strcmp(name, "string") == 0 || strcmp(name, "ref") == 0;
}

/* Rules every name follows; what says what it names ("a field"). */
static bool check_name(checker *c, const char *name, zidl__loc loc, const char *what)
{
    if (is_keyword(name)) {
        zidl__diag_report(c->diag, c->file, loc, ZIDL__ERROR,
                          "'%s' is a C or C++ keyword and cannot name %s", name, what);
        return false;
    }
    if (is_reserved_spelling(name)) {
        zidl__diag_report(c->diag, c->file, loc, ZIDL__ERROR,
                          "'%s' is reserved in C and C++ (names must not begin with '_' "
                          "and a capital letter or contain '__')",
                          name);
        return false;
    }
    if (in_list(library_names, sizeof library_names / sizeof library_names[0], name)) {
        zidl__diag_report(c->diag, c->file, loc, ZIDL__ERROR,
                          "'%s' is defined by the C headers the generated code includes "
                          "and cannot name %s",
                          name, what);
        return false;
    }
    return true;
}

static void check_decl_name(checker *c, const zidl__decl *decl)
{
    const char *kind = zidl__decl_kind_name(decl->kind);
    const char *what =
        zidl__arena_sprintf(c->arena, "%s %s", zidl__decl_kind_article(decl->kind), kind);
    if (!check_name(c, decl->name, decl->loc, what))
        return;
    if (is_builtin_type(decl->name))
        zidl__diag_report(c->diag, c->file, decl->loc, ZIDL__ERROR,
                          "'%s' is a built-in type and cannot name %s", decl->name, what);
    else if (decl->kind == ZIDL__DECL_MESSAGE &&
             (strcmp(decl->name, "start") == 0 || strcmp(decl->name, "stop") == 0))
        zidl__diag_report(c->diag, c->file, decl->loc, ZIDL__ERROR,
                          "a message cannot be named '%s': 'on %s' is the lifecycle hook",
                          decl->name, decl->name);
}

static void check_package(checker *c)
{
    zidl__file *file = c->file;
    for (size_t i = 0; i < file->packages.count; i++) {
        const zidl__package *pkg = file->packages.items[i];
        if (i > 0) {
            zidl__diag_report(c->diag, file, pkg->loc, ZIDL__ERROR,
                              "'package' declared more than once");
            zidl__diag_report(c->diag, file, file->packages.items[0]->loc, ZIDL__NOTE,
                              "the package was first declared here");
            continue;
        }
        if (pkg->item_index > 0)
            zidl__diag_report(c->diag, file, pkg->loc, ZIDL__ERROR,
                              "'package' must come first, before any declaration or import");
        check_name(c, pkg->name, pkg->loc, "a package");
    }
}

/* The value one past prev, or false when it leaves 64 bits. */
static bool next_value(zidl__value *value, const zidl__value *prev)
{
    *value = *prev;
    if (prev->negative) {
        value->magnitude = prev->magnitude - 1;
        value->negative = value->magnitude != 0;
        return true;
    }
    if (prev->magnitude == UINT64_MAX)
        return false;
    value->magnitude = prev->magnitude + 1;
    return true;
}

static bool value_fits(const zidl__value *value, zidl__scalar type)
{
    static const unsigned bits[] = {
        [ZIDL__I8] = 8, [ZIDL__I16] = 16, [ZIDL__I32] = 32, [ZIDL__I64] = 64,
        [ZIDL__U8] = 8, [ZIDL__U16] = 16, [ZIDL__U32] = 32, [ZIDL__U64] = 64,
    };
    bool is_signed = type <= ZIDL__I64;
    unsigned width = bits[type];
    if (!is_signed)
        return !value->negative && (width == 64 || value->magnitude <= (UINT64_C(1) << width) - 1);
    uint64_t limit = UINT64_C(1) << (width - 1); /* |min|; max is limit - 1 */
    return value->negative ? value->magnitude <= limit : value->magnitude < limit;
}

static const char *format_value(checker *c, const zidl__value *value)
{
    char text[32];
    snprintf(text, sizeof text, "%s%llu", value->negative ? "-" : "",
             (unsigned long long)value->magnitude);
    return zidl__arena_strdup(c->arena, text);
}

static void check_enum(checker *c, zidl__decl *decl)
{
    decl->underlying = ZIDL__U32;
    if (decl->has_underlying) {
        zidl__scalar scalar;
        if (!zidl__scalar_lookup(decl->underlying_name, &scalar) ||
            !zidl__scalar_is_integer(scalar))
            zidl__diag_report(c->diag, c->file, decl->underlying_loc, ZIDL__ERROR,
                              "the underlying type of enum '%s' must be an integer type "
                              "(i8 ... i64, u8 ... u64), not '%s'",
                              decl->name, decl->underlying_name);
        else
            decl->underlying = scalar;
    }
    if (decl->enumerators.count == 0)
        zidl__diag_report(c->diag, c->file, decl->loc, ZIDL__ERROR, "enum '%s' has no enumerators",
                          decl->name);

    zidl__symtab seen;
    zidl__symtab_init(&seen, c->arena->mem);
    zidl__value prev = {0};
    for (size_t i = 0; i < decl->enumerators.count; i++) {
        zidl__enumerator *en = decl->enumerators.items[i];
        check_name(c, en->name, en->loc, "an enumerator");
        zidl__enumerator *first = zidl__symtab_put(&seen, en->name, en);
        if (first != NULL) {
            zidl__diag_report(c->diag, c->file, en->loc, ZIDL__ERROR,
                              "duplicate enumerator '%s' in enum '%s'", en->name, decl->name);
            zidl__diag_report(c->diag, c->file, first->loc, ZIDL__NOTE,
                              "'%s' was first declared here", first->name);
        }
        if (!en->has_value) {
            zidl__value implicit = {0};
            if (i > 0 && !next_value(&implicit, &prev)) {
                zidl__diag_report(c->diag, c->file, en->loc, ZIDL__ERROR,
                                  "the value of '%s' (the previous value + 1) does not fit "
                                  "in 64 bits",
                                  en->name);
                implicit = prev;
            }
            implicit.loc = en->loc;
            en->value = implicit;
        }
        if (!value_fits(&en->value, decl->underlying))
            zidl__diag_report(c->diag, c->file, en->has_value ? en->value.loc : en->loc,
                              ZIDL__ERROR,
                              "the value %s of '%s'%s does not fit in the "
                              "underlying type %s of enum '%s'",
                              format_value(c, &en->value), en->name,
                              en->has_value ? "" : " (the previous value + 1)",
                              zidl__scalar_name(decl->underlying), decl->name);
        prev = en->value;
    }
    zidl__symtab_free(&seen);
}

static void check_count(checker *c, uint64_t n, zidl__loc loc, const char *what)
{
    if (n == 0)
        zidl__diag_report(c->diag, c->file, loc, ZIDL__ERROR, "%s must be at least 1", what);
    else if (n > ZIDL__MAX_COUNT)
        zidl__diag_report(c->diag, c->file, loc, ZIDL__ERROR,
                          "%s is %llu, more than the limit of %llu", what, (unsigned long long)n,
                          (unsigned long long)ZIDL__MAX_COUNT);
}

/* The default value as written, for messages. */
static const char *written_value(checker *c, const zidl__value *value)
{
    if (value->is_name)
        return value->name;
    if (value->is_float)
        return zidl__arena_sprintf(c->arena, "%s%s", value->negative ? "-" : "", value->text);
    return format_value(c, value);
}

static void check_float_default(checker *c, const zidl__field *field, zidl__scalar scalar)
{
    const zidl__value *value = &field->default_value;
    if (value->is_name) {
        zidl__diag_report(c->diag, c->file, value->loc, ZIDL__ERROR,
                          "the default value of %s field '%s' must be a number, not '%s'",
                          zidl__scalar_name(scalar), field->name, value->name);
        return;
    }
    if (!value->is_float)
        return; /* an integer converts exactly enough: 2^64 fits a float */
    errno = 0;
    double magnitude = strtod(value->text, NULL);
    bool too_large = errno == ERANGE && magnitude > 1.0;
    if (too_large || (scalar == ZIDL__F32 && magnitude > FLT_MAX))
        zidl__diag_report(c->diag, c->file, value->loc, ZIDL__ERROR,
                          "the default value %s of field '%s' does not fit in %s",
                          written_value(c, value), field->name, zidl__scalar_name(scalar));
}

static void check_scalar_default(checker *c, const zidl__field *field, zidl__scalar scalar)
{
    const zidl__value *value = &field->default_value;
    if (scalar == ZIDL__F32 || scalar == ZIDL__F64) {
        check_float_default(c, field, scalar);
    } else if (scalar == ZIDL__BOOL) {
        if (!value->is_name ||
            (strcmp(value->name, "true") != 0 && strcmp(value->name, "false") != 0))
            zidl__diag_report(c->diag, c->file, value->loc, ZIDL__ERROR,
                              "the default value of bool field '%s' must be true or false, "
                              "not '%s'",
                              field->name, written_value(c, value));
    } else if (value->is_name || value->is_float) {
        zidl__diag_report(c->diag, c->file, value->loc, ZIDL__ERROR,
                          "the default value of %s field '%s' must be an integer, not '%s'",
                          zidl__scalar_name(scalar), field->name, written_value(c, value));
    } else if (!value_fits(value, scalar)) {
        zidl__diag_report(c->diag, c->file, value->loc, ZIDL__ERROR,
                          "the default value %s of field '%s' does not fit in %s",
                          format_value(c, value), field->name, zidl__scalar_name(scalar));
    }
}

static bool is_enumerator_of(const zidl__decl *decl, const char *name)
{
    for (size_t i = 0; i < decl->enumerators.count; i++) {
        if (strcmp(decl->enumerators.items[i]->name, name) == 0)
            return true;
    }
    return false;
}

static void check_enum_default(checker *c, const zidl__field *field, const zidl__decl *decl)
{
    const zidl__value *value = &field->default_value;
    if (!value->is_name)
        zidl__diag_report(c->diag, c->file, value->loc, ZIDL__ERROR,
                          "the default value of field '%s' must be an enumerator of enum "
                          "'%s', not '%s'",
                          field->name, decl->name, written_value(c, value));
    else if (!is_enumerator_of(decl, value->name))
        zidl__diag_report(c->diag, c->file, value->loc, ZIDL__ERROR,
                          "'%s' is not an enumerator of enum '%s', the type of field '%s'",
                          value->name, decl->name, field->name);
}

/* Only scalar and enum fields have default values. */
static void check_default(checker *c, const zidl__field *field)
{
    const zidl__type *type = &field->type;
    const zidl__loc loc = field->default_value.loc;
    const char *refused = NULL;
    if (field->is_array)
        refused = "an array";
    else if (type->kind == ZIDL__TYPE_STRING)
        refused = "a string";
    else if (type->kind == ZIDL__TYPE_REF)
        refused = "a ref<>";
    else if (type->kind == ZIDL__TYPE_PTR)
        refused = "a 'ptr'";
    else if (type->kind == ZIDL__TYPE_BYTES)
        refused = "a 'bytes'";
    else if (type->kind == ZIDL__TYPE_DECL && type->decl->kind != ZIDL__DECL_ENUM)
        refused = zidl__arena_sprintf(c->arena, "%s %s", zidl__decl_kind_article(type->decl->kind),
                                      zidl__decl_kind_name(type->decl->kind));
    if (refused != NULL) {
        zidl__diag_report(c->diag, c->file, loc, ZIDL__ERROR,
                          "field '%s' is %s field and cannot have a default value "
                          "(only scalar and enum fields can)",
                          field->name, refused);
        return;
    }
    if (type->kind == ZIDL__TYPE_SCALAR)
        check_scalar_default(c, field, type->scalar);
    else if (type->kind == ZIDL__TYPE_DECL)
        check_enum_default(c, field, type->decl);
    /* An unresolved type was reported already. */
}

static void check_field(checker *c, const zidl__field *field)
{
    check_name(c, field->name, field->loc, "a field");
    const zidl__type *type = &field->type;
    if (type->kind == ZIDL__TYPE_STRING)
        check_count(c, type->string_max, type->loc, "the length N of string<N>");
    if (field->is_array)
        check_count(c, field->array_len, field->array_loc, "the element count of an array");
    if (field->has_default)
        check_default(c, field);
}

static void check_fields(checker *c, const zidl__field_list *fields, const char *owner)
{
    zidl__symtab seen;
    zidl__symtab_init(&seen, c->arena->mem);
    for (size_t i = 0; i < fields->count; i++) {
        zidl__field *field = fields->items[i];
        check_field(c, field);
        zidl__field *first = zidl__symtab_put(&seen, field->name, field);
        if (first != NULL) {
            zidl__diag_report(c->diag, c->file, field->loc, ZIDL__ERROR,
                              "duplicate field '%s' in %s", field->name, owner);
            zidl__diag_report(c->diag, c->file, first->loc, ZIDL__NOTE,
                              "'%s' was first declared here", first->name);
        }
    }
    zidl__symtab_free(&seen);
}

/* "struct 'Point'", for messages about its fields. */
static const char *describe_owner(checker *c, const char *what, const zidl__decl *decl)
{
    size_t len = strlen(what) + strlen(decl->name) + 4;
    char *text = zidl__arena_alloc(c->arena, len);
    snprintf(text, len, "%s '%s'", what, decl->name);
    return text;
}

static void check_handlers(checker *c, zidl__decl *actor)
{
    zidl__symtab seen;
    zidl__symtab_init(&seen, c->arena->mem);
    for (size_t i = 0; i < actor->handlers.count; i++) {
        zidl__handler *h = actor->handlers.items[i];
        zidl__handler *first = zidl__symtab_put(&seen, h->name, h);
        if (first != NULL) {
            if (h->kind == ZIDL__HANDLER_MESSAGE)
                zidl__diag_report(c->diag, c->file, h->name_loc, ZIDL__ERROR,
                                  "actor '%s' already handles '%s'", actor->name, h->name);
            else
                zidl__diag_report(c->diag, c->file, h->name_loc, ZIDL__ERROR,
                                  "'on %s' declared more than once in actor '%s'", h->name,
                                  actor->name);
            zidl__diag_report(c->diag, c->file, first->loc, ZIDL__NOTE, "the first 'on %s' is here",
                              first->name);
        }
        if (h->has_reply && h->kind != ZIDL__HANDLER_MESSAGE)
            zidl__diag_report(c->diag, c->file, h->reply_loc, ZIDL__ERROR,
                              "'on %s' is a lifecycle hook and cannot reply ('-> %s')", h->name,
                              h->reply);
    }
    zidl__symtab_free(&seen);
}

/* The policy words of a mailbox line, indexed by zidl__mailbox_policy. */
static const char *const mailbox_policies[] = {
    [ZIDL__MAILBOX_REFUSE] = "refuse",
    [ZIDL__MAILBOX_BACKPRESSURE] = "backpressure",
};

/* The policy named word, or ZIDL__MAILBOX_UNBOUNDED when none is. */
static zidl__mailbox_policy find_policy(const char *word)
{
    for (size_t i = ZIDL__MAILBOX_REFUSE; i <= ZIDL__MAILBOX_BACKPRESSURE; i++) {
        if (strcmp(word, mailbox_policies[i]) == 0)
            return (zidl__mailbox_policy)i;
    }
    return ZIDL__MAILBOX_UNBOUNDED;
}

/* The policy word closest to a misspelt one, or NULL when none is close. */
static const char *near_policy(const char *word)
{
    zidl__suggestion s;
    zidl__suggest_init(&s, word);
    for (size_t i = ZIDL__MAILBOX_REFUSE; i <= ZIDL__MAILBOX_BACKPRESSURE; i++)
        zidl__suggest_consider(&s, mailbox_policies[i], mailbox_policies[i]);
    return s.best;
}

/* N of `mailbox N ...;`: its value, or 0 after reporting why it is none. */
static uint32_t mailbox_bound(checker *c, const zidl__decl *actor, const zidl__mailbox *m)
{
    const zidl__value *bound = &m->bound;
    if (bound->is_name || bound->is_float || bound->negative) {
        zidl__diag_report(c->diag, c->file, bound->loc, ZIDL__ERROR,
                          "the mailbox bound of actor '%s' must be an integer from 1 to %llu, "
                          "not '%s'",
                          actor->name, (unsigned long long)ZIDL__MAX_MAILBOX_BOUND,
                          written_value(c, bound));
        return 0;
    }
    if (bound->magnitude == 0) {
        zidl__diag_report(c->diag, c->file, bound->loc, ZIDL__ERROR,
                          "the mailbox bound of actor '%s' must be at least 1", actor->name);
        return 0;
    }
    if (bound->magnitude > ZIDL__MAX_MAILBOX_BOUND) {
        zidl__diag_report(c->diag, c->file, bound->loc, ZIDL__ERROR,
                          "the mailbox bound of actor '%s' is %llu, more than the maximum "
                          "of %llu",
                          actor->name, (unsigned long long)bound->magnitude,
                          (unsigned long long)ZIDL__MAX_MAILBOX_BOUND);
        return 0;
    }
    return (uint32_t)bound->magnitude;
}

/* The policy of `mailbox N policy;`, or ZIDL__MAILBOX_UNBOUNDED after
 * reporting why it is none. */
static zidl__mailbox_policy mailbox_policy(checker *c, const zidl__mailbox *m)
{
    if (m->policy == NULL) {
        zidl__diag_report(c->diag, c->file, m->end_loc, ZIDL__ERROR,
                          "expected the mailbox policy, 'refuse' or 'backpressure', "
                          "after the bound");
        return ZIDL__MAILBOX_UNBOUNDED;
    }
    zidl__mailbox_policy policy = find_policy(m->policy);
    if (policy == ZIDL__MAILBOX_UNBOUNDED) {
        const char *near = near_policy(m->policy);
        zidl__diag_report(c->diag, c->file, m->policy_loc, ZIDL__ERROR,
                          "unknown mailbox policy '%s': expected 'refuse' or 'backpressure'%s",
                          m->policy,
                          near ? zidl__arena_sprintf(c->arena, "; did you mean '%s'?", near) : "");
    }
    return policy;
}

/* One `mailbox` line. A lone word after `mailbox` (the parser took it for
 * the policy) is a policy with N missing when it is one or close to one,
 * and else N mistyped with the policy missing. */
static void check_mailbox(checker *c, zidl__decl *actor, const zidl__mailbox *m, bool first)
{
    zidl__mailbox lone = *m;
    if (!m->has_bound && m->policy != NULL && find_policy(m->policy) == ZIDL__MAILBOX_UNBOUNDED &&
        near_policy(m->policy) == NULL) {
        lone.has_bound = true;
        lone.bound.is_name = true;
        lone.bound.name = m->policy;
        lone.bound.loc = m->policy_loc;
        lone.policy = NULL;
        m = &lone;
    }
    uint32_t bound = 0;
    if (m->has_bound)
        bound = mailbox_bound(c, actor, m);
    else
        zidl__diag_report(c->diag, c->file, m->policy ? m->policy_loc : m->end_loc, ZIDL__ERROR,
                          "expected the mailbox bound N, an integer from 1 to %llu, after "
                          "'mailbox'",
                          (unsigned long long)ZIDL__MAX_MAILBOX_BOUND);
    zidl__mailbox_policy policy = mailbox_policy(c, m);
    if (first && bound != 0 && policy != ZIDL__MAILBOX_UNBOUNDED) {
        actor->mailbox_bound = bound;
        actor->mailbox_policy = policy;
    }
}

static void check_actor(checker *c, zidl__decl *actor)
{
    if (actor->state_count > 1) {
        zidl__diag_report(c->diag, c->file, actor->extra_state_loc, ZIDL__ERROR,
                          "'state' declared more than once in actor '%s'", actor->name);
        zidl__diag_report(c->diag, c->file, actor->state_loc, ZIDL__NOTE,
                          "the first 'state' is here");
    }
    for (size_t i = 0; i < actor->mailboxes.count; i++) {
        const zidl__mailbox *m = actor->mailboxes.items[i];
        if (i > 0) {
            zidl__diag_report(c->diag, c->file, m->loc, ZIDL__ERROR,
                              "'mailbox' declared more than once in actor '%s'", actor->name);
            zidl__diag_report(c->diag, c->file, actor->mailboxes.items[0]->loc, ZIDL__NOTE,
                              "the first 'mailbox' is here");
        }
        check_mailbox(c, actor, m, i == 0);
    }
    check_fields(c, &actor->fields, describe_owner(c, "the state of actor", actor));
    check_handlers(c, actor);
}

/* Depth-first search for structs and messages that hold themselves by
 * value, directly or through others. Depth is bounded by max_nesting, so
 * hostile input cannot exhaust the stack. */
static bool holds_by_value(const zidl__field *field)
{
    const zidl__type *type = &field->type;
    /* An unresolved name (already reported) has no declaration to follow. */
    return type->kind == ZIDL__TYPE_DECL && type->decl != NULL &&
           type->decl->kind != ZIDL__DECL_ENUM;
}

static void report_nesting(checker *c, const zidl__decl *decl)
{
    zidl__diag_report(c->diag, c->file, decl->loc, ZIDL__ERROR,
                      "%s '%s' nests structs more than %u levels deep",
                      zidl__decl_kind_name(decl->kind), decl->name, c->diag->opts->max_nesting);
}

/* Also computes decl->nesting: 1 + the deepest type it holds by value. */
static bool visit(checker *c, zidl__decl *decl, unsigned depth)
{
    if (depth > c->diag->opts->max_nesting) {
        report_nesting(c, decl);
        return false;
    }
    decl->search = ZIDL__SEARCH_ON_PATH;
    unsigned deepest = 0;
    for (size_t i = 0; i < decl->fields.count; i++) {
        const zidl__field *field = decl->fields.items[i];
        if (!holds_by_value(field))
            continue;
        zidl__decl *inner = field->type.decl;
        if (inner == decl) {
            zidl__diag_report(c->diag, c->file, field->type.loc, ZIDL__ERROR,
                              "recursive type: %s '%s' holds itself by value in field '%s'",
                              zidl__decl_kind_name(decl->kind), decl->name, field->name);
            continue;
        }
        if (inner->search == ZIDL__SEARCH_ON_PATH) {
            zidl__diag_report(c->diag, c->file, field->type.loc, ZIDL__ERROR,
                              "recursive type: field '%s' of '%s' holds '%s' by value, "
                              "which contains '%s' itself",
                              field->name, decl->name, inner->name, decl->name);
            continue;
        }
        if (inner->search == ZIDL__SEARCH_UNVISITED && !visit(c, inner, depth + 1))
            return false;
        if (inner->nesting > deepest)
            deepest = inner->nesting;
    }
    decl->search = ZIDL__SEARCH_DONE;
    decl->nesting = deepest + 1;
    if (decl->nesting > c->diag->opts->max_nesting) {
        report_nesting(c, decl);
        return false;
    }
    return true;
}

static void check_recursion(checker *c)
{
    for (size_t i = 0; i < c->file->decls.count; i++) {
        zidl__decl *decl = c->file->decls.items[i];
        bool is_data = decl->kind == ZIDL__DECL_STRUCT || decl->kind == ZIDL__DECL_MESSAGE;
        if (is_data && decl->search == ZIDL__SEARCH_UNVISITED && !visit(c, decl, 0))
            break;
    }
}

/* Collects the generated names and reports the second of any two equal
 * ones. The names of the files imported, directly or not, come first:
 * the generated header includes all of theirs. */
typedef struct clash_search {
    checker *c;
    zidl__symtab names;      /* name -> first generated_name */
    zidl__symtab imported;   /* key -> file, for each imported file entered */
    zidl__file *from;        /* whose names are being entered */
    const zidl__import *via; /* the import of c->file that brings them */
    /* One construct generates several names; a clash of the construct is
     * reported once, for its first name. */
    const zidl__file *last_clash_file;
    zidl__loc last_clash_loc;
} clash_search;

static bool already_reported(clash_search *s, const zidl__file *file, zidl__loc loc)
{
    bool same = s->last_clash_file == file && s->last_clash_loc.line == loc.line &&
                s->last_clash_loc.col == loc.col;
    s->last_clash_file = file;
    s->last_clash_loc = loc;
    return same;
}

typedef struct generated_name {
    zidl__generated_name gen;
    zidl__file *file;
} generated_name;

/* An imported file's names were checked in that file: only clashes with
 * another imported file matter, reported at the import that brings the
 * second one in. */
static void on_imported_name(void *user, const zidl__generated_name *name)
{
    clash_search *s = user;
    generated_name *copy = zidl__arena_alloc(s->c->arena, sizeof *copy);
    copy->gen = *name;
    copy->file = s->from;
    const generated_name *first = zidl__symtab_put(&s->names, copy->gen.name, copy);
    if (first == NULL || first->file == s->from || already_reported(s, s->from, s->via->loc))
        return;
    zidl__diag_report(s->c->diag, s->c->file, s->via->loc, ZIDL__ERROR,
                      "imported files '%s' and '%s' both generate '%s' (%s and %s)",
                      first->file->path, s->from->path, name->name, first->gen.what, name->what);
}

static void enter_imported_names(clash_search *s, const zidl__file *file)
{
    for (size_t i = 0; i < file->imports.count; i++) {
        zidl__file *imported = file->imports.items[i]->file;
        if (zidl__symtab_put(&s->imported, imported->key, imported) != NULL)
            continue;
        if (file == s->c->file)
            s->via = file->imports.items[i];
        enter_imported_names(s, imported);
        s->from = imported;
        zidl__names_for_each(s->c->arena, imported, on_imported_name, s);
    }
}

static void on_generated_name(void *user, const zidl__generated_name *name)
{
    clash_search *s = user;
    checker *c = s->c;
    generated_name *copy = zidl__arena_alloc(c->arena, sizeof *copy);
    copy->gen = *name;
    copy->file = c->file;
    if (strncmp(name->name, "zactor_", 7) == 0 || strncmp(name->name, "ZACTOR_", 7) == 0) {
        zidl__diag_report(c->diag, c->file, name->loc, ZIDL__ERROR,
                          "generated name '%s' (%s) is in the runtime's 'zactor_' namespace",
                          name->name, name->what);
        return;
    }
    if (is_keyword(name->name) || is_reserved_spelling(name->name)) {
        zidl__diag_report(c->diag, c->file, name->loc, ZIDL__ERROR,
                          "generated name '%s' (%s) is reserved in C or C++", name->name,
                          name->what);
        return;
    }
    if (in_list(library_names, sizeof library_names / sizeof library_names[0], name->name) ||
        is_library_macro(name->name)) {
        zidl__diag_report(c->diag, c->file, name->loc, ZIDL__ERROR,
                          "generated name '%s' (%s) is already defined by the C headers "
                          "the generated code includes",
                          name->name, name->what);
        return;
    }
    if (in_list(generated_locals, sizeof generated_locals / sizeof generated_locals[0],
                name->name)) {
        zidl__diag_report(c->diag, c->file, name->loc, ZIDL__ERROR,
                          "generated name '%s' (%s) is also a parameter name in the "
                          "generated functions; add a package or rename it",
                          name->name, name->what);
        return;
    }
    const generated_name *first = zidl__symtab_put(&s->names, copy->gen.name, copy);
    if (first == NULL)
        return;
    if (first->file != c->file) {
        if (already_reported(s, first->file, name->loc))
            return;
        zidl__diag_report(c->diag, c->file, name->loc, ZIDL__ERROR,
                          "generated name '%s' (%s) clashes with %s in imported file '%s'",
                          name->name, name->what, first->gen.what, first->file->path);
    } else {
        zidl__diag_report(c->diag, c->file, name->loc, ZIDL__ERROR,
                          "generated name '%s' (%s) clashes with %s", name->name, name->what,
                          first->gen.what);
    }
    zidl__diag_report(c->diag, first->file, first->gen.loc, ZIDL__NOTE,
                      "'%s' is also generated from here", first->gen.name);
}

/* A field named like a generated macro would be rewritten by it. */
static void check_field_clashes(clash_search *s, const zidl__field_list *fields)
{
    for (size_t i = 0; i < fields->count; i++) {
        const zidl__field *field = fields->items[i];
        const generated_name *gen = zidl__symtab_get(&s->names, field->name);
        if (gen != NULL)
            zidl__diag_report(s->c->diag, s->c->file, field->loc, ZIDL__ERROR,
                              "field '%s' has the same name as %s", field->name, gen->gen.what);
    }
}

/* The mailbox slot union of an actor declares one member per message it
 * accepts; a member named like a type used there breaks the C++ build. */
static void check_slot_members(clash_search *s, const zidl__decl *actor)
{
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind != ZIDL__HANDLER_MESSAGE)
            continue;
        const char *member = zidl__slot_member_name(s->c->arena, h->message->name);
        const generated_name *gen = zidl__symtab_get(&s->names, member);
        if (gen != NULL)
            zidl__diag_report(s->c->diag, s->c->file, h->name_loc, ZIDL__ERROR,
                              "'%s', the member of the mailbox slot of actor '%s' for "
                              "'%s', has the same name as %s",
                              member, actor->name, h->name, gen->gen.what);
    }
}

/* Parameters that only some actors' functions have: `down` (the `on
 * down` handler), `error` (the `on request_error` handler), `ev` (the `on
 * io` handler) and `promise`
 * (the fulfil function of a request the actor handles). A type of that
 * name, possible only without a package, would be shadowed by it in every
 * definition. Checked only for actors that have those functions, so
 * schemas from before `on down;` stay valid. */
static void check_parameter(clash_search *s, const zidl__decl *actor, const zidl__handler *h,
                            const char *parameter, const char *function)
{
    const generated_name *gen = zidl__symtab_get(&s->names, parameter);
    if (gen != NULL)
        zidl__diag_report(s->c->diag, s->c->file, h->name_loc, ZIDL__ERROR,
                          "'%s', the parameter of the %s of actor '%s', has the same name as "
                          "%s; add a package or rename it",
                          parameter, function, actor->name, gen->gen.what);
}

static void check_handler_parameters(clash_search *s, const zidl__decl *actor)
{
    bool down = false, request_error = false, io = false, promise = false;
    for (size_t i = 0; i < actor->handlers.count; i++) {
        const zidl__handler *h = actor->handlers.items[i];
        if (h->kind == ZIDL__HANDLER_DOWN && !down) {
            down = true;
            check_parameter(s, actor, h, "down", "'on down' handler");
        } else if (h->kind == ZIDL__HANDLER_REQUEST_ERROR && !request_error) {
            request_error = true;
            check_parameter(s, actor, h, "error", "'on request_error' handler");
        } else if (h->kind == ZIDL__HANDLER_IO && !io) {
            io = true;
            check_parameter(s, actor, h, "ev", "'on io' handler");
        } else if (h->kind == ZIDL__HANDLER_MESSAGE && h->has_reply && !promise) {
            promise = true;
            check_parameter(s, actor, h, "promise", "fulfil functions");
        }
    }
}

static void check_generated_names(checker *c)
{
    clash_search s = {c, {0}, {0}, NULL, NULL, NULL, {0, 0}};
    zidl__symtab_init(&s.names, c->arena->mem);
    zidl__symtab_init(&s.imported, c->arena->mem);
    enter_imported_names(&s, c->file);
    zidl__names_for_each(c->arena, c->file, on_generated_name, &s);
    for (size_t i = 0; i < c->file->decls.count; i++) {
        const zidl__decl *decl = c->file->decls.items[i];
        check_field_clashes(&s, &decl->fields);
        if (decl->kind == ZIDL__DECL_ACTOR) {
            check_slot_members(&s, decl);
            check_handler_parameters(&s, decl);
        }
    }
    zidl__symtab_free(&s.imported);
    zidl__symtab_free(&s.names);
}

void zidl__check(zidl__file *file, zidl__diag *diag, zidl__arena *arena)
{
    checker c = {file, diag, arena};
    zidl__loc start = {1, 1};
    if (file->decls.count == 0 && file->imports.count == 0)
        zidl__diag_report(diag, file, start, ZIDL__ERROR,
                          "file declares nothing (no enum, struct, message or actor)");
    check_package(&c);
    for (size_t i = 0; i < file->decls.count; i++) {
        zidl__decl *decl = file->decls.items[i];
        check_decl_name(&c, decl);
        switch (decl->kind) {
        case ZIDL__DECL_ENUM:
            check_enum(&c, decl);
            break;
        case ZIDL__DECL_STRUCT:
        case ZIDL__DECL_MESSAGE:
            check_fields(&c, &decl->fields,
                         describe_owner(&c, zidl__decl_kind_name(decl->kind), decl));
            break;
        case ZIDL__DECL_ACTOR:
            check_actor(&c, decl);
            break;
        }
    }
    /* Both look into imported declarations, which must be sound. */
    if (file->imports_ok)
        check_recursion(&c);
    /* Generated names are only meaningful for a schema that is otherwise
     * valid: resolve's errors count too. */
    if (file->errors == 0 && file->imports_ok)
        check_generated_names(&c);
}
