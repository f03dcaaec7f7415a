using AgentShell.Core.Classification;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Config;

/// <summary>The pre-pass that makes a tool's own configuration part of its command, before its
/// parser runs: options a file sets become the arguments they stand for (curl's <c>.curlrc</c> and
/// <c>-K</c> files, wget's <c>wgetrc</c>, mysql's option files, HTTPie's and xh's
/// <c>default_options</c>), and what a file does by itself (the SQL of <c>~/.psqlrc</c>) or what
/// cannot be accounted for becomes <see cref="ConfigFacts"/>, added to the parser's intent.
/// Files are read through the exec's context (its HOME, XDG variables and working directory),
/// bounded and cached. Target-only settings (kubeconfig, AWS, gcloud, az, pg_service) are read
/// where each parser resolves its target.</summary>
internal static class ToolConfig
{
    /// <summary>The call the parser should see; facts to add to its intent go to <paramref name="facts"/>.</summary>
    internal static ToolCall Fold(ToolId id, string name, ToolCall call, ConfigFacts facts)
    {
        IReadOnlyList<string> args = id switch
        {
            ToolId.Curl => CurlConfig.Fold(call, facts),
            ToolId.Wget => WgetConfig.Fold(call, facts),
            ToolId.Httpie => HttpieConfig.Fold(name, call, facts),
            ToolId.Mysql or ToolId.MysqlAdmin => MysqlConfig.Fold(call, facts),
            _ => call.Args,
        };
        if (id == ToolId.Psql) PsqlConfig.Startup(call, facts);
        SetEarlier(id, name, call, facts);
        return ReferenceEquals(args, call.Args) ? call
            : new ToolCall { Args = args, Context = call.Context, StdinText = call.StdinText, StdinOpaque = call.StdinOpaque };
    }

    // A setting changed earlier in the same shell string (Lexing.ShellStateChanges: kubectl config
    // use-context, terraform workspace select, gcloud config set project, az account set, pulumi
    // stack select): the command reaches it too. Added beside the target the parser reads, never
    // instead: the earlier command may have failed. Only the simulation's assignments are read,
    // never the process's environment. A command that names its own (--context, --project,
    // --subscription, -s) is left alone. PERF: only the tools a simulation can change look, and
    // only in a shell command's context.
    private static void SetEarlier(ToolId id, string name, ToolCall call, ConfigFacts facts)
    {
        if (call.Context is not ChildContext) return; // PERF: an exec's own context: no shell command before it
        switch (id)
        {
            case ToolId.Kubectl or ToolId.Helm:
                Add(Lexing.ShellStateChanges.KubeContext, Model.TargetKind.KubeContext, "kube context", id == ToolId.Helm ? HelmOwn : KubectlOwn);
                break;
            case ToolId.Terraform:
                Add(Lexing.ShellStateChanges.TerraformWorkspace, Model.TargetKind.TerraformWorkspace, "workspace", []);
                break;
            case ToolId.Pulumi:
                Add(Lexing.ShellStateChanges.PulumiStack, Model.TargetKind.TerraformWorkspace, "stack", PulumiOwn);
                break;
            case ToolId.Gcloud or ToolId.Gsutil:
                Add(Lexing.ShellStateChanges.GcpProject, Model.TargetKind.GcpProject, "project", GcloudOwn);
                if (Lexing.ShellStateChanges.Get(call.Context, Lexing.ShellStateChanges.GcpConfiguration) is { } conf && !HasFlag(call.Args, GcloudConfigurationOwn))
                {
                    var evidence = new List<Model.Evidence>();
                    var project = conf == Lexing.ShellStateChanges.NotKnown ? null : CloudConfig.GcloudProject(call.Context, conf, evidence, out _);
                    facts.AddTarget(new Model.Target { Kind = Model.TargetKind.GcpProject, Name = project ?? Lexing.ShellStateChanges.NotKnown },
                        "configurations activate " + conf, $"gcloud configuration {conf} (project {project ?? "not known"}), activated earlier in the same command string");
                }
                break;
            case ToolId.Az:
                Add(Lexing.ShellStateChanges.AzureSubscription, Model.TargetKind.AzureSubscription, "subscription", AzOwn);
                break;
        }

        void Add(string variable, Model.TargetKind kind, string what, string[] ownFlags)
        {
            if (Lexing.ShellStateChanges.Get(call.Context, variable) is not { } value || HasFlag(call.Args, ownFlags)) return;
            // A name not known here stays the marker's text: no profile lists it, so the target is unknown.
            facts.AddTarget(new Model.Target { Kind = kind, Name = value },
                value, $"{what} {value}, chosen earlier in the same command string");
        }
    }

    // The options with which a command names its own context, stack, project or subscription.
    private static readonly string[] KubectlOwn = ["--context"], HelmOwn = ["--kube-context"], PulumiOwn = ["-s", "--stack"],
        GcloudOwn = ["--project"], GcloudConfigurationOwn = ["--project", "--configuration"], AzOwn = ["--subscription"];

    private static bool HasFlag(IReadOnlyList<string> args, string[] flags)
    {
        foreach (var a in args)
            foreach (var f in flags)
                if (a == f || a.Length > f.Length && a.StartsWith(f, StringComparison.Ordinal) && a[f.Length] == '=') return true;
        return false;
    }
}
