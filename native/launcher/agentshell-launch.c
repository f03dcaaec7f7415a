/*
 * agentshell-launch: put a command under AgentShell's seccomp user-notification filter.
 *
 *   agentshell-launch [--sock-fd N] [--status-fd N] [--supervisor-pid P] [--kernel-connect]
 *                     [--protect PATH]... [--require-protection] [--] CMD [ARGS...]
 *
 * 1. With --protect: bind every PATH read-only in a mount namespace of the tree's own, and give
 *    the tree a pid namespace with an init of its own (protect.c). Where that cannot be done, the
 *    reason goes to the supervisor with the listener; --require-protection makes it fatal.
 * 2. PR_SET_NO_NEW_PRIVS (lets an unprivileged process install a filter).
 * 3. Install the filter with NEW_LISTENER | WAIT_KILLABLE_RECV: execve, execveat, connect, sends
 *    that name a destination (seccomp mode: sendto with an address, every sendmsg and sendmmsg;
 *    root mode: TCP Fast Open is left to the kernel's programs), chroot, signals whose target
 *    hides behind an id, and the calls that leave the tree's mount namespace (unshare or clone
 *    with CLONE_NEWNS, setns, pivot_root) go to the supervisor; clone3 (its flags are out of the
 *    filter's sight) fails with ENOSYS, so libc uses clone; signals, ptrace and memory access aimed at
 *    the supervisor, io_uring_setup and bpf fail with EPERM, and so, for a protected root tree,
 *    does the mount family of calls. With --kernel-connect (root mode) IPv4/IPv6-sized connects
 *    are left to the kernel's cgroup connect programs, which the supervisor has attached.
 * 4. Tell the supervisor over the socket (default fd 3) which fd the listener is, with why the
 *    paths are not protected (nothing when they are); it takes the fd with pidfd_getfd. Wait for
 *    its one-byte "go", close the listener.
 * 5. execvp the command (in a pid namespace: fork it, and stay as its init). If the exec fails,
 *    the errno goes to the supervisor as 4 bytes on the same socket (close-on-exec, so a
 *    successful exec is seen as EOF) and we exit 127.
 * 6. With --status-fd and a pid namespace: once the namespace's init is reaped (the whole tree is
 *    gone), the process outside writes its wait status there (4 bytes) before it exits, so the
 *    supervisor need not wait for the namespaces' teardown. Without a pid namespace the fd is
 *    closed on exec and says nothing (EOF): the supervisor waits for the exit as before.
 *
 * The supervisor (--supervisor-pid, default our parent) is the process the filter protects; it need
 * not be our parent: `agentshell shell` spawns us and hands the listener on to its daemon.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "protect.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef CLONE_NEWNS
#define CLONE_NEWNS 0x00020000
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
    fprintf(stderr, "usage: %s [--sock-fd N] [--status-fd N] [--supervisor-pid P] [--kernel-connect] [--protect PATH]... [--require-protection] [--] CMD [ARGS...]\n", prog);
    exit(2);
}

/* The filter is written with named jump targets and assembled at start-up, as the kernel's
 * samples/seccomp/bpf-helper.h does: inserting an instruction moves every target with it, and
 * assemble() refuses a program whose targets do not add up before anything is installed. */
#define LABELS(X) X(NATIVE) X(NOT_X32) X(SENDTO) X(SENDMSG) X(KILL_ARGS) X(PID0) X(PID1) \
                  X(CONNECT_LEN) X(NEW_MOUNT_NS) X(NO_CLONE3) X(ALLOW) X(REFUSE) X(NOTIFY)
enum label {
    NEXT, /* no jump: the next instruction */
#define LABEL_ENUM(name) name,
    LABELS(LABEL_ENUM)
#undef LABEL_ENUM
    LABEL_COUNT
};
static const char *const label_name[LABEL_COUNT] = {
    "NEXT",
#define LABEL_NAME(name) #name,
    LABELS(LABEL_NAME)
#undef LABEL_NAME
};

/* One line of the filter's source: an instruction whose jump targets are labels, or a label,
 * which names the instruction after it. */
struct line {
    struct sock_filter insn; /* jt/jf, and k of BPF_JA, are filled in by assemble() */
    enum label jt, jf;       /* conditional targets; BPF_JA's target is jt */
    enum label label;        /* not NEXT: this line is no instruction but names the next one */
};

