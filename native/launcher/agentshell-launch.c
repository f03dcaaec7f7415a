/*
 * agentshell-launch: put a command under AgentShell's seccomp user-notification filter.
 *
 *   agentshell-launch [--sock-fd N] [--supervisor-pid P] [--kernel-connect] [--] CMD [ARGS...]
 *
 * 1. PR_SET_NO_NEW_PRIVS (lets an unprivileged process install a filter).
 * 2. Install the filter with NEW_LISTENER | WAIT_KILLABLE_RECV: execve, execveat, connect and
 *    TCP Fast Open sends go to the supervisor, as do signals whose target hides behind an id;
 *    signals, ptrace and memory access aimed at the supervisor, io_uring_setup and bpf fail with
 *    EPERM. With --kernel-connect (root mode) IPv4/IPv6-sized connects are left to the kernel's
 *    cgroup connect programs, which the supervisor has attached.
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
#include <linux/capability.h>
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
    fprintf(stderr, "usage: %s [--sock-fd N] [--supervisor-pid P] [--kernel-connect] [--] CMD [ARGS...]\n", prog);
    exit(2);
}

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
/* Low 32 bits of args[i] (x86_64 is little-endian; pid_t and int flags live there). */
#define LOAD_ARG_LO(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args) + 8 * (i))
/* Jumps name their target and their own index; jt/jf are target - (self + 1). */
#define JEQ(k, to, self) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (to) - (self) - 1, 0)
#define JEQ_ELSE(k, to, other, self) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (to) - (self) - 1, (other) - (self) - 1)
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

/* Labels: indices of the blocks jumped to. */
enum { FLAGS3 = 25, FLAGS2 = 27, KILLCHK = 29, PID0 = 35, PID1 = 37, CONNLEN = 39, ALLOW = 42, EPERM_ = 43, NOTIF = 44, FILTER_LEN = 45 };

/* kernel_connect: root mode, where cgroup/connect4|6 programs decide IPv4 and IPv6 connects in the
 * kernel. Only connects whose address length is not that of a sockaddr_in (16) or sockaddr_in6
 * (28) still come here: AF_UNIX paths (the approval socket) and anything unusual. A connect of
 * another family with one of those lengths reaches the kernel's checks, and the approval socket
 * refuses tree processes by their credentials. */
