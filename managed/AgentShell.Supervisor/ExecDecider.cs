using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor;

/// <summary>One trapped exec as read from the target: the path given to the kernel and the argv.
/// Views over the receiving thread's buffers; valid until that thread reads the next one.</summary>
public readonly struct ExecRequest(byte[] filename, int filenameLength, Argv argv)
{
    /// <summary>The path the kernel was asked to run (for fexecve, what /proc/PID/fd/N names).</summary>
    public ReadOnlySpan<byte> Filename => filename.AsSpan(0, filenameLength);
    /// <summary>The argv.</summary>
    public Argv Argv { get; } = argv;
    /// <summary>Filename decoded (allocates).</summary>
    public string FilenameString => System.Text.Encoding.UTF8.GetString(Filename);
}

/// <summary>Decides one trapped exec. The seam between the kernel side and Core.</summary>
public interface IExecDecider
{
    /// <summary>Decides <paramref name="request"/>.</summary>
    Decision Decide(ExecRequest request, IExecContext ctx);
}

/// <summary>Classify an exec, ask the policy.</summary>
public sealed class ExecDecider(CommandClassifier classifier, Policy policy) : IExecDecider
{
    /// <summary>The policy in force.</summary>
    public Policy Policy { get; } = policy;

    /// <summary>Decides one exec.</summary>
    public Decision Decide(ExecRequest request, IExecContext ctx)
    {
        var intents = classifier.Classify(request.Filename, request.Argv, ctx);
        if (intents.Count == 0) return Decision.DefaultAllow;
        var d = Policy.Decide(intents, ctx);
        if (d.Action != PolicyAction.Pause) return d;
        // A pause belongs to the process that will do the thing. A command nested in this exec
        // (bash -c '…', timeout, xargs, env) that is a program of its own will be exec'd, and so
        // decided, on its own: pausing the wrapper too would ask the person twice. Blocks stay
        // here (refusing the wrapper runs nothing at all), and so does anything the kernel will
        // not show as an exec (shell builtins, eval, /dev/tcp).
        var here = new List<CommandIntent>(intents.Count);
        foreach (var i in intents)
            if (!IsNestedProgram(i, request.Argv)) here.Add(i);
        if (here.Count == intents.Count) return d;
        return here.Count == 0 ? Decision.DefaultAllow : Policy.Decide(here, ctx);
    }

    private static bool IsNestedProgram(CommandIntent i, in Argv exec)
    {
        if (i.Tool == "shell") return false;
        if (i.Argv.Count != exec.Count) return true;
        for (int k = 0; k < exec.Count; k++)
            if (!exec[k].SequenceEqual(System.Text.Encoding.UTF8.GetBytes(i.Argv[k]))) return true;
        return false;
    }
}
