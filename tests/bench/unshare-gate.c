/*
 * unshare-gate: runs CMD under a seccomp filter that answers unshare(2) with EPERM (--deny), as a
 * restricted container does, or under the same filter with unshare allowed (--allow), so that
 * `agentshell run` with its protected mounts and pid namespace and without them (it then warns,
 * rule supervisor:unprotected-files) are timed through the same wrapper.
 *
 *   unshare-gate --deny|--allow CMD [ARGS...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noreturn)) static void die(const char *what)
{
    fprintf(stderr, "unshare-gate: %s: %s\n", what, strerror(errno));
    exit(125);
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "--deny") != 0 && strcmp(argv[1], "--allow") != 0)) {
        fprintf(stderr, "usage: unshare-gate --deny|--allow CMD [ARGS...]\n");
        return 2;
    }
    unsigned int unshare_answer = strcmp(argv[1], "--deny") == 0 ? SECCOMP_RET_ERRNO | EPERM : SECCOMP_RET_ALLOW;
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, unshare_answer),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog fprog = {.len = sizeof prog / sizeof prog[0], .filter = prog};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("prctl(PR_SET_NO_NEW_PRIVS)");
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0)
        die("prctl(PR_SET_SECCOMP)");
    execvp(argv[2], argv + 2);
    die(argv[2]);
}
