/* agentshell-floor --verify (notifier.c): the task seized before CONTINUE, checked at its exec stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "floor.h"

/* True when s (len bytes) is name or ends in "/name". */
int names(const char *s, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len >= n && memcmp(s + len - n, name, n) == 0 && (len == n || s[len - n - 1] == '/');
}

static uint64_t stack_ptrs[2 * MAX_ARGS + 3];
static char stack_strings[2 * ARG_BYTES];

/* The task, seized before CONTINUE, at its exec stop: argv and the environment on its new stack
 * compared with what was read at the notification; a difference is killed. */
void verify_exec(pid_t pid)
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
