// SPDX-License-Identifier: GPL-2.0
/* Root mode: outbound connects of the supervised tree decided in the kernel.
 *
 * The seccomp filter stops every connect() in user space, which costs a notification round trip
 * (x1.7 on a loopback connect even with a no-op decision). Here the same decision runs inside the
 * connect itself, on the kernel's own copy of the sockaddr (no TOCTOU):
 *
 *   not a task of the tree, DNS, or not a production address     -> allowed
 *   a production TCP connect with the wire layer on              -> the gate (what it sends is decided there)
 *   a decision already made for (process, address, port)         -> that decision
 *   the process's committed exec was understood and named production -> the supervisor checks
 *     the code the process has mapped since (its libraries) once per destination: a TCP connect
 *     goes to the gate, where it waits for that check; a datagram cannot wait, so the first one is
 *     refused and the supervisor's answer, remembered above, decides the next
 *   otherwise (an unknown client): the profile's action -> allow / EPERM / a TCP connect is
 *   redirected to the supervisor's gate (127.254.S.S:port, S = slot), where it waits for a person
 *   and is then proxied to its destination or reset.
 *
 * Tree membership follows fork in tp_btf/sched_process_fork, so it cannot be escaped by moving
 * cgroups: the programs are attached to the root of the cgroup v2 hierarchy. Trust follows a
 * committed exec (tp_btf/sched_process_exec), so a failed exec of an understood tool never
 * trusts the process that tried it. The same program checks, for every exec whose decision
 * depended on its arguments, that what was committed is what was decided (a keyed hash of the
 * new image's argv and environment, its file, no foreign tracer), and kills it before its first
 * instruction otherwise.
 *
 * What the supervisor shares with this program (layouts, constants) is in agentshell-connect.h. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "agentshell-connect.h"
#include "agentshell-siphash.h"
#include "agentshell-area-hash.h"

char LICENSE[] SEC("license") = "GPL";

/* CO-RE: only the fields read, relocated by libbpf against the running kernel's BTF. */
typedef struct { int counter; } atomic_t;
struct signal_struct {
    atomic_t live;
} __attribute__((preserve_access_index));
struct mm_struct {
    unsigned long arg_start, arg_end, env_start, env_end;
} __attribute__((preserve_access_index));
struct task_struct {
    int pid;
    int tgid;
    unsigned int ptrace;
    struct task_struct *parent;
    struct mm_struct *mm;
    struct signal_struct *signal;
} __attribute__((preserve_access_index));
struct super_block {
    __u32 s_dev;
} __attribute__((preserve_access_index));
struct inode {
    unsigned long i_ino;
    struct super_block *i_sb;
} __attribute__((preserve_access_index));
struct file {
    struct inode *f_inode;
} __attribute__((preserve_access_index));
struct linux_binprm {
    struct file *file;
} __attribute__((preserve_access_index));

#define SOCK_STREAM 1
#define AF_INET 2
#define AF_INET6 10
#define DNS_PORT 53

/* Sizes: a map's bucket array is allocated at load (1 << 20 entries cost 10 ms each), and an LRU
 * map cannot skip preallocating its elements: 1 << 16 staged entries took 35-130 ms at every run's
 * start. The LRU maps are caches whose eviction only fails closed (an exec without its stage is
 * trusted with nothing; a connect without its remembered decision is decided again), and hold
 * what is in flight (stages) or recent (decisions), so a few thousand entries are plenty. */
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1 << 17); __uint(map_flags, BPF_F_NO_PREALLOC);
         __type(key, __u32); __type(value, __u8); } tree SEC(".maps");             /* tid -> 1 */
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 1 << 16); __uint(map_flags, BPF_F_NO_PREALLOC);
         __type(key, struct addr_key); __type(value, __u8); } prod SEC(".maps");    /* production prefixes */
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1 << 17); __uint(map_flags, BPF_F_NO_PREALLOC);
         __type(key, __u32); __type(value, struct proc_state); } procs SEC(".maps"); /* tgid -> state */
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 1 << 12);
         __type(key, __u32); __type(value, struct stage); } staged SEC(".maps");    /* tid -> its next exec */
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 1 << 13);
         __type(key, struct decided_key); __type(value, __u8); } decided SEC(".maps"); /* enum decision */
