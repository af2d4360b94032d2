/* error.c - zactor_strerror, driven by the ZACTOR_ERRNO_MAP table. */
#include "zactor/zactor.h"

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
