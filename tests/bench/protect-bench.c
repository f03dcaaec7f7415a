/*
 * protect-bench: what the launcher's protection costs by itself, phase by phase, without the
 * supervisor around it: the read-only binds (protect_paths), the pid namespace with its init and
 * its own /proc (enter_pid_namespace), and the teardown (from init's exit to its reaping, where the
 * namespaces go), against the same processes (a child, an init, an agent) with no namespace.
 * Built with native/launcher/protect.c; run as `agentshell run` would protect (root, or a user
 * allowed user namespaces).
 *
 *   protect-bench RUNS PATH...    prints each phase's median, protected and plain, in ms
 */
#define _GNU_SOURCE
#include "protect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { T_START, T_PROTECT, T_BOUND, T_PIDNS, T_INIT_EXIT, T_COUNT };
static double *marks; /* shared with the children */

__attribute__((noreturn)) static void die(const char *what)
{
    fprintf(stderr, "protect-bench: %s: %s\n", what, strerror(errno));
    _exit(1);
}

static double now_ms(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) < 0)
        die("clock_gettime");
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void reap(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            die("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "protect-bench: child %d failed (status %d)\n", (int)pid, st);
        _exit(1);
    }
}

/* The tree's init: forks the agent (which exits at once), reaps it, exits. */
__attribute__((noreturn)) static void init_and_agent(void)
{
    pid_t agent = fork();
    if (agent < 0)
        die("fork (agent)");
    if (agent == 0)
        _exit(0);
    reap(agent);
    marks[T_INIT_EXIT] = now_ms();
    _exit(0);
}

/* One run: phases in ms (binds, pid namespace, teardown, whole). */
static void one(int protect, char **paths, int n, double *phase)
{
    marks[T_START] = now_ms();
    pid_t c = fork();
    if (c < 0)
        die("fork");
    if (c == 0) {
        marks[T_PROTECT] = now_ms();
        if (protect) {
            char why[300] = "";
            if (protect_paths(paths, n, why, sizeof why) < 0) {
                fprintf(stderr, "protect-bench: %s\n", why);
                _exit(1);
            }
            marks[T_BOUND] = now_ms();
            /* The parent side waits for init and exits like it: this child never returns here. */
            if (enter_pid_namespace(-1, -1, why, sizeof why) != 0) {
                fprintf(stderr, "protect-bench: %s\n", why);
                _exit(1);
            }
            marks[T_PIDNS] = now_ms();
            init_and_agent();
        }
        marks[T_BOUND] = marks[T_PIDNS] = now_ms();
        pid_t init = fork();
        if (init < 0)
            die("fork (init)");
        if (init == 0)
            init_and_agent();
        reap(init);
        _exit(0);
    }
    reap(c);
    double end = now_ms();
    phase[0] = marks[T_BOUND] - marks[T_PROTECT];
    phase[1] = marks[T_PIDNS] - marks[T_BOUND];
    phase[2] = end - marks[T_INIT_EXIT];
    phase[3] = end - marks[T_START];
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: protect-bench RUNS PATH...\n");
        return 2;
    }
    int runs = atoi(argv[1]);
    if (runs <= 0) {
        fprintf(stderr, "protect-bench: RUNS must be a positive number\n");
        return 2;
    }
    marks = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (marks == MAP_FAILED)
        die("mmap");
    double *v[2][4];
    for (int p = 0; p < 2; p++)
        for (int k = 0; k < 4; k++)
            if (!(v[p][k] = malloc((size_t)runs * sizeof(double))))
                die("malloc");
    for (int r = 0; r < runs; r++)
        for (int p = 1; p >= 0; p--) { /* interleaved: protected, then plain */
            double phase[4];
            one(p, argv + 2, argc - 2, phase);
            for (int k = 0; k < 4; k++)
                v[p][k][r] = phase[k];
        }
    static const char *names[4] = {"read-only binds", "pid namespace, init, /proc", "teardown (init exit to reaped)", "whole"};
    for (int k = 0; k < 4; k++) {
        for (int p = 0; p < 2; p++)
            qsort(v[p][k], (size_t)runs, sizeof(double), by_value);
        printf("%-32s protected %.3f ms  plain %.3f ms\n", names[k], v[1][k][runs / 2], v[0][k][runs / 2]);
    }
    return 0;
}