/* Mapped by the supervisor, which takes a connect by swapping its seq back to SLOT_FREE. */
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, GATE_SLOTS); __uint(map_flags, BPF_F_MMAPABLE);
         __type(key, __u32); __type(value, struct slot); } slots SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);
         __type(key, __u32); __type(value, struct config); } conf SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 3);
         __type(key, __u32); __type(value, __u64); } counters SEC(".maps");          /* 0: slot seq, 1: generation, 2: overflow */
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);
         __type(key, __u32); __type(value, struct exec_check); } check SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 18); } events SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);
         __type(key, __u32); __type(value, struct control_socket); } control SEC(".maps");

/* Whether a task is one of the tree's. A task the tree map had no room for cannot be told apart:
 * then every task is treated as one of the tree (fail closed; other programs' production connects
 * go to the gate too, and their connects to the approval socket's path are refused). */
static __always_inline int of_tree(__u32 tid)
{
    __u32 two = 2;
    __u64 *overflow = bpf_map_lookup_elem(&counters, &two);
    return bpf_map_lookup_elem(&tree, &tid) || (overflow && *overflow);
}

static __always_inline __u64 next(__u32 which)
{
    __u64 *c = bpf_map_lookup_elem(&counters, &which);
    return c ? __sync_fetch_and_add(c, 1) + 1 : 0;
}

static __always_inline void emit(__u32 tgid, __u32 tid, const __u8 *addr, __u32 port, __u32 kind)
{
    struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e)
        return; /* the connect is refused anyway; only its message is lost */
    e->tgid = tgid;
    e->tid = tid;
    e->port = port;
    e->kind = kind;
    __builtin_memcpy(e->addr, addr, 16);
    bpf_ringbuf_submit(e, 0);
}

