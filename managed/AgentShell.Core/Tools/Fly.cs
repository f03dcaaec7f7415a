using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>flyctl/fly: <c>apps destroy</c>/<c>destroy</c> → wipe, <c>volumes destroy</c> → wipe,
/// <c>machine destroy</c>/<c>secrets unset</c>/... → delete, <c>scale count 0</c> → terminate,
/// deploy → write, status/logs/list → read, ssh/console/proxy → unknown. Targets: the API
/// (api.fly.io) and the app (<c>-a</c>/<c>--app</c>) in its path.</summary>
public static class Fly
{
    private static readonly (string, Effect)[] Rules =
    [
        ("destroy", Effect.Wipe), ("apps destroy", Effect.Wipe), ("apps delete", Effect.Wipe), ("volumes destroy", Effect.Wipe),
        ("volumes delete", Effect.Wipe), ("vol destroy", Effect.Wipe), ("vol delete", Effect.Wipe), ("volume destroy", Effect.Wipe),
        ("postgres destroy", Effect.Wipe), ("mpg destroy", Effect.Wipe), ("redis destroy", Effect.Wipe), ("storage destroy", Effect.Wipe),
        ("machine destroy", Effect.Delete), ("machines destroy", Effect.Delete), ("m destroy", Effect.Delete), ("machine rm", Effect.Delete),
        ("secrets unset", Effect.Delete), ("certs remove", Effect.Delete), ("ips release", Effect.Delete),
        ("scale count 0", Effect.Terminate), ("scale count", Effect.Write), ("machine stop", Effect.Terminate), ("apps restart", Effect.Terminate),
        ("ssh *", Effect.Unknown), ("ssh", Effect.Unknown), ("console", Effect.Unknown), ("proxy", Effect.Unknown), ("sftp", Effect.Unknown),
        ("postgres connect", Effect.Unknown), ("deploy", Effect.Write), ("launch", Effect.Write), ("status", Effect.Read), ("logs", Effect.Read),
        ("apps list", Effect.Read), ("volumes list", Effect.Read), ("auth *", Effect.Write),
    ];

    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal) { "-a", "--app", "-c", "--config", "-r", "--region", "-t", "--access-token", "--image", "-s", "--size", "-o", "--org" };

    /// <summary>Parses fly's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var app = ToolHelp.Option(c.Args, "-a", "--app") ?? c.Context.GetEnvironmentVariable("FLY_APP");
        var api = CliVerbs.Api(app != null ? $"https://api.fly.io/apps/{app}" : "https://api.fly.io/");
        if (app != null) evidence.Add(new($"--app {app}", $"app {app}"));
        return SubcommandCli.Classify("fly", c, Rules, Valued, [api], evidence);
    }
}