#define STMT(code, k) { BPF_STMT((code), (k)), NEXT, NEXT, NEXT }
#define LABEL(l) { BPF_STMT(0, 0), NEXT, NEXT, (l) }
#define LOAD(field) STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
/* Low 32 bits of args[i] (x86_64 is little-endian; pid_t and int flags live there). */
#define LOAD_ARG_LO(i) STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args) + 8 * (i))
#define RET(v) STMT(BPF_RET | BPF_K, (v))
#define JUMP_IF(op, k, t, f) { BPF_JUMP(BPF_JMP | (op) | BPF_K, (k), 0, 0), (t), (f), NEXT }
#define JEQ(k, t) JUMP_IF(BPF_JEQ, (k), (t), NEXT) /* falls through when not equal */
#define JEQ_ELSE(k, t, f) JUMP_IF(BPF_JEQ, (k), (t), (f))
#define GOTO(t) { BPF_STMT(BPF_JMP | BPF_JA | BPF_K, 0), (t), NEXT, NEXT }

/* The offset from the instruction at pc to label to (0 for NEXT), at most max. */
static __u32 jump_offset(const long *at, int *used, enum label to, size_t pc, __u32 max)
{
    if (to == NEXT)
        return 0;
    used[to] = 1;
    if (at[to] < 0)
        die("filter: instruction %zu jumps to %s, which labels no instruction", pc, label_name[to]);
    if ((size_t)at[to] <= pc)
        die("filter: instruction %zu jumps back to %s (classic BPF only jumps forward)", pc, label_name[to]);
    size_t d = (size_t)at[to] - pc - 1;
    if (d > max)
        die("filter: instruction %zu cannot reach %s, %zu instructions on", pc, label_name[to], d);
    return (__u32)d;
}

/* Resolves the labels of src (n lines) into out (room for cap instructions); returns the length.
 * Dies (nothing is installed, nothing runs) when a target is wrong: a label defined twice, used
 * but not defined, or defined but never jumped to; a jump backwards or beyond its field's reach;
 * a target on an instruction that does not jump; a program whose last instruction does not return. */
static unsigned short assemble(const struct line *src, size_t n, struct sock_filter *out, size_t cap)
{
    long at[LABEL_COUNT];
    int used[LABEL_COUNT] = {0};
    size_t len = 0;
    for (int l = 0; l < LABEL_COUNT; l++)
        at[l] = -1;
    for (size_t i = 0; i < n; i++) {
        if (src[i].label == NEXT) {
            len++;
        } else if (at[src[i].label] >= 0) {
            die("filter: label %s is defined twice", label_name[src[i].label]);
        } else {
            at[src[i].label] = (long)len;
        }
    }
    if (len == 0 || len > cap || len > BPF_MAXINSNS)
        die("filter: %zu instructions do not fit", len);
    size_t pc = 0;
    for (size_t i = 0; i < n; i++) {
        const struct line *s = &src[i];
        if (s->label != NEXT)
            continue;
        struct sock_filter insn = s->insn;
        if (BPF_CLASS(insn.code) == BPF_JMP && BPF_OP(insn.code) == BPF_JA) {
            if (s->jf != NEXT)
                die("filter: instruction %zu is an unconditional jump with two targets", pc);
            insn.k = jump_offset(at, used, s->jt, pc, UINT32_MAX);
        } else if (BPF_CLASS(insn.code) == BPF_JMP) {
            insn.jt = (__u8)jump_offset(at, used, s->jt, pc, UINT8_MAX);
            insn.jf = (__u8)jump_offset(at, used, s->jf, pc, UINT8_MAX);
        } else if (s->jt != NEXT || s->jf != NEXT) {
            die("filter: instruction %zu does not jump but names a target", pc);
        }
        out[pc++] = insn;
    }
    for (int l = NEXT + 1; l < LABEL_COUNT; l++) {
        if (!used[l])
            die("filter: label %s is never jumped to", label_name[l]);
    }
    if (BPF_CLASS(out[len - 1].code) != BPF_RET)
        die("filter: the last instruction does not return");
    return (unsigned short)len;
}

/* What the filter is told about the supervisor and the tree. */
struct filter_opts {
    pid_t sup, sup_pgrp;  /* as the tree names them (an impossible pid when it cannot name them) */
    int kernel_connect;   /* root mode: the kernel's cgroup programs decide inet connects and sends */
    int refuse_mounts;    /* a protected root tree: the mount family of calls is refused */
};

