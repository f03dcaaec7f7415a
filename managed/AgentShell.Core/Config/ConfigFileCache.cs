using System.Collections.Concurrent;

namespace AgentShell.Core.Config;

/// <summary>Identity of one version of a file: a changed file (written, replaced, renamed over)
/// has another stamp. The supervisor fills device and inode from fstat; a context without them
/// puts what it has there (see <see cref="Model.LocalExecContext"/>).</summary>
/// <param name="Device">st_dev.</param>
/// <param name="Inode">st_ino.</param>
/// <param name="ModifiedNs">st_mtim in nanoseconds.</param>
/// <param name="Size">st_size.</param>
/// <param name="ChangedNs">st_ctim in nanoseconds (0 where unknown): a rewrite that keeps the size
/// and sets the old mtime back (utimensat) still changes it, and no caller can set it.</param>
public readonly record struct FileStamp(ulong Device, ulong Inode, long ModifiedNs, long Size, long ChangedNs = 0);

/// <summary>Configuration files read for decisions, by (path, <see cref="FileStamp"/>): a loop of a
/// thousand <c>curl</c> execs stats <c>~/.curlrc</c> each time but reads and parses it once. The
/// stamp comes from the same open file that is read, so content and stamp always agree; a file
/// that changes gets a new stamp and is read again. Bounded: when full it starts over.</summary>
public sealed class ConfigFileCache
{
    private const int MaxEntries = 512;

    private readonly ConcurrentDictionary<(string Path, FileStamp Stamp), ConfigFile> _files = new();
    private long _reads;

    /// <summary>The cache every context of this process shares.</summary>
    public static ConfigFileCache Shared { get; } = new();

    /// <summary>How many times a file's content was read (tests and the bench count it).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>The file at <paramref name="path"/> with <paramref name="stamp"/>: cached, or read
    /// with <paramref name="read"/> (which returns the bytes, at most <see cref="ConfigFile.MaxBytes"/>
    /// + 1 of them, or null when the read failed).</summary>
    public ConfigFile Get(string path, FileStamp stamp, Func<byte[]?> read)
    {
        if (stamp.Size > ConfigFile.MaxBytes) return ConfigFile.NotRead(path, ConfigFileState.TooLarge);
        var key = (path, stamp);
        if (_files.TryGetValue(key, out var cached)) return cached;
        Interlocked.Increment(ref _reads);
        var bytes = read();
        var file = bytes == null ? ConfigFile.NotRead(path, ConfigFileState.Unreadable) : ConfigFile.Of(path, bytes);
        if (_files.Count >= MaxEntries) _files.Clear();
        // An unreadable file is not remembered: a later exec may be able to read it.
        if (bytes != null) _files[key] = file;
        return file;
    }
}
