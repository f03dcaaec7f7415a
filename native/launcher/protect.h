/* What agentshell-launch does before the filter goes in, so that the supervised tree cannot
 * weaken a later run: the paths agentshell depends on (profiles, the audit log, the control
 * sockets, its own files) are bound read-only in a mount namespace of the tree's own, and the
 * tree gets a pid namespace of its own, so no process outside it (/proc/PID/root of one) leads
 * back to the writable originals. See protect.c. */
#ifndef AGENTSHELL_PROTECT_H
#define AGENTSHELL_PROTECT_H

#include <stddef.h>
#include <sys/types.h>

/* Makes each of paths[0..n) read-only for this process and everything it starts: a user namespace
 * mapping only our uid and gid (unless we are root), a mount namespace, every directory above a
 * path bound over itself (a mount point cannot be renamed away), and a read-only recursive bind
 * of every path over itself. Paths that do not exist are left out (the supervisor creates
 * those the tree could create). Returns 0, or -1 with why (one line) in why[0..whylen). On -1 the
 * process may be in new namespaces; nothing of them is relied on. */
int protect_paths(char *const *paths, int n, char *why, size_t whylen);

/* Unshares the pid namespace and forks. Returns in the child, pid 1 of the new namespace, with a
 * /proc of that namespace mounted: 0, or 1 with why when /proc could not be mounted. The parent
 * does not return: it passes the signals a process sends it on to the child and exits as the
 * child does; when status_fd >= 0, it first writes the child's wait status there (4 bytes), once
 * the whole namespace is gone and before its own exit tears the namespaces down (the child closes
 * status_fd at once: the tree never holds it). -1 with why (nothing forked, still the caller). */
int enter_pid_namespace(int sock, int status_fd, char *why, size_t whylen);

/* Pid 1 of the tree: passes signals a process sends it on to agent, reaps whatever is
 * re-parented to it, and exits as agent does (128+N when agent was killed by signal N; then the
 * kernel kills what is left of the namespace). */
__attribute__((noreturn)) void run_init(pid_t agent);

#endif
