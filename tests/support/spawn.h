/*
 * spawn.h - start a real versod for a test or benchmark: a fresh data
 * directory, --bind tcp://127.0.0.1:*, and the bound endpoint read from its
 * --ready-file (waiting for that file, not for a fixed time).
 */
#ifndef VERSO_SPAWN_H
#define VERSO_SPAWN_H

#include <sys/types.h>

typedef struct verso_proc {
    pid_t pid;
    char dir[256]; /* temporary directory: data/ and ready file inside */
    char data[300];
    char ready[300];
    char endpoint[256]; /* e.g. tcp://127.0.0.1:40123 */
} verso_proc;

/* Starts `versod` with its own temporary directory (or `data_dir` when not
 * NULL) and the extra arguments (NULL-terminated list, may be NULL). Waits up
 * to 20 s for the ready file. Returns 0, or -1 (process reaped, message on
 * stderr). */
int verso_proc_start(verso_proc *p, const char *versod, const char *data_dir,
                     const char *const *extra);

/* Sends `sig` and waits for the exit; *status gets the waitpid status.
 * Returns 0, or -1 when the process did not exit within 20 s (then killed). */
int verso_proc_stop(verso_proc *p, int sig, int *status);

/* Removes the temporary directory (rm -rf). */
void verso_proc_cleanup(verso_proc *p);

#endif
