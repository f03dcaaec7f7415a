#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

const char *prog = "agentshell-launch";

void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(125);
}

void die_with_error(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s", strerror(saved));
    if (saved == EBUSY)
        fprintf(stderr, " (another seccomp listener already supervises this process: "
                        "agentshell cannot run inside another agentshell run)");
    else if (saved == EINVAL)
        fprintf(stderr, " (this kernel lacks seccomp user notification with WAIT_KILLABLE_RECV; Linux 5.19+ is needed)");
    else if (saved == ENOSYS)
        fprintf(stderr, " (this kernel was built without seccomp filter support)");
    fputc('\n', stderr);
    exit(125);
}
