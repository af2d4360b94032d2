/* platform.h - what the runtime needs from the processor and the build
 * (private). */
#ifndef ZACTOR_PLATFORM_H
#define ZACTOR_PLATFORM_H

#include <stddef.h>

/* The unit of cache coherence on every processor the runtime targets
 * (x86-64, ARMv8 servers): fields written by different threads go on
 * different lines of this size. */
#define ZACTOR__CACHE_LINE 64

/* Tells the core we are spinning: on x86 a pause lets the sibling
 * hyperthread run and avoids the memory-order flush when the spin ends. */
static inline void zactor__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Keeps the less common branch of a hot operation in a function of its
 * own, so that the common path stays small enough to be inlined into its
 * callers (a send, a take). Not `cold`: under a flood the overflow path is
 * the common one, and must stay optimised for speed. */
#define ZACTOR__OUT_OF_LINE __attribute__((noinline))
/* A function whose callers each want their own copy: a constant argument
 * then folds its loops away. */
#define ZACTOR__ALWAYS_INLINE inline __attribute__((always_inline))

/* An invariant of the runtime's protocols, checked in the sanitizer builds
 * (CMake defines ZACTOR_INVARIANTS there) and compiled out elsewhere. A
 * broken one is a bug in the runtime, never the caller's: it aborts with
 * its place, where a release build would go on with a corrupt mailbox.
 * Checks that need a race to fail are placed where the race would first
 * show, so that the sanitizer runs of the stress tests find it. */
#if defined(ZACTOR_INVARIANTS) && ZACTOR_INVARIANTS
void zactor__invariant_failed(const char *what, const char *file, int line);
#define ZACTOR__INVARIANT(cond) \
    ((cond) ? (void)0 : zactor__invariant_failed(#cond, __FILE__, __LINE__))
#else
#define ZACTOR__INVARIANT(cond) ((void)0)
#endif

#endif
