using AgentShell.Core.Audit;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Network;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>Trapped execve/execveat: read the filename, argv and (lazily) envp from the process,
/// check the notification is still valid, decide through the <see cref="IExecDecider"/> (the same
/// entry `agentshell check` uses), then continue, refuse with the reason on the process's stderr,
/// or hold it in the registry for a person. An exec decided on its arguments is continued only
/// with a check of what the kernel commits (<see cref="VerifiedExecs"/>).</summary>
internal sealed class ExecNotifications(int listener, IExecDecider decider, TrustLedger trust, PendingRegistry registry, PendingScope scope,
    HeldNotifications held, VerifiedExecs verified, BlockNotifier notifier, SelfIdentity self, TreeRootDirectory? root = null)
{
    private const int ENOENT = 2, EPERM = 1, EACCES = 13;

    /// <summary>True: an exec decided on its arguments is let go only with a check of what the kernel
    /// commits. False only in the bench's own build (`-p:BenchNoVerify=true`, published apart from
    /// bin/ by tests/bench/bench.py) that measures what the check costs; a compile-time constant, so
    /// the shipped binary holds no code path without the check and nothing the tree can reach turns
    /// it off (BuildTests prove the shipped binary is not that build).</summary>
#if BENCH_NO_VERIFY
    internal const bool VerifiesCommittedExecs = false;
#else
    internal const bool VerifiesCommittedExecs = true;
#endif

    /// <summary>execve(path, argv, envp) or execveat(dirfd, path, argv, envp, flags).</summary>
    public unsafe Verdict Exec(ref seccomp_notif n, ExecReader reader, RemoteExecContext ctx, DeferredAudit audit, ExecTracer tracer)
    {
        bool at = n.data.nr == NR_execveat;
        ulong pathAddr = at ? n.data.args[1] : n.data.args[0], argvAddr = at ? n.data.args[2] : n.data.args[1], envpAddr = at ? n.data.args[3] : n.data.args[2];
        int dirfd = at ? (int)n.data.args[0] : -1;
        string syscall = at ? AuditSyscall.Execveat : AuditSyscall.Execve;
        int pid = (int)n.pid;
        audit.ExecSeen(pid); // its name changes: chains read it again
        var f = reader.ReadExec(pid, pathAddr, argvAddr, out var argv);
        ExecRequest request = default;
        Decision d = SupervisorRules.UnreadableArgv.Decision;
        bool actsOnArguments = false;
        if (f == ReadFailure.None)
        {
            string? resolved = dirfd >= 0 && reader.Filename.Length == 0 ? ResolveFd(pid, dirfd) : null;
            request = reader.Request(argv, resolved, pid, dirfd >= 0 ? dirfd : ProcessInfo.AtFdCwd, root);
            ctx.Reset(pid, envpAddr);
            d = decider.Decide(request, ctx, out actsOnArguments);
        }
        // The pid may have been recycled while we read and decided (argv, envp, /proc): trust none of
        // it unless the id is still valid. PERF: one check after the decision's reads proves them all
        // (the task was alive, so its pid was its own, throughout); nothing is acted on before it:
        // no line written, no trust remembered, no seize (VerifiedExecs.Prepare), no answer.
        // PERF: a plain allow of a program no parser knows, not recorded, acts on nothing but the
        // answer, and the kernel accepts a CONTINUE only for a notification still valid, which
        // proves the reads as well as the check would (an id never becomes valid again). What it
        // does first only takes trust away (ExecLetGo with nothing understood), which fails closed
        // whoever has the pid by then. Every failing exec and execvp's misses along PATH take this path.
        bool plainAllow = f == ReadFailure.None && !ctx.EnvironmentUnreadable && d.Action == PolicyAction.Allow && d.Intent == null
            && !actsOnArguments && !audit.Records(d);
        if (!plainAllow && !IdValid(listener, n.id)) return Verdict.Refuse;
        if (f != ReadFailure.None)
        {
            if (f != ReadFailure.Gone) Unreadable(pid, default, syscall, audit);
            return Verdict.Refuse;
        }
        if (ctx.EnvironmentUnreadable)
        {
            // A parser asked for a variable (PGHOST, KUBECONFIG, AWS_PROFILE) that could not be read:
            // the decision may rest on its absence.
            Unreadable(pid, argv, syscall, audit);
            return Verdict.Refuse;
        }
        // PERF: a regular file with no execute bit at all can never be exec'd: the kernel refuses it
        // with EACCES whoever asks (root's CAP_DAC_OVERRIDE covers execute only where some x bit is
        // set). Answered here as the kernel would, instead of a CONTINUE after which the kernel walks
        // the path and opens the file again to refuse it; nothing runs either way, and a file made
        // executable after the look is not run by this exec (a refusal, never an allow). A refusal
        // keeps its message and record.
        if (d.Action != PolicyAction.Block && NeverExecutable(ctx))
        {
            if (d.Action == PolicyAction.Allow && !plainAllow) audit.Note(d, pid, request.Argv, ctx, syscall, AuditOutcome.Allowed);
            return Verdict.Result(EACCES);
        }
        switch (d.Action)
        {
            case PolicyAction.Allow:
                return Allow(pid, n.id, d, request, ctx, actsOnArguments, syscall, audit, tracer);
            case PolicyAction.Pause:
                return Pause(ref n, request, d, ctx, actsOnArguments, tracer);
            default:
                // Written before the answer, whichever it is: the pipe keeps it for the harness.
                notifier.WriteOnce(pid, argv, SupervisorRules.ExecRefusal(d, Program(request)) + ScriptNote(request));
                // A PATH search's miss is answered as the kernel would: execvp(3) gives up at the
                // first error other than ENOENT, EACCES and a few more, and at an EPERM here would
                // never reach the file that exists, whose exec is the one ended at its commit.
                bool missing = ctx.ProgramMissing;
                bool ends = !missing && tracer.SeizeRefused(pid, Runnable(ctx), listener, n.id);
                audit.Note(d, pid, argv, ctx, syscall, AuditOutcome.Blocked, seizedTgid: tracer.Tgid);
                return missing ? Verdict.Result(ENOENT) : ends ? Verdict.Continue : Verdict.Refuse;
        }
    }

    /// <summary>True when the decision found the program a file the kernel can run: a regular file
    /// with an execute bit (a refusal of it can be ended at its commit, ExecTracer.SeizeRefused).</summary>
    private static bool Runnable(RemoteExecContext ctx) =>
        ctx.ProgramStatus is { IsRegular: true } st && (st.Permissions & ExecFiles.AnyExecuteBit) != 0;

    private Verdict Allow(int pid, ulong notifId, Decision d, ExecRequest request, RemoteExecContext ctx, bool actsOnArguments, string syscall, DeferredAudit audit, ExecTracer tracer)
    {
        var envs = trust.TrustedEnvironments(d, request, ctx, out var withheld);
        CommittedExec? expected = null;
        // The launcher's own exec of the agent (no namespace of its own): nothing else runs in the
        // tree yet that could change it.
#if !BENCH_NO_VERIFY
        if (actsOnArguments && pid != self.AgentPid)
        {
            if (Expect(pid, request, ctx, syscall, audit, out int errno) is not { } e)
            {
                // No file to run: the policy's allow is recorded as on the fast path, where the kernel
                // answers ENOENT after it (a PATH search's misses are one row); a refusal was noted.
                if (errno != EPERM) audit.Note(d, pid, request.Argv, ctx, syscall, AuditOutcome.Allowed);
                return Verdict.Result(errno);
            }
            expected = e;
            int refused = verified.Prepare(tracer, pid, expected, TrustLedger.NamesProduction(envs), audit, listener, notifId);
            if (refused != 0) return Verdict.Result(refused);
        }
#endif
        // PERF: a seized exec's thread group is the seize's (valid: its notification was checked after it).
        trust.RememberExec(pid, envs, request, expected, tracer.Tgid, envs != null ? ctx.Reads : null);
        if (withheld != null)
        {
            // Understood, allowed, but not trusted with production: say so and record why.
            d = withheld.About(d.Intent, target: d.Target, environment: d.Environment, explanation: $"{withheld.Explanation} (allowed by {d.RuleId}: {d.Reason})");
            notifier.WriteOnce(pid, request.Argv, $"agentshell: {Program(request)}: {withheld.Reason} [rule {withheld.Id}]");
        }
        // PERF: a seized exec's working directory is read after the answer (DeferredAudit.Note).
        audit.Note(d, pid, request.Argv, ctx, syscall, AuditOutcome.Allowed, seizedTgid: tracer.Tgid);
        return Verdict.Continue;
    }

    /// <summary>What the kernel must commit for this exec, or null (refused with <paramref name="errno"/>,
    /// the reason written) when its environment or file cannot be read. A file that does not exist
    /// or may not be opened is refused with the kernel's own answer and no line: execvp(3) tries
    /// every PATH directory in turn, and those misses are not refusals.</summary>
    private CommittedExec? Expect(int pid, ExecRequest request, RemoteExecContext ctx, string syscall, DeferredAudit audit, out int errno)
    {
        errno = EPERM;
        if (!ctx.TryGetEnvironment(out var envp))
        {
            Unreadable(pid, request.Argv, syscall, audit);
            return null;
        }
        var expected = CommittedExec.For(request, envp, out var openError, ctx.Program);
        if (expected != null) expected.JudgedForTreeServer = ctx.JudgedForTreeServer;
        if (expected == null && openError is Errno.ENOENT or Errno.ENOTDIR or Errno.EACCES)
        {
            // Nothing runs, as the kernel would have said; a file that appears after this answer is not run either.
            errno = (int)openError;
            return null;
        }
        if (expected == null)
        {
            var rule = SupervisorRules.ExecUnverifiable;
            notifier.WriteOnce(pid, request.Argv, rule.Refusal($"an exec of {Program(request)}"));
            audit.Note(rule.Decision, pid, request.Argv, ctx, syscall, AuditOutcome.Blocked);
        }
        return expected;
    }

    /// <summary>True when the decision found the program a regular file with no execute bit (0111) set.</summary>
    private static bool NeverExecutable(RemoteExecContext ctx) =>
        ctx.ProgramStatus is { IsRegular: true } st && (st.Permissions & ExecFiles.AnyExecuteBit) == 0;

    /// <summary>After the answer to an exec was sent: the check of what it commits, when one was set
    /// up; the exec's record (read while it was held, <see cref="DeferredAudit.Capture"/>) is written
    /// once it is let go.</summary>
    public void AfterAnswer(ExecTracer tracer, DeferredAudit audit)
    {
        if (tracer.Ends)
        {
            audit.Noting(tracer.FinishEnding(out _) switch
            {
                ExecTracer.Ending.Exited => $"its exec was let commit and ended with status {ExecTracer.RefusedStatus} before its first instruction",
                ExecTracer.Ending.Killed => "its exec was let commit and killed before its first instruction",
                _ => "its exec failed in the kernel",
            });
        }
        else if (tracer.Active) verified.Complete(tracer, audit);
    }

    private void Unreadable(int pid, in Argv argv, string syscall, DeferredAudit audit)
    {
        var rule = SupervisorRules.UnreadableArgv;
        notifier.WriteOnce(pid, argv, rule.Refusal("an exec"));
        audit.Note(rule.Decision, pid, argv, null, syscall, AuditOutcome.Blocked);
    }

    /// <summary>For a refused script (Debian's /usr/bin/psql is pg_wrapper, a perl script): bash reads
    /// the "#!" line of a file whose exec failed and reports "INTERPRETER: bad interpreter" after
    /// this line, whatever the errno; the note says the refusal is this one, not a broken interpreter.</summary>
    private static string ScriptNote(in ExecRequest r) =>
        ExecFiles.Shebang(r.OpenablePath()) is { } sb ? $" ({r.FilenameString} is a script: a shell may add \"{sb.Interpreter}: bad interpreter\"; the interpreter is fine, this refusal is why)" : "";

    private static string Program(in ExecRequest r) =>
        r.Argv.Count > 0 ? Path.GetFileName(r.Argv.GetString(0)) : Path.GetFileName(r.FilenameString);

    private Verdict Pause(ref seccomp_notif n, ExecRequest request, Decision d, RemoteExecContext ctx, bool actsOnArguments, ExecTracer tracer)
    {
        int pid = (int)n.pid;
        // A PATH search also tries directories where the program is not: answer those as the
        // kernel would instead of asking a person about a file that does not exist.
        if (!Interop.Files.TryStat(request.OpenablePath(), out _)) return Verdict.Result(ENOENT);
        var argv = request.Argv.ToStrings();
        // The same request re-issued keeps its arguments but not always its argv[0]: a PATH search
        // tries other directories, and wrappers (Debian's pg_wrapper behind /usr/bin/psql, pyenv
        // shims) re-exec the real binary by its full path. Key on the basename and the rest.
        string joined = argv.Length == 0 ? "" : Path.GetFileName(argv[0]) + "\0" + string.Join('\0', argv.Skip(1));
        string runKey = $"{joined}\u0001{d.Environment}\u0001{d.Target}";
        string[]? envs = trust.TrustedEnvironments(d, request, ctx);
        // What it must commit once approved: a person approves these arguments, not others.
        CommittedExec? expected = null;
        if (actsOnArguments && pid != self.AgentPid)
        {
            if (!ctx.TryGetEnvironment(out var envp) || (expected = CommittedExec.For(request, envp, out _, ctx.Program)) == null)
            {
                var rule = SupervisorRules.ExecUnverifiable;
                notifier.WriteOnce(pid, request.Argv, rule.Refusal($"an exec of {Program(request)}"));
                return Verdict.Refuse;
            }
            expected.JudgedForTreeServer = ctx.JudgedForTreeServer;
        }
        if (registry.IsApprovedForRun(runKey, scope.Session))
        {
            // Approved like an allow (its connects are covered too), and checked like one.
            if (expected != null && verified.Prepare(tracer, pid, expected, TrustLedger.NamesProduction(envs), null, listener, n.id) is var refused and not 0)
                return Verdict.Result(refused);
            trust.RememberExec(pid, envs, request, expected, reads: envs != null ? ctx.Reads : null);
            return Verdict.Continue;
        }
        int tgid = ProcessInfo.Tgid(pid);
        string? cwd = ctx.WorkingDirectory;
        held.HoldExec(n.id, envs, envs != null || expected != null ? ExecFiles.Of(request) : default, expected, envs != null ? ctx.Reads : null,
            runnable: Runnable(ctx));
        registry.Hold(n.id, pid, (itemId, now) => new PendingItem
        {
            Id = itemId, Created = now, Deadline = now + registry.Timeout, Pid = pid,
            Chain = ExecChain(pid, argv), Cwd = cwd, Argv = argv, Decision = d, ExecEnvironments = envs,
            JoinKey = $"{tgid}\u0001{joined}", RunKey = runKey,
        }, $"{tgid}\u0001{joined}", scope);
        return Verdict.Parked;
    }

    private IReadOnlyList<string> ExecChain(int pid, string[] argv)
    {
        // The last hop has not exec'd yet: /proc still names the forked parent; name the program.
        var chain = ProcessInfo.Chain(pid, self.AgentPid).ToList();
        string prog = argv.Length > 0 ? Path.GetFileName(argv[0]) : "?";
        string name = $"{prog}({ProcessInfo.Tgid(pid)})";
        if (chain.Count > 0) chain[^1] = name; else chain.Add(name);
        return chain;
    }

    private static string ResolveFd(int pid, int fd)
    {
        // fexecve / memfd arrive as execveat(fd, "", AT_EMPTY_PATH): name the file by its fd.
        try { return new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? ""; }
        catch (IOException) { return ""; }
    }
}
