/* expect.h - the compiler tests' check: counts a failed condition and
 * reports where, so that one run lists every failure; main returns 1 when
 * test_failures is not 0. Included by one file per test program (C or C++). */
#ifndef ZIDL_TEST_EXPECT_H
#define ZIDL_TEST_EXPECT_H

#include <stdio.h>

static int test_failures;

#define EXPECT(cond)                                                            \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
            test_failures++;                                                    \
        }                                                                       \
    } while (0)

#endif
