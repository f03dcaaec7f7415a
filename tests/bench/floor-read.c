/* agentshell-floor (notifier.c): an exec's filename, argv and environment read from the caller's
 * memory with process_vm_readv, as agentshell's ExecReader reads them. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/uio.h>

#include "floor.h"

/* process_vm_readv of len bytes at addr; bytes read (short at an unmapped page), or -1. */
ssize_t peek(pid_t pid, uint64_t addr, void *dest, size_t len)
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
char strings[ARG_BYTES];
/* What the last read_exec read: argc, the bytes of strings[] (no NULs) and each string's length. */
size_t read_count, read_bytes, arg_len[MAX_ARGS + 1];
char path[PAGE];

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
int read_exec(pid_t pid, uint64_t path_addr, uint64_t argv_addr)
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

/* The environment at the notification (verify mode): envp's pointers, then the strings, each with
 * its NUL, one after another in env_strings (the layout the kernel gives them on the new stack). */
static uint64_t env_ptrs[MAX_ARGS + 1];
char env_strings[ARG_BYTES];
size_t env_count, env_bytes;

int read_env(pid_t pid, uint64_t envp)
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
