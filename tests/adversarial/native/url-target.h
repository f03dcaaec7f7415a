/* What the attack libraries (evil-libcurl.c, evil-libcurl-udp.c, vanishing-engine.c) send to: the
 * last argument of their process starting http://A.B.C.D:PORT/PATH (the test's production
 * stand-in), read from /proc/self/cmdline. Exits 2 when there is none. */
#ifndef URL_TARGET_H
#define URL_TARGET_H
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void url_target(struct sockaddr_in *a, char host[64], char path[512])
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
    int port = 80;
    strcpy(path, "/");
    if (sscanf(url, "http://%63[^:/]:%d%511s", host, &port, path) < 2) _exit(2);
    *a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) _exit(2);
}
#endif
