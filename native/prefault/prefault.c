/* Linked into the NativeAOT agentshell executable (AgentShell.Cli.csproj): before the runtime
 * starts, the executable's zero-initialised data (.bss and the runtime's .hydrated section, ~2.9
 * MiB: the dehydrated data the runtime expands there at start-up) is made resident in one call
 * instead of ~700 page faults, one per 4 KiB page as the runtime writes it. On this kind of VM a
 * fault is dear: a cold `agentshell check -- ls` went from ~1080 faults and ~32 ms of CPU to ~400
 * and ~25 ms (issue 16). The runtime writes nearly every one of these pages anyway, so the
 * resident set hardly grows; the executable stays position-independent (ASLR kept).
 *
 * Best effort by design: MADV_POPULATE_WRITE needs Linux 5.14; where it fails (an older kernel,
 * no memory now) the pages fault in as they always did, so no error is worth stopping for. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* The linker's marks: where .bss starts and where the last zero-initialised section ends. */
extern char __bss_start[];
extern char _end[];

/* In steps: one 3 MiB call failed with ENOMEM on this kernel where 1 MiB steps all succeed. */
#define STEP (1u << 20)

__attribute__((constructor(101))) static void agentshell_prefault(void)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return; /* no page size: nothing is populated, the pages fault in as before */
    /* Whole pages only: the page .bss starts in also holds .data, already resident. */
    uintptr_t start = ((uintptr_t)__bss_start + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    uintptr_t end = ((uintptr_t)_end + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    for (uintptr_t at = start; at < end; at += STEP) {
        size_t len = end - at < STEP ? end - at : STEP;
        /* Not checked on purpose (see above): a failure leaves these pages to fault in. */
        (void)madvise((void *)at, len, MADV_POPULATE_WRITE);
    }
}
