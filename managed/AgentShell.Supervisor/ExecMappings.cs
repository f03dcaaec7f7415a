using System.Buffers;

namespace AgentShell.Supervisor;

/// <summary>Whether the code a process runs comes only from files unchanged since the run began.
/// An exec's trust covers the program that was checked, but the loader maps its shared libraries
/// after the exec, and the kernel refuses writes only to a running program's own file (ETXTBSY),
/// not to a mapped library: a root tree can write libcurl.so.4 in place, and an ordinary user's
/// tree the libraries of a tool it installed (<c>LibraryInPlaceTests</c>). So before a connect to
/// production is let through on an exec's trust, every file-backed executable mapping of the
/// process (/proc/PID/maps) must be the file its path names now (device and inode) and have a
/// change time older than the run: a write, chmod, link or rename sets the change time, and the
/// tree cannot set the clock back. Anything unreadable or over the bounds fails closed.</summary>
internal static class ExecMappings
{
    private const int MaxMapsBytes = 256 * 1024;

    /// <summary>True when every file-backed executable mapping of <paramref name="tgid"/> but its program's is a file
    /// whose change time is before <paramref name="sinceNs"/> (ns since the epoch), found again
    /// under the path the mapping shows, and reached by the loader's lookup through links made before
    /// it (<see cref="LibraryLookups"/>). False, with why, when one is not, or when the maps cannot be
    /// read whole.</summary>
    public static bool UnchangedSince(int tgid, long sinceNs, out string? why)
    {
        why = "its mappings cannot be read";
        // The program itself was checked at its exec (identity, and the ctime its decision saw), and
        // the kernel refuses writes to a running program's file (ETXTBSY): it is not compared with
        // the run's start, so a tool installed just before the run, or a copy made during it, keeps
        // the trust its exec was given.
        if (!Interop.Files.TryStat($"/proc/{tgid}/exe", out var exe)) return false;
        byte[] buf = ArrayPool<byte>.Shared.Rent(MaxMapsBytes);
        try
        {
            int n = ReadMaps(tgid, buf);
            if (n <= 0) return false;
            var program = (Network.ExecFiles.KernelDev(exe.Dev), exe.Ino);
            var mapped = new Dictionary<(ulong, ulong), (string, FileStatus)>();
            if (!AllUnchanged(buf.AsSpan(0, n), sinceNs, program, out string? file, mapped))
            {
                why = $"runs code from {file ?? "a file"} changed during the run (or not found again, or its mappings cannot be read)";
                return false;
            }
            // Each file is from before the run; the links that led the loader to them may not be.
            return LibraryLookups.Verify(tgid, mapped, program, exe.CtimeNs, sinceNs, out why);
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>The whole of /proc/TGID/maps in <paramref name="buf"/>: its length, or -1 when it
    /// cannot be read or does not fit.</summary>
    private static int ReadMaps(int tgid, byte[] buf)
    {
        int fd = Interop.Files.Open($"/proc/{tgid}/maps", Interop.Files.ReadOnlyNoWait, out _);
        if (fd < 0) return -1;
        try
        {
            int total = 0;
            while (total < buf.Length)
            {
                int n = Interop.Files.Read(fd, buf.AsSpan(total), out _);
                if (n < 0) return -1;
                if (n == 0) return total;
                total += n;
            }
            return -1; // filled: the end was not seen
        }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>The check over the text of a maps file: "START-END PERMS OFFSET MAJ:MIN INODE   PATH".</summary>
    /// <paramref name="program"/>: the (kernel device, inode) of the process's own program, not
    /// compared; <paramref name="file"/>: the mapping's name that failed, when one did.
    /// <paramref name="mapped"/>, when given: filled with each file checked, (kernel device, inode) → its path and stat.
    internal static bool AllUnchanged(ReadOnlySpan<byte> maps, long sinceNs, (ulong Dev, ulong Ino) program, out string? file,
        Dictionary<(ulong, ulong), (string Path, FileStatus Status)>? mapped = null)
    {
        file = null;
        ulong lastDev = ulong.MaxValue, lastIno = 0;
        Span<byte> path = stackalloc byte[4097];
        while (!maps.IsEmpty)
        {
            int eol = maps.IndexOf((byte)'\n');
            var line = eol < 0 ? maps : maps[..eol];
            maps = eol < 0 ? default : maps[(eol + 1)..];
            if (line.IsEmpty) continue;
            var rest = line;
            if (!Next(ref rest, out _) || !Next(ref rest, out var perms) || !Next(ref rest, out _)
                || !Next(ref rest, out var dev) || !Next(ref rest, out var inode))
                return false;
            if (perms.Length < 3 || perms[2] != (byte)'x') continue;
            if (!ulong.TryParse(inode, out ulong ino)) return false;
            if (ino == 0) continue; // anonymous, [vdso]: no file behind it
            int colon = dev.IndexOf((byte)':');
            if (colon < 0 || !ulong.TryParse(dev[..colon], System.Globalization.NumberStyles.AllowHexSpecifier, null, out ulong major)
                || !ulong.TryParse(dev[(colon + 1)..], System.Globalization.NumberStyles.AllowHexSpecifier, null, out ulong minor))
                return false;
            ulong kdev = (major << 20) | minor;
            if (kdev == lastDev && ino == lastIno) continue; // PERF: one stat per file, not per segment
            if (kdev == program.Dev && ino == program.Ino) continue;
            var name = rest.TrimStart((byte)' ');
            // A name that no longer leads to the mapped file ("(deleted)", renamed, replaced, or a
            // mapping from another mount namespace): what it held cannot be told, so it is not trusted.
            if (name.IsEmpty || name[0] != (byte)'/' || name.Length >= path.Length)
            {
                file = System.Text.Encoding.UTF8.GetString(name);
                return false;
            }
            name.CopyTo(path);
            path[name.Length] = 0;
            if (!Interop.Files.TryStat(path[..(name.Length + 1)], out var st)
                || Network.ExecFiles.KernelDev(st.Dev) != kdev || st.Ino != ino || st.CtimeNs >= sinceNs)
            {
                file = System.Text.Encoding.UTF8.GetString(name);
                return false;
            }
            lastDev = kdev;
            lastIno = ino;
            mapped?.TryAdd((kdev, ino), (System.Text.Encoding.UTF8.GetString(name), st));
        }
        return true;
    }

    private static bool Next(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        rest = rest.TrimStart((byte)' ');
        int sp = rest.IndexOf((byte)' ');
        field = sp < 0 ? rest : rest[..sp];
        rest = sp < 0 ? default : rest[sp..];
        return !field.IsEmpty;
    }
}