/* 1: let the connect (or send) go on, 0: EPERM. addr is 16 bytes (IPv4 as ::ffff:a.b.c.d). */
static __always_inline int decide(struct bpf_sock_addr *ctx, const __u8 *addr, __u32 port, int v6)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 tid = (__u32)id, tgid = (__u32)(id >> 32), zero = 0;
    if (!of_tree(tid))
        return 1;
    struct config *c = bpf_map_lookup_elem(&conf, &zero);
    if (!c)
        return 0;
    /* DNS is always allowed: the decision is on the address, so naming tricks do not help. */
    if (port == DNS_PORT)
        return 1;
    int v4 = ((const __u32 *)addr)[0] == 0 && ((const __u32 *)addr)[1] == 0 && ((const __u32 *)addr)[2] == bpf_htonl(0xffff);
    __u32 a4 = bpf_ntohl(((const __u32 *)addr)[3]);
    /* The gate belongs to the supervisor: a task of the tree never reaches it by itself. */
    if (v4 && (a4 & 0xffff0000u) == GATE_NET)
        return 0;

    struct addr_key k = { .prefixlen = 128 };
    __builtin_memcpy(k.addr, addr, 16);
    int production = bpf_map_lookup_elem(&prod, &k) != 0;
    /* Until profile host names are resolved any address may be production: ask the supervisor. */
    if (!production && c->ready)
        return 1;

    struct proc_state *ps = bpf_map_lookup_elem(&procs, &tgid);
    /* The wire layer decides each request of a production TCP connection: no exec's trust, no
     * earlier answer and no profile action lets one past the gate. */
    int wire = production && c->wire && ctx->type == SOCK_STREAM;
    if (!wire) {
        struct decided_key dk = { .tgid = tgid, .port = port, .gen = ps ? ps->gen : 0 };
        __builtin_memcpy(dk.addr, addr, 16);
        __u8 *d = bpf_map_lookup_elem(&decided, &dk);
        if (d)
            return *d == DECIDED_ALLOW; /* a refusal was reported when it was decided */
        /* A trusted program's first TCP connect to a destination goes to the gate, where the
         * supervisor checks the code it has mapped since its exec (a library written in place);
         * its answer is remembered above. A datagram cannot wait for that check: the first one is
         * refused, and the supervisor checks on its event. */
        int trusted = production && ps && ps->trusted;
        if (trusted && ctx->type != SOCK_STREAM) {
            emit(tgid, tid, addr, port, EV_TRUSTED_DATAGRAM);
            return 0;
        }
        if (!trusted && production && c->action == ACT_ALLOW)
            return 1;
        if (!trusted && production && c->action == ACT_BLOCK) {
            emit(tgid, tid, addr, port, EV_BLOCKED);
            return 0;
        }
    }
    /* A datagram cannot wait at the gate: refused, and the supervisor says why. */
    if (ctx->type != SOCK_STREAM) {
        emit(tgid, tid, addr, port, production ? EV_DATAGRAM : EV_NOT_READY);
        return 0;
    }

    __u64 seq = next(0);
    __u32 n = (__u32)seq & (GATE_SLOTS - 1);
    struct slot *s = bpf_map_lookup_elem(&slots, &n);
    /* A slot is reused only once the supervisor has taken its connect (it frees seq), so a
     * connect never reaches the gate under another one's process or destination. */
    if (!seq || !s || c->gate_port == 0 || __sync_val_compare_and_swap(&s->seq, SLOT_FREE, SLOT_FILLING) != SLOT_FREE) {
        emit(tgid, tid, addr, port, EV_GATE_FULL);
        return 0;
    }
    s->gen = ps ? ps->gen : 0;
    s->tgid = tgid;
    s->tid = tid;
    s->port = port;
    s->family = v6 ? AF_INET6 : AF_INET;
    __builtin_memcpy(s->addr, addr, 16);
    __sync_lock_test_and_set(&s->seq, seq); /* written last: the supervisor waits for it */

    __u32 gate = bpf_htonl(GATE_NET | n);
    if (v6) {
        ctx->user_ip6[0] = 0;
        ctx->user_ip6[1] = 0;
        ctx->user_ip6[2] = bpf_htonl(0xffff);
        ctx->user_ip6[3] = gate;
    } else {
        ctx->user_ip4 = gate;
    }
    ctx->user_port = bpf_htons((__u16)c->gate_port);
    return 1;
}

/* A connect to the unspecified address (0.0.0.0, ::) goes to the socket's own bound address, or
 * to loopback: decide on where it really goes. */
static __always_inline int decide4(struct bpf_sock_addr *ctx)
{
    __u32 ip = ctx->user_ip4;
    if (ip == 0) {
        struct bpf_sock *sk = ctx->sk;
        ip = sk && sk->src_ip4 ? sk->src_ip4 : bpf_htonl(0x7f000001);
    }
    __u32 a[4] = { 0, 0, bpf_htonl(0xffff), ip };
    return decide(ctx, (const __u8 *)a, bpf_ntohs((__u16)ctx->user_port), 0);
}

static __always_inline int decide6(struct bpf_sock_addr *ctx)
{
    __u32 a[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };
    if (a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff) && a[3] == 0) {
        /* ::ffff:0.0.0.0 is IPv4's unspecified address: the bound IPv4 address, or 127.0.0.1. */
        struct bpf_sock *sk = ctx->sk;
        a[3] = sk && sk->src_ip4 ? sk->src_ip4 : bpf_htonl(0x7f000001);
    } else if ((a[0] | a[1] | a[2] | a[3]) == 0) {
        struct bpf_sock *sk = ctx->sk;
        if (sk && (sk->src_ip6[0] | sk->src_ip6[1] | sk->src_ip6[2] | sk->src_ip6[3])) {
            a[0] = sk->src_ip6[0]; a[1] = sk->src_ip6[1]; a[2] = sk->src_ip6[2]; a[3] = sk->src_ip6[3];
        } else {
            a[3] = bpf_htonl(1); /* ::1 */
        }
    }
    return decide(ctx, (const __u8 *)a, bpf_ntohs((__u16)ctx->user_port), 1);
}

