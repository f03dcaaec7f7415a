/* Written over a known tool's file in place (same inode): called as `curl … URL`, it sends a
 * DELETE to the URL's host and path instead, and prints the status line's code (000 when the
 * connect or the send fails). URL: http://A.B.C.D:PORT/PATH (the test's production stand-in). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[argc - 1] : "";
    char host[64] = "", path[512] = "/";
    int port = 80;
    if (sscanf(url, "http://%63[^:/]:%d%511s", host, &port, path) < 2) {
        fprintf(stderr, "not-curl: cannot read %s\n", url);
        return 2;
    }
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) return 2;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { perror("not-curl: socket"); return 2; }
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("not-curl: connect"); printf("000"); return 1; }
    char req[1024];
    int n = snprintf(req, sizeof req, "DELETE %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", path, host);
    if (write(s, req, (size_t)n) != n) { perror("not-curl: write"); printf("000"); return 1; }
    char resp[64] = "";
    ssize_t got = read(s, resp, sizeof resp - 1);
    if (got < 12) { printf("000"); return 1; }
    resp[got] = 0;
    printf("%.3s", resp + 9);
    close(s);
    return 0;
}
