/*
 * exec-bench: the exec-side workloads of `make bench`, each printing one figure.
 *
 *   exec-bench fail N               N execve of a path that does not exist (every one is trapped,
 *                                   decided, and fails with ENOENT): µs per call
 *   exec-bench present N PATH       N execve of PATH, a file that is there but not executable: each
 *                                   is trapped and decided as a program that runs would be (the
 *                                   supervisor opens and identifies it), then fails with EACCES
 *                                   (the supervisor's answer under agentshell, the kernel's
 *                                   elsewhere): the decision without the program, µs per call
 *   exec-bench spawn [--marks] N PROG [ARGS]
 *                                   N posix_spawn + waitpid of PROG: µs per spawn, wall, then the
 *                                   tree's CPU µs per spawn (this process and its children, from
 *                                   getrusage: what a root-mode kernel program costs lands there);
 *                                   --marks: prints "start" before the loop and "end" after it and
 *                                   waits for a line on stdin at each, so that a sampler outside
 *                                   the tree reads the supervisor's CPU clock over the loop alone
 *   exec-bench time CMD [ARGS...]   runs CMD once (posix_spawnp, output to /dev/null): µs, wall
 *   exec-bench decisions N...       a supervisor's mixed workload: execs of parsed tools and of
 *                                   programs no parser knows (all failing: nothing runs), loopback
 *                                   connects, and a short-lived child every 100 decisions; at each
 *                                   count N prints "N" and waits for a line on stdin, so that a
 *                                   sampler outside the tree reads the supervisor's memory there
 *                                   (inside, in the tree's own pid namespace, it cannot be seen)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *prog = "exec-bench";

__attribute__((noreturn, format(printf, 1, 2))) static void die_with_error(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", strerror(saved));
    exit(1);
}

__attribute__((noreturn)) static void usage(void)
{
    fprintf(stderr, "usage: %s fail N | present N PATH | spawn [--marks] N PROG [ARGS...] | time CMD [ARGS...] | decisions N...\n", prog);
    exit(2);
}

static double now_us(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) < 0)
        die_with_error("clock_gettime");
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static long count_arg(const char *s)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n <= 0)
        usage();
    return n;
}

/* One failing exec: trapped and decided like any other, then `expected` from the kernel. */
static void fail_once(char *const argv[], int expected)
{
    execve(argv[0], argv, environ);
    if (errno != expected)
        die_with_error("execve(%s) did not fail with %s", argv[0], strerror(expected));
}

static int fail(long n, char *path, int expected)
{
    char *argv[] = {path, "--flag", "value", "/tmp/some/file", NULL};
    fail_once(argv, expected); /* warm up */
    double s = now_us();
    for (long i = 0; i < n; i++)
        fail_once(argv, expected);
    printf("%.2f\n", (now_us() - s) / (double)n);
    return 0;
}

static pid_t spawn_quiet(const char *path, char *const argv[], int search)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0 ||
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) != 0 ||
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0) != 0)
        die_with_error("posix_spawn_file_actions");
    pid_t pid;
    int e = search ? posix_spawnp(&pid, path, &fa, NULL, argv, environ) : posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        errno = e;
        die_with_error("posix_spawn(%s)", path);
    }
    return pid;
}

static int wait_for(pid_t pid)
{
    int status;
    pid_t w;
    do
        w = waitpid(pid, &status, 0);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        die_with_error("waitpid");
    return status;
}

/* CPU time in µs of this process and of its children waited for so far. */
static double tree_cpu_us(void)
{
    struct rusage self, children;
    if (getrusage(RUSAGE_SELF, &self) < 0 || getrusage(RUSAGE_CHILDREN, &children) < 0)
        die_with_error("getrusage");
    double us = 0;
    const struct timeval *tv[] = {&self.ru_utime, &self.ru_stime, &children.ru_utime, &children.ru_stime};
    for (int i = 0; i < 4; i++)
        us += (double)tv[i]->tv_sec * 1e6 + (double)tv[i]->tv_usec;
    return us;
}

static void mark(const char *what);

static int spawn(long n, char **argv, int marks)
{
    char *path = argv[0];
    wait_for(spawn_quiet(path, argv, 0)); /* warm up */
    if (marks)
        mark("start");
    double s = now_us(), cpu = tree_cpu_us();
    for (long i = 0; i < n; i++) {
        int status = wait_for(spawn_quiet(path, argv, 0));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "%s: %s failed (status %d)\n", prog, path, status);
            return 1;
        }
    }
    double wall = (now_us() - s) / (double)n;
    cpu = (tree_cpu_us() - cpu) / (double)n;
    if (marks)
        mark("end");
    printf("%.1f %.1f\n", wall, cpu);
    return 0;
}

