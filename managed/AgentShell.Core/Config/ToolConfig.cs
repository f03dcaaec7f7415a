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
        return ReferenceEquals(args, call.Args) ? call
            : new ToolCall { Args = args, Context = call.Context, StdinText = call.StdinText, StdinOpaque = call.StdinOpaque };
    }
}
