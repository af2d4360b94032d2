/* rt_actor_type.h - hand-written actor types for the runtime tests and the
 * mailbox benchmark: the handler entries, the mailbox slot and the
 * zactor_actor_type descriptor, shaped the way zidlc writes them.
 *
 * Apart from rt_test.h so that a benchmark can build its descriptors the
 * same way without taking the test harness (CHECK's exit, the gates, the
 * ZACTOR_TEST_SCALE factor) along. rt_test.h includes it. */
#ifndef ZACTOR_RT_ACTOR_TYPE_H
#define ZACTOR_RT_ACTOR_TYPE_H

#include <stddef.h>
#include <stdint.h>

#include "zactor/zactor.h"

/* A handler entry for a message that owns nothing (no bytes, no reply). */
/* Kept from clang-format, which (14) reads a braced list as a macro's whole
 * body as a block and spreads it over four lines. */
/* clang-format off */
#define TEST_ENTRY(fn) {.handle = (fn)}
/* clang-format on */

/* Declares a slot type the way zidlc does: header, then a union of the
 * small messages and a pointer for boxed ones. */
#define TEST_SLOT(name, union_members) \
    typedef struct name {              \
        zactor_slot_header header;     \
        union {                        \
            union_members void *boxed; \
        } payload;                     \
    } name;                            \
    _Static_assert(offsetof(name, payload) == ZACTOR_SLOT_PAYLOAD_OFFSET, #name)

/*
 * The initialiser of a zactor_actor_type, each field named by a key:
 *
 *     static const zactor_actor_type victim_type = TEST_ACTOR_TYPE(
 *         name("test.Victim"), state(Victim), slot(VictimSlot),
 *         handlers(victim_handlers), on_stop(victim_on_stop));
 *
 *   name(string)        the qualified name
 *   state(Type)         state_size and state_align of Type (char: no state)
 *   slot(Type)          slot_size of Type, a TEST_SLOT type
 *   handlers(array)     the entries and handler_count, counted from the array
 *   on_start(hook), on_stop(hook)
 *   mailbox(bound, policy)  mailbox_bound and mailbox_policy (ZACTOR_MAILBOX_*)
 *
 * abi_version is always ZACTOR_ABI_VERSION. Keys come in any order; a key
 * left out leaves its fields zero (no handlers: a count of 0 and NULL).
 *
 * Why keys rather than designated initialisers at the use site: the sizes
 * and the count come from a type or an array, which the preprocessor can
 * only compute when it gets that type or array alone. There is no key for
 * handler_count, so the count cannot disagree with the entries; handlers()
 * of a pointer instead of an array does not compile (TEST_COUNT_OF), nor
 * does an unknown key (TEST_TYPE_KEY_<key> is not defined), nor, with
 * -Werror, a key given twice (-Woverride-init, -Winitializer-overrides).
 * At most 7 keys, one per field group.
 */
#define TEST_ACTOR_TYPE(...)                                                                  \
    {                                                                                         \
        .abi_version = ZACTOR_ABI_VERSION,                                                    \
        TEST_TYPE_PICK_(__VA_ARGS__, TEST_TYPE_KEYS_7_, TEST_TYPE_KEYS_6_, TEST_TYPE_KEYS_5_, \
                        TEST_TYPE_KEYS_4_, TEST_TYPE_KEYS_3_, TEST_TYPE_KEYS_2_,              \
                        TEST_TYPE_KEYS_1_, ~)(__VA_ARGS__)                                    \
    }

/* Elements of an array, as a constant. For a pointer, &(array) has type
 * pointer to pointer to entry, and the array size below goes negative: a
 * compile error instead of sizeof(pointer) / sizeof(entry). */
#define TEST_COUNT_OF(array) \
    ((uint32_t)(sizeof(array) / sizeof((array)[0]) +                          \
                0 * sizeof(char[_Generic(&(array),                            \
                                         const zactor_handler_entry **: -1,   \
                                         zactor_handler_entry **: -1,         \
                                         default: 1)])))

/* One key: name("x") becomes TEST_TYPE_KEY_name("x"). */
#define TEST_TYPE_KEY_(key) TEST_TYPE_KEY_##key
#define TEST_TYPE_KEY_name(string) .name = (string)
#define TEST_TYPE_KEY_state(type) .state_size = sizeof(type), .state_align = _Alignof(type)
#define TEST_TYPE_KEY_slot(type) .slot_size = sizeof(type)
#define TEST_TYPE_KEY_handlers(array) .handler_count = TEST_COUNT_OF(array), .handlers = (array)
#define TEST_TYPE_KEY_on_start(hook) .on_start = (hook)
#define TEST_TYPE_KEY_on_stop(hook) .on_stop = (hook)
#define TEST_TYPE_KEY_mailbox(bound, policy) .mailbox_bound = (bound), .mailbox_policy = (policy)

/* Applies TEST_TYPE_KEY_ to each of 1 to 7 keys. The expansions follow
 * the keys, from 7 down, so that n keys push the one for n into the 8th
 * argument of TEST_TYPE_PICK_. */
#define TEST_TYPE_PICK_(k1, k2, k3, k4, k5, k6, k7, pick, ...) pick
#define TEST_TYPE_KEYS_1_(k) TEST_TYPE_KEY_(k)
#define TEST_TYPE_KEYS_2_(k, ...) TEST_TYPE_KEY_(k), TEST_TYPE_KEYS_1_(__VA_ARGS__)
#define TEST_TYPE_KEYS_3_(k, ...) TEST_TYPE_KEY_(k), TEST_TYPE_KEYS_2_(__VA_ARGS__)
#define TEST_TYPE_KEYS_4_(k, ...) TEST_TYPE_KEY_(k), TEST_TYPE_KEYS_3_(__VA_ARGS__)
#define TEST_TYPE_KEYS_5_(k, ...) TEST_TYPE_KEY_(k), TEST_TYPE_KEYS_4_(__VA_ARGS__)
#define TEST_TYPE_KEYS_6_(k, ...) TEST_TYPE_KEY_(k), TEST_TYPE_KEYS_5_(__VA_ARGS__)
#define TEST_TYPE_KEYS_7_(k, ...) TEST_TYPE_KEY_(k), TEST_TYPE_KEYS_6_(__VA_ARGS__)

#endif
