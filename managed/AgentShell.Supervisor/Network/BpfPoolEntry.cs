using System.Buffers.Binary;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>One entry of the program pool (<see cref="BpfPool"/>): a directory on the bpf
/// filesystem holding "prog_NAME" and "map_NAME" pins (the bpf filesystem allows no dot in a name)
/// of one load of the connect object, never attached, and a symlink "manifest" whose target records the pool key and each program's tag as
/// the kernel reported it right after the load. <see cref="Open"/> trusts nothing it has not
/// checked: a mismatch anywhere discards the entry and the run loads its own programs.</summary>
internal static class BpfPoolEntry
{
    /// <summary>The manifest's first word and version.</summary>
    internal const string ManifestMagic = "agentshell-bpf-pool-v1";

    private const uint S_IFMT = 0xF000, S_IFLNK = 0xA000, S_IFREG = 0x8000;
    private const int BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_ARRAY = 2, BPF_MAP_TYPE_LRU_HASH = 9, BPF_MAP_TYPE_LPM_TRIE = 11;
    private const int MaxMapIds = 32;

    /// <summary>The manifest text for a load whose programs have the kernel tags <paramref name="tags"/>.</summary>
    internal static string Manifest(string key, IEnumerable<(string Name, string Tag)> tags) =>
        $"{ManifestMagic} {key} " + string.Join(' ', tags.Select(t => $"{t.Name}={t.Tag}"));

    /// <summary>A program's kernel info: type, tag (hex), name, creator uid and the ids of the maps it uses.</summary>
    internal readonly record struct ProgramInfo(int Type, string Tag, string Name, uint CreatorUid, uint[] MapIds);

    /// <summary>A map's kernel info.</summary>
    internal readonly record struct MapInfo(int Type, uint Id, uint KeySize, uint ValueSize, uint MaxEntries, uint Flags);

