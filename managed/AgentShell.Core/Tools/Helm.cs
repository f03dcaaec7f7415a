using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>helm: uninstall/delete/del/un → delete; install/upgrade/rollback → write;
/// list/status/get/history/template/lint/show/search → read; <c>--dry-run</c> → read. Target: kube
/// context (<c>--kube-context</c>, else the kubeconfig's current-context).</summary>
public static class Helm
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "--kube-context", "--kubeconfig", "-n", "--namespace", "-f", "--values", "--set", "--set-string", "--set-file", "--version",
        "--timeout", "-o", "--output", "--repo", "--description", "--post-renderer",
    };

    /// <summary>Parses helm's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true)) return ToolHelp.Help("helm", "--help");
        var evidence = new List<Evidence>();
        var target = Kubectl.ContextTarget(ToolHelp.Option(a, "--kube-context"), ToolHelp.Option(a, "--kubeconfig"), c.Context, evidence);
        var pos = ToolHelp.Positionals(a, Valued);
        string verb = pos.Count > 0 ? pos[0] : "";
        Effect effect = verb switch
        {
            "uninstall" or "delete" or "del" or "un" => Effect.Delete,
            "install" or "upgrade" or "rollback" or "repo" or "plugin" or "dependency" or "dep" or "push" or "registry" or "package" or "pull" => Effect.Write,
            "list" or "ls" or "status" or "get" or "history" or "hist" or "template" or "lint" or "show" or "inspect" or "search" or "version" or "env" or "verify" or "completion" or "test" or "diff" => Effect.Read,
            "" => Effect.Read,
            _ => Effect.Unknown,
        };
        if (verb is "repo" && pos.Count > 1 && pos[1] == "list") effect = Effect.Read;
        string summary = string.Join(' ', pos.Take(3));
        evidence.Add(new(summary, $"{verb} → {effect.Name()}"));
        if (a.Any(x => x == "--dry-run" || x.StartsWith("--dry-run=", StringComparison.Ordinal))) { effect = Effect.Read; evidence.Add(new("--dry-run", "nothing is changed")); }
        return ToolHelp.Intent("helm", effect, summary, [target], evidence);
    }
}
