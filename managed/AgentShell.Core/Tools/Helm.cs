using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>helm, read with pflag's grammar and helm's flag table (<see cref="Options"/>):
/// uninstall/delete/del/un → delete; upgrade/rollback --force → delete (replaces the resources); install/upgrade/rollback → write;
/// list/status/get/history/template/lint/show/search → read; <c>--dry-run</c> → read; a flag helm
/// does not have → unknown. Target: kube context (<c>--kube-context</c>, else HELM_KUBECONTEXT, else the
/// kubeconfig's current-context), and the API server of <c>--kube-apiserver</c>/HELM_KUBEAPISERVER beside it.</summary>
public static partial class Helm
{
    /// <summary>Parses helm's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var pos = new List<string>();
        string? context = null, kubeconfig = null, server = null;
        bool dryRun = false, help = false, unknown = false, force = false;
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { pos.Add(t.Value!); continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            switch (t.Name)
            {
                case "--kube-context": context = t.Value; break;
                case "--kubeconfig": kubeconfig = t.Value; break;
                case "--kube-apiserver": server = t.Value; break;
                case "--dry-run": dryRun = t.Value is null or "client" or "server" or "true" or "1"; break;
                case "--help": help = true; break;
                case "--force": force = true; break;
            }
        }
        if (help) return ToolHelp.Help("helm", "--help");
        // helm's own variables stand where its flags are not given (helm env lists them).
        string source = "--kube-context ";
        if (context == null && c.Context.GetEnvironmentVariable("HELM_KUBECONTEXT") is { Length: > 0 } ec) { context = ec; source = "HELM_KUBECONTEXT="; }
        string serverSource = "--kube-apiserver ";
        if (server == null && c.Context.GetEnvironmentVariable("HELM_KUBEAPISERVER") is { Length: > 0 } es) { server = es; serverSource = "HELM_KUBEAPISERVER="; }
        var target = Kubectl.ContextTarget(context, kubeconfig, c.Context, evidence, source);
        string? unread = null;
        if (server == null && Kubeconfig.Server(target.Name, null, kubeconfig, c.Context, out unread) is string ks) { server = ks; serverSource = "kubeconfig server "; }
        IReadOnlyList<Target> targets = server == null ? [target] : Kubectl.Overridden(target, server, null, evidence, serverSource);
        targets = Kubeconfig.WithUnknownServer(targets, unread, evidence);
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
        // upgrade/rollback --force replace the resources (delete, then create), as kubectl replace --force does.
        if (force && verb is "upgrade" or "rollback") { effect = Effect.Delete; evidence.Add(new("--force", "deletes and recreates the resources")); }
        if (dryRun) { effect = Effect.Read; evidence.Add(new("--dry-run", "nothing is changed")); }
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent("helm", effect, summary, targets, evidence);
    }
}
