namespace AgentShell.Core.Model;

/// <summary>What a parser may ask about the process that runs a command. The supervisor answers
/// from the exec's envp and <c>/proc/PID/cwd</c>; <c>check</c> answers from its own process.</summary>
public interface IExecContext
{
    /// <summary>A variable of the environment passed to the exec (not the caller's start-up one).</summary>
    string? GetEnvironmentVariable(string name);

    /// <summary>Working directory of the process, or null when unknown.</summary>
    string? WorkingDirectory { get; }

    /// <summary>Reads a file named in argv (relative to <see cref="WorkingDirectory"/>), at most
    /// <paramref name="maxBytes"/>; null when it cannot be read.</summary>
    byte[]? ReadFile(string path, int maxBytes);
}

/// <summary>An <see cref="IExecContext"/> over this process (used by <c>check</c> and tests).</summary>
public sealed class LocalExecContext : IExecContext
{
    private readonly IReadOnlyDictionary<string, string>? _env;

    /// <summary>Uses this process's environment and cwd, or the given overrides.</summary>
    public LocalExecContext(IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        _env = environment;
        WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory;
    }

    /// <inheritdoc/>
    public string? WorkingDirectory { get; }

    /// <inheritdoc/>
    public string? GetEnvironmentVariable(string name) =>
        _env != null ? (_env.TryGetValue(name, out var v) ? v : null) : Environment.GetEnvironmentVariable(name);

    /// <inheritdoc/>
    public byte[]? ReadFile(string path, int maxBytes)
    {
        try
        {
            var full = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(WorkingDirectory ?? ".", path);
            // PERF: a missing file is the common answer (kubeconfig, .terraform/environment, .git
            // of each ancestor); asking first avoids the cost of an exception.
            if (!File.Exists(full)) return null;
            using var fs = File.OpenRead(full);
            var buf = new byte[Math.Min(maxBytes, (int)Math.Min(fs.Length, int.MaxValue))];
            int n = fs.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false);
            return n == buf.Length ? buf : buf[..n];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }
}
