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
    char http[256];     /* with --http: the base URL, e.g. http://127.0.0.1:40124/; else "" */
} verso_proc;

/* Starts `versod` with its own temporary directory (or `data_dir` when not
 * NULL) and the extra arguments (NULL-terminated list, may be NULL). Waits up
 * to 20 s for the ready file. Returns 0, or -1 (process reaped, message on
 * stderr). */
int verso_proc_start(verso_proc *p, const char *versod, const char *data_dir,
                     const char *const *extra);

/* Like verso_proc_start, with versod's file size limit (RLIMIT_FSIZE) set to
 * `fsize` bytes (0: none) in the child before exec, so that its writes past
 * that size fail as on a full disk. SIGXFSZ is reset to its default action
 * there: a server that does not ignore it dies of it. */
int verso_proc_start_fsize(verso_proc *p, const char *versod, const char *data_dir,
                           const char *const *extra, unsigned long long fsize);

/* Sends `sig` and waits for the exit; *status gets the waitpid status.
 * Returns 0, or -1 when the process did not exit within 20 s (then killed). */
int verso_proc_stop(verso_proc *p, int sig, int *status);

/* Removes the temporary directory (rm -rf). */
void verso_proc_cleanup(verso_proc *p);

#endif
