/*
 * agentshell-floor: the least a seccomp user-notification supervisor can cost, measured beside
 * agentshell by `make bench`.
 *
 *   agentshell-floor [--noop | --verify NAME] [--] CMD [ARGS...]
 *
 * Installs the same kind of filter as agentshell-launch (arch checked first, x32 killed; execve,
 * execveat and connect to SECCOMP_RET_USER_NOTIF; NEW_LISTENER | WAIT_KILLABLE_RECV), runs CMD
 * under it and answers every notification with CONTINUE. By default it first reads what the
 * supervisor reads, the same way: for an exec the filename and every argv string with
 * process_vm_readv (the path's first 256 bytes and the first page of pointers in one call, the
 * first 256 bytes of up to 64 strings in one more, never past a page end, chunks that overlap or
 * touch merged into one element; what is not whole then one string at a time, up to each page
 * end), for a connect the sockaddr; then it checks the
 * notification id is still valid. --noop reads nothing: the notification round trip alone.
 *
 * --verify NAME: the C floor of seccomp mode's exec verification, for execs whose argv[0] or
 * filename ends in "/NAME" or is NAME: after the read and the id check the thread seizes the
 * task (PTRACE_SEIZE with TRACEEXEC|EXITKILL, PTRACE_INTERRUPT) before answering CONTINUE, waits
 * for its PTRACE_EVENT_EXEC stop (or any other stop: the exec failed), reads the registers
 * (PTRACE_GETREGS) and, from the new stack, the argc/argv/envp pointers and then the strings
 * (two process_vm_readv), compares them with the argv and the environment it read at the
 * notification (envp read as argv is; a difference is SIGKILLed) and detaches. What agentshell does for a parsed tool, without the
 * decision, the audit record or anything else: the mechanism alone.
 *
 * No policy: everything is let through. Exit status: CMD's (128+signal when killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "floor.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

#define X32_SYSCALL_BIT 0x40000000

static const char *prog = "agentshell-floor";

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
        fprintf(stderr, " (another seccomp listener already supervises this process)");
    fputc('\n', stderr);
    exit(125);
}

static int install_filter(void)
{
    struct sock_filter filter[] = {
        /* Architecture first: anything but native x86_64 is killed. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        /* x32 ABI numbers have bit 30 set. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        /* What agentshell decides. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    };
    struct sock_fprog fprog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
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

static int recv_fd(int sock)
{
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        die_with_error("recvmsg(listener fd)");
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (n == 0 || c == NULL || c->cmsg_type != SCM_RIGHTS || (msg.msg_flags & MSG_CTRUNC))
        die("the child did not send a listener (it printed why)");
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

struct loop {
    int listener;
    int noop;
    const char *verify; /* --verify NAME, or NULL */
};

static void *serve(void *arg)
{
    const struct loop *l = arg;
    struct seccomp_notif n;
    struct seccomp_notif_resp r;
    unsigned char addr[128];
    for (;;) {
        memset(&n, 0, sizeof(n)); /* the kernel requires a zeroed buffer */
        if (ioctl(l->listener, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0) {
            if (errno == EINTR || errno == ENOENT)
                continue; /* interrupted, or the target died before we received */
            die_with_error("ioctl(SECCOMP_IOCTL_NOTIF_RECV)");
        }
        int seized = 0;
        if (!l->noop) {
            const __u64 *a = n.data.args;
            int read = -1;
            if (n.data.nr == __NR_execve)
                read = read_exec((pid_t)n.pid, a[0], a[1]);
            else if (n.data.nr == __NR_execveat)
                read = read_exec((pid_t)n.pid, a[1], a[2]);
            else if (n.data.nr == __NR_connect && a[2] <= sizeof(addr))
                (void)peek((pid_t)n.pid, a[1], addr, (size_t)a[2]);
            /* The pid may have been recycled while we read: the supervisor checks, so do we. */
            if (ioctl(l->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n.id) < 0 && errno != ENOENT)
                die_with_error("ioctl(SECCOMP_IOCTL_NOTIF_ID_VALID)");
            size_t first = read_count > 0 ? arg_len[0] : 0;
            if (l->verify && read == 0 &&
                (names(path, strlen(path), l->verify) || (read_count > 0 && names(strings, first, l->verify))) &&
                read_env((pid_t)n.pid, n.data.nr == __NR_execve ? a[2] : a[3]) == 0) {
                /* Seized before CONTINUE, with the interrupt that stops a failed exec on its way out. */
                if (ptrace(PTRACE_SEIZE, (pid_t)n.pid, 0, (void *)(PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) < 0)
                    die_with_error("ptrace(PTRACE_SEIZE, %d)", (int)n.pid);
                if (ptrace(PTRACE_INTERRUPT, (pid_t)n.pid, 0, 0) < 0)
                    die_with_error("ptrace(PTRACE_INTERRUPT, %d)", (int)n.pid);
                seized = 1;
            }
        }
        memset(&r, 0, sizeof(r));
        r.id = n.id;
        r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        if (ioctl(l->listener, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0 && errno != ENOENT && errno != EINTR)
            die_with_error("ioctl(SECCOMP_IOCTL_NOTIF_SEND)");
        if (seized)
            verify_exec((pid_t)n.pid);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    /* Static: the serving thread reads it until the process is gone, past main's return (a
     * stack copy was overwritten by exit's own calls: NOTIF_RECV on a garbage fd, EBADF, 125). */
    static struct loop l = {.listener = -1, .noop = 0};
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--noop") == 0) {
            l.noop = 1;
        } else if (strcmp(argv[i], "--verify") == 0 && i + 1 < argc) {
            l.verify = argv[++i];
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: %s [--noop | --verify NAME] [--] CMD [ARGS...]\n", prog);
        return 2;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        die_with_error("socketpair");
    pid_t child = fork();
    if (child < 0)
        die_with_error("fork");
    if (child == 0) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            die_with_error("prctl(PR_SET_NO_NEW_PRIVS)");
        int fd = install_filter();
        send_fd(sv[1], fd);
        if (close(fd) < 0)
            die_with_error("close(listener)");
        char go;
        ssize_t n;
        do
            n = read(sv[1], &go, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1)
            die("the supervisor went away before the go; not running unsupervised");
        execvp(argv[i], &argv[i]);
        die_with_error("execvp(%s)", argv[i]);
    }
    l.listener = recv_fd(sv[0]);
    /* As the supervisor does (kernels 6.6+): switch straight to the receiver and back. */
    if (ioctl(l.listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0 && errno != EINVAL &&
        errno != ENOTTY)
        die_with_error("ioctl(SECCOMP_IOCTL_NOTIF_SET_FLAGS)");
    pthread_t t;
    int e = pthread_create(&t, NULL, serve, &l);
    if (e != 0) {
        errno = e;
        die_with_error("pthread_create");
    }
    if (write(sv[0], "G", 1) != 1)
        die_with_error("write(go)");
    int status;
    pid_t w;
    do
        w = waitpid(child, &status, 0);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        die_with_error("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