static int install_filter(pid_t sup, pid_t sup_pgrp, int kernel_connect)
{
    const __u32 s = (__u32)sup, neg_s = (__u32)-sup, neg_g = (__u32)-sup_pgrp;
    /* An impossible length (negative: the kernel fails it with EINVAL) when every connect is ours. */
    const __u32 len4 = kernel_connect ? 16 : 0xFFFFFFFFu, len6 = kernel_connect ? 28 : 0xFFFFFFFFu;
    /* Root mode: a Fast Open send connects through the same kernel programs (pre_connect), on the
     * kernel's copy of the address, so it no longer needs the supervisor (JSET 0 never matches). */
    const __u32 fastopen = kernel_connect ? 0 : MSG_FASTOPEN;
    struct sock_filter filter[] = {
        /* [0] Architecture first: anything but native x86_64 is killed (i386 would reach
         *     execve/connect under other numbers). */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        JEQ_ELSE(AUDIT_ARCH_X86_64, 3, 2, 1),
        RET(SECCOMP_RET_KILL_PROCESS),
        /* [3] x32 ABI numbers have bit 30 set. */
        LOAD_NR,
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1),
        RET(SECCOMP_RET_KILL_PROCESS),
        /* [6] Decided by the supervisor. */
        JEQ(__NR_execve, NOTIF, 6),
        JEQ(__NR_execveat, NOTIF, 7),
        JEQ(__NR_connect, CONNLEN, 8),
        JEQ(__NR_pidfd_send_signal, NOTIF, 9), /* the target hides behind an fd */
        JEQ(__NR_tkill, NOTIF, 10),            /* a thread id: maybe one of the supervisor's */
        /* [11] io_uring can connect without any syscall this filter sees. */
        JEQ(__NR_io_uring_setup, EPERM_, 11),
        /* [12] bpf() could detach the root-mode connect programs or edit their maps. */
        JEQ(__NR_bpf, EPERM_, 12),
        /* [13] TCP Fast Open connects inside sendto/sendmmsg/sendmsg (only sends with MSG_FASTOPEN). */
        JEQ(__NR_sendto, FLAGS3, 13),
        JEQ(__NR_sendmmsg, FLAGS3, 14),
        JEQ(__NR_sendmsg, FLAGS2, 15),
        /* [16] Nothing in the tree may signal, trace or read the supervisor. */
        JEQ(__NR_kill, KILLCHK, 16),
        JEQ(__NR_tgkill, PID0, 17),
        JEQ(__NR_rt_sigqueueinfo, PID0, 18),
        JEQ(__NR_rt_tgsigqueueinfo, PID0, 19),
        JEQ(__NR_pidfd_open, PID0, 20),
        JEQ(__NR_process_vm_readv, PID0, 21),
        JEQ(__NR_process_vm_writev, PID0, 22),
        JEQ(__NR_ptrace, PID1, 23),
        /* [24] */
        RET(SECCOMP_RET_ALLOW),
        /* [25] FLAGS3: sendto(fd, buf, len, flags, ...), sendmmsg(fd, vec, vlen, flags) */
        LOAD_ARG_LO(3),
        BPF_STMT(BPF_JMP | BPF_JA | BPF_K, 1), /* -> 28 */
        /* [27] FLAGS2: sendmsg(fd, msg, flags) */
        LOAD_ARG_LO(2),
        /* [28] A Fast Open send connects: decided like connect() by the supervisor. */
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, fastopen, NOTIF - 28 - 1, ALLOW - 28 - 1),
        /* [29] KILLCHK: kill(pid, sig). 0 = the caller's group, which may hold the supervisor:
         *      decided there. -1 = everyone, -pgrp / -pid / pid of the supervisor: refused. */
        LOAD_ARG_LO(0),
        JEQ(0, NOTIF, 30),
        JEQ(0xFFFFFFFFu, EPERM_, 31),
        JEQ(neg_g, EPERM_, 32),
        JEQ(neg_s, EPERM_, 33),
        JEQ_ELSE(s, EPERM_, ALLOW, 34),
        /* [35] PID0: the target pid is args[0] */
        LOAD_ARG_LO(0),
        JEQ_ELSE(s, EPERM_, ALLOW, 36),
        /* [37] PID1: ptrace(request, pid, ...) */
        LOAD_ARG_LO(1),
        JEQ_ELSE(s, EPERM_, ALLOW, 38),
        /* [39] CONNLEN: connect(fd, addr, addrlen); the kernel uses the low 32 bits of addrlen. */
        LOAD_ARG_LO(2),
        JEQ(len4, ALLOW, 40),
        JEQ_ELSE(len6, ALLOW, NOTIF, 41),
        /* [42] */
        RET(SECCOMP_RET_ALLOW),
        RET(SECCOMP_RET_ERRNO | EPERM),
        RET(SECCOMP_RET_USER_NOTIF),
    };
    _Static_assert(sizeof(filter) / sizeof(filter[0]) == FILTER_LEN, "filter labels are out of date");
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

/* As root, CAP_SYS_PTRACE would let the tree read a non-dumpable supervisor's memory through
 * /proc/PID/mem: drop it from the bounding set and from every capability set. */
static void drop_ptrace_capability(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) < 0)
        die_with_error("capget");
    if (!(data[0].effective & (1u << CAP_SYS_PTRACE)) && !(data[0].permitted & (1u << CAP_SYS_PTRACE)))
        return;
    if (prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) < 0)
        die_with_error("prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE)");
    data[0].effective &= ~(1u << CAP_SYS_PTRACE);
    data[0].permitted &= ~(1u << CAP_SYS_PTRACE);
    data[0].inheritable &= ~(1u << CAP_SYS_PTRACE);
    if (syscall(SYS_capset, &hdr, data) < 0)
        die_with_error("capset(drop CAP_SYS_PTRACE)");
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

static int parse_number(const char *s, const char *what, long max)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
        die("'%s' is not a %s", s, what);
    return (int)v;
}

#define parse_fd(s) parse_number((s), "file descriptor number", 1 << 20)
#define parse_pid(s) parse_number((s), "process id", 1 << 22)

int main(int argc, char **argv)
{
    int sock = DEFAULT_SOCK_FD;
    int kernel_connect = 0;
    pid_t sup = getppid(); /* the supervisor spawned us */
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--sock-fd") == 0) {
            if (i + 1 >= argc)
                usage();
            sock = parse_fd(argv[++i]);
        } else if (strncmp(argv[i], "--sock-fd=", 10) == 0) {
            sock = parse_fd(argv[i] + 10);
        } else if (strcmp(argv[i], "--supervisor-pid") == 0) {
            if (i + 1 >= argc)
                usage();
            sup = parse_pid(argv[++i]);
        } else if (strcmp(argv[i], "--kernel-connect") == 0) {
            kernel_connect = 1;
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

    pid_t sup_pgrp = getpgid(sup);
    if (sup <= 1 || sup_pgrp < 0)
        die("supervisor pid %d is not a live process; not running unsupervised", (int)sup);

    drop_ptrace_capability();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die_with_error("prctl(PR_SET_NO_NEW_PRIVS)");
    int listener = install_filter(sup, sup_pgrp, kernel_connect);
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
