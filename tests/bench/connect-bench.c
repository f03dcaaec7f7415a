/* N connects (socket, connect, close); prints µs per connect.
 *   connect-bench [--marks] [--unix-listen | --unix-missing PATH] [N]
 *     (default)        loopback TCP, against an accepting thread
 *     --unix-listen    a Unix socket this program listens on in a new /tmp directory, against an
 *                      accepting thread: a local app's socket, on no command-server list
 *     --unix-missing   a Unix path with nothing there (glibc's nscd probe, /var/run/nscd/socket,
 *                      before every name lookup): each connect must fail with ENOENT
 *     --marks          prints "start" before the loop and "end" after it and waits for a line on
 *                      stdin at each (a sampler outside reads the supervisor, or the kernel
 *                      programs' counters, over the loop alone) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int lfd = -1;

static void *acceptor(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(lfd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("accept");
            exit(1);
        }
        if (close(c) < 0) {
            perror("close(accepted)");
            exit(1);
        }
    }
}

static int mark(const char *what)
{
    char line[16];
    if (printf("%s\n", what) < 0 || fflush(stdout) != 0 || fgets(line, sizeof(line), stdin) == NULL) {
        perror("mark");
        return -1;
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: connect-bench [--marks] [--unix-listen | --unix-missing PATH] [N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    int marks = 0, family = AF_INET;
    const char *missing = NULL;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--marks") == 0)
            marks = 1;
        else if (strcmp(argv[i], "--unix-listen") == 0)
            family = AF_UNIX;
        else if (strcmp(argv[i], "--unix-missing") == 0 && i + 1 < argc)
            family = AF_UNIX, missing = argv[++i];
        else
            return usage();
    }
    int n = i < argc ? atoi(argv[i]) : 2000;
    if (n <= 0)
        return usage();
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    /* As glibc's nscd client: the whole sockaddr_un, not just the path's length. */
    struct sockaddr *a = family == AF_INET ? (struct sockaddr *)&in : (struct sockaddr *)&un;
    socklen_t len = family == AF_INET ? sizeof(in) : sizeof(un);
    char dir[] = "/tmp/agentshell-connect-bench-XXXXXX";
    if (missing != NULL) {
        if (strlen(missing) >= sizeof(un.sun_path))
            return usage();
        strcpy(un.sun_path, missing);
    } else {
        if (family == AF_UNIX) {
            if (mkdtemp(dir) == NULL) {
                perror("mkdtemp");
                return 1;
            }
            snprintf(un.sun_path, sizeof(un.sun_path), "%s/app.sock", dir);
        }
        lfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lfd < 0 || bind(lfd, a, len) < 0 || listen(lfd, 4096) < 0 || getsockname(lfd, a, &len) < 0) {
            perror("listen");
            return 1;
        }
        if (family == AF_UNIX)
            len = sizeof(un); /* getsockname gave the path's length; connect as glibc would */
        pthread_t t;
        int e = pthread_create(&t, NULL, acceptor, NULL);
        if (e != 0) {
            fprintf(stderr, "pthread_create: %s\n", strerror(e));
            return 1;
        }
    }
    struct timespec s, e;
    if ((marks && mark("start") < 0) || clock_gettime(CLOCK_MONOTONIC, &s) < 0)
        return 1;
    for (int k = 0; k < n; k++) {
        int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            perror("socket");
            return 1;
        }
        int r = connect(fd, a, len);
        if (missing != NULL ? r == 0 || errno != ENOENT : r < 0) {
            if (r == 0)
                fprintf(stderr, "connect(%s): connected; the path must name nothing\n", missing);
            else
                perror("connect");
            return 1;
        }
        if (close(fd) < 0) {
            perror("close");
            return 1;
        }
    }
    if (clock_gettime(CLOCK_MONOTONIC, &e) < 0)
        return 1;
    double us = ((e.tv_sec - s.tv_sec) * 1e9 + (e.tv_nsec - s.tv_nsec)) / 1e3 / n;
    if (marks && mark("end") < 0)
        return 1;
    if (family == AF_UNIX && missing == NULL && (unlink(un.sun_path) < 0 || rmdir(dir) < 0)) {
        perror("remove the socket");
        return 1;
    }
    printf("%.1f\n", us);
    return 0;
}
