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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

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
#define PAGE 4096
#define MAX_ARGS 4096
#define ARG_BYTES (2 * 1024 * 1024)

static const char *prog = "agentshell-floor";

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

/* process_vm_readv of len bytes at addr; bytes read (short at an unmapped page), or -1. */
static ssize_t peek(pid_t pid, uint64_t addr, void *dest, size_t len)
{
    struct iovec local = {.iov_base = dest, .iov_len = len};
    struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
    return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

/* A C string into dest (room bytes): 256 bytes first, then up to each page end, as ExecReader. */
static ssize_t read_cstring(pid_t pid, uint64_t addr, char *dest, size_t room)
{
    size_t total = 0, chunk = 256;
    for (;;) {
        if (total >= room)
            return -1;
        uint64_t at = addr + total;
        size_t want = room - total < chunk ? room - total : chunk;
        if (want > PAGE - at % PAGE)
            want = PAGE - at % PAGE;
        ssize_t got = peek(pid, at, dest + total, want);
        if (got <= 0)
            return -1;
        char *nul = memchr(dest + total, 0, (size_t)got);
        if (nul)
            return (ssize_t)(total + (size_t)(nul - (dest + total)));
        total += (size_t)got;
        chunk = PAGE;
    }
}

static uint64_t ptrs[MAX_ARGS + 1];
static char strings[ARG_BYTES];
/* What the last read_exec read: argc, the bytes of strings[] (no NULs) and each string's length. */
static size_t read_count, read_bytes, arg_len[MAX_ARGS + 1];
static char path[PAGE];

#define FIRST_CHUNK 256
#define BATCH 64
static char pre[BATCH * FIRST_CHUNK];

/* Bytes to read at addr: at most want, never past the page end. */
static size_t chunk(uint64_t addr, size_t want)
{
    size_t left = PAGE - addr % PAGE;
    return want < left ? want : left;
}

/* Pointers ptrs[count..] until a NULL one, in page-bounded reads; the count, or -1. */
static ssize_t read_pointers(pid_t pid, uint64_t at, size_t count)
{
    for (;;) {
        size_t want = chunk(at, sizeof(ptrs) - count * 8);
        want -= want % 8;
        if (want == 0)
            return -1;
        ssize_t got = peek(pid, at, &ptrs[count], want);
        if (got <= 0)
            return -1;
        size_t end = count + (size_t)got / 8;
        for (size_t i = count; i < end; i++)
            if (ptrs[i] == 0)
                return (ssize_t)i;
        count = end;
        at += (uint64_t)got;
    }
}

/* The count strings at ptrs, read in batches of BATCH with one process_vm_readv of their first
 * FIRST_CHUNK bytes each (read_cstring for a longer one), appended at *pos in out (cap bytes).
 * Chunks that overlap or touch the one before are one element of the read, as ExecReader.Prefetch
 * merges them (the kernel pins each element's pages apart: strings laid one after another, an
 * environment's, cost one element instead of one each). With lens: each string's length, no NUL
 * kept (argv's layout); without: each string and its NUL (the environment's layout on the new
 * stack). -1 on a read error or when out is full. */
static int read_strings(pid_t pid, const uint64_t *ptrs, size_t count, char *out, size_t cap, size_t *pos, size_t *lens)
{
    struct iovec local[BATCH], remote[BATCH];
    size_t at[BATCH], range[BATCH];
    for (size_t first = 0; first < count; first += BATCH) {
        size_t n = count - first < BATCH ? count - first : BATCH, ranges = 0, used = 0;
        uint64_t start = 0, end = 0;
        for (size_t k = 0; k < n; k++) {
            uint64_t p = ptrs[first + k];
            size_t want = chunk(p, FIRST_CHUNK);
            if (ranges > 0 && p >= start && p <= end) {
                if (p + want > end) {
                    local[ranges - 1].iov_len += (size_t)(p + want - end);
                    remote[ranges - 1].iov_len += (size_t)(p + want - end);
                    used += (size_t)(p + want - end);
                    end = p + want;
                }
            } else {
                local[ranges] = (struct iovec){.iov_base = pre + used, .iov_len = want};
                remote[ranges] = (struct iovec){.iov_base = (void *)(uintptr_t)p, .iov_len = want};
                start = p;
                end = p + want;
                used += want;
                ranges++;
            }
            at[k] = (size_t)((char *)local[ranges - 1].iov_base - pre) + (size_t)(p - start);
            range[k] = ranges - 1;
        }
        /* The local elements lie one after another from the start of pre: its first got bytes are read. */
        ssize_t got = process_vm_readv(pid, local, ranges, remote, ranges, 0);
        for (size_t k = 0; k < n; k++) {
            size_t e = (size_t)((char *)local[range[k]].iov_base - pre) + local[range[k]].iov_len;
            if (got < (ssize_t)e)
                e = got > 0 ? (size_t)got : 0;
            char *nul = e > at[k] ? memchr(pre + at[k], 0, e - at[k]) : NULL;
            ssize_t len;
            if (nul != NULL && (size_t)(nul - (pre + at[k])) < cap - *pos) {
                len = nul - (pre + at[k]);
                memcpy(out + *pos, pre + at[k], (size_t)len);
            } else if ((len = read_cstring(pid, ptrs[first + k], out + *pos, cap - *pos)) < 0) {
                return -1;
            }
            if (lens != NULL) {
                lens[first + k] = (size_t)len;
                *pos += (size_t)len;
                continue;
            }
            if ((size_t)len + 1 > cap - *pos)
                return -1;
            out[*pos + (size_t)len] = 0;
            *pos += (size_t)len + 1;
        }
    }
    return 0;
}

/* Filename and argv, as ExecReader reads them: the path's first chunk and the first page of
 * pointers in one process_vm_readv, then the first chunk of up to BATCH strings in one more; what
 * is not read whole is read again one string at a time. -1 when unreadable (answered all the same). */
static int read_exec(pid_t pid, uint64_t path_addr, uint64_t argv_addr)
{
    size_t path_want = chunk(path_addr, FIRST_CHUNK);
    size_t ptr_want = chunk(argv_addr, sizeof(ptrs)) & ~(size_t)7;
    struct iovec local[BATCH] = {{.iov_base = path, .iov_len = path_want}, {.iov_base = ptrs, .iov_len = ptr_want}};
    struct iovec remote[BATCH] = {{.iov_base = (void *)(uintptr_t)path_addr, .iov_len = path_want},
                                  {.iov_base = (void *)(uintptr_t)argv_addr, .iov_len = ptr_want}};
    ssize_t got = process_vm_readv(pid, local, 2, remote, 2, 0);
    if (got < (ssize_t)path_want || memchr(path, 0, path_want) == NULL) {
        if (read_cstring(pid, path_addr, path, sizeof(path)) < 0)
            return -1;
        got = 0;
    }
    ssize_t count;
    if (got == (ssize_t)(path_want + ptr_want)) {
        count = -1;
        for (size_t i = 0; i < ptr_want / 8 && count < 0; i++)
            if (ptrs[i] == 0)
                count = (ssize_t)i;
        if (count < 0)
            count = read_pointers(pid, argv_addr + ptr_want, ptr_want / 8);
    } else {
        count = read_pointers(pid, argv_addr, 0);
    }
    if (count < 0)
        return -1;
    read_count = 0;
    read_bytes = 0;
    size_t pos = 0;
    if (read_strings(pid, ptrs, (size_t)count, strings, sizeof(strings), &pos, arg_len) < 0)
        return -1;
    read_count = (size_t)count;
    read_bytes = pos;
    return 0;
}

struct loop {
    int listener;
    int noop;
    const char *verify; /* --verify NAME, or NULL */
};


/* True when s (len bytes) is name or ends in "/name". */
static int names(const char *s, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len >= n && memcmp(s + len - n, name, n) == 0 && (len == n || s[len - n - 1] == '/');
}

static uint64_t stack_ptrs[2 * MAX_ARGS + 3];
static char stack_strings[2 * ARG_BYTES];

/* The environment at the notification (verify mode): envp's pointers, then the strings, each with
 * its NUL, one after another in env_strings (the layout the kernel gives them on the new stack). */
static uint64_t env_ptrs[MAX_ARGS + 1];
static char env_strings[ARG_BYTES];
static size_t env_count, env_bytes;

static int read_env(pid_t pid, uint64_t envp)
{
    env_count = env_bytes = 0;
    if (envp == 0)
        return 0;
    for (uint64_t at = envp;;) {
        size_t want = chunk(at, sizeof(env_ptrs) - env_count * 8);
        want -= want % 8;
        ssize_t got = want == 0 ? -1 : peek(pid, at, &env_ptrs[env_count], want);
        if (got <= 0)
            return -1;
        size_t end = env_count + (size_t)got / 8, i = env_count;
        while (i < end && env_ptrs[i] != 0)
            i++;
        env_count = i;
        if (i < end)
            break;
        at += (uint64_t)got;
    }
    return read_strings(pid, env_ptrs, env_count, env_strings, sizeof(env_strings), &env_bytes, NULL);
}

/* The task, seized before CONTINUE, at its exec stop: argv and the environment on its new stack
 * compared with what was read at the notification; a difference is killed. */
static void verify_exec(pid_t pid)
{
    siginfo_t si;
    for (;;) {
        memset(&si, 0, sizeof(si));
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WSTOPPED | __WALL | __WNOTHREAD) < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ECHILD)
                return; /* gone */
            die_with_error("waitid(%d)", pid);
        }
        break;
    }
    if (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED)
        return;
    int sig = si.si_status & 0xff, ev = si.si_status >> 8;
    if (sig != SIGTRAP || ev != PTRACE_EVENT_EXEC) {
        /* Not committed: the interrupt's stop, or a signal (delivered on detach). */
        if (ptrace(PTRACE_DETACH, pid, 0, (void *)(uintptr_t)(ev == 0 && sig != SIGTRAP ? sig : 0)) < 0 && errno != ESRCH)
            die_with_error("ptrace(PTRACE_DETACH, %d)", pid);
        return;
    }
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
        die_with_error("ptrace(PTRACE_GETREGS, %d)", pid);
    /* The pointers (argc, argv, NULL, envp, NULL), then the strings, argv's and the environment's
     * one after another: two reads, as agentshell's check. */
    size_t want = 8 * (read_count + env_count + 3);
    int same = peek(pid, regs.rsp, stack_ptrs, want) == (ssize_t)want && stack_ptrs[0] == read_count &&
               stack_ptrs[read_count + 1] == 0 && stack_ptrs[read_count + env_count + 2] == 0;
    size_t len = read_bytes + read_count + env_bytes;
    if (same && len > 0 && len <= sizeof(stack_strings)) {
        uint64_t start = read_count > 0 ? stack_ptrs[1] : stack_ptrs[2];
        same = peek(pid, start, stack_strings, len) == (ssize_t)len;
        /* Each pointer at the next string, each string the bytes read at the notification and its NUL. */
        size_t off = 0, w = 0;
        for (size_t i = 0; same && i < read_count; i++) {
            same = stack_ptrs[1 + i] == start + off && memcmp(stack_strings + off, strings + w, arg_len[i]) == 0 &&
                   stack_strings[off + arg_len[i]] == 0;
            off += arg_len[i] + 1;
            w += arg_len[i];
        }
        for (size_t i = 0, e = 0; same && i < env_count; i++) {
            same = stack_ptrs[read_count + 2 + i] == start + off + e;
            e += strlen(env_strings + e) + 1;
        }
        same = same && memcmp(stack_strings + off, env_strings, env_bytes) == 0;
    }
    if (!same) {
        if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
            die_with_error("kill(%d)", pid);
        return;
    }
    if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0 && errno != ESRCH)
        die_with_error("ptrace(PTRACE_DETACH, %d)", pid);
}

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
    struct loop l = {.listener = -1, .noop = 0};
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
