using System.Buffers;
using System.Runtime.InteropServices;
using AgentShell.Core.Audit;

namespace AgentShell.Supervisor.Audit;

/// <summary>What <see cref="AuditLog.Append"/> did with a record.</summary>
public enum AuditWrite : byte
{
    /// <summary>The whole line was written.</summary>
    Written,
    /// <summary>Left out by sampling (an allow of a tool no parser understood).</summary>
    Skipped,
    /// <summary>The write failed; counted in <see cref="AuditLog.FailedWrites"/>.</summary>
    Failed,
}

/// <summary>The append-only audit log: one redacted JSON line per decision (see <see cref="AuditJson"/>).</summary>
/// <remarks>
/// The file is opened once with <c>O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC</c>, mode 0600, in a directory created 0700;
/// an existing file with group or other bits is narrowed to owner-only.
/// Each record is redacted (<see cref="Redactor"/>), serialized into a per-thread buffer and written with a single
/// <c>write(2)</c>: with <c>O_APPEND</c> on a local file the kernel appends it whole, so lines of several threads or
/// several supervisors sharing the file never interleave. There is no user-space buffer to flush and no fsync, so a
/// decision waits for one write at most. <see cref="Append"/> never throws: a failure is counted and the first one
/// is reported to the diagnostics writer. A short write (disk full mid-line) is closed with a newline so that only
/// that line is lost, not the next one.
/// </remarks>
public sealed class AuditLog : IDisposable
{
    private const uint FileMode = 0b110_000_000;     // 0600
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    private readonly FdHandle _fd;
    private readonly TextWriter? _diagnostics;
    private long _failed;
    private long _written;
    private int _reported;

    /// <summary>Opens (creating it if needed) the audit file at <paramref name="path"/>.</summary>
    /// <param name="path">The file; its directory is created with mode 0700 when missing.</param>
    /// <param name="diagnostics">Where the first failed write is reported (e.g. the supervisor's stderr); null for nowhere.</param>
    /// <param name="logAllowsOfUnparsedTools">Also log allows of commands no parser understood (ls, git status); default off.</param>
    /// <exception cref="IOException">The directory or the file cannot be created or opened.</exception>
    public AuditLog(string path, TextWriter? diagnostics = null, bool logAllowsOfUnparsedTools = false)
    {
        Path = System.IO.Path.GetFullPath(path);
        _diagnostics = diagnostics;
        LogAllowsOfUnparsedTools = logAllowsOfUnparsedTools;
        string? dir = System.IO.Path.GetDirectoryName(Path);
        try
        {
            if (dir != null && !Directory.Exists(dir)) Directory.CreateDirectory(dir, DirectoryMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create audit log directory {dir}: {e.Message}", e);
        }
        int fd = Interop.Files.OpenAppend(Path, FileMode, out var errno);
        if (fd < 0) throw new IOException($"cannot open audit log {Path}: {Marshal.GetPInvokeErrorMessage((int)errno)}");
        _fd = new FdHandle(fd);
        TightenMode();
    }

    // O_CREAT's mode only applies to a new file: an existing log readable by others is narrowed to 0600.
    // fstat/fchmod on the open fd, and only for a regular file (never /dev/null or a FIFO that --audit names).
    private void TightenMode()
    {
        const uint GroupOther = 0x3F;   // 0077
        if (!Interop.Files.TryFStat(_fd.Fd, out var st) || !st.IsRegular) return;
        uint mode = st.Permissions;
        if ((mode & GroupOther) == 0) return;
        if (Interop.Files.FChmod(_fd.Fd, mode & ~GroupOther) is var e and not 0)
            _diagnostics?.WriteLine($"agentshell: audit log {Path} is readable by others and could not be narrowed: "
                + Marshal.GetPInvokeErrorMessage((int)e));
    }

    /// <summary>The default location: <c>$XDG_STATE_HOME/agentshell/audit.jsonl</c>, else
    /// <c>~/.local/state/agentshell/audit.jsonl</c>.</summary>
    /// <param name="getEnvironmentVariable">Reads a variable; null for the process environment.</param>
    public static string DefaultPath(Func<string, string?>? getEnvironmentVariable = null)
    {
        getEnvironmentVariable ??= System.Environment.GetEnvironmentVariable;
        string? state = getEnvironmentVariable("XDG_STATE_HOME");
        // The XDG spec ignores a relative value.
        if (string.IsNullOrEmpty(state) || !System.IO.Path.IsPathRooted(state))
        {
            string? home = getEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home)) home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
            state = System.IO.Path.Combine(home, ".local", "state");
        }
        return System.IO.Path.Combine(state, "agentshell", "audit.jsonl");
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>Whether allows of commands no parser understood are logged too.</summary>
    public bool LogAllowsOfUnparsedTools { get; }

