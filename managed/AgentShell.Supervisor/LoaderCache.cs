using System.Buffers.Binary;
using System.Text;

namespace AgentShell.Supervisor;

/// <summary>/etc/ld.so.cache as glibc's loader reads it: the x86-64 libc6 entries of its new format
/// ("glibc-ld.so.cache1.1", after an old-format part or alone), name to paths, glibc-hwcaps entries
/// first. Parsed once per (device, inode, change time) of the file (<see cref="LibraryLookups"/>).</summary>
internal static class LoaderCache
{
    internal const string Path = "/etc/ld.so.cache";
    private const int MaxBytes = 16 * 1024 * 1024, Libc6X8664 = 0x0303;
    private const ulong HwcapExtension = 1UL << 62;
    private static readonly object s_lock = new();
    private static ((ulong, ulong, long) Key, Dictionary<string, string[]> Entries)? s_last;

    /// <summary>The cache's entries and its status, or null when it cannot be read or parsed (or
    /// does not exist: then <paramref name="absent"/>).</summary>
    public static Dictionary<string, string[]>? Read(out FileStatus st, out bool absent)
    {
        absent = false;
        int fd = Interop.Files.Open(Path, Interop.Files.ReadOnlyNoWait, out var errno);
        if (fd < 0) { st = default; absent = errno == Errno.ENOENT; return null; }
        try
        {
            if (!Interop.Files.TryFStat(fd, out st) || !st.IsRegular || st.Size > MaxBytes) return null;
            var key = (st.Dev, st.Ino, st.CtimeNs);
            lock (s_lock) if (s_last is { } last && last.Key == key) return last.Entries;
            var buf = new byte[st.Size];
            if (Interop.Files.PReadAt(fd, buf, 0) != buf.Length) return null;
            var entries = Parse(buf);
            if (entries != null) lock (s_lock) s_last = (key, entries);
            return entries;
        }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>The entries of a whole cache file, or null when its new-format part is not found
    /// whole. Offsets of names and paths count from the new-format header.</summary>
    internal static Dictionary<string, string[]>? Parse(ReadOnlySpan<byte> file)
    {
        int at = 0;
        if (file.StartsWith("ld.so-1.7.0"u8))
        {
            if (file.Length < 16) return null;
            long old = 16 + 12L * BinaryPrimitives.ReadUInt32LittleEndian(file[12..]);
            at = (int)Math.Min((old + 7) & ~7L, int.MaxValue);
        }
        if ((long)at + 48 > file.Length || !file[at..].StartsWith("glibc-ld.so.cache1.1"u8)) return null;
        var cache = file[at..];
        long n = BinaryPrimitives.ReadUInt32LittleEndian(cache[20..]);
        if (48 + n * 24 > cache.Length) return null;
        var hw = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var plain = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            var e = cache.Slice(48 + i * 24, 24);
            if (BinaryPrimitives.ReadInt32LittleEndian(e) != Libc6X8664) continue;
            string? name = Cstring(cache, BinaryPrimitives.ReadUInt32LittleEndian(e[4..]));
            string? path = Cstring(cache, BinaryPrimitives.ReadUInt32LittleEndian(e[8..]));
            if (name == null || path == null) return null;
            var into = (BinaryPrimitives.ReadUInt64LittleEndian(e[16..]) & HwcapExtension) != 0 ? hw : plain;
            if (!into.TryGetValue(name, out var list)) into[name] = list = [];
            list.Add(path);
        }
        var all = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, paths) in plain) all[name] = hw.TryGetValue(name, out var h) ? [.. h, .. paths] : [.. paths];
        foreach (var (name, paths) in hw) all.TryAdd(name, [.. paths]);
        return all;
    }

    private static string? Cstring(ReadOnlySpan<byte> b, uint at)
    {
        if (at >= b.Length) return null;
        int end = b[(int)at..].IndexOf((byte)0);
        return end < 0 ? null : Encoding.UTF8.GetString(b.Slice((int)at, end));
    }
}
