/*
 * log.h - one-line log records on stderr: "2026-11-24T14:05:00Z versod[pid] LEVEL msg".
 * Thread-safe (each record is one fputs under stdio's lock). Ownership:
 * the message is formatted into a record of the call's own; nothing is kept.
 */
#ifndef VERSO_LOG_H
#define VERSO_LOG_H

typedef enum verso_log_level {
    VERSO_LOG_ERROR = 0,
    VERSO_LOG_WARN = 1,
    VERSO_LOG_INFO = 2,
    VERSO_LOG_DEBUG = 3,
} verso_log_level;

/* Records above `level` are dropped. Call before starting threads. */
void verso_log_set_level(verso_log_level level);
void verso_log(verso_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
