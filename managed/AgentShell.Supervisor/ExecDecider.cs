using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor;

/// <summary>One trapped exec as read from the target: the path given to the kernel and the argv.
/// Views over the receiving thread's buffers; valid until that thread reads the next one.</summary>
public readonly struct ExecRequest(byte[] filename, int filenameLength, Argv argv, int pid = 0, int dirFd = -1)
{
    /// <summary>Thread id that made the exec (0 when not from the kernel).</summary>
    public int Pid { get; } = pid;
    /// <summary>execveat's directory fd, or -1 (with an empty filename: the fd is the program).</summary>
    public int DirFd { get; } = dirFd;
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
public sealed class ExecDecider(CommandClassifier classifier, Policy policy, Network.ExecutableIdentity? identity = null) : IExecDecider
{
    /// <summary>The policy in force.</summary>
    public Policy Policy { get; } = policy;

    /// <summary>Decides one exec.</summary>
    public Decision Decide(ExecRequest request, IExecContext ctx)
    {
        var intents = classifier.Classify(request.Filename, request.Argv, ctx);
        // A program no parser knows by name may still be a known client under another name
        // (cp /usr/bin/curl /tmp/x): recognise it by what the file is.
        if (intents.Count == 0 && identity != null && request.Pid > 0 && identity.Identify(OpenablePath(request)) is string tool)
            intents = classifier.Classify(System.Text.Encoding.UTF8.GetBytes(tool), request.Argv, ctx);
        if (intents.Count == 0) return Decision.DefaultAllow;
        var d = Policy.Decide(intents, ctx);
        // A parsed tool that no rule caught is still worth an audit line: keep what it was.
        if (ReferenceEquals(d, Decision.DefaultAllow))
            return new Decision { Action = PolicyAction.Allow, RuleId = Decision.DefaultAllowRuleId, Reason = d.Reason, Intent = intents[0] };
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
        var atHere = here.Count == 0 ? Decision.DefaultAllow : Policy.Decide(here, ctx);
        return ReferenceEquals(atHere, Decision.DefaultAllow)
            ? new Decision { Action = PolicyAction.Allow, RuleId = Decision.DefaultAllowRuleId, Reason = "decided at the nested command's own exec", Intent = intents[0] }
            : atHere;
    }

    private static string OpenablePath(in ExecRequest r)
    {
        // The file as the process names it: through its root and cwd, or the fd for fexecve.
        if (r.DirFd >= 0 && r.Filename.IsEmpty) return $"/proc/{r.Pid}/fd/{r.DirFd}";
        string f = r.FilenameString;
        return f.StartsWith('/') ? $"/proc/{r.Pid}/root{f}" : $"/proc/{r.Pid}/cwd/{f}";
    }

    private static bool IsNestedProgram(CommandIntent i, in Argv exec)
    {
        if (i.Tool == "shell") return false;
        // argv[0] may differ (a copy recognised by content, a wrapper re-exec): compare the rest.
        if (i.Argv.Count != exec.Count) return true;
        for (int k = 1; k < exec.Count; k++)
            if (!exec[k].SequenceEqual(System.Text.Encoding.UTF8.GetBytes(i.Argv[k]))) return true;
        return false;
    }
}
