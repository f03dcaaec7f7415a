using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>What each process of the tree is trusted to connect to: execs let go (and whether
/// they were understood as their own command naming an environment), and the connect decisions
/// made for it. Kept here and, in root mode, in the kernel's maps.</summary>
/// <param name="policy">The policy in force.</param>
/// <param name="identity">Recognises known clients by content; null: by file name (tests).</param>
/// <param name="kernel">Root mode's programs, or null.</param>
/// <param name="tree">The tree's own mount namespace and root: a tool started in another one made
/// inside the tree is not trusted. Null: not compared (a supervisor hosted in tests).</param>
/// <param name="log">The supervisor's log.</param>
internal sealed class TrustLedger(Policy policy, ExecutableIdentity? identity, KernelConnectGuard? kernel, TreeRoot? tree, TextWriter log)
{
    private const string Production = "production";

    /// <summary>The change time a file mapped as code by a trusted process must be older than: the
    /// ledger's making (a run's or a daemon session's start, before its tree), less 50 ms, as a
    /// file's times come from the kernel's coarse clock (a tick behind at most).</summary>
    private readonly long _since = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100 - 50_000_000;

    /// <summary>Per-process exec understanding and connect decisions.</summary>
    public ProcessTable Processes { get; } = new();

    /// <summary>True when <paramref name="envs"/> includes production.</summary>
    public static bool NamesProduction(string[]? envs) => envs != null && Array.IndexOf(envs, Production) >= 0;

    /// <summary>Lets an allowed exec go: what its process may connect to once it commits
    /// (<paramref name="envs"/>, from <see cref="TrustedEnvironments"/>); <paramref name="verify"/>:
    /// root mode's kernel check of what it commits; <paramref name="tgid"/>: its thread group when
    /// known (the seize of its check found it), else 0.</summary>
    public void RememberExec(int pid, string[]? envs, ExecRequest request, CommittedExec? verify = null, int tgid = 0, ConfigReads? reads = null) =>
        ExecLetGo(pid, envs, verify?.Files ?? (envs != null ? ExecFiles.Of(request) : default), verify, tgid, reads);

    /// <summary>Every exec that is let go passes here: what the process may connect to once the
    /// exec commits, and only if what runs is the file that was checked (<paramref name="files"/>:
    /// it, or its script interpreter). PERF: programs no parser knows leave nothing behind (a
    /// remove of an absent key). <paramref name="tgid"/>: <paramref name="tid"/>'s thread group when
    /// known for certain, else 0 (looked up).</summary>
    public void ExecLetGo(int tid, string[]? envs, ExecFiles files, CommittedExec? verify = null, int tgid = 0, ConfigReads? reads = null)
    {
        kernel?.StageExec(tid, NamesProduction(envs), files, verify);
        // PERF: an exec that named no target (curl --version) covers no connect (ProcessTable.ExecCovers),
        // as one not understood: no lookup of its thread group and program (a tgkill and a stat of
        // /proc/TID/exe), and nothing kept that every later exec would have to remove.
        if (envs is { Length: > 0 }) Processes.Understood(tgid = tgid != 0 ? tgid : ProcessInfo.Tgid(tid), envs, ProcessInfo.ExeIdentity(tid), files, reads);
        else if (!Processes.IsEmpty) Processes.NotUnderstood(tgid = tgid != 0 ? tgid : ProcessInfo.Tgid(tid));
        // A tmux/screen CLI's exec-time answer was for the program before this one.
        Clis?.ExecLetGo(tid, tgid);
    }

    /// <summary>The tmux/screen CLIs' exec-time answers (<see cref="CommandServerClis.ExecLetGo"/>), or
    /// null when the profile lists no command server.</summary>
    public CommandServerClis? Clis { get; init; }

    /// <summary>Ends the trust of <paramref name="pid"/>'s current program (here and in the kernel).</summary>
    public void Untrust(int pid)
    {
        int tgid = ProcessInfo.Tgid(pid);
        Processes.NotUnderstood(tgid);
        try { kernel?.Untrust(tgid); }
        catch (InvalidOperationException e)
        {
            // The kernel keeps trusting it: stop it rather than leave it trusted.
            log.WriteLine($"agentshell: {e.Message}; stopping pid {tgid}, which must not stay trusted");
            Interop.Process.kill(tgid, 9);
        }
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
    /// connect to), or null when the exec was not understood as its own command, or is not that
    /// command alone (<paramref name="withheld"/>: the rule that says why, when it named production).</summary>
    public string[]? TrustedEnvironments(Decision d, ExecRequest request, IExecContext ctx, out SupervisorRule? withheld)
    {
        withheld = null;
        if (d.Intent is not { } intent || intent.Tool == "shell" || !ExecDecider.IsOwnCommand(intent, request.Argv)
            || !Runs(request, intent.Tool, ctx))
            return null;
        // A script (an interpreted tool: httpie's http, pip's aws, Debian's psql wrapper) runs code
        // from more files than its own, several the tree can write: Python's user site
        // (usercustomize.py, *.pth), site-packages, node_modules, the script's own directory, and the
        // script itself, which the interpreter opens after the exec. Its command line says nothing of
        // what they send (InterpretedToolTests): no trust, so its production connections are decided
        // at the wire, or as an unknown client's. A wrapper that execs the real binary (Debian's psql)
        // loses nothing: that exec is decided and trusted on its own.
        if (ctx is RemoteExecContext { Program: { } kind } && (kind.Unreadable || kind.Interpreter != null)) return null;
        var envs = new string[intent.Targets.Count];
        for (int i = 0; i < envs.Length; i++) envs[i] = policy.EnvironmentOf(intent.Targets[i], ctx);
        if (ForeignCode(ctx) != null) withheld = SupervisorRules.ForeignCode;
        else if (tree != null && request.Pid > 0 && !tree.Holds(request.Pid)) withheld = SupervisorRules.OtherRoot;
        if (withheld == null) return envs;
        if (!NamesProduction(envs)) withheld = null;
        return null;
    }

    /// <summary>The environments of <see cref="TrustedEnvironments(Decision, ExecRequest, IExecContext, out SupervisorRule?)"/>.</summary>
    public string[]? TrustedEnvironments(Decision d, ExecRequest request, IExecContext ctx) => TrustedEnvironments(d, request, ctx, out _);

    /// <summary>The first variable of the exec's environment that makes it load code of another's
    /// (<see cref="ForeignCodeVariables"/>), or null.</summary>
    internal static string? ForeignCode(IExecContext ctx)
    {
        if (ctx is not RemoteExecContext r) return ForeignCodeVariables.FirstSet(ctx.GetEnvironmentVariable);
        // Unreadable, the exec was refused before this (ExecNotifications): nothing is set then.
        return r.TryGetEnvironment(out var envp) ? ForeignCodeVariables.FirstSet(envp) : null;
    }

    /// <summary>True when the exec runs <paramref name="tool"/> itself: a file found installed as
    /// that tool, or a copy of one. A program that is only named like the tool (argv[0], or its
    /// file name) gets no trust; its arguments are still parsed as the tool's, so it is blocked
    /// like the tool would be. Without an identity table (tests), the file name decides.</summary>
    /// PERF: the decision's fstat of the file it opened stands for the two stats this made (~16 µs
    /// of the receiving thread per parsed exec here), and is the very file decided on.
    /// A program the decision already identified by content is not compared a second time: the answer
    /// of its look at the file it opened stands (there is no cache of answers, ExecutableIdentity).
    private bool Runs(ExecRequest request, string tool, IExecContext ctx) =>
        identity is not { } id ? !request.EmptyPath && Core.Classification.CommandClassifier.NamesTool(request.Filename, tool)
            : ctx is RemoteExecContext { ProgramStatus: { } st } r ? id.IsTool(request.OpenablePath(), st, tool, r.Identified)
            : id.IsTool(request.OpenablePath(), tool);

    /// <summary>True when all the code <paramref name="tgid"/> maps is from files unchanged since the
    /// run began (<see cref="ExecMappings"/>); otherwise its exec's trust is withdrawn for the rest
    /// of its program, and false.</summary>
    /// <paramref name="why"/>: when not, which library or path and what changed (rule <see cref="SupervisorRules.LibraryChanged"/>).
    public bool CodeUnchanged(int tgid, out string? why)
    {
        if (ExecMappings.UnchangedSince(tgid, _since, out why)) return true;
        why ??= "its code could not be checked";
        log.WriteLine($"agentshell: pid {tgid} {why}: its exec's trust is withdrawn");
        Untrust(tgid);
        return false;
    }

    /// <summary>How a connect to production was settled without asking.</summary>
    public enum Settled { No, Allowed, Refused }

    /// <summary>A connect to production settled without asking: a decision remembered for this
    /// process and destination, an exec that named production (while all the code the process maps
    /// is from files unchanged since the run began: <see cref="ExecMappings"/>), or a client the
    /// profile names.</summary>
    /// <paramref name="atWire"/>: the connection goes to the wire layer, which uses this only if it
    /// does not decide the protocol; then the code is checked there (<see cref="CodeUnchanged"/>), not
    /// for every connection, and an exec's trust is not remembered as an answer.
    /// <paramref name="codeChanged"/>: set when the exec's trust was withdrawn here, to why (its code changed).
    public Settled Settle(ProcessTable.ConnectKey key, string env, bool execCovers, ulong? gen, bool cache, out string? exe, out string? codeChanged, bool atWire = false)
    {
        exe = codeChanged = null;
        if (cache && Processes.TryGetConnect(key, out bool known)) return known ? Settled.Allowed : Settled.Refused;
        if (execCovers && atWire) return Settled.Allowed;
        if (execCovers && CodeUnchanged(key.Tgid, out codeChanged)) { RememberConnect(key, true, gen); return Settled.Allowed; }
        exe = ProcessInfo.ExePath(key.Tgid);
        if (exe != null && policy.Network.Clients.TryGetValue(env, out var clients) && clients.Contains(exe))
        {
            RememberConnect(key, true, gen);
            return Settled.Allowed;
        }
        return Settled.No;
    }
}
