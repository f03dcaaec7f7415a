using System.Text;

namespace AgentShell.Core.Config;

/// <summary>What reading a tool's configuration file found.</summary>
public enum ConfigFileState : byte
{
    /// <summary>No such file: the tool runs without it.</summary>
    Missing,
    /// <summary>Read in full (<see cref="ConfigFile.Bytes"/>).</summary>
    Read,
    /// <summary>Larger than <see cref="ConfigFile.MaxBytes"/>: not read, so not accounted for.</summary>
    TooLarge,
    /// <summary>There, but not readable as a regular file (permissions, a directory, a FIFO, a device).</summary>
    Unreadable,
}

/// <summary>A tool configuration file (<c>~/.curlrc</c>, <c>~/.psqlrc</c>, a kubeconfig) as read
/// for one decision. Immutable and shared: the cache hands the same object to every exec that
/// finds the same file unchanged, and <see cref="Parsed{T}"/> keeps what a tool's reader made of it,
/// so a loop of execs neither reads nor parses it again.</summary>
public sealed class ConfigFile
{
    /// <summary>Largest configuration file read; a larger one is <see cref="ConfigFileState.TooLarge"/>.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>The shared answer for a file that does not exist.</summary>
    public static readonly ConfigFile Missing = new(ConfigFileState.Missing, "", null);

    private readonly byte[]? _bytes;
    private string? _text;
    private object? _parsed;

    private ConfigFile(ConfigFileState state, string path, byte[]? bytes)
    {
        State = state;
        Path = path;
        _bytes = bytes;
    }

    /// <summary>What was found.</summary>
    public ConfigFileState State { get; }

    /// <summary>The path as the tool names it (for evidence).</summary>
    public string Path { get; }

    /// <summary>True when the file is there, readable or not.</summary>
    public bool Exists => State != ConfigFileState.Missing;

    /// <summary>True when the file is there but was not read: what it says cannot be accounted for.</summary>
    public bool Unaccountable => State is ConfigFileState.TooLarge or ConfigFileState.Unreadable;

    /// <summary>The content (empty unless <see cref="ConfigFileState.Read"/>).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The content as UTF-8 text, a byte order mark dropped (decoded once).</summary>
    public string Text => _text ??= _bytes == null ? "" : Encoding.UTF8.GetString(_bytes.AsSpan().StartsWith("\uFEFF"u8) ? _bytes.AsSpan(3) : _bytes);

    /// <summary>Why the file was not accounted for, for evidence ("… is larger than 256 KiB").</summary>
    public string Problem => State switch
    {
        ConfigFileState.TooLarge => $"{Path} is larger than {MaxBytes / 1024} KiB, so it was not read",
        ConfigFileState.Unreadable => $"{Path} cannot be read",
        _ => "",
    };

    /// <summary>What <paramref name="parse"/> makes of this file, computed once per file object.
    /// PERF: a cached file is parsed once, however many execs read it.</summary>
    public T Parsed<T>(Func<ConfigFile, T> parse) where T : class
    {
        if (Volatile.Read(ref _parsed) is T done) return done;
        var made = parse(this);
        Volatile.Write(ref _parsed, made); // a race parses twice; both results are equal
        return made;
    }

    /// <summary>A file read in full.</summary>
    public static ConfigFile Of(string path, byte[] bytes) =>
        bytes.Length > MaxBytes ? new(ConfigFileState.TooLarge, path, null) : new(ConfigFileState.Read, path, bytes);

    /// <summary>A file that is there but could not be read (or is too large).</summary>
    public static ConfigFile NotRead(string path, ConfigFileState state) => new(state, path, null);

    /// <summary>From a bounded read that cannot tell a missing file from an unreadable one
    /// (<see cref="Model.IExecContext.ReadFile"/>): null is missing.</summary>
    public static ConfigFile FromRead(string path, byte[]? bytes) => bytes == null ? Missing : Of(path, bytes);
}
