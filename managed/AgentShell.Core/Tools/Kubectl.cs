using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>kubectl, read with pflag's grammar and kubectl's flag table (<see cref="Options"/>):
/// delete → delete (namespaces, <c>--all</c>, <c>-A</c> → wipe), drain → terminate,
/// <c>scale --replicas=0</c> → terminate, get/describe/logs/... → read, apply/create/patch/... →
/// write, exec/run/cp/debug/plugins → unknown; <c>--dry-run</c> (any value but none) → read; a flag
/// kubectl does not have → unknown. Target: the kube context (<c>--context</c>, else the
/// current-context of the first <c>$KUBECONFIG</c> file or <c>~/.kube/config</c>, read through
/// the context).</summary>
public static partial class Kubectl
{
    /// <summary>Parses kubectl's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var pos = new List<string>();
        string? context = null, kubeconfig = null, replicas = null, dryRun = null, patch = null, server = null, cluster = null, min = null;
        bool all = false, help = false, unknown = false, prune = false, force = false;
        // kubectl's preferences (kuberc): an alias's command and arguments, a command's option defaults.
        var args = Kuberc.Apply(c, evidence, out string? kubercProblem);
        var reader = new OptionReader(Options, args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { pos.Add(t.Value!); continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            switch (t.Name)
            {
                case "--context": context = t.Value; break;
                case "--kubeconfig": kubeconfig = t.Value; break;
                case "--server": server = t.Value; break;
                case "--cluster": cluster = t.Value; break;
                case "--all": case "--all-namespaces": if (t.IsOn) all = true; break;
                case "--replicas": replicas = t.Value; break;
                case "--min": min = t.Value; break;
                case "--prune": prune = t.IsOn; break; // the last one wins (pflag): a kuberc default, then the command line
                case "--force": force = t.IsOn; break;
                case "--patch": patch = t.Value; break;
                case "--dry-run": dryRun = t.Value ?? "unchanged"; break;
                case "--help": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("kubectl", "--help");
        var target = ContextTarget(context, kubeconfig, c.Context, evidence);
        string serverSource = "--server ";
        // The context's cluster server from the kubeconfig, a target beside its name (a "dev" context on a production host).
        string? unread = null;
        if (server == null && Kubeconfig.Server(target.Name, cluster, kubeconfig, c.Context, out unread) is string ks) { server = ks; serverSource = "kubeconfig server "; }
        IReadOnlyList<Target> targets = server == null && cluster == null ? [target] : Overridden(target, server, cluster, evidence, serverSource);
        targets = Kubeconfig.WithUnknownServer(targets, unread, evidence);
        if (pos.Count == 0) return ToolHelp.Intent("kubectl", unknown || kubercProblem != null ? Effect.Unknown : Effect.Read, "", targets, evidence);
        string verb = pos[0];
        Effect effect = verb switch
        {
            "delete" => Effect.Delete,
            "drain" => Effect.Terminate,
            "scale" => replicas != null && int.TryParse(replicas, out var n) && n == 0 ? Effect.Terminate : Effect.Write,
            "cordon" or "uncordon" or "taint" or "apply" or "create" or "patch" or "edit" or "label" or "annotate" or "set"
                or "replace" or "expose" or "autoscale" or "rollout" or "certificate" => Effect.Write,
            "get" or "describe" or "logs" or "top" or "explain" or "version" or "api-resources" or "api-versions" or "cluster-info"
                or "diff" or "wait" or "events" or "auth" or "completion" or "kustomize" or "port-forward" or "proxy" => Effect.Read,
            "config" => pos.Count > 1 && pos[1] is "view" or "get-contexts" or "current-context" or "get-clusters" or "get-users" ? Effect.Read : Effect.Write,
            _ => Effect.Unknown, // exec, run, cp, attach, debug, plugins
        };
        if (verb == "rollout" && pos.Count > 1 && pos[1] is "status" or "history") effect = Effect.Read;
        // apply --prune deletes what the files no longer list; replace --force deletes and recreates.
        if (verb is "apply" or "replace" && prune) { effect = Effect.Delete; evidence.Add(new("--prune", "deletes every object of the selector the files no longer list")); }
        if (verb == "replace" && force) { effect = Effect.Delete; evidence.Add(new("--force", "deletes the objects and creates them again")); }
        // A patch that sets replicas to 0 scales to zero, as scale --replicas=0 does; a NoExecute taint evicts every pod.
        if (verb == "patch" && patch != null && ScalesToZero(patch)) { effect = Effect.Terminate; evidence.Add(new(patch, "sets replicas to 0")); }
        // A volume whose reclaim policy becomes Delete loses its data when its claim goes: the safeguard (Retain) is off.
        if (verb == "patch" && patch != null && ReclaimsByDelete(patch)) { effect = ToolHelp.Max(effect, Effect.Delete); evidence.Add(new(patch, "sets the reclaim policy to Delete (the volume's data goes with its claim)")); }
        // Finalizers cleared (null, [], a JSON patch's remove): what they held back (a namespace's contents, a
        // claim's volume, a stuck deletion) is deleted at once.
        if (verb == "patch" && patch != null && ClearsFinalizers(patch)) { effect = ToolHelp.Max(effect, Effect.Delete); evidence.Add(new(patch, "clears the finalizers (a pending deletion completes)")); }
        // autoscale --min=0 lets the autoscaler scale to zero (HPAScaleToZero), as scale --replicas=0 does.
        if (verb == "autoscale" && min != null && int.TryParse(min, out var lo) && lo == 0) { effect = Effect.Terminate; evidence.Add(new("--min=0", "may scale to zero")); }
        if (verb == "taint" && pos.Exists(p => p.EndsWith(":NoExecute", StringComparison.Ordinal))) { effect = Effect.Terminate; evidence.Add(new("NoExecute", "evicts the node's pods")); }
        if (verb == "delete")
        {
            // PERF: loops over the comma-separated parts as spans, no query or split per word.
            bool ns = false, storage = false;
            for (int i = 1; i < pos.Count; i++)
            {
                var word = pos[i];
                if (word.StartsWith("namespace/", StringComparison.Ordinal) || word.StartsWith("ns/", StringComparison.Ordinal) || word.StartsWith("namespaces/", StringComparison.Ordinal)) ns = true;
                foreach (var range in word.AsSpan().Split(','))
                {
                    var r = word.AsSpan(range);
                    if (i == 1 && (r is "ns" or "namespace" or "namespaces" || r.StartsWith("namespace/") || r.StartsWith("ns/"))) ns = true;
                    if (r is "pvc" or "pv" or "persistentvolumeclaim" or "persistentvolumeclaims" or "persistentvolume" or "persistentvolumes" or "statefulset" or "statefulsets" or "sts" or "crd" or "crds" or "customresourcedefinition" or "customresourcedefinitions"
                        || r.StartsWith("pvc/") || r.StartsWith("pv/") || r.StartsWith("persistentvolumeclaim/") || r.StartsWith("statefulset/") || r.StartsWith("crd/")) storage = true;
                }
            }
            if (ns || all) effect = Effect.Wipe;
            else if (storage) effect = Effect.Drop;
        }
        string summary = pos.Count == 1 ? pos[0] : string.Join(' ', System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pos)[..Math.Min(3, pos.Count)]);
        evidence.Add(Evidence.Joined(summary, verb, " → ", effect.Name()));
        if (effect == Effect.Write && pos.Count > 1 && verb is "create" or "certificate") effect = AccessGrants.Apply("kubectl", verb + " " + pos[1], effect, evidence);
        if (dryRun != null && dryRun != "none" && dryRun != "false")
        {
            effect = Effect.Read;
            evidence.Add(new("--dry-run", "nothing is changed"));
        }
        if (unknown || kubercProblem != null) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent("kubectl", effect, summary, targets, evidence);
    }

    /// <summary>The context's target, and beside it what overrides the context's cluster:
    /// <c>--server</c>/<c>-s</c> (helm: <c>--kube-apiserver</c>) is the API server spoken to,
    /// whatever the context says; <c>--cluster NAME</c> is another kubeconfig cluster, named as a
    /// context is (profiles list contexts, and a cluster is usually named as its context).</summary>
    internal static IReadOnlyList<Target> Overridden(Target context, string? server, string? cluster, List<Evidence> evidence, string serverSource = "--server ")
    {
        var targets = new List<Target>(3) { context };
        if (server != null)
        {
            targets.Add(CliVerbs.Api(server.Contains("://", StringComparison.Ordinal) ? server : "https://" + server));
            evidence.Add(new(serverSource + server, "the API server spoken to, whatever the context says"));
        }
        if (cluster != null)
        {
            targets.Add(new Target { Kind = TargetKind.KubeContext, Name = cluster });
            evidence.Add(new("--cluster " + cluster, "the kubeconfig cluster spoken to, whatever the context says"));
        }
        return targets;
    }

    // "persistentVolumeReclaimPolicy": "Delete" (a PV) or reclaimPolicy: Delete (a StorageClass), JSON or YAML.
    private static bool ReclaimsByDelete(string patch)
    {
        foreach (int j in ValuesOf(patch, "eclaimPolicy"))
            if (patch.AsSpan(j).StartsWith("Delete", StringComparison.OrdinalIgnoreCase)) return true;
        // A JSON patch: {"op":"replace","path":"/spec/persistentVolumeReclaimPolicy","value":"Delete"}.
        return patch.Contains("eclaimPolicy\"", StringComparison.Ordinal) && patch.Contains("\"Delete\"", StringComparison.Ordinal);
    }

    /// <summary>Where the value of each <c>key: value</c> / <c>"key": "value"</c> in a patch starts
    /// (past the colon, blanks and an opening quote).</summary>
    private static IEnumerable<int> ValuesOf(string patch, string key)
    {
        for (int i = patch.IndexOf(key, StringComparison.Ordinal); i >= 0; i = patch.IndexOf(key, i + key.Length, StringComparison.Ordinal))
        {
            int j = i + key.Length;
            if (j < patch.Length && patch[j] == '"') j++;
            while (j < patch.Length && patch[j] is ' ' or '\t') j++;
            if (j >= patch.Length || patch[j] != ':') continue;
            j++;
            while (j < patch.Length && patch[j] is ' ' or '\t' or '"' or '\'') j++;
            yield return j;
        }
    }

    // "replicas": 0 in a JSON patch, replicas: 0 in a YAML one (not 00, 05 or 10); a JSON patch's
    // {"op":"replace","path":"/spec/replicas","value":0}.
    private static bool ScalesToZero(string patch)
    {
        foreach (int j in ValuesOf(patch, "replicas"))
            if (IsZero(patch, j)) return true;
        if (!patch.Contains("/replicas\"", StringComparison.Ordinal)) return false;
        foreach (int j in ValuesOf(patch, "value"))
            if (IsZero(patch, j)) return true;
        return false;

        static bool IsZero(string p, int j) => j < p.Length && p[j] == '0' && (j + 1 == p.Length || !char.IsAsciiDigit(p[j + 1]));
    }

    // "finalizers": null or [] (merge/strategic patch, JSON or YAML), or a JSON patch op on /metadata/finalizers
    // that removes or replaces them.
    private static bool ClearsFinalizers(string patch)
    {
        foreach (int j in ValuesOf(patch, "finalizers"))
            if (patch.AsSpan(j).StartsWith("null") || patch.AsSpan(j).StartsWith("[]") || patch.AsSpan(j).StartsWith("~")) return true;
        return patch.Contains("/metadata/finalizers", StringComparison.Ordinal)
            && (patch.Contains("\"remove\"", StringComparison.Ordinal) || patch.Contains("\"replace\"", StringComparison.Ordinal));
    }

    /// <summary>The kube context a command uses: the flag, else the kubeconfig's current-context.</summary>
    public static Target ContextTarget(string? flag, string? kubeconfig, IExecContext ctx, List<Evidence> evidence, string source = "--context ")
    {
        if (flag != null)
        {
            evidence.Add(Evidence.Joined(source + flag, "kube context ", flag));
            return new Target { Kind = TargetKind.KubeContext, Name = flag };
        }
        // Every $KUBECONFIG file, merged as kubectl does: the first file that sets current-context wins.
        var files = kubeconfig != null ? [kubeconfig]
            : ctx.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } kc ? kc.Split(':', StringSplitOptions.RemoveEmptyEntries)
            : ctx.GetEnvironmentVariable("HOME") is string home ? [DefaultConfig.Combine(home)] : [];
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

    private static readonly Config.PathMemo DefaultConfig = new(".kube", "config");

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
