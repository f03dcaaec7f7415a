namespace AgentShell.Core.Lexing;

/// <summary>Commands of a shell string that change what a later command of the same string acts
/// on without being part of its argv: the kube context (<c>kubectl config use-context</c>,
/// <c>kubectx</c>), the Terraform/OpenTofu workspace, the pulumi stack, gcloud's project or
/// configuration, az's subscription, the AWS secret key. Under <c>run</c> each exec is decided
/// with the state as it is then; <c>check</c> and the agent hooks see the whole string before any
/// of it runs, so the change is simulated: the later commands get the variable each tool reads
/// for that setting (its own where it has one: TF_WORKSPACE, CLOUDSDK_CORE_PROJECT, …). A name
/// given by a variable or substitution is kept as written: no profile names it, so the target is
/// unknown (paused on production), never the old one.</summary>
internal static class ShellStateChanges
{
    /// <summary>The kube context set earlier in the same string. Not a kubectl variable: kubectl and
    /// helm add it beside the context they read (so setting it by hand can only add a target).</summary>
    internal const string KubeContext = "AGENTSHELL_SHELL_KUBE_CONTEXT";

    /// <summary>Records in <paramref name="exported"/> what <paramref name="c"/> changes for the commands after it.</summary>
    internal static void Apply(ShellCommand c, Dictionary<string, string> exported)
    {
        var w = c.Words;
        if (w.Count < 2 || c.Dynamic[0]) return;
        // PERF: one switch on the program's name; most commands end here.
        switch (Path.GetFileName(w[0]))
        {
            case "kubectl" or "oc":
                if (Operands(c, 1) is [("config", _), ("use-context" or "use", _), var (name, dyn), ..]) exported[KubeContext] = Named(name, dyn);
                else if (Operands(c, 1) is [("config", _), ("set", _), ("current-context", _), var (cur, cdyn), ..]) exported[KubeContext] = Named(cur, cdyn);
                break;
            case "kubectx":
                // kubectx NAME, kubectx - (the previous one: not known here); -c/--current and a listing change nothing.
                if (Operands(c, 1) is [var (ctx, kdyn)] && !ctx.Contains('=')) exported[KubeContext] = Named(ctx == "-" ? "" : ctx, kdyn);
                break;
            case "terraform" or "tofu" or "terragrunt":
                if (Operands(c, 1) is [("workspace", _), ("select" or "new", _), var (ws, wdyn), ..]) exported["TF_WORKSPACE"] = Named(ws, wdyn);
                break;
            case "pulumi":
                if (Operands(c, 1) is [("stack", _), ("select" or "init", _), var (stack, sdyn), ..]) exported["PULUMI_STACK"] = Named(stack, sdyn);
                else if (Operands(c, 1) is [("stack", _), ("select" or "init", _)] && Value(c, "-s", "--stack") is var (s, dyn2)) exported["PULUMI_STACK"] = Named(s, dyn2);
                break;
            case "gcloud":
                if (Operands(c, 1) is [("config", _), ("set", _), ("project" or "core/project", _), var (project, pdyn), ..]) exported["CLOUDSDK_CORE_PROJECT"] = Named(project, pdyn);
                else if (Operands(c, 1) is [("config", _), ("configurations", _), ("activate", _), var (conf, cfdyn), ..]) exported["CLOUDSDK_ACTIVE_CONFIG_NAME"] = Named(conf, cfdyn);
                break;
            case "az":
                if (Operands(c, 1) is [("account", _), ("set", _), ..] && Value(c, "--subscription", "-s", "--name", "-n") is var (sub, adyn)) exported["AZURE_SUBSCRIPTION_ID"] = Named(sub, adyn);
                break;
            case "aws":
                // aws configure set aws_secret_access_key KEY (the default profile): later aws commands sign with KEY.
                if (Value(c, "--profile") == null && Operands(c, 1) is [("configure", _), ("set", _), ("aws_secret_access_key", _), var (key, _), ..])
                    exported["AWS_SECRET_ACCESS_KEY"] = key;
                break;
        }
    }

    /// <summary>What a name no one can know here is recorded as (a variable, a substitution, kubectx's "-"):
    /// no profile lists it, so the later command's target is unknown.</summary>
    internal const string NotKnown = "(set earlier: not known)";

    private static string Named(string name, bool dynamic) => dynamic || name.Length == 0 ? NotKnown : name;

    // The words from START that are not options (an option's value is skipped only when given as --name=value,
    // enough for the subcommand paths above, whose global flags come before them with '=' or take no value).
    private static List<(string Word, bool Dynamic)> Operands(ShellCommand c, int start)
    {
        var r = new List<(string, bool)>();
        for (int i = start; i < c.Words.Count; i++)
        {
            var x = c.Words[i];
            if (x.Length > 1 && x[0] == '-')
            {
                if (!x.Contains('=') && i + 1 < c.Words.Count && x is "--context" or "--kubeconfig" or "-n" or "--namespace" or "-chdir" or "--project" or "--configuration" or "--profile" or "--region" or "-s" or "--stack" or "-C" or "--cwd") i++;
                continue;
            }
            r.Add((x, c.Dynamic[i]));
        }
        return r;
    }

    // The value of the first of NAMES (--name value, --name=value), with whether it is dynamic.
    private static (string, bool)? Value(ShellCommand c, params string[] names)
    {
        for (int i = 1; i < c.Words.Count; i++)
        {
            var x = c.Words[i];
            foreach (var n in names)
            {
                if (x == n && i + 1 < c.Words.Count) return (c.Words[i + 1], c.Dynamic[i + 1]);
                if (x.Length > n.Length + 1 && x.StartsWith(n, StringComparison.Ordinal) && x[n.Length] == '=') return (x[(n.Length + 1)..], c.Dynamic[i]);
            }
        }
        return null;
    }
}
