/* SPDX-License-Identifier: GPL-2.0 */
/* Root mode's exec check: a keyed hash of an area (argv or environment) of a new image, read from
 * its memory in bpf_loop steps. Included by agentshell-connect.bpf.c. */
#ifndef AGENTSHELL_AREA_HASH_H
#define AGENTSHELL_AREA_HASH_H

/* Hashing a committed area (argv or environment) of the new image, HASH_CHUNK bytes a step: the
 * state of one bpf_loop. The bytes were just copied there by the exec, so a read fails only for an
 * area that is not what it claims to be: fail closed. PERF: 256 bytes a step (one read and one
 * callback for 32 words) rather than 64: 10-15% less of on_exec's time per checked exec (bpf_stats);
 * the stack it takes was on_exec's script-path buffer. */
#define HASH_CHUNK 256
#define HASH_STEPS (1 << 14) /* 4 MiB: more than an exec's argv or environment can hold */
struct hash_state { struct sip sip; __u64 start, len, done, tail; __u32 failed; };

/* Step i hashes bytes [HASH_CHUNK i, HASH_CHUNK (i + 1)) of the area. Where it is comes from i alone, never from
 * what the last step left, so the verifier checks one step, not every possible length. */
static long hash_chunk(__u32 i, struct hash_state *h)
{
    __u64 off = (__u64)i * HASH_CHUNK;
    if (off >= h->len)
        return 1;
    __u64 w[HASH_CHUNK / 8] = {};
    __u64 n = h->len - off;
    if (n > HASH_CHUNK)
        n = HASH_CHUNK;
    /* clang may lose the bound on a variable read size (kernel-notes 12). */
    asm volatile("%0 &= 0x1ff" : "+r"(n));
    if (n == 0 || n > HASH_CHUNK || bpf_probe_read_user(w, n, (const void *)(h->start + off)) != 0) {
        h->failed = 1;
        return 1;
    }
    __u64 words = n / 8;
    for (int k = 0; k < HASH_CHUNK / 8; k++) {
        if (k >= words)
            break;
        sip_word(&h->sip, w[k]);
    }
    /* Only the last step can be short: its leftover bytes (the rest of w is zero). */
    if (n % 8)
        h->tail = w[words & (HASH_CHUNK / 8 - 1)];
    h->done = off + n;
    return 0;
}

/* 1 when the area [start, end) has length len and keyed hash hash. */
static __always_inline int area_is(__u64 start, __u64 end, __u64 len, __u64 hash, const struct exec_check *k)
{
    if (end < start || end - start != len || len > (__u64)HASH_STEPS * HASH_CHUNK)
        return 0;
    struct hash_state h = { .start = start, .len = len };
    sip_init(&h.sip, k->k0, k->k1);
    bpf_loop(HASH_STEPS, hash_chunk, &h, 0);
    if (h.failed || h.done != len)
        return 0;
    return sip_final(&h.sip, h.tail, len) == hash;
}

#endif
