/*
 * agentshell-launch: put a command under AgentShell's seccomp user-notification filter.
 *
 *   agentshell-launch [--sock-fd N] [--] CMD [ARGS...]
 *
 * 1. PR_SET_NO_NEW_PRIVS (lets an unprivileged process install a filter).
 * 2. Install the filter with NEW_LISTENER | WAIT_KILLABLE_RECV: execve, execveat and connect go
 *    to the supervisor; io_uring_setup and TCP Fast Open sends fail with EPERM.
 * 3. Send the listener fd to the supervisor over the socket (default fd 3) with SCM_RIGHTS,
 *    close it, wait for the supervisor's one-byte "go".
 * 4. execvp the command. If that fails, the errno goes to the supervisor as 4 bytes on the same
 *    socket (close-on-exec, so a successful exec is seen as EOF) and we exit 127.
 *
 * No policy lives here. Every descendant inherits the filter and nothing can remove it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

#define DEFAULT_SOCK_FD 3
#define X32_SYSCALL_BIT 0x40000000

static const char *prog = "agentshell-launch";

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(125);
}

__attribute__((noreturn, format(printf, 1, 2))) static void die_with_error(const char *fmt, ...)
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

__attribute__((noreturn)) static void usage(void)
{
    fprintf(stderr, "usage: %s [--sock-fd N] [--] CMD [ARGS...]\n", prog);
    exit(2);
}

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
/* Low 32 bits of args[i] (x86_64 is little-endian). */
#define LOAD_ARG_LO(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args) + 8 * (i))

static int install_filter(void)
{
    struct sock_filter filter[] = {
        /* [0] Architecture first: anything but native x86_64 is killed (i386 and x32 would
         *     reach execve/connect under other numbers). */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        /* [3] x32 ABI numbers have bit 30 set. */
        LOAD_NR,
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        /* [6] The supervised calls; jt = target index - (this index + 1). */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 7, 0),         /* -> 14 */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 6, 0),       /* -> 14 */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 5, 0),        /* -> 14 */
        /* io_uring can connect without any syscall this filter sees. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 10, 0), /* -> 20 */
        /* TCP Fast Open connects inside sendto/sendmmsg/sendmsg. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendto, 4, 0),         /* -> 15 */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmmsg, 3, 0),       /* -> 15 */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmsg, 4, 0),        /* -> 17 */
        /* [13] */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* [14] */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        /* [15] sendto(fd, buf, len, flags, ...), sendmmsg(fd, vec, vlen, flags): flags = args[3] */
        LOAD_ARG_LO(3),
        BPF_STMT(BPF_JMP | BPF_JA | BPF_K, 1),                         /* -> 18 */
        /* [17] sendmsg(fd, msg, flags): flags = args[2] */
        LOAD_ARG_LO(2),
        /* [18] */
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MSG_FASTOPEN, 1, 0),       /* -> 20 */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* [20] */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog fprog = {
        .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
        .filter = filter,
    };
    int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                          SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &fprog);
    if (fd < 0)
        die_with_error("seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER|WAIT_KILLABLE_RECV)");
    return fd;
}

static void send_fd(int sock, int fd)
{
    char byte = 'L';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t n;
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        die_with_error("sendmsg(SCM_RIGHTS listener fd)");
}

static void wait_go(int sock)
{
    char byte = 0;
    ssize_t n;
    do
        n = read(sock, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        die_with_error("read(supervisor go)");
    if (n == 0 || byte != 'G')
        die("the supervisor closed the socket before it was ready; not running unsupervised");
}

static int parse_fd(const char *s)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 1 << 20)
        die("--sock-fd: '%s' is not a file descriptor number", s);
    return (int)v;
}

int main(int argc, char **argv)
{
    int sock = DEFAULT_SOCK_FD;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--sock-fd") == 0) {
            if (i + 1 >= argc)
                usage();
            sock = parse_fd(argv[++i]);
        } else if (strncmp(argv[i], "--sock-fd=", 10) == 0) {
            sock = parse_fd(argv[i] + 10);
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
            usage();
        } else {
            break;
        }
    }
    if (i >= argc)
        usage();

    int type = 0;
    socklen_t len = sizeof(type);
    if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
        die_with_error("fd %d is not the supervisor's socket: getsockopt(SO_TYPE)", sock);
    /* Exec success must be visible to the supervisor as EOF on this socket. */
    if (fcntl(sock, F_SETFD, FD_CLOEXEC) < 0)
        die_with_error("fcntl(F_SETFD, FD_CLOEXEC)");

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die_with_error("prctl(PR_SET_NO_NEW_PRIVS)");
    int listener = install_filter();
    send_fd(sock, listener);
    if (close(listener) < 0)
        die_with_error("close(listener)");
    wait_go(sock);

    execvp(argv[i], &argv[i]);
    int err = errno;
    ssize_t n;
    do
        n = write(sock, &err, sizeof(err));
    while (n < 0 && errno == EINTR);
    errno = err;
    /* The supervisor prints the reason; this line covers a launcher run by hand. */
    if (n != (ssize_t)sizeof(err))
        fprintf(stderr, "%s: cannot run '%s': %s\n", prog, argv[i], strerror(err));
    return 127;
}
