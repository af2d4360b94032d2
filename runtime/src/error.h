/* error.h - the runtime's error codes, for its own files (private). */
#ifndef ZACTOR_ERROR_H
#define ZACTOR_ERROR_H

#include <stdbool.h>

/* true for 0 and every code of ZACTOR_ERRNO_MAP. */
bool zactor__error_is_known(int err);

#endif
