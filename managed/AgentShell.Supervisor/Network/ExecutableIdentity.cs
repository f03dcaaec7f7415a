using System.Buffers;
using AgentShell.Core.Classification;
using Microsoft.Win32.SafeHandles;

namespace AgentShell.Supervisor.Network;

/// <summary>Recognises known client programs by what they are, not what they are called:
/// <c>cp /usr/bin/curl /tmp/x; /tmp/x -X DELETE …</c> is curl.
/// <para>At construction every tool the classifier has a parser for is looked up in the
/// directories of <c>PATH</c> and the usual system directories, symlinks resolved, and its
/// device/inode and size remembered. A file is then that tool when it is the same inode (a symlink
/// or hard link) or a byte-identical copy (same size, same bytes), and only while that inode is
/// as it was found (size, mtime, ctime): a tree that can write the file (a root tree, or a tool
/// installed in a directory the user owns, such as <c>~/.local/bin</c>) could otherwise write
/// its own program into curl's inode and have it trusted as curl. A known program is read only
/// when some candidate has its size. A candidate is compared each time it is asked about: no
/// answer is kept for a file version, because no stat tells that the bytes are the ones compared
/// (a shared writable mapping whose pages were written before the look changes them again
/// without a fault, so without a new mtime or ctime).</para>
/// <para>A file installed under several tool names (a symlink farm such as Debian's
/// <c>pg_wrapper</c>, identical entry-point scripts such as httpie's <c>http</c>/<c>https</c>)
/// answers with the first name in <see cref="CommandClassifier.KnownTools"/> order.</para></summary>
public sealed class ExecutableIdentity
{
    /// <summary>Candidates larger than this are not compared (and so not recognised by content).</summary>
    public const long MaxHashBytes = 256L << 20;

    /// <summary>Directories searched besides <c>PATH</c>.</summary>
    public static readonly IReadOnlyList<string> SystemDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    private readonly Dictionary<(ulong Dev, ulong Ino), KnownBinary> _byInode = [];
    private readonly Dictionary<(ulong Dev, ulong Ino), HashSet<string>> _namesByInode = []; // every tool name a file is installed under
    private readonly Dictionary<(ulong Dev, ulong Ino), FileVersion> _found = []; // each one as it was found at start
    private readonly Dictionary<long, KnownBinary[]> _bySize;
    private int _candidateHashes;

