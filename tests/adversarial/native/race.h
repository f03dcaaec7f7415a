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

#endif
