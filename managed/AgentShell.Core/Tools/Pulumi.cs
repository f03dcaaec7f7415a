using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>pulumi: destroy → wipe; <c>stack rm</c> → delete; <c>state delete</c> → delete; up →
/// write; preview/stack ls → read. Target: the stack (<c>-s</c>/<c>--stack</c>, PULUMI_STACK?) as a
/// workspace-kind target, since a stack plays that role.</summary>
public static class Pulumi
{
    private static readonly (string, Effect)[] Rules =
    [
        ("destroy", Effect.Wipe), ("down", Effect.Wipe), ("stack rm", Effect.Delete), ("stack ls", Effect.Read), ("stack output", Effect.Read),
        ("stack select", Effect.Read), ("stack", Effect.Read), ("state delete", Effect.Delete), ("state unprotect", Effect.Write),
        ("up", Effect.Write), ("update", Effect.Write), ("refresh", Effect.Write), ("import", Effect.Write), ("cancel", Effect.Terminate),
        ("preview", Effect.Read), ("pre", Effect.Read), ("config", Effect.Read), ("whoami", Effect.Read), ("about", Effect.Read),
        ("login", Effect.Write), ("logout", Effect.Write), ("new", Effect.Write),
    ];

    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal) { "-s", "--stack", "-C", "--cwd", "--config-file", "-m", "--message", "-t", "--target", "--parallel" };

    /// <summary>Parses pulumi's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        var stack = ToolHelp.Option(c.Args, "-s", "--stack");
        if (stack != null) { targets.Add(new Target { Kind = TargetKind.TerraformWorkspace, Name = stack }); evidence.Add(new($"--stack {stack}", $"stack {stack}")); }
        var intent = SubcommandCli.Classify("pulumi", c, Rules, Valued, targets, evidence);
        if (c.Args.Contains("--preview-only")) return ToolHelp.Intent("pulumi", Effect.Read, intent.Summary, targets, evidence);
        return intent;
    }
}
