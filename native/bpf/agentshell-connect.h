/* SPDX-License-Identifier: GPL-2.0 */
/* What native/bpf/agentshell-connect.bpf.c and the supervisor share: the layouts of the map keys
 * and values, the ring-buffer event, and the constants both sides act on.
 *
 * The C# mirrors live beside their users in managed/AgentShell.Supervisor/Network/ (BpfMaps,
 * KernelConnectGuard.Slot/Event, GateSlots); tests/AgentShell.Supervisor.Tests/InteropLayoutTests.cs
 * compiles this header and checks every field offset, every size and every constant against them.
 * Fixed-size types only: the same bytes are read by the kernel and by the supervisor. */
#ifndef AGENTSHELL_CONNECT_H
#define AGENTSHELL_CONNECT_H

#include <linux/types.h>

/* The gate: 127.254.0.0/16, the slot number in the low 16 bits of the address a held connect is
 * redirected to, so there is one address per slot. */
#define GATE_NET 0x7ffe0000u
#define GATE_SLOTS (1 << 16)
_Static_assert((GATE_NET & (GATE_SLOTS - 1)) == 0, "the slot number must fit the gate's host bits");

/* slot.seq: 0 is free; SLOT_FILLING while the kernel writes the slot; any other value is a
 * connect waiting to be taken (the supervisor takes it by swapping seq back to 0). */
#define SLOT_FREE 0ULL
#define SLOT_FILLING (~0ULL)

/* conf.action: what happens to an unknown client's production connect (Network.UnknownClientToProduction). */
enum action { ACT_ALLOW = 0, ACT_BLOCK = 1, ACT_PAUSE = 2 };

/* event.kind: why the kernel refused a connect or send, or killed an exec at its commit (what it
 * committed is not what was decided; or it is traced by another than the supervisor). */
enum event_kind { EV_BLOCKED = 1, EV_DATAGRAM = 2, EV_GATE_FULL = 3, EV_NOT_READY = 4, EV_EXEC_CHANGED = 5, EV_EXEC_TRACED = 6,
                  EV_CONTROL_SOCKET = 7, /* a connect of the tree to the approval socket, by its path */
                  EV_TRUSTED_DATAGRAM = 8, /* a trusted program's first datagram to a production destination */
                  EV_UNIX_UNSEEN = 9 /* a Unix connect the seccomp filter would let through unchecked (CONTROL_UNIX_INET_LENGTHS) */ };

/* The value of a decided map entry. */
enum decision { DECIDED_ALLOW = 1, DECIDED_DENY = 2 };

/* A production prefix (LPM trie key): prefixlen bits of a 16-byte address, IPv4 as ::ffff:a.b.c.d. */
struct addr_key { __u32 prefixlen; __u8 addr[16]; };

/* tgid -> the generation of its current program (changes at every exec) and whether that
 * committed exec is trusted with production. */
struct proc_state { __u64 gen; __u32 trusted; __u32 pad; };

/* What the supervisor checked for an exec it let go: trust applies only if what the kernel runs
 * is that file (dev, ino); a script is never trusted (the supervisor stages none). A path flipped
 * after the check runs another file, which gets no trust. dev is the kernel's encoding (major << 20
 * | minor); both 0: not known. With verify, the exec is killed at its commit unless it runs that
 * file (when known), its argv and environment areas have these lengths and keyed hashes
 * (agentshell-siphash.h, key in struct exec_check), and nothing but the supervisor traces it. */
struct stage { __u32 trusted; __u32 verify; __u64 dev, ino; __u64 argv_len, argv_hash, env_len, env_hash; };

/* The one entry of the check map: the run's hash key, drawn by the supervisor, and the
 * supervisor's pid (its own seize of a trusted tool, to seal it, is not another tracer). */
struct exec_check { __u64 k0, k1; __u32 supervisor; __u32 pad; };

/* A decision for (process, program generation, destination): its value is an enum decision. */
struct decided_key { __u32 tgid; __u32 port; __u64 gen; __u8 addr[16]; };

/* One connect held at the gate (family AF_INET or AF_INET6, addr as in addr_key). */
struct slot { __u64 seq; __u64 gen; __u32 tgid; __u32 tid; __u32 port; __u32 family; __u8 addr[16]; };

/* The one entry of the conf map. ready: profile host names are resolved and the production
 * prefixes copied in; until then every connect of the tree that is not DNS goes to the gate.
 * wire: the wire layer decides what production TCP connections send, so every one of them goes
 * to the gate, whatever the process's exec was trusted with. */
struct config { __u32 gate_port; __u32 action; __u32 ready; __u32 wire; };

/* The size of sockaddr_un's sun_path. */
#define UNIX_PATH 108

/* The one entry of the control map: the approval socket's path as the supervisor bound it (len bytes,
 * no NUL). len 0: none is guarded here, and every Unix connect of the tree is still trapped by seccomp. */
struct control_socket { __u32 len; __u32 flags; char path[UNIX_PATH]; };
/* control_socket.flags: refuse the tree's Unix connects whose address is 16 or 28 bytes long. The
 * seccomp filter lets those through unseen in root mode (their length is an inet sockaddr's), so
 * where Unix connects must be checked by the supervisor (listed command servers) they cannot pass. */
#define CONTROL_UNIX_INET_LENGTHS 1u

/* A connect or send the kernel refused (ring buffer), so the supervisor can say why. */
struct event { __u32 tgid; __u32 tid; __u32 port; __u32 kind; __u8 addr[16]; };

#endif
