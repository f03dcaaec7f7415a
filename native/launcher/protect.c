/* agentshell-launch's namespaces: read-only binds of the paths agentshell depends on, and a pid
 * namespace with an init of its own for the tree (see protect.h).
 *
 * Why they hold against the tree: as a user, the binds are made in a mount namespace owned by a
 * user namespace that maps only our uid; once the agent execs it has no capability there, so it
 * can neither unmount nor remount them. A tree process that makes a user and mount namespace of
 * its own gets copies that the kernel locks (MNT_LOCKED, and read-only is locked too): umount
 * fails, remounting read-write fails, and what it mounts on top stays in its own namespace. As
 * root no user namespace is made (root keeps what it can do on the host: low ports, its files);
 * the launcher's filter refuses the mount family of calls to such a tree instead. The pid
 * namespace hides every process outside the tree, so /proc/PID/root of one of them (a shell of
 * the same user) no longer leads to the writable originals. */
#define _GNU_SOURCE
#include "protect.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH_MAX_PIN 4096

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

/* One line into why: the failed call and its errno. Returns -1 so callers can `return fail(...)`. */
__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < whylen)
        snprintf(why + n, whylen - (size_t)n, ": %s", strerror(saved));
    errno = saved;
    return -1;
}

static int write_file(const char *path, const char *text)
{
    int fd;
    do
        fd = open(path, O_WRONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    ssize_t w;
    do
        w = write(fd, text, len);
    while (w < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    errno = saved;
    return w == (ssize_t)len ? 0 : -1;
}

/* A user namespace in which we are ourselves (only our uid and gid mapped, setgroups denied), so
 * the mount namespace made with it is ours to change, and nothing we start keeps a capability. */
static int enter_user_namespace(char *why, size_t whylen)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
        return fail(why, whylen, "unshare(CLONE_NEWUSER|CLONE_NEWNS)");
    char map[64];
    if (write_file("/proc/self/setgroups", "deny") < 0)
        return fail(why, whylen, "write /proc/self/setgroups");
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (write_file("/proc/self/uid_map", map) < 0)
        return fail(why, whylen, "write /proc/self/uid_map");
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    if (write_file("/proc/self/gid_map", map) < 0)
        return fail(why, whylen, "write /proc/self/gid_map");
    return 0;
}

/* path, and every mount below it, bound over itself read-only (Linux 5.12+ mount API). */
static int bind_read_only(const char *path, char *why, size_t whylen)
{
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (fd < 0) {
        /* Nothing there to protect, or nothing we (and so the tree) can reach. */
        if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
            return 0;
        return fail(why, whylen, "open_tree(%s)", path);
    }
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    int rc = (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
    if (rc < 0) {
        fail(why, whylen, "mount_setattr(%s, read-only)", path);
        close(fd);
        return -1;
    }
    rc = (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
    if (rc < 0) {
        fail(why, whylen, "move_mount(%s)", path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* A directory bound over itself, read-write, with every mount below it: a mount point cannot be
 * renamed or removed (EBUSY), whoever asks. */
static int pin(const char *path, char *why, size_t whylen)
{
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
            return 0;
        return fail(why, whylen, "open_tree(%s)", path);
    }
    if (syscall(SYS_move_mount, fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        fail(why, whylen, "move_mount(%s)", path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Every directory above a protected path (but /), pinned shallowest first, before the read-only
 * binds go on top. A read-only bind holds the path itself, not the way to it: a tree that may
 * write in ~/.config could otherwise move it aside and make a ~/.config/agentshell of its own
 * for the next run (mv ~/.config ~/.c2; mkdir -p ~/.config/agentshell), outside which no bind is. */
static int pin_ancestors(char *const *paths, int n, char *why, size_t whylen)
{
    enum { MAX_PINNED = 4096 };
    static struct { const char *path; size_t len; } pinned[MAX_PINNED];
    static char dir[PATH_MAX_PIN];
    int npinned = 0;
    /* Depth by depth, so a parent is pinned before what it holds. */
    for (size_t depth = 1;; depth++) {
        int deeper = 0;
        for (int i = 0; i < n; i++) {
            const char *p = paths[i];
            size_t seen = 0, end = 0;
            for (size_t k = 1; p[k] != '\0'; k++) {
                if (p[k] == '/' && ++seen == depth) {
                    end = k;
                    break;
                }
            }
            if (end == 0)
                continue; /* no ancestor this deep */
            deeper = 1;
            int dup = 0;
            for (int j = 0; j < npinned && !dup; j++)
                dup = pinned[j].len == end && strncmp(pinned[j].path, p, end) == 0;
            if (dup)
                continue;
            if (end >= sizeof dir || npinned == MAX_PINNED) {
                errno = end >= sizeof dir ? ENAMETOOLONG : E2BIG;
                return fail(why, whylen, "pin the directories above %s", p);
            }
            pinned[npinned].path = p;
            pinned[npinned++].len = end;
            memcpy(dir, p, end);
            dir[end] = '\0';
            if (pin(dir, why, whylen) < 0)
                return -1;
        }
        if (!deeper)
            return 0;
    }
}

int protect_paths(char *const *paths, int n, char *why, size_t whylen)
{
    if (geteuid() != 0) {
        if (enter_user_namespace(why, whylen) < 0)
            return -1;
    } else if (unshare(CLONE_NEWNS) < 0) {
        return fail(why, whylen, "unshare(CLONE_NEWNS)");
    }
    /* Mounts made later on the host still reach us; ours never leave this namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return fail(why, whylen, "mount(/, MS_REC|MS_SLAVE)");
    if (pin_ancestors(paths, n, why, whylen) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (bind_read_only(paths[i], why, whylen) < 0)
            return -1;
    }
    return 0;
}

/* The process signals are passed on to: the child (pid namespace parent) or the agent (init). */
static volatile pid_t forward_to;

/* Passes on what a process sent (kill, sigqueue): the supervisor forwarding a SIGTERM, a person's
 * kill. What the kernel sent (a terminal's ^C) already reached the whole process group. */
static void forward(int sig, siginfo_t *si, void *uctx)
{
    (void)uctx;
    if (si->si_code == SI_USER || si->si_code == SI_QUEUE)
        kill(forward_to, sig);
}

static void forward_signals(pid_t to)
{
    static const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2};
    forward_to = to;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forward;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        if (sigaction(sigs[i], &sa, NULL) < 0) {
            fprintf(stderr, "agentshell-launch: sigaction(%d): %s\n", sigs[i], strerror(errno));
            _exit(125);
        }
    }
}

/* Exits as a process with wait status st did: its code, or 128+N for signal N. */
__attribute__((noreturn)) static void exit_like(int st)
{
    if (WIFEXITED(st))
        _exit(WEXITSTATUS(st));
    _exit(128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0));
}

/* Writes a wait status to the supervisor; best effort: if it cannot be written, the supervisor
 * learns the status from our own exit, as without the report. */
static void report_status(int fd, int st)
{
    if (fd < 0)
        return;
    ssize_t w;
    do
        w = write(fd, &st, sizeof st);
    while (w < 0 && errno == EINTR);
    close(fd);
}

int enter_pid_namespace(int sock, int status_fd, char *why, size_t whylen)
{
    if (unshare(CLONE_NEWPID) < 0)
        return fail(why, whylen, "unshare(CLONE_NEWPID)");
    /* The child cannot tell its parent's death by getppid() (0 either way, from inside the new
     * namespace): it watches a pidfd of the parent instead. */
    int parent = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (parent < 0)
        return fail(why, whylen, "pidfd_open(self)");
    pid_t child = fork();
    if (child < 0) {
        close(parent);
        return fail(why, whylen, "fork (pid namespace)");
    }
    if (child > 0) {
        close(parent);
        /* The supervisor's child stays outside, invisible to the tree: it only passes signals on
         * and reports how the tree's init ended. Its end of the socket goes, so that the agent's
         * exec is seen as EOF. */
        close(sock);
        forward_signals(child);
        int st = 0;
        pid_t r;
        do
            r = waitpid(child, &st, 0);
        while (r < 0 && errno == EINTR);
        if (r < 0) {
            fprintf(stderr, "agentshell-launch: waitpid(init): %s\n", strerror(errno));
            _exit(125);
        }
        /* init is reaped, so every process of the namespace is gone (the kernel killed and reaped
         * them before init could exit): the supervisor may return now instead of waiting for our
         * exit, which unmounts the namespace's binds and its /proc (~1 ms measured here). */
        report_status(status_fd, st);
        if (WIFSIGNALED(st)) {
            signal(WTERMSIG(st), SIG_DFL);
            raise(WTERMSIG(st));
        }
        exit_like(st);
    }
    /* Only the parent reports; nothing of the tree may hold a way to end the run early. */
    if (status_fd >= 0 && close(status_fd) < 0) {
        fprintf(stderr, "agentshell-launch: close(status fd): %s\n", strerror(errno));
        _exit(125);
    }
    /* The tree dies with the process that watches over it (also when that died just now). */
    struct pollfd pf = {.fd = parent, .events = POLLIN};
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
        fprintf(stderr, "agentshell-launch: prctl(PR_SET_PDEATHSIG): %s\n", strerror(errno));
        _exit(125);
    }
    int gone;
    do
        gone = poll(&pf, 1, 0);
    while (gone < 0 && errno == EINTR);
    if (gone != 0) {
        fprintf(stderr, "agentshell-launch: the launcher exited before the tree started%s%s\n", gone < 0 ? ": " : "", gone < 0 ? strerror(errno) : "");
        _exit(125);
    }
    close(parent);
    /* A /proc of this namespace over the host's: only the tree's processes are in it. A container
     * that masks parts of its /proc refuses this (EPERM): then the tree sees every process. */
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        fail(why, whylen, "mount(proc, /proc) in the tree's pid namespace");
        return 1;
    }
    return 0;
}

void run_init(pid_t agent)
{
    forward_signals(agent);
    for (;;) {
        int st = 0;
        pid_t r = waitpid(-1, &st, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "agentshell-launch: waitpid: %s\n", strerror(errno));
            _exit(125);
        }
        if (r == agent)
            exit_like(st);
    }
}
