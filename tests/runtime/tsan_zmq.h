/* tsan_zmq.h - for tests that run nodes: ThreadSanitizer's suppression of
 * libzmq's own races, compiled into the test (include it in one file).
 *
 * libzmq is not built with -fsanitize=thread: its I/O thread hands message
 * buffers to ours through lock-free pipes whose atomics TSan cannot see,
 * so every read of a received ZeroMQ message looks like a race with the
 * memcpy that filled it. Only races with a libzmq frame are suppressed,
 * or with a libstdc++ frame: the runtime and the tests are C, so C++ code
 * is libzmq's, and TSan's unwinder often stops at libstdc++ without
 * reaching the libzmq frame that called it (a std::string compare on
 * ZeroMQ's I/O thread, racing with the allocation of that string by
 * zmq_ctx_new's caller, was reported so). The runtime's own accesses are
 * still checked against each other. */
#ifndef ZACTOR_TSAN_ZMQ_H
#define ZACTOR_TSAN_ZMQ_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ZACTOR_TEST_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define ZACTOR_TEST_TSAN 1
#endif

#ifdef ZACTOR_TEST_TSAN
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
    return "race:libzmq.so\nrace:libstdc++.so\n";
}
#endif

#endif
