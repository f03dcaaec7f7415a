using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor;

/// <summary>One of the supervisor's own rules: a decision that no profile makes (the supervisor
/// protecting itself, an exec it cannot inspect, what root mode's kernel side cannot hold). Data
/// like a profile rule: `profiles show` lists it, the audit log records its id.</summary>
public sealed class SupervisorRule
{
    private Decision? _decision;

    /// <summary>Rule id, e.g. <c>supervisor:self-approval</c>.</summary>
    public required string Id { get; init; }
    /// <summary>What the rule does (for <see cref="ActionSetting"/> rules: the built-in default).</summary>
    public required PolicyAction Action { get; init; }
    /// <summary>The profile setting that chooses the action instead, if any.</summary>
    public string? ActionSetting { get; init; }
    /// <summary>One line for the agent's stderr.</summary>
    public required string Reason { get; init; }
    /// <summary>Why the rule exists, for the person reading the log or approving.</summary>
    public required string Explanation { get; init; }

    /// <summary>The action in force under <paramref name="policy"/>: <see cref="ActionSetting"/>'s value, or <see cref="Action"/>.</summary>
    public PolicyAction ActionIn(Policy policy) => ActionSetting switch
    {
        "Network:UnknownClientToProduction" => policy.Network.UnknownClientToProduction,
        _ => Action,
    };

    /// <summary>This rule's decision about nothing more specific (shared, no allocation).</summary>
    public Decision Decision => _decision ??= new Decision { Action = Action, RuleId = Id, Reason = Reason, Explanation = Explanation };

    /// <summary>This rule's decision about <paramref name="intent"/>.</summary>
    /// <paramref name="detail"/>: what this case is, after the rule's reason (the file, the path and why).
    public Decision About(CommandIntent? intent, PolicyAction? action = null, Target? target = null, string environment = "none", string? explanation = null,
        string? detail = null) => new()
    {
        Action = action ?? Action, RuleId = Id, Reason = detail == null ? Reason : $"{Reason}: {detail}", Explanation = explanation ?? Explanation,
        Intent = intent, Target = target, Environment = environment,
    };

    /// <summary>The line written to a process this rule refused: <c>agentshell: refused WHAT: REASON [rule ID]</c>.</summary>
    public string Refusal(string what) => $"agentshell: refused {what}: {Reason} [rule {Id}]";
}

/// <summary>Every rule the supervisor applies besides the profile's, in one table.</summary>
public static class SupervisorRules
{
    /// <summary>An exec whose argv or environment cannot be read in full is refused.</summary>
    public static readonly SupervisorRule UnreadableArgv = new()
    {
        Id = "supervisor:unreadable-argv", Action = PolicyAction.Block,
        Reason = $"its arguments or environment exceed what can be inspected ({ExecReader.MaxArgs} strings, {ExecReader.MaxArgBytes / 1024 / 1024} MiB) or cannot be read",
        Explanation = "An exec is decided on its argv and environment as read from the process's memory; one that cannot be read in full cannot be judged, so it is refused rather than let through unchecked.",
    };

    /// <summary>The tree cannot answer its own pauses.</summary>
    public static readonly SupervisorRule SelfApproval = new()
    {
        Id = "supervisor:self-approval", Action = PolicyAction.Block,
        Reason = "a supervised process cannot connect to the approval socket or answer approval requests; a person must run 'agentshell approve ID' in a terminal outside the agent",
        Explanation = "The agent runs as the approving user: `agentshell approve|deny|watch` run from inside the tree, and connects to the run's control socket (by any path), are refused so that it cannot approve its own requests.",
    };

    /// <summary>Signals from the tree to the supervisor are refused.</summary>
    public static readonly SupervisorRule ProtectSelf = new()
    {
        Id = "supervisor:protect-self", Action = PolicyAction.Block,
        Reason = "it is aimed at the supervisor",
        Explanation = "kill, tkill and pidfd_send_signal aimed at the supervisor (or at its process group) from inside the tree are refused: a stopped or killed supervisor decides nothing.",
    };

    /// <summary>TCP Fast Open through sendmmsg is refused (it is not inspected).</summary>
    public static readonly SupervisorRule FastOpenBatch = new()
    {
        Id = "supervisor:fastopen-batch", Action = PolicyAction.Block,
        Reason = "a batch of messages is not inspected; use connect() or sendto()",
        Explanation = "sendmmsg with MSG_FASTOPEN connects inside the send; its addresses are not read, so it is refused. sendto and sendmsg with MSG_FASTOPEN are decided like connect.",
    };