/* kernel_connect: root mode, where cgroup/connect4|6 programs decide IPv4 and IPv6 connects in the
 * kernel. Only connects whose address length is not that of a sockaddr_in (16) or sockaddr_in6
 * (28) still come here: AF_UNIX paths (the approval socket) and anything unusual. A connect of
 * another family with one of those lengths reaches the kernel's checks, and the approval socket
 * refuses tree processes by their credentials. */
static int install_filter(const struct filter_opts *o)
{
    const __u32 s = (__u32)o->sup, neg_s = (__u32)-o->sup, neg_g = (__u32)-o->sup_pgrp;
    const int kernel_connect = o->kernel_connect;
    /* An impossible length (negative: the kernel fails it with EINVAL) when every connect is ours. */
    const __u32 len4 = kernel_connect ? 16 : 0xFFFFFFFFu, len6 = kernel_connect ? 28 : 0xFFFFFFFFu;
    /* Sends that name a destination. Seccomp mode: the supervisor decides the destination like a
     * connect and sends on the process's behalf (the address in its memory can change after a
     * check); a sendmsg's address sits behind a pointer, so every sendmsg and sendmmsg comes.
     * Root mode: cgroup/sendmsg4|6 decide datagrams, and a Fast Open send connects through the
     * kernel's connect programs (pre_connect), all on the kernel's copy of the address. */
    const enum label with_address = kernel_connect ? ALLOW : NOTIFY;
    const __u32 fastopen = kernel_connect ? 0 : MSG_FASTOPEN;
    const enum label mounts = o->refuse_mounts ? REFUSE : ALLOW;
    /* pivot_root moves the root of every process rooted where the tree is: refused with the other
     * mount calls, else the supervisor is told (as for a new mount namespace, below). */
    const enum label pivot = o->refuse_mounts ? REFUSE : NOTIFY;
    const struct line src[] = {
        /* Architecture first: anything but native x86_64 is killed (i386 would reach
         * execve/connect under other numbers). */
        LOAD(arch),
        JEQ_ELSE(AUDIT_ARCH_X86_64, NATIVE, NEXT),
        RET(SECCOMP_RET_KILL_PROCESS),
        LABEL(NATIVE),
        /* x32 ABI numbers have bit 30 set. */
        LOAD(nr),
        JUMP_IF(BPF_JGE, X32_SYSCALL_BIT, NEXT, NOT_X32),
        RET(SECCOMP_RET_KILL_PROCESS),
        LABEL(NOT_X32),
        /* Decided by the supervisor. */
        JEQ(__NR_execve, NOTIFY),
        JEQ(__NR_execveat, NOTIFY),
        JEQ(__NR_connect, CONNECT_LEN),
        JEQ(__NR_pidfd_send_signal, NOTIFY), /* the target hides behind an fd */
        JEQ(__NR_tkill, NOTIFY),             /* a thread id: maybe one of the supervisor's */
        /* A root a trusted tool would load its code and configuration from (the supervisor
         * refuses it in the tree's own mount namespace). */
        JEQ(__NR_chroot, NOTIFY),
        /* A process leaving the tree's mount namespace (its root moves with it): the supervisor is
         * told, and from then on looks up every exec's file through the process's own root
         * (/proc/PID/root) instead of the tree's, which it holds open. clone3's flags are in
         * memory, where this filter cannot see them: ENOSYS, and libc falls back to clone. */
        JEQ(__NR_unshare, NEW_MOUNT_NS),
        JEQ(__NR_clone, NEW_MOUNT_NS),
        JEQ(__NR_setns, NOTIFY),
        JEQ(__NR_clone3, NO_CLONE3),
        /* io_uring can connect without any syscall this filter sees. */
        JEQ(__NR_io_uring_setup, REFUSE),
        /* bpf() could detach the root-mode connect programs or edit their maps. */
        JEQ(__NR_bpf, REFUSE),
        JEQ(__NR_sendto, SENDTO),
        JEQ(__NR_sendmmsg, SENDMSG),
        JEQ(__NR_sendmsg, SENDMSG),
        /* Nothing in the tree may signal, trace or read the supervisor. */
        JEQ(__NR_kill, KILL_ARGS),
        JEQ(__NR_tgkill, PID0),
        JEQ(__NR_rt_sigqueueinfo, PID0),
        JEQ(__NR_rt_tgsigqueueinfo, PID0),
        JEQ(__NR_pidfd_open, PID0),
        JEQ(__NR_process_vm_readv, PID0),
        JEQ(__NR_process_vm_writev, PID0),
        JEQ(__NR_ptrace, PID1),
        /* A protected root tree keeps its capabilities, so it must not remount, unmount or mount
         * over the read-only binds, nor open a file by handle through another mount. */
        JEQ(__NR_mount, mounts),
        JEQ(__NR_umount2, mounts),
        JEQ(__NR_pivot_root, pivot),
        JEQ(__NR_open_tree, mounts),
        JEQ(__NR_open_tree_attr, mounts),
        JEQ(__NR_move_mount, mounts),
        JEQ(__NR_fsopen, mounts),
        JEQ(__NR_fsconfig, mounts),
        JEQ(__NR_fsmount, mounts),
        JEQ(__NR_fspick, mounts),
        JEQ(__NR_mount_setattr, mounts),
        JEQ(__NR_open_by_handle_at, mounts),
        RET(SECCOMP_RET_ALLOW),
        /* sendto(fd, buf, len, flags, dest_addr, addrlen): a destination (either half of the
         * pointer), or a Fast Open send (flags), comes to the supervisor. */
        LABEL(SENDTO),
        LOAD_ARG_LO(4),
        JEQ_ELSE(0, NEXT, with_address),
        STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args) + 8 * 4 + 4),
        JEQ_ELSE(0, NEXT, with_address),
        LOAD_ARG_LO(3),
        JUMP_IF(BPF_JSET, fastopen, NOTIFY, ALLOW),
        /* sendmsg(fd, msg, flags), sendmmsg(fd, vec, vlen, flags): the addresses are in memory. */
        LABEL(SENDMSG),
        GOTO(with_address),
        /* kill(pid, sig). 0 = the caller's group, which may hold the supervisor: decided there.
         * -1 = everyone, -pgrp / -pid / pid of the supervisor: refused. */
        LABEL(KILL_ARGS),
        LOAD_ARG_LO(0),
        JEQ(0, NOTIFY),
        JEQ(0xFFFFFFFFu, REFUSE),
        JEQ(neg_g, REFUSE),
        JEQ(neg_s, REFUSE),
        JEQ_ELSE(s, REFUSE, ALLOW),
        /* The target pid is args[0]. */
        LABEL(PID0),
        LOAD_ARG_LO(0),
        JEQ_ELSE(s, REFUSE, ALLOW),
        /* ptrace(request, pid, ...) */
        LABEL(PID1),
        LOAD_ARG_LO(1),
        JEQ_ELSE(s, REFUSE, ALLOW),
        /* unshare(flags), clone(flags, ...): a new mount namespace. */
        LABEL(NEW_MOUNT_NS),
        LOAD_ARG_LO(0),
        JUMP_IF(BPF_JSET, CLONE_NEWNS, NOTIFY, ALLOW),
        LABEL(NO_CLONE3),
        RET(SECCOMP_RET_ERRNO | ENOSYS),
        /* connect(fd, addr, addrlen); the kernel uses the low 32 bits of addrlen. */
        LABEL(CONNECT_LEN),
        LOAD_ARG_LO(2),
        JEQ(len4, ALLOW),
        JEQ_ELSE(len6, ALLOW, NOTIFY),
        LABEL(ALLOW),
        RET(SECCOMP_RET_ALLOW),
        LABEL(REFUSE),
        RET(SECCOMP_RET_ERRNO | EPERM),
        LABEL(NOTIFY),
        RET(SECCOMP_RET_USER_NOTIF),
    };
    struct sock_filter filter[sizeof(src) / sizeof(src[0])];
    struct sock_fprog fprog = {
        .len = assemble(src, sizeof(src) / sizeof(src[0]), filter, sizeof(filter) / sizeof(filter[0])),
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

/* Tells the supervisor where the listener is: "L", its fd number (4 bytes, little-endian) and
 * note (why the paths are not protected; empty when they are), in one write(): the filter just
 * installed sends every sendmsg to the supervisor, which is not listening yet, so the fd cannot
 * travel with SCM_RIGHTS. The supervisor takes it with pidfd_getfd; it knows our pid from the
 * credentials the kernel attaches (SO_PASSCRED on its end). */
static void announce_listener(int sock, int fd, const char *note)
{
    char text[512];
    text[0] = 'L';
    __u32 n32 = (__u32)fd;
    memcpy(text + 1, &n32, sizeof n32);
    size_t room = sizeof text - 1 - sizeof n32;
    size_t len = strlen(note);
    if (len > room)
        len = room;
    memcpy(text + 1 + sizeof n32, note, len);
    len += 1 + sizeof n32;
    ssize_t n;
    do
        n = write(sock, text, len);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)len)
        die_with_error("write(listener fd number)");
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

