using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>What one open of an exec's program found: ELF, a script and its "#!" line, or another
/// format; <see cref="Identity"/>: the regular file's (device, inode) from the same open; null for
/// anything else (then <see cref="ExecFiles.Of(ExecRequest)"/> names it); <see cref="Ctime"/>: its
/// ctime then (ns; 0 unknown), to tell a file written in place between the look and the exec.</summary>
internal readonly record struct ProgramKind(bool Unreadable, bool Elf, string? Interpreter, string? Argument, (ulong Dev, ulong Ino)? Identity = null, long Ctime = 0)
{
    /// <summary>Opens <paramref name="path"/> and looks: one open, fstat and read.</summary>
    public static ProgramKind Of(string path, out Errno error)
    {
        int fd = Interop.Files.Open(path, Interop.Files.ReadOnlyNoWait, out error);
        if (fd < 0) return new(true, false, null, null);
        try
        {
            // A FIFO or a device is read as before (4 bytes, non-blocking); only a regular file's "#!" line is looked at.
            bool regular = Interop.Files.TryFStat(fd, out var st) && st.IsRegular;
            return regular ? Of(fd, st.Identity) with { Ctime = st.CtimeNs } : Of(fd, null);
        }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>Looks at the start of the file open as <paramref name="fd"/> (at offset 0), whose
    /// identity is <paramref name="identity"/> when it is a regular file.</summary>
    public static ProgramKind Of(int fd, (ulong Dev, ulong Ino)? identity)
    {
        Span<byte> head = stackalloc byte[ExecFiles.HeadBytes];
        if (identity == null) head = head[..4];
        int n = Interop.Files.Read(fd, head, out _);
        if (n < 0) return new(true, false, null, null);
        if (n >= 4 && head[0] == 0x7F && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F') return new(false, true, null, null, identity);
        if (identity != null && ExecFiles.Shebang(head[..n]) is { } sb) return new(false, false, sb.Interpreter, sb.Argument, identity);
        return new(false, false, null, null, identity);
    }
}
