using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>What each process of the tree is trusted to connect to: execs let go (and whether
/// they were understood as their own command naming an environment), and the connect decisions
/// made for it. Kept here and, in root mode, in the kernel's maps.</summary>
internal sealed class TrustLedger(Policy policy, ExecutableIdentity? identity, KernelConnectGuard? kernel, TextWriter log)
{
    private const string Production = "production";

    // The dynamic loader runs code from these before the tool's own: such a tool is not itself.
    private static readonly string[] LoaderVariables = ["LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "GCONV_PATH"];

    /// <summary>Per-process exec understanding and connect decisions.</summary>
    public ProcessTable Processes { get; } = new();

    /// <summary>Lets an allowed exec go: what its process may connect to once it commits.</summary>
    public void RememberExec(int pid, Decision d, ExecRequest request, IExecContext ctx)
    {
        var envs = TrustedEnvironments(d, request, ctx);
        ExecLetGo(pid, envs, envs != null ? ExecFiles.Of(request) : default);
    }

    /// <summary>Every exec that is let go passes here: what the process may connect to once the
    /// exec commits, and only if what runs is the file that was checked (<paramref name="files"/>:
    /// it, or its script interpreter). PERF: programs no parser knows leave nothing behind (a
    /// remove of an absent key).</summary>
    public void ExecLetGo(int tid, string[]? envs, ExecFiles files)
    {
        kernel?.StageExec(tid, envs != null && Array.IndexOf(envs, Production) >= 0, files);
        if (envs != null) Processes.Understood(ProcessInfo.Tgid(tid), envs, ProcessInfo.ExeIdentity(tid), files);
        else if (!Processes.IsEmpty) Processes.NotUnderstood(ProcessInfo.Tgid(tid));
    }

    /// <summary>Remembers a connect decision here and, in root mode, in the kernel (for the
    /// process's current program, or the one of generation <paramref name="gen"/>).</summary>
    public void RememberConnect(ProcessTable.ConnectKey key, bool allowed, ulong? gen = null)
    {
        Processes.RememberConnect(key, allowed);
        // In root mode the key's program is the kernel's generation of the program that connected.
        if (kernel is not { } k) return;
        // Not in the kernel's map, the kernel asks again (the gate, or its own refusal): never an allow.
        try { k.Remember(key.Tgid, gen ?? key.Program, key.Address, key.Port, allowed); }
        catch (InvalidOperationException e) { log.WriteLine($"agentshell: {e.Message}; the kernel will ask again"); }
    }

    /// <summary>True when the process's current program is an understood exec that named
    /// <paramref name="env"/>. Root mode asks the kernel, which saw the exec commit.</summary>
    public bool ExecCovers(int tgid, string env) =>
        kernel is { } k ? env == Production && k.Trusted(tgid) : Processes.ExecCovers(tgid, env);

    /// <summary>The environments an allowed exec's own command named (what the process may then
    /// connect to), or null when the exec was not understood as its own command.</summary>
    public string[]? TrustedEnvironments(Decision d, ExecRequest request, IExecContext ctx)
    {
        if (d.Intent is not { } intent || intent.Tool == "shell" || !ExecDecider.IsOwnCommand(intent, request.Argv)
            || !Runs(request, intent.Tool) || LoadsForeignCode(ctx))
            return null;
        var envs = new string[intent.Targets.Count];
        for (int i = 0; i < envs.Length; i++) envs[i] = policy.EnvironmentOf(intent.Targets[i], ctx);
        return envs;
    }

    private static bool LoadsForeignCode(IExecContext ctx)
    {
        foreach (var v in LoaderVariables)
            if (ctx.GetEnvironmentVariable(v) is { Length: > 0 }) return true;
        return false;
    }

    /// <summary>True when the exec runs <paramref name="tool"/> itself: a file found installed as
    /// that tool, or a copy of one. A program that is only named like the tool (argv[0], or its
    /// file name) gets no trust; its arguments are still parsed as the tool's, so it is blocked
    /// like the tool would be. Without an identity table (tests), the file name decides.</summary>
    private bool Runs(ExecRequest request, string tool) =>
        identity is { } id ? id.IsTool(request.OpenablePath(), tool)
            : !request.EmptyPath && Core.Classification.CommandClassifier.NamesTool(request.Filename, tool);

    /// <summary>How a connect to production was settled without asking.</summary>
    public enum Settled { No, Allowed, Refused }

    /// <summary>A connect to production settled without asking: a decision remembered for this
    /// process and destination, an exec that named production, or a client the profile names.</summary>
    public Settled Settle(ProcessTable.ConnectKey key, string env, bool execCovers, ulong? gen, bool cache, out string? exe)
    {
        exe = null;
        if (cache && Processes.TryGetConnect(key, out bool known)) return known ? Settled.Allowed : Settled.Refused;
        if (execCovers) { RememberConnect(key, true, gen); return Settled.Allowed; }
        exe = ProcessInfo.ExePath(key.Tgid);
        if (exe != null && policy.Network.Clients.TryGetValue(env, out var clients) && clients.Contains(exe))
        {
            RememberConnect(key, true, gen);
            return Settled.Allowed;
        }
        return Settled.No;
    }
}
