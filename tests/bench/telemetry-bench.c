// telemetry-bench: the decision cost of blocked execs, for comparing OTLP export on and off.
// Each call is an execve that agentshell blocks (curl -X DELETE to the demo profile's
// production), so it returns EPERM in this process: no fork, and every call is a decision that
// is audited and, with export on, queued for export. The process keeps a second thread: a
// refused exec of a single-threaded caller is let commit and ended with 126 (so that a harness
// reads the reason), which would end this loop at its first call; a multi-threaded caller's is
// refused with EPERM, the same decision and record. Each call deletes another volume: the
// audit log writes one row per exec decision, and the same argv again from the same process
// within two seconds is a PATH search's retry (one row for all), so a fixed URL was audited
// and exported once per run.
//   telemetry-bench latency N   -> median µs per call over batches of 100
//   telemetry-bench rss N       -> N calls, then prints "N" and waits for a line on stdin: a
//                                  sampler outside the tree reads the supervisor's VmHWM there
//                                  (inside, in the tree's own pid namespace, it cannot be seen)
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// Every blocked call gets its one-line reason on fd 2 (agentshell writes it there): fd 2 is
// /dev/null while the calls run, and errors go to the stderr the bench gave (a pipe read only at
// the end would fill and stop the supervisor's writer).
static int err_fd = 2;

static void die(const char *what) { dprintf(err_fd, "telemetry-bench: %s: %s\n", what, strerror(errno)); exit(1); }

static double now_us(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0) die("clock_gettime");
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void blocked_exec(char *curl, long i)
{
    char url[64];
    if (snprintf(url, sizeof url, "http://127.0.0.2:8080/volumes/%ld", i) >= (int)sizeof url) die("url");
    char *argv[] = { "curl", "-X", "DELETE", url, NULL };
    char *envp[] = { NULL };
    execve(curl, argv, envp);
    if (errno != EPERM) die("execve was not blocked (run under agentshell run --profile profiles/demo.json)");
}

static void *idle(void *arg) { (void)arg; for (;;) pause(); return NULL; }

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: telemetry-bench latency|rss N CURL\n"); return 2; }
    long n = atol(argv[2]);
    char *curl = argv[3];
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd < 0) die("open /dev/null");
    if ((err_fd = fcntl(2, F_DUPFD_CLOEXEC, 3)) < 0) die("dup stderr");
    if (dup2(null_fd, 2) < 0) die("dup2 /dev/null");
    pthread_t t;
    if ((errno = pthread_create(&t, NULL, idle, NULL)) != 0) die("pthread_create");
    if (strcmp(argv[1], "latency") == 0) {
        long batches = n / 100;
        double *per = calloc(batches, sizeof *per);
        if (!per) die("calloc");
        for (long b = 0; b < batches; b++) {
            double s = now_us();
            for (int i = 0; i < 100; i++) blocked_exec(curl, b * 100 + i);
            per[b] = (now_us() - s) / 100;
        }
        qsort(per, batches, sizeof *per, cmp);
        printf("%.2f\n", per[batches / 2]);
        return 0;
    }
    for (long i = 0; i < n; i++) blocked_exec(curl, i);
    char line[16];
    if (printf("%ld\n", n) < 0 || fflush(stdout) != 0) die("write the mark");
    if (!fgets(line, sizeof line, stdin)) die("no answer to the mark on stdin (run under a sampler)");
    return 0;
}
