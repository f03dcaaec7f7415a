namespace AgentShell.Supervisor;

/// <summary>What the kernel checks a task's Unix connect with: its effective and filesystem ids, its
/// supplementary groups, and the capabilities that override file permissions. Read from
/// /proc/TID/status of the notified task; it cannot change them while it waits in that connect
/// (credentials are a thread's own, and a setuid's signal to it is not taken until it is answered).</summary>
internal sealed class TaskCredentials
{
    /// <summary>CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: what lets a task past a path's permissions.</summary>
    internal const ulong DacCapabilities = 1UL << 1 | 1UL << 2;

    /// <summary>A status file longer than this (tens of thousands of groups) is not read: refused.</summary>
    private const int MaxStatus = 16384;

    public uint Euid { get; private init; }
    public uint Fsuid { get; private init; }
    public uint Egid { get; private init; }
    public uint Fsgid { get; private init; }
    public uint[] Groups { get; private init; } = [];
    public ulong Effective { get; private init; }
    public ulong Permitted { get; private init; }

    /// <summary>This supervisor's (any thread outside <see cref="ThreadCredentials"/>'s span).</summary>
    public static TaskCredentials? Self { get; } = ReadSelf();

    /// <summary>True when no task of the tree can have credentials other than ours: a supervisor that
    /// is not root and holds no capability cannot have a tree that changed its ids or groups (that
    /// takes CAP_SETUID/CAP_SETGID, and no_new_privs keeps setuid programs from giving them), nor one
    /// with a capability it lacks. PERF: then no task's status is read (~20 µs an on-behalf connect).
    /// Declared after <see cref="Self"/>: static initializers run in the order written.</summary>
    public static bool TreeCannotDiffer { get; } = Self is { Euid: not 0, Permitted: 0 };

    /// <summary>The user namespace the supervisor's capabilities hold in (device, inode of /proc/self/ns/user).</summary>
    private static readonly (ulong, ulong)? OwnNamespace = Interop.Files.TryStat("/proc/self/ns/user", out var st) ? st.Identity : null;

    private static TaskCredentials? ReadSelf()
    {
        try { return Parse(File.ReadAllBytes("/proc/thread-self/status")); }
        catch (IOException) { return null; } // then every connect that needs it is refused
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The task's, as <see cref="Of"/> reads them, with its capabilities only where they hold:
    /// a task in another user namespace (unshare -U, a sandbox's) has its capabilities over that
    /// namespace's files alone, so it is taken to have none that pass a path's permissions (its ids,
    /// which the status file gives as ours, still count). Null when its namespace cannot be told.</summary>
    public static TaskCredentials? OfTask(int tid)
    {
        if (Of(tid) is not { } c) return null;
        if (OwnNamespace is not { } own || !Interop.Files.TryStat($"/proc/{tid}/ns/user", out var st)) return null;
        return st.Identity == own ? c : c.WithEffective(c.Effective & ~DacCapabilities);
    }

    private TaskCredentials WithEffective(ulong effective) =>
        new() { Euid = Euid, Fsuid = Fsuid, Egid = Egid, Fsgid = Fsgid, Groups = Groups, Effective = effective, Permitted = Permitted };

    /// <summary>The task's, or null when its status cannot be read or parsed.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the buffer is written before it is read
    public static TaskCredentials? Of(int tid)
    {
        Span<byte> buf = stackalloc byte[4096];
        int fd = Interop.Files.Open($"/proc/{tid}/status", Interop.Files.ReadOnlyNoWait, out _);
        if (fd < 0) return null;
        try
        {
            int n = Interop.Files.Read(fd, buf, out _);
            if (n < 0) return null;
            if (n < buf.Length) return Parse(buf[..n]);
            // A long Groups line: read the rest, to a bound.
            var all = new byte[MaxStatus];
            buf.CopyTo(all);
            while (n < all.Length)
            {
                int k = Interop.Files.Read(fd, all.AsSpan(n), out _);
                if (k < 0) return null;
                if (k == 0) return Parse(all.AsSpan(0, n));
                n += k;
            }
            return null;
        }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>True when the kernel would check a connect by this task as by <paramref name="other"/>.</summary>
    public bool ChecksAs(TaskCredentials other) =>
        Euid == other.Euid && Fsuid == other.Fsuid && Egid == other.Egid && Fsgid == other.Fsgid
        && (Effective & DacCapabilities) == (other.Effective & DacCapabilities) && Groups.AsSpan().SequenceEqual(other.Groups);

    internal static TaskCredentials? Parse(ReadOnlySpan<byte> status)
    {
        Span<uint> uids = stackalloc uint[4], gids = stackalloc uint[4];
        if (!Ids(Field(status, "\nUid:"u8), uids) || !Ids(Field(status, "\nGid:"u8), gids)) return null;
        var groupsLine = Field(status, "\nGroups:"u8);
        var cap = Field(status, "\nCapEff:"u8);
        var prm = Field(status, "\nCapPrm:"u8);
        if (groupsLine.IsEmpty && status.IndexOf("\nGroups:"u8) < 0 || cap.IsEmpty) return null;
        if (!ulong.TryParse(cap, System.Globalization.NumberStyles.AllowHexSpecifier, null, out ulong effective)
            || !ulong.TryParse(prm, System.Globalization.NumberStyles.AllowHexSpecifier, null, out ulong permitted)) return null;
        var groups = new List<uint>();
        foreach (var range in groupsLine.Split((byte)' '))
        {
            var g = groupsLine[range];
            if (g.IsEmpty) continue;
            if (!uint.TryParse(g, out uint id)) return null;
            groups.Add(id);
        }
        groups.Sort(); // as the kernel keeps them (groups_sort)
        return new TaskCredentials { Euid = uids[1], Fsuid = uids[3], Egid = gids[1], Fsgid = gids[3], Groups = [.. groups], Effective = effective, Permitted = permitted };
    }

    /// <summary>The text after <paramref name="key"/> up to its line's end, tabs trimmed; empty when absent or cut off.</summary>
    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> status, ReadOnlySpan<byte> key)
    {
        int at = status.IndexOf(key);
        if (at < 0) return default;
        var rest = status[(at + key.Length)..];
        int end = rest.IndexOf((byte)'\n');
        return end < 0 ? default : rest[..end].Trim((byte)'\t').Trim((byte)' ');
    }

    /// <summary>"real effective saved fs", tab-separated.</summary>
    private static bool Ids(ReadOnlySpan<byte> line, Span<uint> into)
    {
        int i = 0;
        foreach (var range in line.Split((byte)'\t'))
        {
            if (i == into.Length || !uint.TryParse(line[range], out into[i])) return false;
            i++;
        }
        return i == into.Length;
    }
}
