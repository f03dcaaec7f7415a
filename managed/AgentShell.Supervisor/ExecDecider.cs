using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor;

/// <summary>One trapped exec as read from the target: the path given to the kernel and the argv.
/// Views over the receiving thread's buffers; valid until that thread reads the next one.</summary>
public readonly struct ExecRequest(byte[] filename, int filenameLength, Argv argv, int pid = 0, int dirFd = ProcessInfo.AtFdCwd, bool emptyPath = false)
{
    /// <summary>The tree's root held open while every process has it: <see cref="OpenOpenable"/>
    /// looks an absolute path up there rather than through /proc/PID/root; null: through /proc.</summary>
    internal TreeRootDirectory? Root { get; init; }

    /// <summary>Thread id that made the exec (0 when not from the kernel).</summary>
    public int Pid { get; } = pid;
    /// <summary>execveat's directory fd, or AT_FDCWD.</summary>
    public int DirFd { get; } = dirFd;
    /// <summary>execveat(fd, "", AT_EMPTY_PATH) (fexecve, memfd): the fd is the program, and
    /// <see cref="Filename"/> is only what /proc names it.</summary>
    public bool EmptyPath { get; } = emptyPath;
    /// <summary>The path the kernel was asked to run (for fexecve, what /proc/PID/fd/N names).</summary>
    public ReadOnlySpan<byte> Filename => filename.AsSpan(0, filenameLength);
    /// <summary>The argv.</summary>
    public Argv Argv { get; } = argv;
    /// <summary>Filename decoded (allocates).</summary>
    public string FilenameString => System.Text.Encoding.UTF8.GetString(Filename);

    /// <summary>A path through /proc that opens the file the kernel will run (allocates).</summary>
    public string OpenablePath() => EmptyPath ? $"/proc/{Pid}/fd/{DirFd}" : ProcessInfo.ProcPath(Pid, FilenameString, DirFd);

    /// <summary>stat(2) of the file the kernel will run, by the path <see cref="OpenablePath"/> names,
    /// built from the filename's own bytes. PERF: nothing allocated, so a failing exec (each of
    /// execvp's misses along PATH) costs no string; false when nothing is there.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the 4 KiB path is written before it is read, not zeroed first
    internal bool TryStatOpenable(out FileStatus st)
    {
        Span<byte> path = stackalloc byte[64 + ExecReader.MaxPath];
        int n = OpenableBytes(path);
        st = default;
        return n > 0 && Interop.Files.TryStat(path[..n], out st);
    }

    /// <summary>stat(2) of the file the kernel will run, as <see cref="OpenOpenable"/> looks it up
    /// (under the tree's root while it is held, else through /proc): 0, or the errno.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: as TryStatOpenable
    internal Errno StatOpenable(out FileStatus st)
    {
        if (!EmptyPath && Filename is [(byte)'/', ..] && Root is { } root && root.TryStat(Filename, out st, out var errno)) return errno;
        Span<byte> path = stackalloc byte[64 + ExecReader.MaxPath];
        int n = OpenableBytes(path);
        if (n <= 0) { st = default; return Errno.ENAMETOOLONG; }
        return Interop.Files.StatAt(Interop.Files.AT_FDCWD, path[..n], out st);
    }

    /// <summary>open(2) of the file the kernel will run, as <see cref="TryStatOpenable"/> names it:
    /// the fd, or -1 with <paramref name="errno"/>.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: as TryStatOpenable
    internal int OpenOpenable(int flags, out Errno errno)
    {
        // PERF: the same file as /proc/PID/root/PATH names, without following that magic link (TreeRootDirectory).
        if (!EmptyPath && Filename is [(byte)'/', ..] && Root is { } root && root.TryOpen(Filename, flags, out int fd, out errno)) return fd;
        Span<byte> path = stackalloc byte[64 + ExecReader.MaxPath];
        int n = OpenableBytes(path);
        if (n <= 0) { errno = Errno.ENAMETOOLONG; return -1; }
        return Interop.Files.Open(path[..n], flags, out errno);
    }

    /// <summary><see cref="OpenablePath"/> as bytes ending in a NUL, from the filename's own bytes:
    /// the length with the NUL, or 0 when it does not fit.</summary>
    private int OpenableBytes(Span<byte> path)
    {
        ReadOnlySpan<byte> name = EmptyPath ? default : Filename;
        int n = 0;
        Append(path, ref n, "/proc/"u8);
        Pid.TryFormat(path[n..], out int w);
        n += w;
        // As ProcessInfo.ProcPath: /proc/PID/fd/N (the fd itself), /proc/PID/root/ABS, /proc/PID/fd/N/REL, /proc/PID/cwd/REL.
        bool absolute = name.Length > 0 && name[0] == (byte)'/';
        if (EmptyPath || (!absolute && DirFd >= 0))
        {
            Append(path, ref n, "/fd/"u8);
            DirFd.TryFormat(path[n..], out w);
            n += w;
            if (!EmptyPath) Append(path, ref n, "/"u8);
        }
        else Append(path, ref n, absolute ? "/root"u8 : "/cwd/"u8);
        if (name.Length > path.Length - n - 1) return 0; // longer than the kernel takes
        Append(path, ref n, name);
        path[n++] = 0;
        return n;
    }

    private static void Append(Span<byte> to, ref int n, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(to[n..]);
        n += bytes.Length;
    }
}

