using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>heroku: <c>apps:destroy</c> → wipe, <c>pg:reset</c> → wipe, <c>addons:destroy</c> →
/// delete, <c>pg:killall</c>/<c>ps:stop</c>/<c>ps:kill</c> → terminate, <c>ps:scale web=0</c> →
/// terminate, run → unknown. Targets: the API (api.heroku.com) with the app (<c>-a</c>) in its
/// path.</summary>
public static class Heroku
{
    private static readonly (string, Effect)[] Rules =
    [
        ("apps:destroy", Effect.Wipe), ("destroy", Effect.Wipe), ("apps:delete", Effect.Wipe), ("pg:reset", Effect.Wipe),
        ("addons:destroy", Effect.Delete), ("addons:remove", Effect.Delete), ("pg:backups:delete", Effect.Delete), ("config:unset", Effect.Delete),
        ("domains:remove", Effect.Delete), ("pg:killall", Effect.Terminate), ("pg:kill", Effect.Terminate), ("ps:stop", Effect.Terminate),
        ("ps:kill", Effect.Terminate), ("ps:restart", Effect.Terminate), ("maintenance:on", Effect.Terminate), ("ps:scale *=0", Effect.Terminate),
        ("pg:psql", Effect.Unknown), ("run", Effect.Unknown), ("run:*", Effect.Unknown), ("pg:push", Effect.Wipe), ("pg:pull", Effect.Write),
        ("pg:promote", Effect.Write), ("pg:backups:restore", Effect.Wipe), ("pg:copy", Effect.Wipe), ("releases:rollback", Effect.Write),
        ("config:set", Effect.Write), ("ps:scale", Effect.Write), ("apps:create", Effect.Write), ("create", Effect.Write),
        ("*:info", Effect.Read), ("logs", Effect.Read), ("apps", Effect.Read), ("config", Effect.Read), ("ps", Effect.Read), ("pg:info", Effect.Read),
        ("releases", Effect.Read), ("addons", Effect.Read), ("status", Effect.Read), ("auth:whoami", Effect.Read), ("login", Effect.Write),
    ];

    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal) { "-a", "--app", "-r", "--remote", "--confirm", "-s", "--space", "-t", "--team" };

    /// <summary>Parses heroku's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var app = ToolHelp.Option(c.Args, "-a", "--app") ?? c.Context.GetEnvironmentVariable("HEROKU_APP");
        if (app != null) evidence.Add(new($"--app {app}", $"app {app}"));
        var api = CliVerbs.Api(app != null ? $"https://api.heroku.com/apps/{app}" : "https://api.heroku.com/");
        return SubcommandCli.Classify("heroku", c, Rules, Valued, [api], evidence);
    }
}