    /// <summary>Checks the claimed entry <paramref name="dir"/> against <paramref name="shape"/> and
    /// <paramref name="key"/> and opens it; null and why when anything differs.</summary>
    internal static BpfProgramSet? Open(string dir, string key, BpfObjectShape shape, out string why)
    {
        var programs = new List<BpfProgramSet.Program>();
        var maps = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            why = Check(dir, key, shape, programs, maps) ?? "";
            if (why.Length == 0) return BpfProgramSet.OfDescriptors(programs, maps);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            why = e.Message;
        }
        foreach (var p in programs) Interop.Libc.close(p.Fd);
        foreach (int fd in maps.Values) Interop.Libc.close(fd);
        return null;
    }

    private static string? Check(string dir, string key, BpfObjectShape shape, List<BpfProgramSet.Program> programs, Dictionary<string, int> maps)
    {
        // Only root may have made or changed any of it: every directory is root's and closed to others.
        foreach (var (path, closed) in new[] { ("/sys/fs/bpf", false), (BpfInstaller.PinRoot, false), (BpfPool.Root, true), (dir, true) })
        {
            if (!Interop.Files.TryLStat(path, out var st) || !st.IsDirectory) return $"{path} is not a directory";
            if (st.Uid != 0 || (st.Permissions & (closed ? 0x3Fu /* 077 */ : 0x12u /* 022 */)) != 0) return $"{path} is not root's alone (uid {st.Uid}, mode {Convert.ToString(st.Permissions, 8)})";
        }
        var expected = shape.Programs.Select(p => "prog_" + p.Name).Concat(shape.Maps.Select(m => "map_" + m.Name)).Append("manifest").ToHashSet(StringComparer.Ordinal);
        var present = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        if (!present.SetEquals(expected)) return "its pins are not the object's programs and maps";
        foreach (var name in expected)
        {
            string path = Path.Combine(dir, name);
            if (!Interop.Files.TryLStat(path, out var st) || st.Uid != 0) return $"{name} is not root's";
            bool link = (st.Mode & S_IFMT) == S_IFLNK;
            if (name == "manifest" ? !link : (st.Mode & S_IFMT) != S_IFREG || (st.Permissions & 0x3F /* 077 */) != 0) return $"{name} is not a pin closed to others";
        }
        var manifest = (new FileInfo(Path.Combine(dir, "manifest")).LinkTarget ?? "").Split(' ');
        if (manifest.Length < 2 || manifest[0] != ManifestMagic || manifest[1] != key) return "its manifest is not for this object, executable and boot";
        var tags = manifest.Skip(2).Select(w => w.Split('=')).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

        var mapIds = new HashSet<uint>();
        foreach (var m in shape.Maps)
        {
            int fd = Get(Path.Combine(dir, "map_" + m.Name), "bpf-map");
            maps[m.Name] = fd;
            var info = MapInfoOf(fd);
            if (info.Type != m.Type || info.KeySize != m.KeySize || info.ValueSize != m.ValueSize || info.MaxEntries != m.MaxEntries || info.Flags != m.Flags)
                return $"map {m.Name} is not the object's";
            if (!Unused(fd, info)) return $"map {m.Name} holds another run's state";
            mapIds.Add(info.Id);
        }
        foreach (var p in shape.Programs)
        {
            int fd = Get(Path.Combine(dir, "prog_" + p.Name), "bpf-prog");
            programs.Add(new(p.Name, p.Type, p.AttachType, fd));
            var info = ProgramInfoOf(fd);
            string kernelName = p.Name.Length > 15 ? p.Name[..15] : p.Name; // BPF_OBJ_NAME_LEN - 1
            if (info.Type != p.Type || info.Name != kernelName) return $"program {p.Name} is not the object's";
            if (!tags.TryGetValue(p.Name, out var tag) || tag != info.Tag) return $"program {p.Name}'s tag differs from the one recorded at its load";
            if (info.CreatorUid != 0) return $"program {p.Name} was not loaded by root";
            if (!info.MapIds.All(mapIds.Contains)) return $"program {p.Name} uses maps outside the entry";
        }
        return null;
    }

    /// <summary>bpf_obj_get of a pin that must be of <paramref name="kind"/> ("bpf-map" or "bpf-prog").</summary>
    private static int Get(string path, string kind)
    {
        int fd = bpf_obj_get(path);
        if (fd < 0) throw new InvalidOperationException($"cannot open {path}: {Interop.LastErrno}");
        string? target = null;
        try { target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget; }
        catch (IOException) { } // unreadable: not the kind asked for, below
        if (target != "anon_inode:" + kind)
        {
            Interop.Libc.close(fd);
            throw new InvalidOperationException($"{path} is not a {kind}");
        }
        return fd;
    }

    /// <summary>True when nothing has written the map since it was created: no key in a hash or
    /// trie, every value zero in a small array. The gate's slots (an array of 3 MiB) and the ring
    /// buffer are written only by the programs, and then so is the counters array (slot sequence,
    /// exec generation), which is checked here: programs that never ran left them all empty.</summary>
    private static unsafe bool Unused(int fd, MapInfo info)
    {
        byte* key = stackalloc byte[64];
        byte* value = stackalloc byte[256];
        switch (info.Type)
        {
            case BPF_MAP_TYPE_HASH or BPF_MAP_TYPE_LRU_HASH or BPF_MAP_TYPE_LPM_TRIE:
                if (info.KeySize > 64) return false;
                return bpf_map_get_next_key(fd, null, key) != 0 && Interop.LastErrno == Errno.ENOENT;
            case BPF_MAP_TYPE_ARRAY when (ulong)info.MaxEntries * info.ValueSize <= 4096:
                if (info.ValueSize > 256) return false;
                for (uint i = 0; i < info.MaxEntries; i++)
                {
                    if (bpf_map_lookup_elem(fd, &i, value) != 0) return false;
                    for (int b = 0; b < info.ValueSize; b++) if (value[b] != 0) return false;
                }
                return true;
            default:
                return true;
        }
    }

    /// <summary>The kernel's struct bpf_prog_info of <paramref name="fd"/> (uapi offsets).</summary>
    internal static unsafe ProgramInfo ProgramInfoOf(int fd)
    {
        byte* info = stackalloc byte[256];
        new Span<byte>(info, 256).Clear();
        uint* ids = stackalloc uint[MaxMapIds];
        *(uint*)(info + 52) = MaxMapIds;   // nr_map_ids
        *(ulong*)(info + 56) = (ulong)ids; // map_ids
        uint len = 256;
        if (bpf_obj_get_info_by_fd(fd, info, &len) != 0) throw new InvalidOperationException($"bpf_obj_get_info_by_fd: {Interop.LastErrno}");
        uint n = *(uint*)(info + 52);
        if (n > MaxMapIds) throw new InvalidOperationException("a program using more maps than the object has");
        var span = new ReadOnlySpan<byte>(info, 256);
        return new ProgramInfo(BinaryPrimitives.ReadInt32LittleEndian(span), Convert.ToHexStringLower(span.Slice(8, 8)),
            CString(span.Slice(64, 16)), BinaryPrimitives.ReadUInt32LittleEndian(span[48..]), new ReadOnlySpan<uint>(ids, (int)n).ToArray());
    }

    /// <summary>The kernel's struct bpf_map_info of <paramref name="fd"/> (uapi offsets).</summary>
    internal static unsafe MapInfo MapInfoOf(int fd)
    {
        byte* info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        uint len = 128;
        if (bpf_obj_get_info_by_fd(fd, info, &len) != 0) throw new InvalidOperationException($"bpf_obj_get_info_by_fd: {Interop.LastErrno}");
        var s = new ReadOnlySpan<byte>(info, 128);
        return new MapInfo(BinaryPrimitives.ReadInt32LittleEndian(s), BinaryPrimitives.ReadUInt32LittleEndian(s[4..]), BinaryPrimitives.ReadUInt32LittleEndian(s[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[12..]), BinaryPrimitives.ReadUInt32LittleEndian(s[16..]), BinaryPrimitives.ReadUInt32LittleEndian(s[20..]));
    }

    private static string CString(ReadOnlySpan<byte> b)
    {
        int n = b.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(n < 0 ? b : b[..n]);
    }
}
