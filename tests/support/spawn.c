/* spawn.c - start and stop a real versod; see spawn.h. */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_WAIT_MS 20000

static long s_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void s_nap(void)
{
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Reads the ready file once it holds a whole line. Returns 1 when read. */
static int s_read_ready(verso_proc *p)
{
    FILE *f = fopen(p->ready, "r");
    if (!f)
        return 0;
    int ok = fgets(p->endpoint, sizeof p->endpoint, f) != NULL;
    if (!ok || !fgets(p->http, sizeof p->http, f)) /* the HTTP URL, with --http */
        p->http[0] = '\0';
    p->http[strcspn(p->http, "\n")] = '\0';
    fclose(f);
    size_t n = ok ? strlen(p->endpoint) : 0;
    if (!n || p->endpoint[n - 1] != '\n')
        return 0;
    p->endpoint[n - 1] = '\0';
    return 1;
}

static void s_exec(verso_proc *p, const char *versod, const char *const *extra,
                   unsigned long long fsize, pid_t parent)
{
    /* A test that dies (a sanitizer halting it, say) takes its server along. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(127);
    if (fsize) {
        struct rlimit lim = {(rlim_t)fsize, (rlim_t)fsize};
        signal(SIGXFSZ, SIG_DFL);
        if (setrlimit(RLIMIT_FSIZE, &lim) < 0) {
            fprintf(stderr, "spawn: setrlimit: %s\n", strerror(errno));
            _exit(127);
        }
    }
    const char *argv[64] = {versod,         "--bind", "tcp://127.0.0.1:*", "--data", p->data,
                            "--ready-file", p->ready, "--log-level",       "warn"};
    int n = 9;
    for (int i = 0; extra && extra[i] && n < 63; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    execv(versod, (char *const *)argv);
    fprintf(stderr, "spawn: exec %s: %s\n", versod, strerror(errno));
    _exit(127);
}

int verso_proc_start(verso_proc *p, const char *versod, const char *data_dir,
                     const char *const *extra)
{
    return verso_proc_start_fsize(p, versod, data_dir, extra, 0);
}

int verso_proc_start_fsize(verso_proc *p, const char *versod, const char *data_dir,
                           const char *const *extra, unsigned long long fsize)
{
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "/tmp/verso-test-XXXXXX");
    if (!mkdtemp(p->dir))
        return -1;
    if (data_dir)
        snprintf(p->data, sizeof p->data, "%s", data_dir);
    else
        snprintf(p->data, sizeof p->data, "%s/data", p->dir);
    snprintf(p->ready, sizeof p->ready, "%s/ready", p->dir);
    pid_t parent = getpid();
    p->pid = fork();
    if (p->pid < 0)
        return -1;
    if (p->pid == 0)
        s_exec(p, versod, extra, fsize, parent);
    long deadline = s_ms() + S_WAIT_MS;
    while (s_ms() < deadline) {
        if (s_read_ready(p))
            return 0;
        int status;
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            fprintf(stderr, "spawn: versod exited before it was ready (status %d)\n", status);
            p->pid = 0;
            return -1;
        }
        s_nap();
    }
    fprintf(stderr, "spawn: versod not ready after %d ms\n", S_WAIT_MS);
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    p->pid = 0;
    return -1;
}

int verso_proc_stop(verso_proc *p, int sig, int *status)
{
    if (p->pid <= 0)
        return -1;
    kill(p->pid, sig);
    long deadline = s_ms() + S_WAIT_MS;
    while (s_ms() < deadline) {
        if (waitpid(p->pid, status, WNOHANG) == p->pid) {
            p->pid = 0;
            return 0;
        }
        s_nap();
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, status, 0);
    p->pid = 0;
    return -1;
}

void verso_proc_cleanup(verso_proc *p)
{
    if (!p->dir[0])
        return;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "spawn: could not remove %s\n", p->dir);
}
