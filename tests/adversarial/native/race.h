/* What the races on a seized exec (seal-race.c, refused-race.c) share: the die idiom, CPU pinning
 * (to widen the window, as any tree process may), a clock, and where the vDSO's `syscall` is. */
#ifndef RACE_H
#define RACE_H

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>

#define DIE(what) do { fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, (what), strerror(errno)); exit(2); } while (0)

static void pin(pid_t pid, int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(pid, sizeof set, &set) < 0)
        DIE("sched_setaffinity");
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Offset of the first `syscall` (0f 05) in our own vDSO: every 64-bit process maps the same image. */
static long gadget_offset(void)
{
    const unsigned char *v = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
    if (v == NULL)
        return -1;
    for (long i = 0; i + 1 < 2 * 4096; i++)
        if (v[i] == 0x0f && v[i + 1] == 0x05)
            return i;
    return -1;
}

/* The gadget's offset; exits 2 when our vDSO has none. */
static long need_gadget(void)
{
    long off = gadget_offset();
    if (off < 0) {
        fprintf(stderr, "%s: no syscall instruction in the vDSO\n", program_invocation_short_name);
        exit(2);
    }
    return off;
}

/* The child's vDSO base from its auxv (the kernel's copy, not its stack), 0 when unreadable. */
static unsigned long vdso_of(pid_t c)
{
    char path[64];
    unsigned long aux[128];
    snprintf(path, sizeof path, "/proc/%d/auxv", c);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, aux, sizeof aux) : -1;
    if (fd >= 0)
        close(fd);
    for (ssize_t i = 0; i + 1 < n / 8 && aux[i] != AT_NULL; i += 2)
        if (aux[i] == AT_SYSINFO_EHDR)
            return aux[i + 1];
    return 0;
}

/* A child spinning on CPU 0, where the races put the exec's task; this process moves to CPU 1. */
static pid_t start_spinner(void)
{
    pid_t spinner = fork();
    if (spinner < 0)
        DIE("fork");
    if (spinner == 0) {
        pin(0, 0);
        for (;;) {
        }
    }
    pin(0, 1);
    return spinner;
}

/* The exec under test, in a child pinned beside the spinner at nice 19 (so that each of the
 * supervisor's steps waits for the CPU): exits 100 when the exec failed with EPERM, 101 otherwise. */
static pid_t start_exec(const char *path, char *const av[], char *const ev[])
{
    pid_t c = fork();
    if (c < 0)
        DIE("fork");
    if (c == 0) {
        pin(0, 0);
        if (setpriority(PRIO_PROCESS, 0, 19) < 0)
            DIE("setpriority");
        execve(path, av, ev);
        _exit(errno == EPERM ? 100 : 101);
    }
    return c;
}

/* The race is over: the exec's task off the spinner's CPU, so that what runs of it at nice 19
 * finishes in its usual time (it may be gone already: ESRCH), then reaped. Its wait status. */
static int finish_exec(pid_t c)
{
    cpu_set_t any;
    CPU_ZERO(&any);
    CPU_SET(1, &any);
    sched_setaffinity(c, sizeof any, &any);
    int st;
    if (waitpid(c, &st, 0) < 0)
        DIE("waitpid");
    return st;
}

static void stop_spinner(pid_t spinner)
{
    kill(spinner, SIGKILL);
    waitpid(spinner, NULL, 0);
}

#endif
