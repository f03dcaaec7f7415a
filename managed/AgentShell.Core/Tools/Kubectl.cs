using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>kubectl: delete → delete (namespaces, <c>--all</c>, <c>-A</c> → wipe), drain →
/// terminate, <c>scale --replicas=0</c> → terminate, get/describe/logs/... → read,
/// apply/create/patch/... → write, exec/run/cp/debug/plugins → unknown; any
/// <c>--dry-run</c> → read. Target: the kube context (<c>--context</c>, else the current-context
/// of the first <c>$KUBECONFIG</c> file or <c>~/.kube/config</c>, read through the context).</summary>
public static class Kubectl
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "--context", "--kubeconfig", "-n", "--namespace", "--cluster", "--user", "-s", "--server", "--token", "-o", "--output",
        "-l", "--selector", "-f", "--filename", "--field-selector", "--as", "--as-group", "--request-timeout", "--replicas",
        "-c", "--container", "--grace-period", "--timeout", "--image", "-p", "--patch", "--type", "-k", "--kustomize",
        "--for", "--cascade", "--certificate-authority", "--client-certificate", "--client-key", "-v", "--v", "--tail", "--since",
        "--current-replicas", "--overrides", "--port", "--target-port", "--to-revision", "-L", "--label-columns", "--sort-by",
    };

    /// <summary>Parses kubectl's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true)) return ToolHelp.Help("kubectl", "--help");
        var evidence = new List<Evidence>();
        var target = ContextTarget(ToolHelp.Option(a, "--context"), ToolHelp.Option(a, "--kubeconfig"), c.Context, evidence);
        var pos = ToolHelp.Positionals(a, Valued);
        if (pos.Count == 0) return ToolHelp.Intent("kubectl", Effect.Read, "", [target], evidence);
        string verb = pos[0];
        Effect effect = verb switch
        {
            "delete" => Effect.Delete,
            "drain" => Effect.Terminate,
            "scale" => ScaleEffect(a),
            "cordon" or "uncordon" or "taint" or "apply" or "create" or "patch" or "edit" or "label" or "annotate" or "set"
                or "replace" or "expose" or "autoscale" or "rollout" or "certificate" => Effect.Write,
            "get" or "describe" or "logs" or "top" or "explain" or "version" or "api-resources" or "api-versions" or "cluster-info"
                or "diff" or "wait" or "events" or "auth" or "completion" or "kustomize" or "port-forward" or "proxy" => Effect.Read,
            "config" => pos.Count > 1 && pos[1] is "view" or "get-contexts" or "current-context" or "get-clusters" or "get-users" ? Effect.Read : Effect.Write,
            _ => Effect.Unknown, // exec, run, cp, attach, debug, plugins
        };
        if (verb == "rollout" && pos.Count > 1 && pos[1] is "status" or "history") effect = Effect.Read;
        if (verb == "delete")
        {
            bool all = a.Contains("--all") || a.Contains("-A") || a.Contains("--all-namespaces");
            bool ns = pos.Count > 1 && pos[1].Split(',').Any(r => r is "ns" or "namespace" or "namespaces" || r.StartsWith("namespace/", StringComparison.Ordinal) || r.StartsWith("ns/", StringComparison.Ordinal));
            bool storage = pos.Count > 1 && pos[1].Split(',').Any(r => r is "pvc" or "pv" or "persistentvolumeclaim" or "persistentvolumeclaims" or "persistentvolume" or "persistentvolumes" or "statefulset" or "sts" or "crd" or "crds" || r.StartsWith("pvc/", StringComparison.Ordinal) || r.StartsWith("pv/", StringComparison.Ordinal));
            if (ns || all) effect = Effect.Wipe;
            else if (storage) effect = Effect.Drop;
        }
        string summary = string.Join(' ', pos.Take(3));
        evidence.Add(new(summary, $"{verb} → {effect.Name()}"));
        if (a.Any(x => x == "--dry-run" || x.StartsWith("--dry-run=", StringComparison.Ordinal)) && !a.Contains("--dry-run=none"))
        {
            effect = Effect.Read;
            evidence.Add(new("--dry-run", "nothing is changed"));
        }
        return ToolHelp.Intent("kubectl", effect, summary, [target], evidence);
    }

    private static Effect ScaleEffect(IReadOnlyList<string> a)
    {
        var r = ToolHelp.Option(a, "--replicas");
        return r != null && int.TryParse(r, out var n) && n == 0 ? Effect.Terminate : Effect.Write;
    }

    /// <summary>The kube context a command uses: the flag, else the kubeconfig's current-context.</summary>
    public static Target ContextTarget(string? flag, string? kubeconfig, IExecContext ctx, List<Evidence> evidence)
    {
        if (flag != null)
        {
            evidence.Add(new($"--context {flag}", $"kube context {flag}"));
            return new Target { Kind = TargetKind.KubeContext, Name = flag };
        }
        // Every $KUBECONFIG file, merged as kubectl does: the first file that sets current-context wins.
        var files = kubeconfig != null ? [kubeconfig]
            : ctx.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } kc ? kc.Split(':', StringSplitOptions.RemoveEmptyEntries)
            : ctx.GetEnvironmentVariable("HOME") is string home ? [Path.Combine(home, ".kube", "config")] : [];
        foreach (var file in files)
        {
            var cf = ctx.ReadConfigFile(file);
            if (cf.Unaccountable)
            {
                evidence.Add(new(file, $"current context unknown: {cf.Problem}"));
                return new Target { Kind = TargetKind.KubeContext, Name = null };
            }
            if (cf.Parsed(ParseCurrentContext).Name is string name)
            {
                evidence.Add(new(file, $"current-context {name}"));
                return new Target { Kind = TargetKind.KubeContext, Name = name };
            }
        }
        evidence.Add(new(files.Length > 0 ? string.Join(':', files) : "kubeconfig", "current context unknown"));
        return new Target { Kind = TargetKind.KubeContext, Name = null };
    }

    private sealed record CurrentContextOf(string? Name);

    private static CurrentContextOf ParseCurrentContext(Config.ConfigFile f) => new(CurrentContext(f.Text));

    /// <summary>The <c>current-context:</c> of a kubeconfig (a top-level YAML key, scanned by line).</summary>
    public static string? CurrentContext(IExecContext ctx, string file) => CurrentContext(ToolHelp.ReadText(ctx, file));

    private static string? CurrentContext(string? text)
    {
        if (text == null) return null;
        foreach (var raw in text.Split('\n'))
        {
            if (!raw.StartsWith("current-context:", StringComparison.Ordinal)) continue;
            var v = raw["current-context:".Length..].Trim();
            int hash = v.IndexOf(" #", StringComparison.Ordinal);
            if (hash >= 0) v = v[..hash].Trim();
            v = v.Trim('"', '\'');
            return v.Length == 0 ? null : v;
        }
        return null;
    }
}
