using System.Text;

namespace AgentShell.Supervisor.Network;

/// <summary>What an exec was checked against, to tell afterwards whether that is what ran: the
/// file (device, inode), and for a script its interpreter and the path the kernel was given (the
/// kernel runs the interpreter, so the script itself is known only by that path).</summary>
internal readonly record struct ExecFiles((ulong Dev, ulong Ino)? File, (ulong Dev, ulong Ino)? Interpreter, byte[]? ScriptPath)
{
    internal bool IsScript => Interpreter != null;

    /// <summary>Identifies the file <paramref name="request"/> runs, now (at the decision).</summary>
    internal static ExecFiles Of(ExecRequest request)
    {
        string path = request.OpenablePath();
        if (!Interop.Files.TryStat(path, out var st)) return default;
        return Of(request, st.Identity, ShebangOf(path));
    }

    /// <summary><see cref="Of(ExecRequest)"/> from what was already read of the file: its identity and
    /// the interpreter its "#!" line names (null: not a script).</summary>
    internal static ExecFiles Of(ExecRequest request, (ulong Dev, ulong Ino) file, string? interp)
    {
        if (interp == null) return new ExecFiles(file, null, null);
        var i = ProcessInfo.StatAs(request.Pid, interp);
        // The name the kernel keeps for the exec (bprm->filename): as given, or through /dev/fd.
        string given = request.EmptyPath ? $"/dev/fd/{request.DirFd}"
            : request.FilenameString.StartsWith('/') || request.DirFd == ProcessInfo.AtFdCwd ? request.FilenameString
            : $"/dev/fd/{request.DirFd}/{request.FilenameString}";
        return new ExecFiles(file, i, Encoding.UTF8.GetBytes(given));
    }

    /// <summary>The interpreter a "#!" line names, or null for anything else.</summary>
    private static string? ShebangOf(string path) => Shebang(path) is { } sb ? sb.Interpreter : null;

    /// <summary>The "#!" line of the file at <paramref name="path"/>: the interpreter and its one
    /// optional argument (the kernel passes the rest of the line as a single argument); null for
    /// a file that is not a script, and for anything but a regular file (a FIFO or a device
    /// neither blocks nor is read). PERF: one open, one fstat and one 256-byte read, no
    /// allocation for non-scripts.</summary>
    internal static (string Interpreter, string? Argument)? Shebang(string path)
    {
        int fd = Interop.Files.Open(path, Interop.Files.ReadOnlyNoWait, out _);
        if (fd < 0) return null;
        Span<byte> buf = stackalloc byte[HeadBytes];
        int n;
        try { n = Interop.Files.TryFStat(fd, out var st) && st.IsRegular ? Interop.Files.Read(fd, buf, out _) : -1; }
        finally { Interop.Libc.close(fd); }
        return n < 0 ? null : Shebang(buf[..n]);
    }

    /// <summary>The "#!" line of the regular file open as <paramref name="fd"/> (read from its start).</summary>
    internal static (string Interpreter, string? Argument)? Shebang(int fd)
    {
        Span<byte> head = stackalloc byte[HeadBytes];
        int read = Interop.Files.Read(fd, head, out _);
        return read < 0 ? null : Shebang(head[..read]);
    }

    /// <summary>S_IXUSR | S_IXGRP | S_IXOTH: a regular file with none of them set is never exec'd (EACCES).</summary>
    internal const uint AnyExecuteBit = 0b001_001_001;

    /// <summary>How much of a file's start <see cref="Shebang(ReadOnlySpan{byte})"/> looks at.</summary>
    internal const int HeadBytes = 256;

    /// <summary>The "#!" line in the first <see cref="HeadBytes"/> bytes of a regular file, as <see cref="Shebang(string)"/>.</summary>
    internal static (string Interpreter, string? Argument)? Shebang(ReadOnlySpan<byte> buf)
    {
        int n = Math.Min(buf.Length, HeadBytes);
        if (n < 3 || buf[0] != '#' || buf[1] != '!') return null;
        ReadOnlySpan<byte> line = buf[2..n];
        int end = line.IndexOfAny((byte)'\n', (byte)'\0');
        if (end >= 0) line = line[..end];
        var text = Encoding.UTF8.GetString(line).Trim(' ', '\t');
        int space = text.IndexOfAny([' ', '\t']);
        if (space < 0) return text.Length == 0 ? null : (text, null);
        string arg = text[(space + 1)..].Trim(' ', '\t');
        return (text[..space], arg.Length == 0 ? null : arg);
    }

    /// <summary>True when <paramref name="exe"/> (what /proc/PID/exe is now) is the checked file or its interpreter.</summary>
    internal bool Matches((ulong Dev, ulong Ino) exe) => File == exe || Interpreter == exe;

    /// <summary>The kernel's encoding of a device number (MKDEV: major &lt;&lt; 20 | minor) from
    /// glibc's st_dev, which is what the kernel's superblock holds.</summary>
    internal static ulong KernelDev(ulong dev)
    {
        ulong major = ((dev >> 8) & 0xfff) | ((dev >> 32) & 0xfffff000);
        ulong minor = (dev & 0xff) | ((dev >> 12) & 0xffffff00);
        return (major << 20) | minor;
    }
}