    /// <summary>Records written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records whose write failed so far.</summary>
    public long FailedWrites => Interlocked.Read(ref _failed);

    internal int Fd => _fd.Fd;

    /// <summary>The sampling rule: every non-allow is logged, and every decision about a command a parser understood;
    /// an allow of anything else (ls, git status, an unparsed connect) only when
    /// <paramref name="logAllowsOfUnparsedTools"/> is set.</summary>
    /// <param name="record">The decision.</param>
    /// <param name="parsedTool">True when a tool parser understood the command (the decision has an intent).</param>
    /// <param name="logAllowsOfUnparsedTools">The profile setting.</param>
    public static bool ShouldLog(AuditRecord record, bool parsedTool, bool logAllowsOfUnparsedTools) =>
        parsedTool || logAllowsOfUnparsedTools || record.Action != AuditAction.Allow;

    /// <summary>Redacts, serializes and appends <paramref name="record"/> as one line, unless sampling leaves it out.
    /// Thread-safe; never throws; waits for at most one write.</summary>
    /// <param name="record">The decision to log (secrets are removed here, the caller passes the raw argv).</param>
    /// <param name="parsedTool">True when a tool parser understood the command; see <see cref="ShouldLog"/>.</param>
    public AuditWrite Append(AuditRecord record, bool parsedTool) => Append(record, parsedTool, out _, out _);

    /// <summary>As <see cref="Append(AuditRecord, bool)"/>, also giving the record as redacted for the line and the
    /// line itself (null and empty when skipped, or when it failed before that; the line is in a buffer of this
    /// thread's, valid until its next append), so the exporter need neither redact nor serialize it again.</summary>
    public AuditWrite Append(AuditRecord record, bool parsedTool, out AuditRecord? redacted, out ReadOnlySpan<byte> line)
    {
        redacted = null;
        line = default;
        try
        {
            if (!ShouldLog(record, parsedTool, LogAllowsOfUnparsedTools)) return AuditWrite.Skipped;
            var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
            buffer.ResetWrittenCount();
            redacted = Redactor.Redact(record);
            AuditJson.WriteLine(buffer, redacted);
            line = buffer.WrittenSpan;
            return WriteLine(line);
        }
        catch (Exception e)
        {
            return Fail(e.Message);
        }
    }

    private AuditWrite WriteLine(ReadOnlySpan<byte> line)
    {
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added);     // throws ObjectDisposedException after Dispose
            nint n = Interop.Files.WriteOnce(_fd.Fd, line, out var errno);
            if (n == line.Length)
            {
                Interlocked.Increment(ref _written);
                return AuditWrite.Written;
            }
            if (n < 0) return Fail(Marshal.GetPInvokeErrorMessage((int)errno));
            // Short write: end the broken line so the next record starts on a line of its own.
            Interop.Files.WriteOnce(_fd.Fd, "\n"u8, out _);
            return Fail($"short write ({n} of {line.Length} bytes)");
        }
        finally
        {
            if (added) _fd.DangerousRelease();
        }
    }

    private AuditWrite Fail(string why)
    {
        Interlocked.Increment(ref _failed);
        if (_diagnostics != null && Interlocked.Exchange(ref _reported, 1) == 0)
        {
            try
            {
                _diagnostics.WriteLine($"agentshell: cannot write the audit log {Path}: {why} (further failures are counted, not shown)");
                _diagnostics.Flush();
            }
            catch (Exception)
            {
                // The diagnostics stream itself is gone; the count still tells.
            }
        }
        return AuditWrite.Failed;
    }

    /// <summary>Closes the file. Later appends fail (counted), they do not throw.</summary>
    public void Dispose() => _fd.Dispose();
}