static int time_cmd(char **argv)
{
    double s = now_us();
    int status = wait_for(spawn_quiet(argv[0], argv, 1));
    double us = now_us() - s;
    printf("%.0f\n", us);
    if (!WIFEXITED(status)) {
        fprintf(stderr, "%s: %s was killed by signal %d\n", prog, argv[0], WTERMSIG(status));
        return 1;
    }
    return WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* --- decisions: a supervisor's workload, with its memory sampled at given counts. --- */

static int lfd;
static struct sockaddr_in laddr;

static void *acceptor(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(lfd, NULL, NULL);
        if (c < 0)
            return NULL;
        close(c);
    }
}

static void listen_loopback(void)
{
    socklen_t len = sizeof(laddr);
    laddr.sin_family = AF_INET;
    laddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        die_with_error("socket");
    if (bind(lfd, (struct sockaddr *)&laddr, sizeof(laddr)) < 0 || listen(lfd, 4096) < 0 ||
        getsockname(lfd, (struct sockaddr *)&laddr, &len) < 0)
        die_with_error("listen on loopback");
    pthread_t t;
    int e = pthread_create(&t, NULL, acceptor, NULL);
    if (e != 0) {
        errno = e;
        die_with_error("pthread_create");
    }
}

/* Decision i of the mix: a parsed tool (curl, psql: audited, remembered for its process), a
 * program no parser knows, or a loopback connect. Each exec names a different argument. */
static void decide_once(long i)
{
    char arg[96], arg2[96];
    switch (i % 4) {
    case 0: {
        snprintf(arg, sizeof(arg), "https://api.example.com/v1/items/%ld", i);
        char *argv[] = {"curl", "-s", arg, NULL};
        execve("/nonexistent/agentshell-bench/curl", argv, environ);
        break;
    }
    case 1: {
        snprintf(arg, sizeof(arg), "/tmp/agentshell-bench/%ld", i);
        char *argv[] = {"ls", "-la", arg, NULL};
        execve("/nonexistent/agentshell-bench/ls", argv, environ);
        break;
    }
    case 2: {
        snprintf(arg, sizeof(arg), "db%ld.example.com", i % 64);
        snprintf(arg2, sizeof(arg2), "SELECT * FROM t WHERE id = %ld", i);
        char *argv[] = {"psql", "-h", arg, "-c", arg2, NULL};
        execve("/nonexistent/agentshell-bench/psql", argv, environ);
        break;
    }
    default: {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            die_with_error("socket");
        if (connect(fd, (struct sockaddr *)&laddr, sizeof(laddr)) < 0)
            die_with_error("connect to loopback");
        close(fd);
        return;
    }
    }
    if (errno != ENOENT)
        die_with_error("execve (decision %ld) did not fail with ENOENT", i);
}

/* A mark: everything before it is done (each exec and connect returned); the sampler outside
 * reads the supervisor (its VmHWM, its CPU clock), then answers with a line, and the workload goes on. */
static void mark(const char *what)
{
    char line[16];
    if (printf("%s\n", what) < 0 || fflush(stdout) != 0)
        die_with_error("write the mark");
    if (fgets(line, sizeof(line), stdin) == NULL)
        die_with_error("no answer to mark %s on stdin (run under a sampler)", what);
}

static int decisions(int argc, char **argv)
{
    long marks[16];
    int m = 0;
    for (int i = 0; i < argc; i++) {
        if (m == 16)
            usage();
        marks[m++] = count_arg(argv[i]);
    }
    if (m == 0)
        usage();
    listen_loopback();
    long done = 0;
    for (int k = 0; k < m; k++) {
        for (; done < marks[k]; done++) {
            if (done % 100 == 99) {
                /* A short-lived process of its own: per-process state comes and goes. */
                pid_t c = fork();
                if (c < 0)
                    die_with_error("fork");
                if (c == 0) {
                    decide_once(done);
                    _exit(0);
                }
                if (wait_for(c) != 0) {
                    fprintf(stderr, "%s: a child failed\n", prog);
                    return 1;
                }
                continue;
            }
            decide_once(done);
        }
        char what[24];
        snprintf(what, sizeof(what), "%ld", done);
        mark(what);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    if (strcmp(argv[1], "fail") == 0 && argc == 3)
        return fail(count_arg(argv[2]), "/nonexistent/agentshell-bench", ENOENT);
    if (strcmp(argv[1], "present") == 0 && argc == 4)
        return fail(count_arg(argv[2]), argv[3], EACCES);
    if (strcmp(argv[1], "spawn") == 0 && argc >= 5 && strcmp(argv[2], "--marks") == 0)
        return spawn(count_arg(argv[3]), &argv[4], 1);
    if (strcmp(argv[1], "spawn") == 0 && argc >= 4)
        return spawn(count_arg(argv[2]), &argv[3], 0);
    if (strcmp(argv[1], "time") == 0 && argc >= 3)
        return time_cmd(&argv[2]);
    if (strcmp(argv[1], "decisions") == 0 && argc >= 3)
        return decisions(argc - 2, &argv[2]);
    usage();
}