/// <summary>Decides one trapped exec. The seam between the kernel side and Core.</summary>
public interface IExecDecider
{
    /// <summary>Decides <paramref name="request"/>.</summary>
    Decision Decide(ExecRequest request, IExecContext ctx);

    /// <summary>Decides <paramref name="request"/>; <paramref name="actsOnArguments"/>: the decision
    /// rests on its arguments (the program acts on them), so what the kernel commits must be checked.
    /// A decider that cannot tell says true.</summary>
    Decision Decide(ExecRequest request, IExecContext ctx, out bool actsOnArguments)
    {
        actsOnArguments = true;
        return Decide(request, ctx);
    }
}

/// <summary>The one decision entry point for an exec, for `run` (each trapped exec) and `check`
/// (each command it is asked about) alike: the supervisor's own rules that apply to any exec
/// (<see cref="SupervisorRules.UnreadableArgv"/>, <see cref="SupervisorRules.SelfApproval"/>),
/// then the classifier (by name, by content for renamed copies of known clients, and the script
/// interpreter the kernel will really run), then the policy, with pauses of nested programs left
/// to their own exec (<see cref="SupervisorRules.NestedExec"/>).</summary>
/// <param name="classifier">Turns an argv into intents.</param>
/// <param name="policy">The policy in force.</param>
/// <param name="identity">Recognises known clients by content; null: by name only (tests).</param>
/// <param name="agentshell">Device/inode of the agentshell executable, recognised under any name
/// for <see cref="SupervisorRules.SelfApproval"/>; null: by name only.</param>
/// <param name="anyOutsideServer">True when a listed command server outside the tree may exist
/// (<see cref="CommandServers.AnyOutside"/>); null (check, hooks): always assumed.</param>
public sealed class ExecDecider(CommandClassifier classifier, Policy policy, Network.ExecutableIdentity? identity = null, (ulong Dev, ulong Ino)? agentshell = null,
    Func<bool>? anyOutsideServer = null) : IExecDecider
{
    /// <summary>The policy in force.</summary>
    public Policy Policy { get; } = policy;

    /// <summary>Decides one exec.</summary>
    public Decision Decide(ExecRequest request, IExecContext ctx) => Decide(request, ctx, out IReadOnlyList<CommandIntent> _, out _);

    /// <inheritdoc/>
    public Decision Decide(ExecRequest request, IExecContext ctx, out bool actsOnArguments) => Decide(request, ctx, out _, out actsOnArguments);

    /// <summary>Decides one exec; <paramref name="intents"/> is everything the classifier found in it
    /// (what `check` prints).</summary>
    public Decision Decide(ExecRequest request, IExecContext ctx, out IReadOnlyList<CommandIntent> intents) => Decide(request, ctx, out intents, out _);

    private Decision Decide(ExecRequest request, IExecContext ctx, out IReadOnlyList<CommandIntent> intents, out bool actsOnArguments)
    {
        intents = [];
        actsOnArguments = classifier.ActsOnArguments(request.Filename, request.Argv);
        // Read from memory, a larger argv never gets here (the read refuses it); given as strings
        // (check), the same bound applies.
        if (!ExecReader.WithinLimits(request.Argv)) return SupervisorRules.UnreadableArgv.Decision;
        if (IsSelfApproval(request)) return SupervisorRules.SelfApproval.Decision;
        intents = classifier.Classify(request.Filename, request.Argv, ctx);
        // A program no parser knows by name may still be a known client under another name
        // (cp /usr/bin/curl /tmp/x): recognise it by what the file is.
        // PERF: one open serves the identity's stat and the "#!" check, and says when nothing is
        // there (a failing exec, execvp's misses along PATH): then nothing more is done and no
        // string is made. A file created or replaced after this look is the same race as one
        // replaced after the open.
        bool missing = false, stated = false;
        FileStatus st = default;
        ProgramKind? kind = null;
        int fd = request.Pid > 0 ? Inspect(request, out missing, out stated, out st, out kind) : -1;
        // PERF: the /proc path (three strings) is made only where it is used: a program that could
        // not be opened and is identified by path, or a script whose interpreter is looked up.
        bool present = request.Pid > 0 && !missing;
        bool identified = false;
        string? identifiedAs = null;
        try
        {
            if (intents.Count == 0 && identity != null && present && stated)
            {
                // The file that was opened, not its path again: a name that is not UTF-8 does not
                // survive the trip through a string.
                identified = true;
                if ((identifiedAs = fd >= 0 ? identity.Identify(fd, st) : identity.Identify(request.OpenablePath(), st)) is string tool)
                {
                    intents = classifier.Classify(System.Text.Encoding.UTF8.GetBytes(tool), request.Argv, ctx);
                    actsOnArguments = true;
                }
            }
        }
        finally { if (fd >= 0) Interop.Libc.close(fd); }
        // What the open found, for the check of what the kernel commits (CommittedExec.For): the
        // file this decision rests on, not one opened again after it.
        if (ctx is RemoteExecContext remote)
        {
            remote.Program = kind;
            remote.ProgramStatus = stated ? st : null;
            remote.ProgramMissing = request.Pid > 0 && missing;
            remote.Identified = identified ? new(identifiedAs) : null;
        }
        (string Interpreter, string? Argument)? shebang = kind is { Interpreter: { } interp } k ? (interp, k.Argument) : null;
        // A script whose interpreter is itself a parsed tool (#!/usr/bin/curl -XDELETE) runs that
        // tool with arguments of its own: decide what the kernel will really run as well.
        if (present && shebang is { } sb && ScriptOfTool(request, sb) is { } run)
        {
            intents = [.. intents, .. classifier.Classify(System.Text.Encoding.UTF8.GetBytes(run[0]), Argv.FromStrings(run), ctx)];
            actsOnArguments = true;
        }
        if (anyOutsideServer != null && intents.Count > 0 && ForTreeServer(intents, request.Argv, ctx)) intents = [.. intents.Where(i => !OutsideServerOnly(i))];
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
        // not show as an exec (shell builtins, eval, /dev/tcp), anything a runner starts under
        // another name (npx, busybox), and anything whose own exec would see less than this one
        // does (the SQL piped into `echo 'DROP …' | psql` is visible here, not at psql's exec).
        var here = new List<CommandIntent>(intents.Count);
        IReadOnlyList<NestedCommand>? nested = null;
        foreach (var i in intents)
        {
            if (!IsNestedProgram(i, request.Argv)) { here.Add(i); continue; }
            nested ??= classifier.NestedCommands(request.Filename, request.Argv, ctx);
            if (!PausedAtOwnExec(i, nested)) here.Add(i);
        }
        if (here.Count == intents.Count) return d;
        var atHere = here.Count == 0 ? Decision.DefaultAllow : Policy.Decide(here, ctx);
        return ReferenceEquals(atHere, Decision.DefaultAllow) ? SupervisorRules.NestedExec.About(intents[0]) : atHere;
    }

    /// <summary>What a tmux or screen CLI hands a server is unknown only where the server runs
    /// outside the tree (CommandClassifier.Outside.cs). With no listed server outside (a socket the
    /// CLI names with -S, unlisted, may be one), the server is the tree's: what it runs is exec'd and
    /// connected here and decided then. The CLI is then not exempt to reach one outside
    /// (<see cref="CommittedExec.JudgedForTreeServer"/>). Not a hot path: tmux and screen only.</summary>
    private bool ForTreeServer(IReadOnlyList<CommandIntent> intents, in Argv argv, IExecContext ctx)
    {
        bool any = false;
        foreach (var i in intents) any |= OutsideServerOnly(i);
        if (!any) return false;
        for (int k = 1; k < argv.Count; k++)
            if (argv[k].Length > 1 && argv[k][0] == '-' && argv[k][1] != '-' && argv[k].IndexOf((byte)'S') > 0) return false; // whatever argv[0] says (exec -a)
        // A socket directory or socket named by the CLI's own environment, not the run's, may be unlisted too.
        foreach (var name in (ReadOnlySpan<string>)["TMUX", "TMUX_TMPDIR", "SCREENDIR"])
            if (ctx.GetEnvironmentVariable(name) != Environment.GetEnvironmentVariable(name)) return false;
        if (anyOutsideServer!()) return false;
        if (ctx is RemoteExecContext remote) remote.JudgedForTreeServer = true;
        return true;
    }

    private static bool OutsideServerOnly(CommandIntent i) =>
        i is { Effect: Effect.Unknown, Tool: "tmux" or "screen", Targets: [{ Kind: TargetKind.LocalPath, Path: "/tmp/tmux-server" or "/run/screen" }] };

    /// <summary>`agentshell approve|deny|watch` (by name or by file identity): the tree answering
    /// its own pauses. PERF: the verbs are looked for first (no allocation, no syscall).</summary>
    private bool IsSelfApproval(in ExecRequest r)
    {
        bool verb = false;
        for (int i = 1; i < r.Argv.Count && !verb; i++)
        {
            var a = r.Argv[i];
            verb = a.SequenceEqual("approve"u8) || a.SequenceEqual("deny"u8) || a.SequenceEqual("watch"u8);
        }
        if (!verb) return false;
        if (r.Argv[0].EndsWith("agentshell"u8) || r.Filename.EndsWith("/agentshell"u8)) return true;
        return agentshell is { } exe && r.Pid > 0 && Interop.Files.TryStat(r.OpenablePath(), out var st) && st.Identity == exe;
    }

    /// <summary>What is at the path the exec names: <paramref name="missing"/> when nothing (the
    /// open fails with ENOENT or ENOTDIR, or another failure and then a stat); its status when it
    /// could be stated; for a regular file that
    /// could be opened, what its start shows (ELF, its "#!" line). The open fd is returned (the
    /// caller closes it), or -1. An open that fails otherwise (a file that may be run but not read)
    /// falls back to a stat, as before: nothing of its content is read then.</summary>
    private static int Inspect(in ExecRequest request, out bool missing, out bool stated, out FileStatus st, out ProgramKind? kind)
    {
        kind = null;
        // PERF: one open, no stat first. A stat before it said "nothing there" a little cheaper
        // (measured here: ~0.1-0.2 µs less than an open that fails, which allocates its file before
        // the walk) but cost every exec that runs a syscall more (~0.5 µs, and 8% of the receiving
        // thread's CPU per spawn in perf): a program that runs is the common case.
        int fd = request.OpenOpenable(Interop.Files.ReadOnlyNoWait, out var errno);
        if (fd < 0)
        {
            st = default;
            stated = errno is not (Errno.ENOENT or Errno.ENOTDIR) && request.TryStatOpenable(out st);
            missing = !stated;
            return -1;
        }
        missing = false;
        stated = Interop.Files.TryFStat(fd, out st);
        // PERF: a regular file with no execute bit is never run (ExecNotifications answers its exec
        // EACCES): its start is not read.
        if (stated && st.IsRegular && (st.Permissions & Network.ExecFiles.AnyExecuteBit) != 0) kind = ProgramKind.Of(fd, st.Identity) with { Ctime = st.CtimeNs };
        return fd;
    }

    /// <summary>For a script whose interpreter is a known tool: the argv the kernel builds
    /// (interpreter, its argument, the script's path, the rest of argv); else null.</summary>
    private string[]? ScriptOfTool(ExecRequest request, (string Interpreter, string? Argument) sb)
    {
        bool tool = CommandClassifier.KnownTools.Contains(Path.GetFileName(sb.Interpreter))
            || identity?.Identify(ProcessInfo.ProcPath(request.Pid, sb.Interpreter)) != null;
        if (!tool) return null;
        var run = new List<string> { sb.Interpreter };
        if (sb.Argument != null) run.Add(sb.Argument);
        run.Add(request.FilenameString);
        for (int i = 1; i < request.Argv.Count; i++) run.Add(request.Argv.GetString(i));
        return [.. run];
    }

    private static bool IsNestedProgram(CommandIntent i, in Argv exec) => i.Tool != "shell" && !IsOwnCommand(i, exec);

    /// <summary>True when the kernel will show <paramref name="i"/>'s command as an exec of its own
    /// and that exec, decided on what it alone can show (its argv and environment, not what a pipe
    /// feeds it), is paused or refused too. Not a hot path: pauses only.</summary>
    private bool PausedAtOwnExec(CommandIntent i, IReadOnlyList<NestedCommand> nested)
    {
        foreach (var n in nested)
        {
            if (!n.Execs || !n.Argv.SequenceEqual(i.Argv)) continue;
            var alone = classifier.Classify(System.Text.Encoding.UTF8.GetBytes(n.Argv[0]), Argv.FromStrings(n.Argv), n.Context);
            return alone.Count > 0 && Policy.Decide(alone, n.Context).Action >= PolicyAction.Pause;
        }
        return false;
    }

    /// <summary>True when <paramref name="i"/> is the command this exec runs (not one nested in a
    /// wrapper or a shell string). argv[0] may differ (a copy recognised by content, a wrapper
    /// re-exec); the rest is compared as the classifier decoded it (UTF-8, invalid bytes replaced),
    /// so an argument that does not round-trip never makes this exec's own command look nested.</summary>
    internal static bool IsOwnCommand(CommandIntent i, in Argv exec)
    {
        if (i.Argv.Count != exec.Count) return false;
        for (int k = 1; k < exec.Count; k++)
        {
            var raw = exec[k];
            // PERF: ASCII compares in place; anything else is decoded exactly as the classifier did.
            bool same = System.Text.Ascii.IsValid(raw) ? System.Text.Ascii.Equals(raw, i.Argv[k]) : exec.GetString(k) == i.Argv[k];
            if (!same) return false;
        }
        return true;
    }
}
