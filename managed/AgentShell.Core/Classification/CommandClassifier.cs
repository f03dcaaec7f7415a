using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

/// <summary>Turns an exec (executable path + argv) into the intents of the commands it runs.
/// Returns an empty list for programs no parser knows, without allocating.</summary>
public sealed class CommandClassifier
{
    private static readonly CommandIntent[] None = [];

    /// <summary>Classifies an exec. <paramref name="executable"/> is the path the kernel was asked
    /// to run (may be empty: then argv[0] names the tool).</summary>
    public IReadOnlyList<CommandIntent> Classify(ReadOnlySpan<byte> executable, in Argv argv, IExecContext ctx)
    {
        if (argv.Count == 0) return None;
        // PERF: tools are recognised on the basename bytes; nothing is decoded for the common case.
        var name = Basename(argv[0]);
        var exe = Basename(executable);
        ToolId id = Lookup(name);
        if (id == ToolId.None && !exe.IsEmpty) id = Lookup(exe);
        if (id == ToolId.None) return None;

        var args = new string[argv.Count - 1];
        for (int i = 1; i < argv.Count; i++) args[i - 1] = argv.GetString(i);
        var intent = id switch
        {
            ToolId.Curl => Curl.Parse(args, ctx),
            _ => null,
        };
        if (intent == null) return None;
        return [new CommandIntent
        {
            Tool = intent.Tool, Effect = intent.Effect, Targets = intent.Targets, Evidence = intent.Evidence,
            Summary = intent.Summary, Argv = argv.ToStrings(),
        }];
    }

    /// <summary>Convenience for strings (tests, <c>check</c>).</summary>
    public IReadOnlyList<CommandIntent> Classify(IReadOnlyList<string> argv, IExecContext ctx) =>
        Classify(ReadOnlySpan<byte>.Empty, Argv.FromStrings(argv), ctx);

    internal enum ToolId : byte { None, Curl }

    private static ReadOnlySpan<byte> Basename(ReadOnlySpan<byte> path)
    {
        int slash = path.LastIndexOf((byte)'/');
        return slash >= 0 ? path[(slash + 1)..] : path;
    }

    private static ToolId Lookup(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("curl"u8) => ToolId.Curl,
        _ => ToolId.None,
    };

    /// <summary>UTF-8 helper for callers that hold strings.</summary>
    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