/* A pid no process has (above PID_MAX_LIMIT): what the filter compares with when the tree cannot
 * name the supervisor at all (it has a pid namespace of its own). */
#define NO_PID 0x7FFFFFF0

#define MAX_PROTECT 256

int main(int argc, char **argv)
{
    int sock = DEFAULT_SOCK_FD, status_fd = -1;
    int kernel_connect = 0, require_protection = 0, nprotect = 0;
    char *protect[MAX_PROTECT];
    pid_t sup = getppid(); /* the supervisor spawned us, unless --supervisor-pid names it */
    int sup_named = 0;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--sock-fd") == 0) {
            if (i + 1 >= argc)
                usage();
            sock = parse_fd(argv[++i]);
        } else if (strncmp(argv[i], "--sock-fd=", 10) == 0) {
            sock = parse_fd(argv[i] + 10);
        } else if (strcmp(argv[i], "--status-fd") == 0) {
            if (i + 1 >= argc)
                usage();
            status_fd = parse_fd(argv[++i]);
        } else if (strcmp(argv[i], "--supervisor-pid") == 0) {
            if (i + 1 >= argc)
                usage();
            sup = parse_pid(argv[++i]);
            sup_named = 1;
        } else if (strcmp(argv[i], "--kernel-connect") == 0) {
            kernel_connect = 1;
        } else if (strcmp(argv[i], "--protect") == 0) {
            if (i + 1 >= argc)
                usage();
            if (argv[i + 1][0] != '/')
                die("--protect needs an absolute path, not '%s'", argv[i + 1]);
            if (nprotect == MAX_PROTECT)
                die("more than %d paths to protect", MAX_PROTECT);
            protect[nprotect++] = argv[++i];
        } else if (strcmp(argv[i], "--require-protection") == 0) {
            require_protection = 1;
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
    /* The agent never inherits the status fd (an exec without a pid namespace closes it). */
    if (status_fd == sock)
        die("--status-fd %d is the supervisor's socket", status_fd);
    if (status_fd >= 0 && fcntl(status_fd, F_SETFD, FD_CLOEXEC) < 0)
        die_with_error("fd %d is not the status fd: fcntl(F_SETFD, FD_CLOEXEC)", status_fd);

    /* A parent pid of 1 means our parent has already died (we were re-parented to init), unless the
     * supervisor named itself: `agentshell daemon` is PID 1 of its container. */
    struct filter_opts fo = {.sup = sup, .sup_pgrp = getpgid(sup), .kernel_connect = kernel_connect};
    if (sup <= 0 || (sup == 1 && !sup_named) || fo.sup_pgrp < 0)
        die("supervisor pid %d is not a live process; not running unsupervised", (int)sup);

    drop_ptrace_capability();

    /* Protection: the read-only binds, then the pid namespace (this process stays outside as the
     * supervisor's child; its child is the tree's init, and forks the agent once supervised). */
    char note[400] = "";
    int own_pid_ns = 0;
    if (nprotect > 0 || require_protection) {
        char why[300] = "";
        int rc = protect_paths(protect, nprotect, why, sizeof why);
        if (rc == 0)
            rc = enter_pid_namespace(sock, status_fd, why, sizeof why);
        if (rc >= 0) {
            own_pid_ns = 1;
            fo.sup = fo.sup_pgrp = NO_PID; /* the supervisor is not in this pid namespace */
            fo.refuse_mounts = geteuid() == 0;
        }
        if (rc != 0) {
            if (require_protection)
                die("cannot protect agentshell's files from the tree (--require-protection): %s; nothing was run", why);
            snprintf(note, sizeof note, "%s", why);
        }
    }

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die_with_error("prctl(PR_SET_NO_NEW_PRIVS)");
    int listener = install_filter(&fo);
    announce_listener(sock, listener, note);
    /* The supervisor has taken it once it says go. */
    wait_go(sock);
    if (close(listener) < 0)
        die_with_error("close(listener)");

    if (own_pid_ns) {
        /* pid 1 of the tree forks the agent and stays to reap and pass signals on. */
        pid_t agent = fork();
        if (agent < 0)
            die_with_error("fork (agent)");
        if (agent > 0) {
            if (close(sock) < 0)
                die_with_error("close(socket)");
            run_init(agent);
        }
    }

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
