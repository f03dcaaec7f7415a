using System.Text;
using AgentShell.Core.Profiles;

namespace AgentShell.Supervisor;

/// <summary>The record that a set of profile files passed their rules' own cases
/// (<see cref="IRuleTestCache"/>), one small file per set in <c>$XDG_CACHE_HOME/agentshell</c>
/// (else <c>~/.cache/agentshell</c>). An entry is named and keyed by the SHA-256 of the files'
/// paths and exact bytes in layer order and of this build (the executable's, and when not
/// NativeAOT the Core assembly's, device, inode, size, mtime and ctime: ctime cannot be set back),
/// so other bytes or another build never find it. An entry is believed only from a directory and a
/// file of this user's that no one else can write, opened without following a link; anything
/// else is a miss, and a miss runs the cases. A run makes the directory read-only for its tree
/// (<see cref="ProtectedPaths"/>), as it does the profiles, and nothing is recorded from inside a
/// supervised tree.</summary>
public sealed class RuleTestCache : IRuleTestCache
{
    private const string Magic = "agentshell rule tests v1";
    private const string Prefix = "rule-tests-";
    private const int MaxBytes = 64 * 1024;
    private const int MaxEntries = 32;

    private readonly string _build;

    /// <summary>A cache in <paramref name="directory"/> for this build.</summary>
    public RuleTestCache(string directory) : this(directory, BuildIdentity() ?? throw new IOException("cannot stat this build's files")) { }

    internal RuleTestCache(string directory, string build) => (Directory, _build) = (directory, build);

    /// <summary>Where entries are kept.</summary>
    public string Directory { get; }

    /// <summary>This user's cache (<see cref="DefaultDirectory"/>), or null when there is none.</summary>
    public static RuleTestCache? ForThisUser() =>
        DefaultDirectory() is string dir && BuildIdentity() is string build ? new RuleTestCache(dir, build) : null;

    /// <summary><c>$XDG_CACHE_HOME/agentshell</c>, else <c>~/.cache/agentshell</c>; null without either.</summary>
    public static string? DefaultDirectory()
    {
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "agentshell");
        if (Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home && Path.IsPathRooted(home))
            return Path.Combine(home, ".cache", "agentshell");
        return null;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string>? Passed(IReadOnlyList<string> files, IReadOnlyList<byte[]> texts)
    {
        string key = Key(files, texts);
        if (!Trusted(Directory, directory: true, out _)) return null;
        int fd = Interop.Files.Open(EntryPath(key), Interop.Files.ReadOnlyNoWait | Interop.Files.O_NOFOLLOW, out _);
        if (fd < 0) return null;
        using var handle = new FdHandle(fd);
        if (!Interop.Files.TryFStat(fd, out var st) || !TrustedStatus(st, directory: false) || st.Size > MaxBytes) return null;
        var buffer = new byte[st.Size + 1];
        int length = 0;
        while (length < buffer.Length)
        {
            int n = Interop.Files.Read(fd, buffer.AsSpan(length), out _);
            if (n < 0) return null;
            if (n == 0) break;
            length += n;
        }
        return Parse(Encoding.UTF8.GetString(buffer, 0, length), key);
    }

    /// <inheritdoc/>
    public void RecordPass(IReadOnlyList<string> files, IReadOnlyList<byte[]> texts, IReadOnlyList<string> warnings)
    {
        // One warning a line; a case's text with a line break in it is not worth a format.
        if (warnings.Any(w => w.Contains('\n'))) return;
        string key = Key(files, texts);
        string tmp = Path.Combine(Directory, $".{Prefix}{Environment.ProcessId}-{RandomIds.Hex(4)}");
        try
        {
            // Inside a supervised tree these files are read-only; where the protection failed, an
            // entry written from there would be the agent's word, so none is.
            if (Diagnostics.KernelProbes.AlreadySupervised()) return;
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (!Trusted(Directory, directory: true, out _)) return;
            var text = new StringBuilder().Append(Magic).Append('\n').Append(key).Append('\n').Append("pass ").Append(warnings.Count).Append('\n');
            foreach (var w in warnings) text.Append(w).Append('\n');
            using (var f = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
                f.Write(Encoding.UTF8.GetBytes(text.ToString()));
            File.Move(tmp, EntryPath(key), overwrite: true);
            Prune(EntryPath(key));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not recorded (a read-only or full disk, no home): the next load runs the cases again.
            try { File.Delete(tmp); }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException) { } // nothing was written, or it stays a dot-file nothing reads
        }
    }

