/* agentshell-launch's seccomp filter: what goes to the supervisor, what fails, what runs (see the
 * list in agentshell-launch.c's opening comment). */
#ifndef AGENTSHELL_FILTER_H
#define AGENTSHELL_FILTER_H

#include <sys/types.h>

/* What the filter is told about the supervisor and the tree. */
struct filter_opts {
    pid_t sup, sup_pgrp;  /* as the tree names them (an impossible pid when it cannot name them) */
    int kernel_connect;   /* root mode: the kernel's cgroup programs decide inet connects and sends */
    int kernel_unix;      /* with kernel_connect: Unix connects too (cgroup/connect_unix guards the approval socket) */
    int refuse_mounts;    /* a protected root tree: the mount family of calls is refused */
};

/* Installs the filter with NEW_LISTENER | WAIT_KILLABLE_RECV and returns the listener's fd; dies
 * (nothing installed) when the filter does not assemble or the kernel refuses it. */
int install_filter(const struct filter_opts *o);

#endif