    /// <summary>TCP Fast Open to a production address whose connections are decided at the wire.</summary>
    public static readonly SupervisorRule FastOpenToWire = new()
    {
        Id = "supervisor:fastopen-to-wire", Action = PolicyAction.Block,
        Reason = "its first bytes travel inside the connect, where they cannot be decided; connect() first",
        Explanation = "Connections to production are decided on what they send (the wire layer). TCP Fast Open sends data with the connect itself, before the wire layer could read it, so it is refused to those addresses; clients fall back to an ordinary connect.",
    };

    /// <summary>Root mode: a datagram sent before the profile's host names are resolved.</summary>
    public static readonly SupervisorRule NamesNotResolved = new()
    {
        Id = "supervisor:names-not-resolved", Action = PolicyAction.Block,
        Reason = "profile host names are still being resolved, so its environment is not known yet (retry in a moment)",
        Explanation = "Root mode: until the profile's host names are resolved the kernel cannot tell production addresses apart; a connect waits at the gate, but a datagram cannot wait, so it is refused.",
    };

    /// <summary>Root mode: a connect that needs the supervisor when its gate cannot take it.</summary>
    public static readonly SupervisorRule GateUnavailable = new()
    {
        Id = "supervisor:gate-unavailable", Action = PolicyAction.Block,
        Reason = "the supervisor's gate is unavailable",
        Explanation = "Root mode: a connect that needs a decision is redirected to the supervisor's gate; when the gate cannot take it (no free slot, the supervisor gone) the kernel refuses it.",
    };

    /// <summary>A wrapper whose nested command would pause: the pause waits for that command's own exec.</summary>
    public static readonly SupervisorRule NestedExec = new()
    {
        Id = "supervisor:nested-exec", Action = PolicyAction.Allow,
        Reason = "decided at the nested command's own exec",
        Explanation = "A wrapper (bash -c, timeout, env, xargs) runs a command that would pause; that command is a program of its own and is decided, and paused, at its own exec. Pausing the wrapper too would ask the person twice. Blocks stay at the wrapper.",
    };

    /// <summary>A program no parser understood connecting to production (action: the profile's
    /// <c>Network.UnknownClientToProduction</c>).</summary>
    public static readonly SupervisorRule UnknownClientToProduction = new()
    {
        Id = "network:unknown-client-to-production", Action = PolicyAction.Pause, ActionSetting = "Network:UnknownClientToProduction",
        Reason = "a program AgentShell does not understand is connecting to production",
        Explanation = "What it sends cannot be known from its arguments: its command line is one no parser understands (python, node, a static binary), or it did not name that production address.",
    };

    /// <summary>A tree process that is not the parsed tmux/screen CLI connecting to a listed command
    /// server's socket (<c>Network.CommandServers</c>) whose listener is outside the tree.</summary>
    public static readonly SupervisorRule CommandServer = new()
    {
        Id = "network:command-server-outside-tree", Action = PolicyAction.Block,
        Reason = "a server started outside the supervised tree would run what this process sends it, unchecked",
        Explanation = "tmux, screen, docker, containerd, podman, systemd, supervisord and pm2 run commands for their clients; a server started before the run is not supervised, so a command handed to it would bypass every rule. Only their own CLI (tmux, screen), whose arguments were read and judged at its exec, may speak to such a server; a server started inside the run is supervised and reachable by anyone.",
    };

    /// <summary>The tmux/screen CLI connecting to an outside command server without the trust its
    /// exemption rests on (<see cref="CommandServerClis"/>): code of another's, a tracer, or a
    /// configuration file changed in the run.</summary>
    public static readonly SupervisorRule CommandServerCliUntrusted = new()
    {
        Id = "network:command-server-cli-untrusted", Action = PolicyAction.Block,
        Reason = "the tmux/screen CLI may speak to a server started outside the tree only as the program whose arguments were judged, and this one is not",
        Explanation = "The real tmux and screen may reach an outside command server because what they send is their argv, read and judged at their exec. That holds only with the trust a tool needs to reach production, decided at its exec: no LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH or other variable that loads code of another's in the environment the kernel committed, and made non-dumpable there so that no other process of the tree can attach to it, write its memory or take its socket (where the tree cannot be sealed, no tmux CLI is exempt); then, at the connect, every mapped library and the loader's way to it unchanged since the run began, no tracer (gdb, strace), and no configuration file it reads (tmux -f, ~/.tmux.conf, $XDG_CONFIG_HOME/tmux/tmux.conf, /etc/tmux.conf; screen -c, $SCREENRC, $SYSSCREENRC, ~/.screenrc, /etc/screenrc) made or changed during the run. Otherwise its argv may say `tmux ls` while it sends `send-keys 'curl -X DELETE …'` or `run-shell`, so the connect is refused; the reason names why the exemption was withdrawn.",
    };

