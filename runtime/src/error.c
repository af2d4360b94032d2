/* error.c - zactor_strerror and zactor_err_name, driven by the ZACTOR_ERRNO_MAP table; the
 * report of a broken invariant in the sanitizer builds. */
#include "error.h"

#include <stdio.h>
#include <stdlib.h>

#include "platform.h"
#include "zactor/zactor.h"

#if defined(ZACTOR_INVARIANTS) && ZACTOR_INVARIANTS
void zactor__invariant_failed(const char *what, const char *file, int line)
{
    fprintf(stderr, "%s:%d: zactor runtime invariant broken: %s\n", file, line, what);
    abort();
}
#endif

const char *zactor_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define ZACTOR_ERRNO_TEXT_(name, value, text) \
    case ZACTOR_##name:                       \
        return text;
        ZACTOR_ERRNO_MAP(ZACTOR_ERRNO_TEXT_)
#undef ZACTOR_ERRNO_TEXT_
    default:
        return "unknown error";
    }
}

const char *zactor_err_name(int err)
{
    switch (err) {
    case 0:
        return "ZACTOR_OK";
#define ZACTOR_ERRNO_NAME_(name, value, text) \
    case ZACTOR_##name:                       \
        return "ZACTOR_" #name;
        ZACTOR_ERRNO_MAP(ZACTOR_ERRNO_NAME_)
#undef ZACTOR_ERRNO_NAME_
    default:
        return "ZACTOR_UNKNOWN";
    }
}

bool zactor__error_is_known(int err)
{
    switch (err) {
    case 0:
#define ZACTOR_ERRNO_CASE_(name, value, text) case ZACTOR_##name:
        ZACTOR_ERRNO_MAP(ZACTOR_ERRNO_CASE_)
#undef ZACTOR_ERRNO_CASE_
        return true;
    default:
        return false;
    }
}
