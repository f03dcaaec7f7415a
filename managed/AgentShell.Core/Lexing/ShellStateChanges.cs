namespace AgentShell.Core.Lexing;

/// <summary>Commands of a shell string that change what a later command of the same string acts
/// on without being part of its argv: the kube context (<c>kubectl config use-context</c>,
/// <c>kubectx</c>), the Terraform/OpenTofu workspace, the pulumi stack, gcloud's project or
/// configuration, az's subscription, the AWS secret key. Under <c>run</c> each exec is decided
/// with the state as it is then; <c>check</c> and the agent hooks see the whole string before any
/// of it runs, so the change is simulated: the later commands get a variable of this simulation
/// (AGENTSHELL_SHELL_*), and the tool's configuration pass (<c>Config.ToolConfig</c>) adds the
/// setting as a target beside the one the parser reads, never instead of it: the earlier command
/// may fail (<c>;</c> runs the next one anyway). Only a shell command's assignments are read (see
/// <see cref="Get"/>): the same name in a process's environment means nothing. A name given by a variable or substitution is <see cref="NotKnown"/>: no profile names
/// it, so the target is unknown (paused on production).</summary>
internal static class ShellStateChanges
{
    /// <summary>The kube context set earlier in the same string (kubectl, helm).</summary>
    internal const string KubeContext = "AGENTSHELL_SHELL_KUBE_CONTEXT";
    /// <summary>The Terraform/OpenTofu workspace selected earlier in the same string.</summary>
    internal const string TerraformWorkspace = "AGENTSHELL_SHELL_TF_WORKSPACE";
    /// <summary>The pulumi stack selected earlier in the same string.</summary>
    internal const string PulumiStack = "AGENTSHELL_SHELL_PULUMI_STACK";
    /// <summary>gcloud's project set earlier in the same string.</summary>
    internal const string GcpProject = "AGENTSHELL_SHELL_GCP_PROJECT";
    /// <summary>gcloud's configuration activated earlier in the same string.</summary>
    internal const string GcpConfiguration = "AGENTSHELL_SHELL_GCP_CONFIGURATION";
    /// <summary>az's subscription set earlier in the same string.</summary>
    internal const string AzureSubscription = "AGENTSHELL_SHELL_AZ_SUBSCRIPTION";
    /// <summary>The AWS secret key configured earlier in the same string (a credential candidate).</summary>
    internal const string AwsSecretKey = "AGENTSHELL_SHELL_AWS_SECRET_ACCESS_KEY";
    /// <summary>Files sourced earlier in the same string, one a line (see <c>Classification.SourcedFiles</c>).</summary>
    internal const string Sourced = "AGENTSHELL_SHELL_SOURCED";

    /// <summary>Set when an earlier command of the string may have changed a git config file (a
    /// redirection into one, another program naming one: printf … &gt;&gt; .git/config, cp F .git/config):
    /// a later git push's remote is then unknown (<c>Tools.GitConfigSources</c>).</summary>
    internal const string GitConfigChanged = "AGENTSHELL_SHELL_GIT_CONFIG_CHANGED";

