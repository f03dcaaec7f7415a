using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Railway CLI: <c>volume delete</c> → wipe (the volume's data), <c>delete</c> (project)
/// → wipe, <c>environment delete</c>/<c>service delete</c> → delete, <c>down</c> → delete (removes
/// the latest deployment); up/deploy/redeploy/variables set/link → write; status/logs/list → read;
/// run/shell/connect/ssh → unknown. Targets: <c>-e</c>/<c>--environment</c> names the environment;
/// without one, the API (backboard.railway.app) is the target, as in the volumeDelete incident.</summary>
public static class Railway
{
    private static readonly (string, Effect)[] Rules =
    [
        ("volume delete", Effect.Wipe), ("volume rm", Effect.Wipe), ("volume detach", Effect.Write), ("volume *", Effect.Read),
        ("delete", Effect.Wipe), ("environment delete", Effect.Delete), ("environment rm", Effect.Delete), ("env delete", Effect.Delete),
        ("service delete", Effect.Delete), ("down", Effect.Delete), ("variables delete", Effect.Delete), ("domain delete", Effect.Delete),
        ("up", Effect.Write), ("deploy", Effect.Write), ("redeploy", Effect.Write), ("restart", Effect.Terminate), ("variables set", Effect.Write),
        ("variables", Effect.Read), ("link", Effect.Write), ("unlink", Effect.Write), ("init", Effect.Write), ("add", Effect.Write),
        ("login", Effect.Write), ("logout", Effect.Write), ("status", Effect.Read), ("logs", Effect.Read), ("list", Effect.Read),
        ("whoami", Effect.Read), ("open", Effect.Read), ("docs", Effect.Read), ("run", Effect.Unknown), ("shell", Effect.Unknown),
        ("connect", Effect.Unknown), ("ssh", Effect.Unknown),
    ];

    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal) { "-e", "--environment", "-s", "--service", "-p", "--project" };

    /// <summary>Parses railway's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        // A named environment says where the command acts; without one the CLI acts on whatever
        // environment is linked, so the target is the control plane itself (production in
        // profiles/railway.json: unknown is treated as the worst case).
        var targets = new List<Target>();
        if (SubcommandCli.EnvironmentFlag(c.Args, evidence, "--environment", "-e") is Target env) targets.Add(env);
        else if (c.Context.GetEnvironmentVariable("RAILWAY_ENVIRONMENT") is string re) { targets.Add(new Target { Kind = TargetKind.Environment, Name = re }); evidence.Add(new($"RAILWAY_ENVIRONMENT={re}", $"environment {re}")); }
        else targets.Add(CliVerbs.Api("https://backboard.railway.app/graphql/v2"));
        return SubcommandCli.Classify("railway", c, Rules, Valued, targets, evidence);
    }
}
