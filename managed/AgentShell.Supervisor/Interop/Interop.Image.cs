using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>The loaded objects' images (the executable and its libraries): their read-only load
    /// segments, and dropping their pages from our page tables (they stay in the page cache; a
    /// later touch maps them again).</summary>
    internal static unsafe partial class Image
    {
        private const uint PT_LOAD = 1, PT_GNU_RELRO = 0x6474e552, PF_W = 2;
        private const int MADV_DONTNEED = 4;
        internal const int MaxRanges = 32;

        [StructLayout(LayoutKind.Sequential)]
        private struct dl_phdr_info
        {
            public nuint dlpi_addr;
            public byte* dlpi_name;
            public Elf64_Phdr* dlpi_phdr;
            public ushort dlpi_phnum;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct Elf64_Phdr
        {
            public uint p_type, p_flags;
            public ulong p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
        }

        /// <summary>Start and length of each page-aligned read-only range.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Ranges
        {
            public int Count;
            public bool ExecutableOnly;
            public fixed ulong Start[MaxRanges];
            public fixed ulong Length[MaxRanges];
        }

        [LibraryImport(Libc.Name)]
        private static partial int dl_iterate_phdr(delegate* unmanaged<dl_phdr_info*, nuint, void*, int> callback, void* data);

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static partial int madvise(void* address, nuint length, int advice);

        /// <summary>Each loaded object's load segments that are never written (the executable's
        /// alone when <paramref name="executableOnly"/>): not writable and outside the RELRO area
        /// (relocated, so its pages are private copies), rounded inwards to whole pages, so no page
        /// shared with a written segment is named. The vDSO is not a file: skipped.</summary>
        internal static Ranges ReadOnlySegments(bool executableOnly)
        {
            Ranges r = default;
            r.ExecutableOnly = executableOnly;
            dl_iterate_phdr(&Each, &r);
            return r;
        }

        /// <summary>madvise(MADV_DONTNEED) of one range: 0, or the errno.</summary>
        internal static Errno Drop(ulong start, ulong length) =>
            madvise((void*)start, (nuint)length, MADV_DONTNEED) == 0 ? 0 : LastErrno;

        [UnmanagedCallersOnly]
        private static int Each(dl_phdr_info* info, nuint size, void* data)
        {
            var r = (Ranges*)data;
            var name = info->dlpi_name == null ? "" : Marshal.PtrToStringUTF8((nint)info->dlpi_name) ?? "";
            if (name.StartsWith("linux-vdso", StringComparison.Ordinal) || name.StartsWith("linux-gate", StringComparison.Ordinal)) return 0;
            ulong page = (ulong)Environment.SystemPageSize;
            ulong relroStart = ulong.MaxValue, relroEnd = 0;
            for (int i = 0; i < info->dlpi_phnum; i++)
            {
                var ph = info->dlpi_phdr[i];
                if (ph.p_type == PT_GNU_RELRO) { relroStart = ph.p_vaddr & ~(page - 1); relroEnd = ph.p_vaddr + ph.p_memsz; }
            }
            for (int i = 0; i < info->dlpi_phnum && r->Count < MaxRanges; i++)
            {
                var ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0) continue;
                ulong start = (ph.p_vaddr + page - 1) & ~(page - 1), end = (ph.p_vaddr + ph.p_filesz) & ~(page - 1);
                if (end > relroStart && start < relroEnd) continue; // never the case with ld's layout; refuse rather than guess
                if (end <= start) continue;
                r->Start[r->Count] = info->dlpi_addr + start;
                r->Length[r->Count] = end - start;
                r->Count++;
            }
            return r->ExecutableOnly ? 1 : 0; // the first object is the executable; then the libraries
        }
    }
}