    /// <summary>The entry's key: SHA-256 over the format, the build, and each file's path, length and bytes.</summary>
    internal string Key(IReadOnlyList<string> files, IReadOnlyList<byte[]> texts)
    {
        if (files.Count != texts.Count) throw new ArgumentException("one text per file", nameof(texts));
        using var all = new MemoryStream();
        all.Write(Encoding.UTF8.GetBytes($"{Magic}\n{_build}\n{files.Count}\n"));
        for (int i = 0; i < files.Count; i++)
        {
            all.Write(Encoding.UTF8.GetBytes($"{files[i]}\0{texts[i].Length}\n"));
            all.Write(texts[i]);
        }
        return Convert.ToHexStringLower(Telemetry.ProfileDigest.Sha256(all.GetBuffer().AsSpan(0, (int)all.Length)));
    }

    private string EntryPath(string key) => Path.Combine(Directory, Prefix + key[..40]);

    /// <summary>The warnings of an entry that is exactly what <see cref="RecordPass"/> writes for
    /// <paramref name="key"/>; null for anything else.</summary>
    private static List<string>? Parse(string text, string key)
    {
        var lines = text.Split('\n');
        if (lines.Length < 4 || lines[0] != Magic || lines[1] != key || lines[^1].Length != 0) return null;
        if (!lines[2].StartsWith("pass ", StringComparison.Ordinal) || !int.TryParse(lines[2].AsSpan(5), System.Globalization.NumberStyles.None, null, out int n)) return null;
        if (lines.Length != 4 + n) return null;
        return lines[3..^1].ToList();
    }

    private static bool Trusted(string path, bool directory, out FileStatus st) =>
        Interop.Files.TryLStat(path, out st) && TrustedStatus(st, directory);

    // This user's, and nobody else's to write: another user cannot plant or change an entry.
    private static bool TrustedStatus(in FileStatus st, bool directory) =>
        (directory ? st.IsDirectory : st.IsRegular) && st.Uid == Interop.Process.GetEffectiveUid() && (st.Permissions & 0x12) == 0;

    private void Prune(string keep)
    {
        var entries = new DirectoryInfo(Directory).GetFiles(Prefix + "*");
        if (entries.Length <= MaxEntries) return;
        foreach (var old in entries.Where(e => e.FullName != keep).OrderBy(e => e.LastWriteTimeUtc).Take(entries.Length - MaxEntries))
            old.Delete();
    }

    /// <summary>This build, by the files its code comes from; null when one cannot be stat'ed.</summary>
    private static string? BuildIdentity()
    {
        var parts = new StringBuilder();
        // NativeAOT: all code is the executable. Otherwise (dotnet and the assemblies) also the
        // assembly the profile loader and classifier are in.
        string core = Path.Combine(AppContext.BaseDirectory, "AgentShell.Core.dll");
        foreach (var path in (string[])["/proc/self/exe", core])
        {
            if (path == core && !File.Exists(core)) continue;
            if (!Interop.Files.TryStat(path, out var st)) return null;
            parts.Append($"{st.Dev}:{st.Ino}:{st.Size}:{st.MtimeSec}.{st.MtimeNsec}:{st.CtimeSec}.{st.CtimeNsec}\n");
        }
        return parts.ToString();
    }
}