    /// <summary>Finds the known tools' binaries.</summary>
    /// <param name="tools">Tool names; default <see cref="CommandClassifier.KnownTools"/>.</param>
    /// <param name="directories">Where to look, in order; default the directories of <c>PATH</c>,
    /// then <see cref="SystemDirectories"/>.</param>
    public ExecutableIdentity(IEnumerable<string>? tools = null, IEnumerable<string>? directories = null)
    {
        var dirs = (directories ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(SystemDirectories).Concat(VersionedDirectories()))
            .Where(d => d.StartsWith('/')).Distinct(StringComparer.Ordinal).ToArray();
        var known = new List<KnownBinary>();
        var toolList = (tools ?? CommandClassifier.KnownTools).ToArray();
        // PERF: one directory listing each (a directory reached twice, /bin and /usr/bin on a
        // merged /usr, is listed once) instead of a failed stat per tool and directory: start-up of
        // every run and check.
        var present = NamesPresent(dirs, toolList);
        foreach (string tool in toolList)
        {
            foreach (string dir in dirs)
            {
                if (!present.TryGetValue(dir, out var listed) || !listed.Contains(tool)) continue;
                string path = Path.Combine(dir, tool);
                // stat follows symlinks: the key is the file that actually runs.
                if (!Interop.Files.TryStat(path, out var st) || !st.IsRegular || st.Size <= 0) continue;
                if (!_namesByInode.TryGetValue(st.Identity, out var names)) _namesByInode[st.Identity] = names = [];
                _found.TryAdd(st.Identity, FileVersion.Of(st));
                names.Add(tool);
                if (_byInode.ContainsKey(st.Identity)) continue; // same file under another name or directory
                var binary = new KnownBinary(tool, ResolvedPath(path), st.Size, st.Identity, this);
                _byInode[st.Identity] = binary;
                known.Add(binary);
            }
        }
        Known = known.Select(k => (k.Tool, k.Path)).ToArray();
        _bySize = known.GroupBy(k => k.Size).ToDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>For each directory (the first of several that are the same directory), which of
    /// <paramref name="tools"/> it has an entry for. A directory that cannot be listed has none.</summary>
    private static Dictionary<string, HashSet<string>> NamesPresent(string[] dirs, string[] tools)
    {
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in tools) wanted[t] = t;
        var seen = new HashSet<(ulong, ulong)>();
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (string dir in dirs)
        {
            if (!Interop.Files.TryStat(dir, out var st) || !seen.Add(st.Identity)) continue;
            var names = new HashSet<string>(StringComparer.Ordinal);
            // A directory that cannot be listed has none of them (as a failed stat would have said).
            Interop.Directories.ForEachName(dir, static (name, state) =>
            {
                var (wanted, names) = ((Dictionary<string, string>, HashSet<string>))state!;
                // PERF: tool names are short ASCII; decode only what could be one.
                if (name.Length is 0 or > 32) return;
                Span<char> chars = stackalloc char[name.Length];
                for (int i = 0; i < name.Length; i++) chars[i] = (char)name[i];
                if (wanted.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars, out var tool) && System.Text.Ascii.IsValid(name)) names.Add(tool);
            }, (wanted, names));
            result[dir] = names;
        }
        return result;
    }

    /// <summary>The binaries found: tool name and resolved path (one entry per distinct file).</summary>
    public IReadOnlyList<(string Tool, string Path)> Known { get; }

    /// <summary>Candidate files compared so far (tests).</summary>
    internal int CandidateHashes => Volatile.Read(ref _candidateHashes);

    /// <summary>Known binaries first looked at so far (tests: that is lazy).</summary>
    internal int KnownHashes => Volatile.Read(ref _knownHashes);

    private int _knownHashes;

    /// <summary>Where wrappers keep the real binaries (Debian's pg_wrapper runs /usr/lib/postgresql/N/bin/psql).</summary>
    private static IEnumerable<string> VersionedDirectories()
    {
        string[] found = [];
        try { if (Directory.Exists("/usr/lib/postgresql")) found = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).ToArray(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return found;
    }

    /// <summary>True when the file at <paramref name="openablePath"/> is <paramref name="tool"/>: one
    /// of the files found installed under that name (a symlink farm counts for every name), or a
    /// byte-identical copy of one. Its name does not count: any program can be called curl.</summary>
    public bool IsTool(string openablePath, string tool) =>
        Interop.Files.TryStat(openablePath, out var st) && IsTool(openablePath, st, tool);

    /// <summary>As <see cref="IsTool(string, string)"/>, with the file's status already taken (the
    /// decision's fstat of the file it opened): no stat. A copy is read from <paramref name="openablePath"/>,
    /// unless <paramref name="identified"/> is what <see cref="Identify(int, in FileStatus)"/> said of that file.</summary>
    internal bool IsTool(string openablePath, in FileStatus st, string tool, IdentifiedProgram? identified = null)
    {
        if (_namesByInode.TryGetValue(st.Identity, out var names)) return AsFound(st) && names.Contains(tool);
        // The same file's content already looked at (the decision's Identify): its answer, not a second comparison.
        return (identified is { } known ? known.Tool : Identify(openablePath, st)) == tool;
    }

    /// <summary>The tool name (e.g. <c>curl</c>) when <paramref name="openablePath"/> is a known
    /// tool's binary (same inode) or a byte-identical copy of one, else null. The path must be
    /// openable by the supervisor, e.g. <c>/proc/PID/root/tmp/x</c> or <c>/proc/PID/fd/N</c>.
    /// Never throws: a missing, unreadable or non-regular file is null.</summary>
    public string? Identify(string openablePath) =>
        Interop.Files.TryStat(openablePath, out var st) ? Identify(openablePath, st) : null;

    /// <summary>As <see cref="Identify(string)"/>, with the stat of <paramref name="openablePath"/>
    /// already made (following symlinks).</summary>
    internal string? Identify(string openablePath, in FileStatus st)
    {
        try
        {
            if (!st.IsRegular) return null;
            if (_byInode.TryGetValue(st.Identity, out var same)) return AsFound(st) ? same.Tool : null;
            if (!_bySize.ContainsKey(st.Size) || st.Size > MaxHashBytes) return null;
            return IdentifyByContent(openablePath);
        }
        catch (Exception)
        {
            return null; // vanished, unreadable, replaced by a directory mid-way: not a known tool
        }
    }

    /// <summary>As <see cref="Identify(string, in FileStatus)"/>, for the file open as <paramref name="fd"/>
    /// (read with pread: its offset does not matter) whose fstat is <paramref name="st"/>: the
    /// file the decision looked at, whatever its path's bytes (a name that is not UTF-8 cannot
    /// be opened again through a string).</summary>
    internal string? Identify(int fd, in FileStatus st)
    {
        try
        {
            if (!st.IsRegular) return null;
            if (_byInode.TryGetValue(st.Identity, out var same)) return AsFound(st) ? same.Tool : null;
            if (!_bySize.ContainsKey(st.Size) || st.Size > MaxHashBytes) return null;
            using var handle = new SafeFileHandle(fd, ownsHandle: false);
            return IdentifyByContent(handle, st);
        }
        catch (Exception)
        {
            return null; // unreadable: not a known tool
        }
    }

    private string? IdentifyByContent(string path)
    {
        // O_NONBLOCK: a FIFO swapped in after the stat must not block the supervisor in open().
        int fd = Interop.Files.Open(path, Interop.Files.ReadOnlyNoWait, out _);
        if (fd < 0) return null;
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        // Decide on the file actually opened, not on what the path named a moment ago.
        if (!Interop.Files.TryFStat(fd, out var st) || !st.IsRegular) return null;
        return IdentifyByContent(handle, st);
    }

    private string? IdentifyByContent(SafeFileHandle handle, in FileStatus st)
    {
        int fd = (int)handle.DangerousGetHandle();
        if (_byInode.TryGetValue(st.Identity, out var same)) return AsFound(st) ? same.Tool : null;
        if (!_bySize.TryGetValue(st.Size, out var sameSize) || st.Size > MaxHashBytes) return null;
        var version = FileVersion.Of(st);
        Interlocked.Increment(ref _candidateHashes);
        string? tool = null;
        foreach (var k in sameSize)
        {
            if (k.SameBytes(handle, st.Size)) { tool = k.Tool; break; }
        }
        // A file written while it was read has no one content to answer for.
        if (!Interop.Files.TryFStat(fd, out var after) || FileVersion.Of(after) != version) return null;
        return tool;
    }

    /// <summary>True when <paramref name="st"/>, a known binary's inode, is as it was found at start.
    /// A write in place (O_WRONLY, a shared writable mapping) sets the ctime, and nothing in the tree
    /// can set it back (the clock is out of its reach). So does a new hard link, a chmod or a chown:
    /// the tool is then unknown for the rest of the run (fail closed; a person can approve).</summary>
    private bool AsFound(in FileStatus st) => _found.TryGetValue(st.Identity, out var v) && v == FileVersion.Of(st);

    /// <summary>Reads <paramref name="into"/> full from <paramref name="offset"/>, or up to the end
    /// of the file: the bytes read.</summary>
    private static int ReadFull(SafeFileHandle handle, Span<byte> into, long offset)
    {
        int total = 0, n;
        while (total < into.Length && (n = RandomAccess.Read(handle, into[total..], offset + total)) > 0) total += n;
        return total;
    }

    /// <summary>A shell shim that runs whatever its own file name says (pyenv, rbenv, nodenv:
    /// <c>program="${0##*/}"; exec pyenv exec "$program" "$@"</c>). Every shim of a version
    /// manager is the same file, so by content <c>python3</c> would be <c>aws</c>; and a copy under
    /// another name runs that other name, never the tool. Such a file is known by inode only.</summary>
    internal static bool RunsAsItsOwnName(SafeFileHandle handle)
    {
        Span<byte> head = stackalloc byte[4096];
        int n = RandomAccess.Read(handle, head, 0);
        var text = head[..n];
        if (!text.StartsWith("#!"u8)) return false;
        int eol = text.IndexOf((byte)'\n');
        var shebang = eol < 0 ? text : text[..eol];
        if (!(shebang.EndsWith("sh"u8) || shebang.EndsWith("bash"u8))) return false;
        return text.IndexOf("${0##*/}"u8) >= 0 || text.IndexOf("basename \"$0\""u8) >= 0 || text.IndexOf("basename $0"u8) >= 0;
    }

    private static string ResolvedPath(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    /// <summary>One version of one file: a write, a truncation or a touch while it is compared changes it.</summary>
    private readonly record struct FileVersion(ulong Dev, ulong Ino, long Size, long MtimeSec, long MtimeNsec, long CtimeSec, long CtimeNsec)
    {
        internal static FileVersion Of(in FileStatus st) =>
            new(st.Dev, st.Ino, st.Size, st.MtimeSec, st.MtimeNsec, st.CtimeSec, st.CtimeNsec);
    }

    /// <summary>A known tool's binary. Whether a copy of it can be recognised at all (readable, not
    /// a shim that runs as its own name) is found on first need.</summary>
    private sealed class KnownBinary(string tool, string path, long size, (ulong Dev, ulong Ino) identity, ExecutableIdentity owner)
    {
        private readonly Lazy<bool> _comparable = new(() => Comparable(path, owner), LazyThreadSafetyMode.ExecutionAndPublication);

        internal string Tool { get; } = tool;
        internal string Path { get; } = path;
        internal long Size { get; } = size;


        /// <summary>True when <paramref name="candidate"/> (<paramref name="length"/> bytes) holds this
        /// binary's bytes. PERF: compared as read, 64 KiB at a time, instead of a SHA-256 of each
        /// candidate (~220 µs of the receiving thread per exec of a copy of curl here): a copy reads
        /// both files (page cache), and a look-alike stops at its first difference.</summary>
        internal bool SameBytes(SafeFileHandle candidate, long length)
        {
            if (!_comparable.Value) return false;
            int fd = Interop.Files.Open(Path, Interop.Files.ReadOnlyNoWait, out _);
            if (fd < 0) return false;
            using var known = new SafeFileHandle(fd, ownsHandle: true);
            // The file found at start, not whatever has been put at its path since (a tree that can
            // write /usr/bin would otherwise make its own program the model of curl).
            if (!Interop.Files.TryFStat(fd, out var st) || !st.IsRegular || st.Size != length || st.Identity != identity || !owner.AsFound(st)) return false;
            const int Chunk = 1 << 16;
            byte[] a = ArrayPool<byte>.Shared.Rent(Chunk), b = ArrayPool<byte>.Shared.Rent(Chunk);
            try
            {
                for (long offset = 0; ; offset += Chunk)
                {
                    int n = ReadFull(candidate, a.AsSpan(0, Chunk), offset), m = ReadFull(known, b.AsSpan(0, Chunk), offset);
                    if (n != m || !a.AsSpan(0, n).SequenceEqual(b.AsSpan(0, m))) return false;
                    if (n < Chunk) return offset + n == length;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(a);
                ArrayPool<byte>.Shared.Return(b);
            }
        }

        private static bool Comparable(string path, ExecutableIdentity owner)
        {
            Interlocked.Increment(ref owner._knownHashes);
            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                return !RunsAsItsOwnName(handle);
            }
            catch (Exception)
            {
                return false;
            }
        }
    }
}
