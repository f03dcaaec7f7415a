/*
 * leak-preload.so: an injected leak, to prove the memory tests see the supervisor's memory.
 * LD_PRELOADed into `agentshell run` (whose libc calls are linked directly), it wraps ioctl and
 * keeps LEAK_BYTES (default 256) of touched heap for every seccomp notification received: a
 * supervisor that leaks per decision. Nothing else in the run receives notifications, so only
 * it leaks.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define SECCOMP_IOCTL_NOTIF_RECV 0xC0502100UL

static int (*real_ioctl)(int, unsigned long, ...);
static size_t leak_bytes = 256;
void *leak_preload_kept; /* a chain of every block: reachable, so never optimised away */

int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (real_ioctl == NULL) {
        real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
        if (real_ioctl == NULL) {
            fprintf(stderr, "leak-preload: dlsym(ioctl): %s\n", dlerror());
            abort();
        }
        const char *b = getenv("LEAK_BYTES");
        if (b != NULL && atol(b) >= (long)sizeof(void *))
            leak_bytes = (size_t)atol(b);
    }
    int r = real_ioctl(fd, request, arg);
    if (r == 0 && request == SECCOMP_IOCTL_NOTIF_RECV) {
        void *p = malloc(leak_bytes);
        if (p == NULL) {
            fprintf(stderr, "leak-preload: malloc failed\n");
            abort();
        }
        memset(p, 0xa5, leak_bytes); /* touched: resident */
        *(void **)p = leak_preload_kept;
        leak_preload_kept = p;
    }
    return r;
}
