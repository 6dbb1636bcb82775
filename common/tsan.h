/*
 * tsan.h - tells ThreadSanitizer about the ordering libzmq gives. libzmq is
 * not instrumented: when one thread sends a pointer over an inproc socket
 * and another receives it, libzmq's own atomics order the two, but TSan
 * sees no edge and reports the receiver's reads of what the sender wrote as
 * races. VERSO_HANDOFF_SEND(p) just before the send and
 * VERSO_HANDOFF_RECV(p) just after the receive, on the same address, declare
 * that edge: everything the sender did before happens before everything the
 * receiver does after. Outside a TSan build both compile to nothing.
 */
#ifndef VERSO_TSAN_H
#define VERSO_TSAN_H

#if defined(__SANITIZE_THREAD__) /* gcc */
#define VERSO_TSAN_BUILD 1
#elif defined(__has_feature) /* clang */
#if __has_feature(thread_sanitizer)
#define VERSO_TSAN_BUILD 1
#endif
#endif

#ifdef VERSO_TSAN_BUILD
#include <sanitizer/tsan_interface.h>
#define VERSO_HANDOFF_SEND(p) __tsan_release((void *)(p))
#define VERSO_HANDOFF_RECV(p) __tsan_acquire((void *)(p))
#else
#define VERSO_HANDOFF_SEND(p) ((void)(p))
#define VERSO_HANDOFF_RECV(p) ((void)(p))
#endif

#endif
