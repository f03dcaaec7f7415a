using Microsoft.Win32.SafeHandles;

namespace AgentShell.Supervisor;

/// <summary>Drops the read-only pages (code, read-only data, unwind tables) of the executable and
/// its libraries from the supervisor's resident set once start-up is over (issue 16: peak RSS). Start-up touches code a
/// run never needs again: the command line's parser, the profile readers and binders, the rules'
/// own tests. Each touch maps a 64 KiB block of the file (the kernel's fault-around), so after
/// start-up ~11 MiB of the image is mapped, of which decisions use ~8 (measured: the image's pages
/// paged out from outside at 2,000 decisions, ~7.8 MiB mapped again by 20,000). The pages stay in
/// the page cache: what is used again is mapped again by a minor fault, a few hundred in all.
/// Only pages that are the file's own are dropped: segments that are never written, and in them
/// no page the runtime wrote at start-up (the stack cookie's page in .rodata is made writable,
/// written and sealed again: a private copy, which pagemap shows as not file-backed, kept). A
/// failure only leaves the pages mapped.</summary>
internal static class ImagePages
{
    private const ulong Present = 1UL << 63, FileOrShared = 1UL << 61;

    /// <summary>Unmaps the loaded objects' unwritten read-only pages (the executable's alone when
    /// <paramref name="executableOnly"/>: start-up goes on in libc, and each page it maps again
    /// costs a fault); returns how many bytes were named.</summary>
    public static long Drop(bool executableOnly = false)
    {
        var r = Interop.Image.ReadOnlySegments(executableOnly);
        long page = Environment.SystemPageSize, named = 0;
        SafeFileHandle pagemap;
        try { pagemap = File.OpenHandle("/proc/self/pagemap"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; } // nothing known: nothing dropped
        using (pagemap)
        {
            // PERF: on the stack: 64 KiB from the heap was an eighth of what a run allocates before its first collection.
            Span<byte> entries = stackalloc byte[16 * 1024];
            for (int i = 0; i < r.Count; i++)
            {
                ulong start, length;
                unsafe { start = r.Start[i]; length = r.Length[i]; }
                ulong run = start; // the first page of the run of droppable pages being gathered
                for (ulong at = start; at < start + length;)
                {
                    int pages = (int)Math.Min((start + length - at) / (ulong)page, (ulong)entries.Length / 8);
                    int got;
                    try { got = RandomAccess.Read(pagemap, entries[..(pages * 8)], (long)(at / (ulong)page * 8)); }
                    catch (IOException) { return named; } // unknown from here: keep the rest mapped
                    if (got != pages * 8) return named;
                    for (int p = 0; p < pages; p++, at += (ulong)page)
                    {
                        ulong entry = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(entries[(p * 8)..]);
                        if ((entry & Present) == 0 || (entry & FileOrShared) != 0) continue;
                        // A private copy: keep it, drop what came before it.
                        named += DropRun(run, at);
                        run = at + (ulong)page;
                    }
                }
                named += DropRun(run, start + length);
            }
        }
        return named;
    }

    private static long DropRun(ulong from, ulong to) =>
        // A failure (none expected: our own mapping) leaves the pages resident: memory, not a decision.
        to > from && Interop.Image.Drop(from, to - from) == 0 ? (long)(to - from) : 0;
}
