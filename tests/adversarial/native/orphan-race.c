/* The supervisor lists the tree (TreeTasks) by walking each process's parents from /proc, and
 * remembers the answer per process. A walk that meets a parent already gone (reaped between the
 * read of the child's stat and the parent's) answers "not in the tree", and that answer was
 * remembered for the child too: the child, alive and in the tree, was then missing from every
 * later listing (never held by a freeze). The walk starts at the lowest pid (readdir order), so the
 * child must have a lower pid than its parent: with pid_max 32768 a tree reaches that by wrapping
 * the pids; here, as root outside any tree, /proc/sys/kernel/ns_last_pid does it at once.
 *
 *   orphan-race PAIRS MAXLIFE_US
 *
 * Becomes a subreaper (as the supervisor is), then PAIRS times: forks X at a high pid, X forks P at a
 * low pid (P sleeps until killed; it prints its pid on stdout), X exits after a random time up to
 * MAXLIFE_US (autoreaped: SIGCHLD ignored). Prints "done" and waits for stdin to close, then kills
 * the P's. Every syscall is checked; a failure exits 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define DIE(what) do { fprintf(stderr, "orphan-race: %s: %s\n", (what), strerror(errno)); exit(2); } while (0)

static void last_pid(int v)
{
    int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
    if (fd < 0)
        DIE("open ns_last_pid");
    char b[16];
    int n = snprintf(b, sizeof b, "%d", v);
    if (write(fd, b, n) != n)
        DIE("write ns_last_pid");
    if (close(fd) < 0)
        DIE("close");
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int pairs = atoi(argv[1]), maxlife = atoi(argv[2]);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        DIE("prctl");
    if (signal(SIGCHLD, SIG_IGN) == SIG_ERR)
        DIE("signal");
    int out[2];
    if (pipe(out) < 0)
        DIE("pipe");
    pid_t *ps = calloc(pairs, sizeof *ps);
    if (ps == NULL)
        DIE("calloc");
    srand(getpid());
    for (int i = 0; i < pairs; i++) {
        last_pid(30000 + (i % 2000));
        pid_t x = fork();
        if (x < 0)
            DIE("fork X");
        if (x == 0) {
            last_pid(400 + (i % 2000) * 3);
            pid_t p = fork();
            if (p < 0)
                DIE("fork P");
            if (p == 0) {
                for (;;)
                    pause();
            }
            if (write(out[1], &p, sizeof p) != sizeof p)
                DIE("write");
            struct timespec t = {0, (long)(rand() % (maxlife + 1)) * 1000};
            nanosleep(&t, NULL);
            _exit(0);
        }
        pid_t p;
        if (read(out[0], &p, sizeof p) != sizeof p)
            DIE("read");
        ps[i] = p;
        printf("%d %d\n", p, x);
        fflush(stdout);
        struct timespec gap = {0, (long)(rand() % (maxlife + 1)) * 1000};
        nanosleep(&gap, NULL);
    }
    printf("done\n");
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    for (int i = 0; i < pairs; i++)
        kill(ps[i], SIGKILL);
    return 0;
}