    /// <summary>Root mode: a trusted program's (or a named client's) first datagram to a production
    /// destination, refused while its sender is checked; once the check passes, its next ones there go.</summary>
    public static readonly SupervisorRule TrustedDatagramChecked = new()
    {
        Id = "supervisor:trusted-datagram-checked", Action = PolicyAction.Block,
        Reason = "a datagram cannot wait while its sender is checked; its next ones there go",
        Explanation = "Root mode: a program trusted with production (an understood tool) goes there only while all the code it maps is unchanged since the run began, and a profile's named client (Network.Clients) only when its program is the named file; the kernel knows neither. A connect waits at the gate for that check; a datagram cannot, so the first one to each production destination is refused while it runs, and the kernel remembers the answer for the next ones.",
    };

    /// <summary>Why an unknown client's datagram to production is refused whatever the profile's
    /// action: a datagram cannot be held for a person (root mode).</summary>
    public const string DatagramCannotWait = "a datagram cannot wait for approval";

    /// <summary>A failure while deciding refuses what was being decided.</summary>
    public static readonly SupervisorRule DecisionError = new()
    {
        Id = "supervisor:decision-error", Action = PolicyAction.Block,
        Reason = "the supervisor failed while deciding it",
        Explanation = "An error in the supervisor (an exception while reading or deciding) never turns into an allow: the syscall is refused, and the error is written to the supervisor's log.",
    };

    /// <summary>An exec whose committed argv, environment or program is not what was decided is killed
    /// before its first instruction.</summary>
    public static readonly SupervisorRule ExecChanged = new()
    {
        Id = "supervisor:exec-changed", Action = PolicyAction.Block,
        Reason = "what the kernel committed is not what was checked, so it was killed before it ran",
        Explanation = "The kernel reads argv, the environment and the path again after the supervisor's check; a thread, a process sharing the memory, process_vm_writev or /proc/PID/mem can rewrite them in between. For every exec whose decision depended on its arguments, what the kernel committed is compared with what was decided, before the new program runs its first instruction (seccomp mode: at the exec's ptrace event; root mode: in the kernel's sched_process_exec program, by a keyed hash), and a difference kills it.",
    };

    /// <summary>An exec whose decision depended on its arguments cannot be verified: refused.</summary>
    public static readonly SupervisorRule ExecUnverifiable = new()
    {
        Id = "supervisor:exec-unverifiable", Action = PolicyAction.Block,
        Reason = "what it runs cannot be verified after the check: the process is being traced (a debugger, strace) or cannot be traced by the supervisor",
        Explanation = "An exec whose decision depended on its arguments is let go only if the supervisor can compare what the kernel commits with what it decided, which needs the process untraced by anyone else. Run the tool without strace or gdb attached.",
    };

    /// <summary>chroot in the tree's own mount namespace is refused.</summary>
    public static readonly SupervisorRule Chroot = new()
    {
        Id = "supervisor:chroot", Action = PolicyAction.Block,
        Reason = "changing the root directory inside the supervised tree is not allowed",
        Explanation = "A trusted tool loads its libraries and reads its configuration (/etc/ld.so.preload, /etc/hosts, nsswitch.conf, its CA store) from its root directory; a thread that chroots while another thread of its process execs such a tool would make it load another root's code. chroot in a mount namespace of the process's own making is allowed.",
    };

    /// <summary>Trust is withheld from a tool started with code-loading configuration.</summary>
    public static readonly SupervisorRule ForeignCode = new()
    {
        Id = "supervisor:foreign-code", Action = PolicyAction.Allow,
        Reason = "allowed, but not trusted with production: its environment makes it load code that is not its own",
        Explanation = $"A tool trusted with production because its command line was understood is trusted only if nothing else runs inside it. Its environment names code to load: {ForeignCodeVariables.Described}. It runs, but its production connections get the decision of an unknown client.",
    };

