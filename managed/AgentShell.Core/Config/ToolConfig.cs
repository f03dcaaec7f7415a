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
        if (id is ToolId.Kubectl or ToolId.Helm) KubeContextSetEarlier(id, call, facts);
        return ReferenceEquals(args, call.Args) ? call
            : new ToolCall { Args = args, Context = call.Context, StdinText = call.StdinText, StdinOpaque = call.StdinOpaque };
    }

    // kubectl config use-context NAME (or kubectx NAME) earlier in the same shell string
    // (Lexing.ShellStateChanges): without a --context of its own, the command reaches NAME. Added
    // beside the context the parser reads from the kubeconfig as it is now, never instead of it:
    // the variable is the simulation's, and an exec that sets it by hand only adds a target.
    private static void KubeContextSetEarlier(ToolId id, ToolCall call, ConfigFacts facts)
    {
        if (call.Context.GetEnvironmentVariable(Lexing.ShellStateChanges.KubeContext) is not { } name) return;
        string flag = id == ToolId.Helm ? "--kube-context" : "--context";
        foreach (var a in call.Args)
            if (a == flag || a.StartsWith(flag + "=", StringComparison.Ordinal)) return;
        facts.AddTarget(new Model.Target { Kind = Model.TargetKind.KubeContext, Name = name == Lexing.ShellStateChanges.NotKnown ? null : name },
            "use-context " + name, $"kube context {name}, chosen earlier in the same command string");
    }
}
