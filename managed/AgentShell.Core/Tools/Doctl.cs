using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>doctl: <c>databases delete</c>/<c>databases db delete</c> → drop; any other
/// <c>... delete</c>/<c>rm</c> → delete; <c>... power-off</c>/<c>shutdown</c> → terminate;
/// get/list → read. Target: the API (api.digitalocean.com) and <c>--context</c> as environment.</summary>
public static class Doctl
{
    private static readonly (string, Effect)[] Rules =
    [
        ("databases delete", Effect.Drop), ("databases db delete", Effect.Drop), ("databases pool delete", Effect.Delete),
        ("* delete", Effect.Delete), ("* * delete", Effect.Delete), ("* * * delete", Effect.Delete), ("* rm", Effect.Delete), ("* * rm", Effect.Delete),
        ("* * power-off", Effect.Terminate), ("* * shutdown", Effect.Terminate), ("* * power-cycle", Effect.Terminate),
        ("* * reboot", Effect.Terminate), ("* get", Effect.Read), ("* list", Effect.Read), ("* * get", Effect.Read), ("* * list", Effect.Read),
        ("* ssh", Effect.Unknown), ("* * ssh", Effect.Unknown), ("* create", Effect.Write), ("* * create", Effect.Write), ("auth *", Effect.Write),
    ];

    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal) { "--context", "-t", "--access-token", "-o", "--output", "--format", "--region", "--size", "--image" };

    /// <summary>Parses doctl's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var targets = new List<Target> { CliVerbs.Api("https://api.digitalocean.com/") };
        if (SubcommandCli.EnvironmentFlag(c.Args, evidence, "--context") is Target t) targets.Add(t);
        return SubcommandCli.Classify("doctl", c, Rules, Valued, targets, evidence);
    }
}
