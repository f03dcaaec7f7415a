/* Review of issue 11: can a task of the tree run between a trusted tool's exec commit and its seal
 * by being created where the freeze does not see it? Threads of this process loop on
 * clone(CLONE_UNTRACED | FLAGS) (a tracer's PTRACE_O_TRACECLONE/FORK does not attach such a child):
 * FLAGS 0 is a plain fork the filter lets through, "ns" adds CLONE_NEWNS (the filter sends it to
 * the supervisor, whose other threads answer it while the freeze holds: the caller waits in its
 * notification, where the freeze counts it as held). Each child looks once at the tool's
 * /proc/PID/stat: its name "curl" with arg_start shown (dumpable) means the exec committed and the
 * seal has not run: the child runs in the window. A thread of the parent watches the same way.
 *
 *   untraced-clone MODE(plain|ns) N CURL URL
 *
 * Prints "tries N window-children C window-watcher W clones K". Every syscall is checked. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIE(what) do { fprintf(stderr, "untraced-clone: %s: %s\n", (what), strerror(errno)); exit(2); } while (0)

static volatile pid_t tool;
static volatile int stop;
static unsigned long flags;
static int hits[2]; /* pipe: a child that saw the window writes a byte */
static volatile long clones, watcher_hits;

/* 1: the tool is curl and dumpable (arg_start shown); 0 otherwise. */
static int in_window(pid_t c)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    if (strstr(buf, "(curl)") == NULL)
        return 0;
    char *p = strrchr(buf, ')');
    unsigned long v = 0;
    for (int field = 2; field <= 48 && p != NULL; field++) {
        if (field == 48)
            v = strtoul(p, NULL, 10);
        p = strchr(p + 1, ' ');
        if (p != NULL)
            p++;
    }
    return v != 0;
}

static void *cloner(void *arg)
{
    (void)arg;
    while (!stop) {
        pid_t t = tool;
        if (t == 0)
            continue;
        long r = syscall(SYS_clone, flags | CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
        if (r < 0) {
            if (errno == EPERM || errno == EINVAL)
                DIE("clone");
            continue;
        }
        if (r == 0) {
            if (in_window(t) && write(hits[1], "x", 1) != 1)
                _exit(3);
            _exit(0);
        }
        __sync_fetch_and_add(&clones, 1);
    }
    return NULL;
}

static void *watcher(void *arg)
{
    (void)arg;
    while (!stop) {
        pid_t t = tool;
        if (t != 0 && in_window(t))
            __sync_fetch_and_add(&watcher_hits, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    flags = strcmp(argv[1], "ns") == 0 ? CLONE_NEWNS : 0;
    int n = atoi(argv[2]);
    if (pipe2(hits, O_NONBLOCK | O_CLOEXEC) < 0)
        DIE("pipe");
    if (signal(SIGCHLD, SIG_IGN) == SIG_ERR) /* the clones reap themselves */
        DIE("signal");
    pthread_t th[4];
    for (int i = 0; i < 3; i++)
        if (pthread_create(&th[i], NULL, cloner, NULL) != 0)
            DIE("pthread_create");
    if (pthread_create(&th[3], NULL, watcher, NULL) != 0)
        DIE("pthread_create");
    char *av[] = {argv[3], "-s", "-o", "/dev/null", argv[4], "-X", "GET", NULL};
    for (int i = 0; i < n; i++) {
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
            execv(argv[3], av);
            _exit(101);
        }
        close(go[0]);
        tool = c;
        usleep(2000);
        if (write(go[1], "g", 1) != 1)
            DIE("write");
        close(go[1]);
        int st;
        while (waitpid(c, &st, 0) < 0) /* SIGCHLD ignored: the tool is reaped here, or ECHILD */
            if (errno != EINTR)
                break;
        tool = 0;
        usleep(2000);
    }
    stop = 1;
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    long c = 0;
    char b;
    while (read(hits[0], &b, 1) == 1)
        c++;
    printf("tries %d window-children %ld window-watcher %ld clones %ld\n", n, c, watcher_hits, clones);
    return 0;
}
