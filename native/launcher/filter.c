#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h> /* IPPROTO_SCTP: glibc's enum and macro, so a later include of it still compiles */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"
#include "filter.h"

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
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW 0xAA00 /* _IO(0xAA, 0x00): /dev/userfaultfd's one ioctl */
#endif
#ifndef CLONE_NEWNS
#define CLONE_NEWNS 0x00020000
#endif

#ifndef PR_SET_MM
#define PR_SET_MM 35
#endif

#define X32_SYSCALL_BIT 0x40000000

/* The filter is written with named jump targets and assembled at start-up, as the kernel's
 * samples/seccomp/bpf-helper.h does: inserting an instruction moves every target with it, and
 * assemble() refuses a program whose targets do not add up before anything is installed. */
#define LABELS(X) X(NATIVE) X(NOT_X32) X(SENDTO) X(SENDMSG) X(KILL_ARGS) X(PID0) X(PID1) \
                  X(CONNECT_LEN) X(NEW_MOUNT_NS) X(NO_CLONE3) X(IOCTL_CMD) X(PRCTL_OPT) X(SOCKET_ARGS) \
                  X(INET_SOCKET) X(ALLOW) X(REFUSE) X(NOTIFY)
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

/* kernel_connect: root mode, where cgroup/connect4|6 programs decide IPv4 and IPv6 connects in the
 * kernel. Only connects whose address length is not that of a sockaddr_in (16) or sockaddr_in6
 * (28) still come here: AF_UNIX paths (the approval socket) and anything unusual. A connect of
 * another family with one of those lengths reaches the kernel's checks, and the approval socket
 * refuses tree processes by their credentials.
 * kernel_unix: root mode with cgroup/connect_unix attached too (Linux >= 6.7): no connect comes here;
 * that program refuses the tree's connects to the approval socket by its path, and the socket refuses
 * tree processes by their credentials whatever path reached it. */
int install_filter(const struct filter_opts *o)
{
    const __u32 s = (__u32)o->sup, neg_s = (__u32)-o->sup, neg_g = (__u32)-o->sup_pgrp;
    const int kernel_connect = o->kernel_connect;
    /* A connect whose length is no inet sockaddr's: the kernel's too (kernel_unix), or ours. */
    const enum label other_connect = kernel_connect && o->kernel_unix ? ALLOW : NOTIFY;
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
        /* Setting the clock (a root tree): the supervisor tells whether a file changed after a
         * decision read it by its ctime, which a clock set back would date before the decision
         * (ConfigReads). adjtimex and clock_adjtime can step it too (ADJ_SETOFFSET, in memory). */
        JEQ(__NR_settimeofday, REFUSE),
        JEQ(__NR_clock_settime, REFUSE),
        JEQ(__NR_adjtimex, REFUSE),
        JEQ(__NR_clock_adjtime, REFUSE),
        /* userfaultfd: the supervisor reads an exec's argv from the tree's memory, and a page the
         * tree registered and never fills would hold that read (and the receiving thread) for
         * ever. The syscall takes the kernel's faults only with CAP_SYS_PTRACE, the device
         * (0600 root) for a root tree: both refused. */
        JEQ(__NR_userfaultfd, REFUSE),
        JEQ(__NR_ioctl, IOCTL_CMD),
        /* prctl(PR_SET_MM, ...) rewrites what /proc/PID/exe and cmdline say (PR_SET_MM_MAP needs
         * only CAP_SYS_ADMIN in the caller's user namespace: any tree after unshare -U), and a
         * profile's named clients and a pause's text are read from them. */
        JEQ(__NR_prctl, PRCTL_OPT),
        /* SCTP associates without connect(2) (setsockopt SCTP_SOCKOPT_CONNECTX, a sendmsg to an
         * address on a one-to-many socket): refused, as inet SOCK_SEQPACKET is (SCTP's type). */
        JEQ(__NR_socket, SOCKET_ARGS),
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
        /* ioctl(fd, cmd, arg); the kernel uses the low 32 bits of cmd. */
        LABEL(IOCTL_CMD),
        LOAD_ARG_LO(1),
        JEQ_ELSE(USERFAULTFD_IOC_NEW, REFUSE, ALLOW),
        /* prctl(option, ...); option is an int. */
        LABEL(PRCTL_OPT),
        LOAD_ARG_LO(0),
        JEQ_ELSE(PR_SET_MM, REFUSE, ALLOW),
        /* socket(domain, type, protocol): IPPROTO_SCTP, or an inet SOCK_SEQPACKET (whose protocol 0
         * is SCTP); the type's low 4 bits are the type, the rest its flags. */
        LABEL(SOCKET_ARGS),
        LOAD_ARG_LO(2),
        JEQ(IPPROTO_SCTP, REFUSE),
        LOAD_ARG_LO(0),
        JEQ(AF_INET, INET_SOCKET),
        JEQ_ELSE(AF_INET6, INET_SOCKET, ALLOW),
        LABEL(INET_SOCKET),
        LOAD_ARG_LO(1),
        STMT(BPF_ALU | BPF_AND | BPF_K, 0xf),
        JEQ_ELSE(SOCK_SEQPACKET, REFUSE, ALLOW),
        /* connect(fd, addr, addrlen); the kernel uses the low 32 bits of addrlen. */
        LABEL(CONNECT_LEN),
        LOAD_ARG_LO(2),
        JEQ(len4, ALLOW),
        JEQ_ELSE(len6, ALLOW, other_connect),
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
