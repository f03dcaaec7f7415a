using System.Text.Json;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>The exporter's state: endpoint (never its headers), last success and failure, records
/// exported, failed and dropped. Kept in memory and, for <c>agentshell doctor</c>, in a small file
/// in the run directory (<c>RUNID.otlp.json</c>, mode 0600, replaced atomically after each
/// export attempt, removed when the run ends).</summary>
public sealed class ExporterStatus
{
    private long _exported, _failed, _dropped;

    /// <summary>Where logs go (or metrics, when only they are exported).</summary>
    public string Endpoint { get; internal set; } = "";
    /// <summary>The run or daemon exporting.</summary>
    public string RunId { get; internal set; } = "";
    /// <summary>When an export last succeeded.</summary>
    public DateTimeOffset? LastSuccess { get; private set; }
    /// <summary>When an export last failed, and why.</summary>
    public DateTimeOffset? LastFailure { get; private set; }
    /// <summary>Why the last export failed.</summary>
    public string? LastError { get; private set; }
    /// <summary>Log records accepted by the receiver.</summary>
    public long Exported => Interlocked.Read(ref _exported);
    /// <summary>Log records in batches the receiver did not take (they are in the local audit log).</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>Log records dropped because the queue was full (the oldest go first).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal void AddDropped() => Interlocked.Increment(ref _dropped);

    internal void Succeeded(int records)
    {
        Interlocked.Add(ref _exported, records);
        LastSuccess = DateTimeOffset.UtcNow;
    }

    internal void Fail(string error, int records)
    {
        Interlocked.Add(ref _failed, records);
        LastFailure = DateTimeOffset.UtcNow;
        LastError = error;
    }

    private static string FileName(string runId) => runId + ".otlp.json";

    internal void Save(string directory)
    {
        string path = Path.Combine(directory, FileName(RunId)), tmp = path + ".tmp";
        try
        {
            using (var f = new FileStream(tmp, new FileStreamOptions
            { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            using (var w = new Utf8JsonWriter(f))
            {
                w.WriteStartObject();
                w.WriteNumber("pid", Environment.ProcessId);
                w.WriteString("runId", RunId);
                w.WriteString("endpoint", Endpoint);
                if (LastSuccess is { } s) w.WriteString("lastSuccess", s);
                if (LastFailure is { } fl) w.WriteString("lastFailure", fl);
                if (LastError != null) w.WriteString("lastError", LastError);
                w.WriteNumber("exported", Exported);
                w.WriteNumber("failed", Failed);
                w.WriteNumber("dropped", Dropped);
                w.WriteEndObject();
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The state file is only for doctor; the export itself is unaffected.
        }
    }

    internal static void Remove(string directory, string runId)
    {
        try { File.Delete(Path.Combine(directory, FileName(runId))); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stale file names a pid that is gone; doctor skips it.
        }
    }

    /// <summary>One line per exporting run or daemon found in <paramref name="directory"/> (the
    /// run directory), e.g. <c>telemetry: run 1a2b3c4d → http://collector:4318/v1/logs: last
    /// success 3 s ago, 120 exported, 0 failed, 0 dropped</c>; or a line saying export is off. For
    /// <c>agentshell doctor</c>.</summary>
    /// <param name="directory">The run directory (<see cref="SocketPaths.Directory"/>).</param>
    /// <param name="configured">What this environment would configure, from <see cref="OtlpSettings.Resolve"/>
    /// (its endpoint, or its error), shown when no run is exporting.</param>
    public static IReadOnlyList<string> DoctorLines(string directory, string? configured)
    {
        var lines = new List<string>();
        var now = DateTimeOffset.UtcNow;
        foreach (var file in Directory.Exists(directory) ? Directory.GetFiles(directory, "*.otlp.json") : [])
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
                var r = doc.RootElement;
                if (!r.TryGetProperty("pid", out var pid) || !Directory.Exists($"/proc/{pid.GetInt32()}")) continue;
                string Ago(string key) => r.TryGetProperty(key, out var t) ? $"{(now - t.GetDateTimeOffset()).TotalSeconds:0} s ago" : "never";
                string error = r.TryGetProperty("lastError", out var e) ? $" ({e.GetString()})" : "";
                lines.Add($"telemetry: run {r.GetProperty("runId").GetString()} -> {r.GetProperty("endpoint").GetString()}: "
                    + $"last success {Ago("lastSuccess")}, last failure {Ago("lastFailure")}{error}; "
                    + $"{r.GetProperty("exported").GetInt64()} exported, {r.GetProperty("failed").GetInt64()} failed, {r.GetProperty("dropped").GetInt64()} dropped");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
            {
                lines.Add($"telemetry: unreadable exporter state {file}: {ex.Message}");
            }
        }
        if (lines.Count == 0)
            lines.Add(configured == null ? "telemetry: export off (no OTEL_EXPORTER_OTLP_ENDPOINT and no profile Telemetry.Otlp.Endpoint)"
                : $"telemetry: no run is exporting now; a run started here would export to {configured}");
        return lines;
    }
}
