using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Supabase CLI: <c>db reset</c> → wipe, <c>projects delete</c> → wipe, <c>db push</c> →
/// write, <c>db dump</c>/<c>db diff</c> → read. The database is local unless <c>--linked</c>
/// (the linked project, via api.supabase.com) or <c>--db-url</c> (that URL) says otherwise.</summary>
public static class Supabase
{
    private static readonly (string, Effect)[] Rules =
    [
        ("db reset", Effect.Wipe), ("projects delete", Effect.Wipe), ("branches delete", Effect.Delete), ("functions delete", Effect.Delete),
        ("secrets unset", Effect.Delete), ("storage rm", Effect.Delete), ("db push", Effect.Write), ("migration repair", Effect.Write),
        ("migration up", Effect.Write), ("migration down", Effect.Drop), ("db dump", Effect.Read), ("db diff", Effect.Read), ("db lint", Effect.Read),
        ("db pull", Effect.Read), ("start", Effect.Write), ("stop", Effect.Terminate), ("status", Effect.Read), ("link", Effect.Write),
        ("functions deploy", Effect.Write), ("gen *", Effect.Read), ("migration list", Effect.Read), ("migration new", Effect.Write),
        ("projects list", Effect.Read), ("login", Effect.Write), ("init", Effect.Write),
    ];

    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal) { "--db-url", "--project-ref", "-p", "--password", "--workdir", "-o", "--output", "--schema", "-s" };

    /// <summary>Parses supabase's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        var url = ToolHelp.Option(a, "--db-url");
        var projectRef = ToolHelp.Option(a, "--project-ref");
        if (url != null && DbTarget.TryParseUri(url, out var h, out var p, out var d))
        {
            targets.Add(DbTarget.Make("postgresql", h, p, d, 5432));
            evidence.Add(new($"--db-url {url}", $"host {h}"));
        }
        else if (a.Contains("--linked") || projectRef != null || (a.Count > 0 && a[0] is "projects" or "branches" or "functions" or "secrets" or "storage"))
        {
            targets.Add(CliVerbs.Api(projectRef != null ? $"https://api.supabase.com/v1/projects/{projectRef}" : "https://api.supabase.com/"));
            evidence.Add(new(projectRef ?? "--linked", "the linked (remote) project"));
        }
        else
        {
            targets.Add(new Target { Kind = TargetKind.Database, Scheme = "postgresql", Host = "127.0.0.1", Port = 54322 });
            evidence.Add(new("supabase", "local development database"));
        }
        return SubcommandCli.Classify("supabase", c, Rules, Valued, targets, evidence);
    }
}
