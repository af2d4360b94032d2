/* platform.h - what the runtime needs from the processor (private). */
#ifndef ZACTOR_PLATFORM_H
#define ZACTOR_PLATFORM_H

/* Tells the core we are spinning: on x86 a pause lets the sibling
 * hyperthread run and avoids the memory-order flush when the spin ends. */
static inline void zactor__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
/* Keeps the less common branch of a hot operation in a function of its
 * own, so that the common path stays small enough to be inlined into its
 * callers (a send, a take). Not `cold`: under a flood the overflow path is
 * the common one, and must stay optimised for speed. */
#define ZACTOR__OUT_OF_LINE __attribute__((noinline))

#endif
}

/* Keeps the less common branch of a hot operation in a function of its
 * own, so that the common path stays small enough to be inlined into its
 * callers (a send, a take). Not `cold`: under a flood the overflow path is
 * the common one, and must stay optimised for speed. */
#define ZACTOR__OUT_OF_LINE __attribute__((noinline))

#endif
