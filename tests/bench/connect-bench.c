/* N loopback TCP connects (socket, connect, close) against an accepting thread; prints µs per connect.
 *   connect-bench [--marks] [N]   --marks: prints "start" before the loop and "end" after it and
 *                                 waits for a line on stdin at each (a sampler outside reads the
 *                                 supervisor, or the kernel programs' counters, over the loop alone) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int lfd;

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

static int mark(const char *what)
{
    char line[16];
    if (printf("%s\n", what) < 0 || fflush(stdout) != 0 || fgets(line, sizeof(line), stdin) == NULL) {
        perror("mark");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int marks = argc > 1 && strcmp(argv[1], "--marks") == 0;
    if (marks) {
        argc--;
        argv++;
    }
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    if (n <= 0) {
        fprintf(stderr, "usage: connect-bench [--marks] [N]\n");
        return 2;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4096) < 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &len) < 0) {
        perror("listen");
        return 1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, acceptor, NULL) != 0)
        return 1;
    struct timespec s, e;
    if (marks && mark("start") < 0)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &s);
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
            perror("connect");
            return 1;
        }
        close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &e);
    double us = ((e.tv_sec - s.tv_sec) * 1e9 + (e.tv_nsec - s.tv_nsec)) / 1e3 / n;
    if (marks && mark("end") < 0)
        return 1;
    printf("%.1f\n", us);
    return 0;
}