SEC("cgroup/connect4") int connect4(struct bpf_sock_addr *ctx) { return decide4(ctx); }
SEC("cgroup/connect6") int connect6(struct bpf_sock_addr *ctx) { return decide6(ctx); }
/* Unconnected UDP sends name their destination on every sendto/sendmsg. */
SEC("cgroup/sendmsg4") int sendmsg4(struct bpf_sock_addr *ctx) { return decide4(ctx); }
SEC("cgroup/sendmsg6") int sendmsg6(struct bpf_sock_addr *ctx) { return decide6(ctx); }

/* Unix connects of the tree (Linux >= 6.7, BPF_CGROUP_UNIX_CONNECT), so that seccomp need not trap
 * them (a notification per nscd lookup, ~57 us each here when the supervisor's vCPU is idle). The
 * hook runs before the kernel looks the path up: it sees the string, not the inode. A connect naming
 * the approval socket by the path it was bound at is refused here (EPERM, and the supervisor says
 * why); another spelling of it (a symlink, a relative path, /proc/PID/root/...) reaches the socket,
 * whose server refuses every task of the tree by its credentials (SO_PEERCRED, against the tree
 * map). Abstract names are no file: not the approval socket. libbpf 1.1 has no section name for
 * this hook, so the program is built as the type's connect4 and the supervisor sets its attach type
 * before load (BpfInstaller.Prepare); on a kernel without the hook it is not loaded, and seccomp
 * keeps trapping Unix connects. */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
struct bpf_sock_addr_kern {
    void *uaddr; /* the kernel's copy of the sockaddr (a sockaddr_storage, or a whole sockaddr_un) */
    __u32 uaddrlen;
} __attribute__((preserve_access_index));

SEC("cgroup/connect4")
int connect_unix(struct bpf_sock_addr *ctx)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 tid = (__u32)id, tgid = (__u32)(id >> 32), zero = 0;
    if (!of_tree(tid))
        return 1;
    struct control_socket *c = bpf_map_lookup_elem(&control, &zero);
    if (!c)
        return 0;
    struct bpf_sock_addr_kern *k = bpf_cast_to_kern_ctx(ctx);
    __u32 alen = BPF_CORE_READ(k, uaddrlen);
    __u8 none[16] = {};
    if ((c->flags & CONTROL_UNIX_INET_LENGTHS) && (alen == 16 || alen == 28)) {
        emit(tgid, tid, none, 0, EV_UNIX_UNSEEN);
        return 0;
    }
    __u32 len = c->len;
    if (len == 0)
        return 1; /* none guarded here: seccomp still traps the tree's Unix connects */
    if (len >= UNIX_PATH)
        return 0;
    const char *sa = BPF_CORE_READ(k, uaddr);
    char p[UNIX_PATH];
    if (!sa || bpf_probe_read_kernel(p, sizeof(p), sa + 2) != 0)
        return 0;
    /* The kernel's name is sun_path up to its first NUL or the address's end. */
    __u32 n = alen > 2 ? alen - 2 : 0;
    if (n < len)
        return 1;
    for (int i = 0; i < UNIX_PATH; i++) {
        if (i >= len)
            break;
        if (p[i] != c->path[i])
            return 1;
    }
    if (n > len && p[len] != 0)
        return 1; /* a longer name */
    emit(tgid, tid, none, 0, EV_CONTROL_SOCKET);
    return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 ptid = BPF_CORE_READ(parent, pid);
    if (!bpf_map_lookup_elem(&tree, &ptid))
        return 0;
    __u32 tid = BPF_CORE_READ(child, pid), tgid = BPF_CORE_READ(child, tgid);
    __u8 one = 1;
    if (bpf_map_update_elem(&tree, &tid, &one, BPF_ANY) != 0) {
        __u32 two = 2;
        __u64 *overflow = bpf_map_lookup_elem(&counters, &two);
        if (overflow)
            __sync_fetch_and_add(overflow, 1);
    }
    if (tid == tgid) {
        /* A new process: a fresh generation, so decisions left by an earlier process with the
         * same pid never apply to it. It trusts nothing until it execs an understood tool. */
        struct proc_state st = { .gen = next(1) };
        bpf_map_update_elem(&procs, &tgid, &st, BPF_ANY);
    }
    return 0;
}

