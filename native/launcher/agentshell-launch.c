/*
 * agentshell-launch: put a command under AgentShell's seccomp user-notification filter.
 *
 *   agentshell-launch [--sock-fd N] [--status-fd N] [--supervisor-pid P] [--kernel-connect [--kernel-unix]]
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
 *    are left to the kernel's cgroup connect programs, which the supervisor has attached; with
 *    --kernel-unix as well, every connect is (its cgroup/connect_unix program guards the approval socket).
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
#include <linux/capability.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"
#include "filter.h"
#include "protect.h"

#define DEFAULT_SOCK_FD 3

__attribute__((noreturn)) static void usage(void)
{
    fprintf(stderr, "usage: %s [--sock-fd N] [--status-fd N] [--supervisor-pid P] [--kernel-connect [--kernel-unix]] [--protect PATH]... [--require-protection] [--] CMD [ARGS...]\n", prog);
    exit(2);
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
    int kernel_connect = 0, kernel_unix = 0, require_protection = 0, nprotect = 0;
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
        } else if (strcmp(argv[i], "--kernel-unix") == 0) {
            kernel_unix = 1;
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
    if (kernel_unix && !kernel_connect)
        die("--kernel-unix needs --kernel-connect");

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
    struct filter_opts fo = {.sup = sup, .sup_pgrp = getpgid(sup), .kernel_connect = kernel_connect, .kernel_unix = kernel_unix};
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