    /// <summary>Trust is withheld from a tool started in another mount namespace or root.</summary>
    public static readonly SupervisorRule OtherRoot = new()
    {
        Id = "supervisor:other-root", Action = PolicyAction.Allow,
        Reason = "allowed, but not trusted with production: it runs in a mount namespace or root directory made inside the tree",
        Explanation = "A mount namespace or chroot made inside the tree can give a tool its own /etc/ld.so.preload, nsswitch.conf, hosts file or libraries. A tool started there runs, but its production connections get the decision of an unknown client.",
    };

    /// <summary>A client that refused the run CA is let through on its exec's decision only while the
    /// files that decision read are unchanged.</summary>
    public static readonly SupervisorRule ConfigChanged = new()
    {
        Id = "supervisor:config-changed", Action = PolicyAction.Pause, ActionSetting = "Network:UnknownClientToProduction",
        Reason = "what it sends to production cannot be decided here, and a file its exec's decision read has changed since: decided as an unknown client",
        Explanation = "A client that refuses the run CA (it pins, or brings its own CA), a pinned host or a protocol the wire does not speak cannot be decided at the wire; such connections are let through on what the exec's decision understood. That decision read the tool's configuration (~/.curlrc, a -K file, ~/.psqlrc, a kubeconfig): if any file, link or directory that lookup passes has changed since, the tool may have read another file than the decision did (one rewritten to bring its own CA and a DELETE), so the exec's trust does not count and the connection gets an unknown client's decision (Network.UnknownClientToProduction: paused by default).",
    };

    /// <summary>A tool trusted with production by its exec runs code the run changed or reached in a
    /// way it changed (<see cref="ExecMappings"/>, <see cref="LibraryLookups"/>): its trust is withdrawn.</summary>
    public static readonly SupervisorRule LibraryChanged = new()
    {
        Id = "supervisor:library-changed", Action = PolicyAction.Pause, ActionSetting = "Network:UnknownClientToProduction",
        Reason = "its exec was trusted with production, but the code it runs is not all from before the run: decided as an unknown client",
        Explanation = "A tool whose command line was understood is trusted with production only while every library it maps is a file from before the run, reached the way the loader looks for it (PT_INTERP, /etc/ld.so.preload, DT_NEEDED through RPATH/RUNPATH, /etc/ld.so.cache, the default directories) through links and directories unchanged since the run began. A library written, repointed, renamed into place or found through a cache or preload file changed in the run could be anyone's code inside the trusted tool, so its trust is withdrawn and its connections get an unknown client's decision (Network.UnknownClientToProduction: paused by default). The reason names the library or path and what changed.",
    };

    /// <summary>The paths agentshell depends on could not be made read-only for the tree.</summary>
    public static readonly SupervisorRule Unprotected = new()
    {
        Id = "supervisor:unprotected-files", Action = PolicyAction.Allow,
        Reason = "the supervised tree can change agentshell's profiles, audit log and control sockets (they could not be made read-only for it)",
        Explanation = "Each run binds the profile directories and files, the audit log's directory, the control-socket directory and agentshell's own files read-only in a mount namespace of the tree's own (a user namespace as a user), and gives the tree a pid namespace. Where the kernel refuses that (user namespaces disabled, a restricted container), the run goes on unprotected and says so; run with --require-protection to refuse instead.",
    };

    /// <summary>Every rule above and the PostgreSQL relay's own, in the order `profiles show` lists them.</summary>
    public static IReadOnlyList<SupervisorRule> All { get; } =
        [UnreadableArgv, SelfApproval, ProtectSelf, FastOpenBatch, FastOpenToWire, NamesNotResolved, GateUnavailable, DecisionError, ExecChanged, ExecUnverifiable, Chroot,
         Unprotected, NestedExec, ForeignCode, OtherRoot, ConfigChanged, LibraryChanged, UnknownClientToProduction, CommandServer, CommandServerCliUntrusted, .. Wire.Postgres.PostgresWireRules.All];

    /// <summary>The line for a refused exec: the policy's own wording for a decision about an intent,
    /// the rule's refusal line for a supervisor rule's decision (which has none).</summary>
    public static string ExecRefusal(Decision d, string program, string verb = "blocked") =>
        d.Intent == null
            ? $"agentshell: refused an exec of {program}: {d.Reason} [rule {d.RuleId}]"
            : $"agentshell: {verb} {d.Describe()}{(d.Reason.Length > 0 ? ": " + d.Reason : "")}";
}