    /// <summary>Records in <paramref name="exported"/> what <paramref name="c"/> changes for the commands after it.</summary>
    internal static void Apply(ShellCommand c, Dictionary<string, string> exported)
    {
        var w = c.Words;
        // git's own commands are read by the classifier (a config read is no change); any other that
        // names a git config file may write it. Fail closed: a cat of one counts too.
        if (c.WritesGitConfig || (w.Count > 1 && (c.Dynamic[0] || Path.GetFileName(w[0]) != "git") && w.Skip(1).Any(IsGitConfigFile)))
            exported[GitConfigChanged] = "1";
        if (w.Count < 2 || c.Dynamic[0]) return;
        // PERF: one switch on the program's name; most commands end here.
        switch (Path.GetFileName(w[0]))
        {
            case "source" or ".":
                // source F / . F: F's variables are the shell's from here on (set -a or export lines export them;
                // taken as exported either way, since a later $NAME sees them too).
                var f = w[1];
                if (!c.Dynamic[1] && c.WorkingDirectory != null && !Path.IsPathRooted(f) && !f.StartsWith('~')) f = Path.Combine(c.WorkingDirectory, f);
                Classification.SourcedFiles.Add(exported, Classification.SourcedFiles.Entry(f, c.Dynamic[1]));
                break;
            case "kubectl" or "oc":
                if (Operands(c, 1) is [("config", _), ("use-context" or "use", _), var (name, dyn), ..]) exported[KubeContext] = Named(name, dyn);
                else if (Operands(c, 1) is [("config", _), ("set", _), ("current-context", _), var (cur, cdyn), ..]) exported[KubeContext] = Named(cur, cdyn);
                break;
            case "kubectx":
                // kubectx NAME, kubectx - (the previous one: not known here); -c/--current and a listing change nothing.
                if (Operands(c, 1) is [var (ctx, kdyn)] && !ctx.Contains('=')) exported[KubeContext] = Named(ctx == "-" ? "" : ctx, kdyn);
                break;
            case "terraform" or "tofu" or "terragrunt":
                if (Operands(c, 1) is [("workspace", _), ("select" or "new", _), var (ws, wdyn), ..]) exported[TerraformWorkspace] = Named(ws, wdyn);
                break;
            case "pulumi":
                if (Operands(c, 1) is [("stack", _), ("select" or "init", _), var (stack, sdyn), ..]) exported[PulumiStack] = Named(stack, sdyn);
                else if (Operands(c, 1) is [("stack", _), ("select" or "init", _)] && Value(c, "-s", "--stack") is var (s, dyn2)) exported[PulumiStack] = Named(s, dyn2);
                break;
            case "gcloud":
                if (Operands(c, 1) is [("config", _), ("set", _), ("project" or "core/project", _), var (project, pdyn), ..]) exported[GcpProject] = Named(project, pdyn);
                else if (Operands(c, 1) is [("config", _), ("configurations", _), ("activate", _), var (conf, cfdyn), ..]) exported[GcpConfiguration] = Named(conf, cfdyn);
                break;
            case "az":
                if (Operands(c, 1) is [("account", _), ("set", _), ..] && Value(c, "--subscription", "-s", "--name", "-n") is var (sub, adyn)) exported[AzureSubscription] = Named(sub, adyn);
                break;
            case "aws":
                // aws configure set aws_secret_access_key KEY (the default profile): later aws commands sign with KEY.
                if (Value(c, "--profile") == null && Operands(c, 1) is [("configure", _), ("set", _), ("aws_secret_access_key", _), var (key, _), ..])
                    exported[AwsSecretKey] = key;
                break;
        }
    }

    /// <summary>A path git reads config from: <c>DIR/config</c>, <c>DIR/config.worktree</c>, a <c>.gitconfig</c> or
    /// <c>gitconfig</c> file, or anything under a <c>.git</c> directory.</summary>
    internal static bool IsGitConfigFile(string path)
    {
        var name = Path.GetFileName(path.TrimEnd('/'));
        // A bare "config" is a subcommand (kubectl config …); as a path it has a directory (.git/config, ~/.config/git/config).
        return name is "gitconfig" || name.EndsWith(".gitconfig", StringComparison.Ordinal) || path.Contains(".git/", StringComparison.Ordinal)
            || (name is "config" or "config.worktree" && path.Contains('/'));
    }

    /// <summary>What a name no one can know here is recorded as (a variable, a substitution, kubectx's "-"):
    /// no profile lists it, so the later command's target is unknown.</summary>
    internal const string NotKnown = "(set earlier: not known)";

    /// <summary>The simulated setting NAME a command got from an earlier one of its string; null when
    /// none (a process's own environment is not read: a hand-set variable means nothing).</summary>
    internal static string? Get(Model.IExecContext ctx, string name) =>
        // PERF: an exec's own context (every argv decision) is not a shell command's: no lookup at all.
        ctx is Classification.ChildContext child ? child.Assigned(name) : null;

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
