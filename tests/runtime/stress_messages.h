/* stress_messages.h - the messages of the mailbox stress tests
 * (test_mailbox_stress.c, test_numa_stress.c): one sender's sequence
 * numbers, inline (Small) or in a pooled block (Medium). */
#ifndef ZACTOR_STRESS_MESSAGES_H
#define ZACTOR_STRESS_MESSAGES_H

#include <stdint.h>

typedef struct Small {
    uint32_t sender;
    uint64_t seq;
} Small;

typedef struct Medium {
    uint32_t sender;
    uint64_t seq;
    unsigned char fill[200];
} Medium;

#endif
