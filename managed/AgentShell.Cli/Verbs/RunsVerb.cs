using System.Text.Json;
using AgentShell.Supervisor.Approval;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell runs [--json]`: the live runs and daemon sessions of this user.</summary>
[Verb("runs", HelpText = "List live runs and daemon sessions (id, command, started, pending requests); pending, watch, approve and deny take --run ID.")]
public sealed class RunsVerb
{
    /// <summary>Print JSON.</summary>
    [Option("json", HelpText = "Print them as a JSON array.")]
    public bool Json { get; set; }

    /// <summary>Runs the verb.</summary>
    public int Execute()
    {
        var runs = RunDirectory.List();
        if (Json)
        {
            using var stdout = Console.OpenStandardOutput();
            using (var w = new Utf8JsonWriter(stdout, AgentShell.Core.Audit.AuditJson.WriterOptions))
            {
                w.WriteStartArray();
                foreach (var r in runs)
                {
                    w.WriteStartObject();
                    w.WriteString("id", r.Id);
                    w.WriteString("kind", r.Kind);
                    if (r.Daemon != null) w.WriteString("daemon", r.Daemon);
                    w.WriteStartArray("command");
                    foreach (var a in AgentShell.Core.Audit.Redactor.RedactArgv(r.Command)) w.WriteStringValue(a);
                    w.WriteEndArray();
                    if (r.Started is { } s) w.WriteString("started", s);
                    w.WriteNumber("pid", r.Pid);
                    w.WriteNumber("pending", r.Pending);
                    w.WriteString("socket", r.Socket);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            stdout.WriteByte((byte)'\n');
            return 0;
        }
        if (runs.Count == 0)
        {
            // An unusable run directory lists nothing: say why rather than "no live runs".
            try { AgentShell.Supervisor.Approval.SocketPaths.Directory(); }
            catch (IOException e) { Console.Error.WriteLine($"agentshell: {e.Message}"); return 1; }
            Console.WriteLine("no live runs (start one with 'agentshell run -- CMD' or 'agentshell daemon -- CMD')");
            return 0;
        }
        Console.WriteLine($"{"ID",-10}{"KIND",-9}{"STARTED",-21}{"PENDING",-9}COMMAND");
        var now = DateTimeOffset.UtcNow;
        foreach (var r in runs)
        {
            string started = r.Started is { } s ? $"{s.ToLocalTime():HH:mm:ss} ({Ago(now - s)})" : "?";
            string kind = r.Daemon != null ? "session" : r.Kind;
            string of = r.Daemon != null ? $"  [daemon {r.Daemon}]" : "";
            Console.WriteLine($"{r.Id,-10}{kind,-9}{started,-21}{r.Pending,-9}{DecisionText.Argv(r.Command)}{of}");
        }
        return 0;
    }

    private static string Ago(TimeSpan t) =>
        t.TotalMinutes < 1 ? $"{(int)t.TotalSeconds}s ago" : t.TotalHours < 1 ? $"{(int)t.TotalMinutes}m ago" : t.TotalDays < 1 ? $"{(int)t.TotalHours}h ago" : $"{(int)t.TotalDays}d ago";
}
