using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>The exporter's line of <c>agentshell doctor</c>: what this environment and the profiles
/// configure (an endpoint, off, or an error that would stop <c>run</c>) and, for each run exporting
/// now, its endpoint, last success and failure, and records exported, failed and dropped.</summary>
public static class TelemetryDoctor
{
    /// <summary>The <c>telemetry</c> line of <c>agentshell doctor</c>: a failure when <c>run</c>
    /// would refuse to start, else a note.</summary>
    public static Diagnostics.Probe Probe(TelemetrySettings profile)
    {
        var (refused, detail, fix) = Check(profile);
        return new Diagnostics.Probe(refused ? Diagnostics.ProbeStatus.Fail : Diagnostics.ProbeStatus.Note, "telemetry", detail, fix);
    }

    /// <summary>The check: <c>Refused</c> when <c>run</c> would refuse to start (a
    /// failure), else a note. Headers are never shown.</summary>
    /// <param name="profile">The layered <c>Telemetry</c> section of the profiles doctor loaded.</param>
    /// <param name="env">Reads a variable; null for the process environment.</param>
    /// <param name="runDirectory">Where runs keep their state; null for <see cref="Approval.SocketPaths.Directory"/>.</param>
    public static (bool Refused, string Detail, string? Fix) Check(TelemetrySettings profile, Func<string, string?>? env = null, string? runDirectory = null)
    {
        var s = OtlpSettings.Resolve(env ?? Environment.GetEnvironmentVariable, profile, out string? error);
        if (error != null)
            return (true, $"run would refuse to start: {error}", "fix or unset the OTEL_EXPORTER_OTLP_* variable or the profile's Telemetry.Otlp named");
        string? dir = runDirectory;
        try { dir ??= Approval.SocketPaths.Directory(); }
        catch (IOException) { dir = "/nonexistent"; } // the sockets line reports it; no exporter state to show
        var lines = ExporterStatus.DoctorLines(dir, s?.Describe());
        return (false, string.Join("; ", lines.Select(l => l.StartsWith("telemetry: ", StringComparison.Ordinal) ? l[11..] : l)), null);
    }
}
