using AgentShell.Core.Profiles;
using AgentShell.Supervisor.Audit;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Cli.Verbs;

/// <summary>What `run` and `daemon` need before anything runs: the policy, the telemetry exporter
/// (or none) and the audit log. Any of them failing stops the verb before the command starts.</summary>
internal sealed class SupervisingStart : IDisposable
{
    private SupervisingStart(Core.Policy.Policy policy, TelemetryExporter? telemetry, AuditLog audit) =>
        (Policy, Telemetry, Audit) = (policy, telemetry, audit);

    public Core.Policy.Policy Policy { get; }
    public TelemetryExporter? Telemetry { get; }
    public AuditLog Audit { get; }

    /// <summary>Everything prepared, or null after saying on stderr what failed and that nothing was run.</summary>
    public static SupervisingStart? Prepare(IEnumerable<string> profiles, bool quiet, string? auditFile)
    {
        Core.Policy.Policy policy;
        try
        {
            policy = ProfileSet.LoadForRun(profiles.ToList(), quiet ? TextWriter.Null : Console.Error);
        }
        catch (ProfileException e)
        {
            return Refuse($"invalid profile: {e.Message}");
        }
        // The run's control socket and CA go there: an unusable one is a setting to fix, said before
        // anything starts (not an internal error from deep inside the run).
        try { Supervisor.Approval.SocketPaths.Directory(); }
        catch (IOException e) { return Refuse(e.Message); }
        var telemetry = TelemetryExporter.Configure(policy.Telemetry, Console.Error, out string? telemetryError);
        if (telemetryError != null)
        {
            telemetry?.Dispose();
            return Refuse($"telemetry: {telemetryError}");
        }
        try
        {
            return new SupervisingStart(policy, telemetry,
                new AuditLog(auditFile ?? AuditLog.DefaultPath(), Console.Error, logAllowsOfUnparsedTools: policy.Audit.LogAllowsOfUnparsedTools));
        }
        catch (IOException e)
        {
            telemetry?.Dispose();
            return Refuse($"cannot open the audit log: {e.Message}");
        }
    }

    /// <summary>What the tree must not change (made read-only for it by the launcher): where
    /// profiles come from and their cached test results, the audit log, agentshell itself. The
    /// control sockets are added by the run or daemon that binds them.</summary>
    public IReadOnlyList<string> ProtectedPaths(IEnumerable<string> profiles, string launcher) =>
        Supervisor.ProtectedPaths.Collect(ProfileSet.Resolve(profiles.ToList()),
            [.. Supervisor.ProtectedPaths.ProfileDirectories(ProfileSet.SystemDirectory()), .. Supervisor.ProtectedPaths.CacheDirectories()],
            Audit.Path, Supervisor.ProtectedPaths.OwnFiles(Environment.ProcessPath ?? launcher, launcher));

    private static SupervisingStart? Refuse(string why)
    {
        Console.Error.WriteLine($"agentshell: {why}");
        Console.Error.WriteLine("agentshell: nothing was run.");
        return null;
    }

    public void Dispose()
    {
        Audit.Dispose();
        Telemetry?.Dispose();
    }
}
