/* SPDX-License-Identifier: GPL-2.0 */
/* SipHash-2-4 (Aumasson and Bernstein), the keyed hash of a committed argv and environment: the
 * supervisor hashes what it decided with a key drawn for the run, the kernel's sched_process_exec
 * program hashes what was committed, and a difference kills the exec. The key never reaches the
 * tree, so an argv that collides with a decided one cannot be searched for. Built into the BPF
 * program and, in tests, into a C program whose output the C# side (Network/SipHash.cs) must
 * match. Messages are processed in 8-byte little-endian words; the last word holds the leftover
 * bytes and the length in its top byte. */
#ifndef AGENTSHELL_SIPHASH_H
#define AGENTSHELL_SIPHASH_H

#include <linux/types.h>

struct sip { __u64 v0, v1, v2, v3; };

#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(s)                                                                 \
    do {                                                                             \
        (s)->v0 += (s)->v1; (s)->v1 = SIP_ROTL((s)->v1, 13); (s)->v1 ^= (s)->v0;     \
        (s)->v0 = SIP_ROTL((s)->v0, 32);                                             \
        (s)->v2 += (s)->v3; (s)->v3 = SIP_ROTL((s)->v3, 16); (s)->v3 ^= (s)->v2;     \
        (s)->v0 += (s)->v3; (s)->v3 = SIP_ROTL((s)->v3, 21); (s)->v3 ^= (s)->v0;     \
        (s)->v2 += (s)->v1; (s)->v1 = SIP_ROTL((s)->v1, 17); (s)->v1 ^= (s)->v2;     \
        (s)->v2 = SIP_ROTL((s)->v2, 32);                                             \
    } while (0)

static inline __attribute__((always_inline)) void sip_init(struct sip *s, __u64 k0, __u64 k1)
{
    s->v0 = k0 ^ 0x736f6d6570736575ULL;
    s->v1 = k1 ^ 0x646f72616e646f6dULL;
    s->v2 = k0 ^ 0x6c7967656e657261ULL;
    s->v3 = k1 ^ 0x7465646279746573ULL;
}

/* One full 8-byte word of the message (little-endian). */
static inline __attribute__((always_inline)) void sip_word(struct sip *s, __u64 m)
{
    s->v3 ^= m;
    SIP_ROUND(s);
    SIP_ROUND(s);
    s->v0 ^= m;
}

/* The leftover bytes (len % 8 of them, little-endian, the rest zero) and the total length. */
static inline __attribute__((always_inline)) __u64 sip_final(struct sip *s, __u64 tail, __u64 len)
{
    sip_word(s, (len << 56) | tail);
    s->v2 ^= 0xff;
    SIP_ROUND(s);
    SIP_ROUND(s);
    SIP_ROUND(s);
    SIP_ROUND(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

#endif