/* 0 when the committed exec is what was decided; else the event kind it is killed with. */
static __always_inline __u32 verify_exec(struct task_struct *p, const struct stage *sg, __u64 dev, __u64 ino)
{
    __u32 zero = 0;
    struct exec_check *k = bpf_map_lookup_elem(&check, &zero);
    if (!k)
        return EV_EXEC_CHANGED;
    /* Traced by anyone but the supervisor: the tracer could change it from now on. */
    if (BPF_CORE_READ(p, ptrace) != 0 && (__u32)BPF_CORE_READ(p, parent, tgid) != k->supervisor)
        return EV_EXEC_TRACED;
    if ((sg->dev | sg->ino) != 0 && (dev != sg->dev || ino != sg->ino))
        return EV_EXEC_CHANGED;
    struct mm_struct *mm = BPF_CORE_READ(p, mm);
    if (!mm)
        return EV_EXEC_CHANGED;
    if (!area_is(BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end), sg->argv_len, sg->argv_hash, k))
        return EV_EXEC_CHANGED;
    if (!area_is(BPF_CORE_READ(mm, env_start), BPF_CORE_READ(mm, env_end), sg->env_len, sg->env_hash, k))
        return EV_EXEC_CHANGED;
    return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, int old_pid, struct linux_binprm *bprm)
{
    __u32 tid = BPF_CORE_READ(p, pid), tgid = BPF_CORE_READ(p, tgid), old = (__u32)old_pid;
    if (!bpf_map_lookup_elem(&tree, &tid) && !bpf_map_lookup_elem(&tree, &old))
        return 0;
    if (old != tid) {
        /* A non-leader thread exec'd and took the leader's pid; the old leader's exit already
         * removed that pid from the tree: the process stays in it under its new pid. */
        __u8 one = 1;
        bpf_map_update_elem(&tree, &tid, &one, BPF_ANY);
        bpf_map_delete_elem(&tree, &old);
    }
    struct proc_state st = { .gen = next(1) };
    struct stage *sg = bpf_map_lookup_elem(&staged, &old);
    if (sg) {
        __u64 ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
        __u64 dev = BPF_CORE_READ(bprm, file, f_inode, i_sb, s_dev);
        if (sg->verify) {
            __u32 kind = verify_exec(p, sg, dev, ino);
            if (kind) {
                /* SIGKILL is pending before the new image returns to user space: it never runs. */
                bpf_send_signal(9);
                __u8 none[16] = {};
                emit(tgid, old, none, 0, kind);
                bpf_map_delete_elem(&staged, &old);
                bpf_map_update_elem(&procs, &tgid, &st, BPF_ANY);
                return 0;
            }
        }
        if (dev == sg->dev && ino == sg->ino)
            st.trusted = sg->trusted;
        bpf_map_delete_elem(&staged, &old);
    }
    bpf_map_update_elem(&procs, &tgid, &st, BPF_ANY);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
    __u32 tid = BPF_CORE_READ(p, pid), tgid = BPF_CORE_READ(p, tgid);
    /* The process's state goes with its last thread (signal->live is already down to 0), not
     * with a leader that leaves early (pthread_exit in main). */
    if (bpf_map_delete_elem(&tree, &tid) == 0 && BPF_CORE_READ(p, signal, live.counter) == 0)
        bpf_map_delete_elem(&procs, &tgid);
    return 0;
}
