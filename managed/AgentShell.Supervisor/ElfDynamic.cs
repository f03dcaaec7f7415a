using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;

namespace AgentShell.Supervisor;

/// <summary>What the dynamic loader reads of one ELF file to find its libraries: DT_NEEDED,
/// DT_SONAME, DT_RPATH, DT_RUNPATH and PT_INTERP (<see cref="LibraryLookups"/>). Read with bounded
/// preads and kept per (device, inode, change time): a file the run changes is read again.</summary>
internal sealed record ElfDynamic(string? Soname, string[] Needed, string? RPath, string? RunPath, string? Interp)
{
    private const int MaxHeaders = 64 * 1024, MaxStrings = 1024 * 1024, MaxCached = 4096;
    private const int PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
    private const long DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_SONAME = 14, DT_RPATH = 15, DT_RUNPATH = 29;

    private static readonly ConcurrentDictionary<(ulong, ulong, long), ElfDynamic> s_read = new();

    /// <summary>The file open at <paramref name="fd"/> (its fstat <paramref name="st"/>), or null when
    /// it is not a 64-bit little-endian ELF file or does not read whole within the bounds.</summary>
    public static ElfDynamic? Of(int fd, in FileStatus st)
    {
        var key = (Network.ExecFiles.KernelDev(st.Dev), st.Ino, st.CtimeNs);
        if (s_read.TryGetValue(key, out var known)) return known;
        var read = Read(fd);
        if (read == null) return null;
        if (s_read.Count >= MaxCached) s_read.Clear();
        s_read[key] = read;
        return read;
    }

    /// <summary><see cref="Of(int, in FileStatus)"/> of the file at <paramref name="path"/>, when it
    /// is still (<paramref name="dev"/>, <paramref name="ino"/>): the kernel's device number. PERF: a
    /// file whose change time is known (the mapping check's stat) is not opened when it was read.</summary>
    public static ElfDynamic? Of(string path, ulong dev, ulong ino, long ctimeNs = -1)
    {
        if (ctimeNs >= 0 && s_read.TryGetValue((dev, ino, ctimeNs), out var known)) return known;
        int fd = Interop.Files.Open(path, Interop.Files.ReadOnlyNoWait, out _);
        if (fd < 0) return null;
        try
        {
            return Interop.Files.TryFStat(fd, out var st) && st.IsRegular && Network.ExecFiles.KernelDev(st.Dev) == dev && st.Ino == ino
                ? Of(fd, st) : null;
        }
        finally { Interop.Libc.close(fd); }
    }

    private static ElfDynamic? Read(int fd)
    {
        Span<byte> eh = stackalloc byte[64];
        if (Interop.Files.PReadAt(fd, eh, 0) != 64 || !eh[..4].SequenceEqual("\u007fELF"u8)
            || eh[4] != 2 || eh[5] != 1)
            return null;
        long phoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(eh[32..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(eh[54..]), phnum = BinaryPrimitives.ReadUInt16LittleEndian(eh[56..]);
        if (phentsize < 56 || phoff < 0 || (long)phentsize * phnum > MaxHeaders) return null;
        var ph = new byte[phentsize * phnum];
        if (Interop.Files.PReadAt(fd, ph, phoff) != ph.Length) return null;
        long dynOff = -1, dynSize = 0;
        string? interp = null;
        for (int i = 0; i < phnum; i++)
        {
            var h = ph.AsSpan(i * phentsize, 56);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(h);
            long off = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[8..]), size = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[32..]);
            if (type == PT_DYNAMIC) { dynOff = off; dynSize = size; }
            else if (type == PT_INTERP)
            {
                if (size <= 0 || size > 4096) return null;
                var b = new byte[size];
                if (Interop.Files.PReadAt(fd, b, off) != size) return null;
                interp = Cstring(b, 0);
            }
        }
        if (dynOff < 0) return new ElfDynamic(null, [], null, null, interp); // static: loads nothing
        if (dynSize <= 0 || dynSize > MaxHeaders) return null;
        var dyn = new byte[dynSize];
        if (Interop.Files.PReadAt(fd, dyn, dynOff) != dynSize) return null;
        long strtab = -1, strsz = -1, soname = -1, rpath = -1, runpath = -1;
        var needed = new List<long>();
        for (int i = 0; i + 16 <= dyn.Length; i += 16)
        {
            long tag = BinaryPrimitives.ReadInt64LittleEndian(dyn.AsSpan(i)), val = (long)BinaryPrimitives.ReadUInt64LittleEndian(dyn.AsSpan(i + 8));
            if (tag == 0) break;
            switch (tag)
            {
                case DT_NEEDED: needed.Add(val); break;
                case DT_STRTAB: strtab = val; break;
                case DT_STRSZ: strsz = val; break;
                case DT_SONAME: soname = val; break;
                case DT_RPATH: rpath = val; break;
                case DT_RUNPATH: runpath = val; break;
            }
        }
        if (strtab < 0 || strsz <= 0 || strsz > MaxStrings) return needed.Count == 0 ? new ElfDynamic(null, [], null, null, interp) : null;
        long strOff = FileOffset(ph, phentsize, phnum, strtab);
        if (strOff < 0) return null;
        var strs = new byte[strsz];
        if (Interop.Files.PReadAt(fd, strs, strOff) != strsz) return null;
        var names = new string[needed.Count];
        for (int i = 0; i < names.Length; i++)
            if ((names[i] = Cstring(strs, needed[i])!) == null) return null;
        string? At(long o) => o < 0 ? null : Cstring(strs, o);
        if ((soname >= 0 && At(soname) == null) || (rpath >= 0 && At(rpath) == null) || (runpath >= 0 && At(runpath) == null)) return null;
        return new ElfDynamic(At(soname), names, At(rpath), At(runpath), interp);
    }

    /// <summary>The file offset of virtual address <paramref name="vaddr"/> (the PT_LOAD holding it), or -1.</summary>
    private static long FileOffset(byte[] ph, int phentsize, int phnum, long vaddr)
    {
        for (int i = 0; i < phnum; i++)
        {
            var h = ph.AsSpan(i * phentsize, 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(h) != PT_LOAD) continue;
            long off = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[8..]), va = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[16..]),
                filesz = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[32..]);
            if (vaddr >= va && vaddr < va + filesz) return vaddr - va + off;
        }
        return -1;
    }

    /// <summary>The NUL-terminated string at <paramref name="at"/>, or null when it runs off the end.</summary>
    private static string? Cstring(byte[] b, long at)
    {
        if (at < 0 || at >= b.Length) return null;
        int end = Array.IndexOf(b, (byte)0, (int)at);
        return end < 0 ? null : Encoding.UTF8.GetString(b, (int)at, end - (int)at);
    }
}
