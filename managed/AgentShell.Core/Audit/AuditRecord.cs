using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Audit;

/// <summary>One decision as written to the audit log (one JSON line, see <see cref="AuditJson"/>).
/// Strings are stored as given; <see cref="Redactor.Redact(AuditRecord)"/> removes secrets before a write.</summary>
public sealed class AuditRecord
{
    /// <summary>When the decision was final (for a pause: when it was answered), UTC.</summary>
    public DateTimeOffset Time { get; init; }
    /// <summary>Id of the supervised run that made the decision.</summary>
    public string RunId { get; init; } = "";
    /// <summary>The trapped syscall: <c>execve</c>, <c>execveat</c> or <c>connect</c> (see <see cref="AuditSyscall"/>).</summary>
    public string Syscall { get; init; } = "";
    /// <summary>Pid of the process that made the call.</summary>
    public int Pid { get; init; }
    /// <summary>Process chain from the run's root to <see cref="Pid"/>, e.g. <c>["claude(100)", "bash(120)", "psql(131)"]</c>.</summary>
    public IReadOnlyList<string> PidChain { get; init; } = [];
    /// <summary>The argv of the exec (for a connect: empty).</summary>
    public IReadOnlyList<string> Argv { get; init; } = [];
    /// <summary>Working directory of the process, when read.</summary>
    public string? Cwd { get; init; }
    /// <summary>Canonical tool name of the deciding intent, null when no parser understood the command.</summary>
    public string? Tool { get; init; }
    /// <summary>Effect name of the deciding intent (<c>"drop"</c>, <c>"read"</c>, ...), null when none.</summary>
    public string? Effect { get; init; }
    /// <summary>Targets of the deciding intent, in their short human form.</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];
    /// <summary>Environment of the deciding target: production, staging, unknown, none, ...</summary>
    public string Environment { get; init; } = "none";
    /// <summary>Id of the deciding rule.</summary>
    public string RuleId { get; init; } = "";
    /// <summary>The policy's action: <c>allow</c>, <c>block</c> or <c>pause</c> (see <see cref="AuditAction"/>).</summary>
    public string Action { get; init; } = "";
    /// <summary>What happened: <c>allowed</c>, <c>blocked</c>, <c>approved</c>, <c>denied</c>, <c>timeout</c> (see <see cref="AuditOutcome"/>).</summary>
    public string Outcome { get; init; } = "";
    /// <summary>Who answered a pause, e.g. <c>"uid 1000 pid 4242 (agentshell approve)"</c>.</summary>
    public string? ApprovedBy { get; init; }
    /// <summary>How long a pause waited for its answer, in milliseconds.</summary>
    public long? WaitedMs { get; init; }
    /// <summary>The one-line reason given with the decision.</summary>
    public string? Reason { get; init; }

    /// <summary>Builds a record from a policy decision. Tool, effect, targets, environment, rule id, action and
    /// (when <paramref name="outcome"/> is null) the outcome come from <paramref name="decision"/>; the targets are
    /// the decision's target, else the intent's targets.</summary>
    /// <param name="decision">The policy's verdict.</param>
    /// <param name="time">When the decision became final.</param>
    /// <param name="runId">Id of the supervised run.</param>
    /// <param name="syscall">One of the <see cref="AuditSyscall"/> names.</param>
    /// <param name="pid">Pid of the calling process.</param>
    /// <param name="pidChain">Process chain, root first.</param>
    /// <param name="argv">The exec's argv (empty for a connect).</param>
    /// <param name="cwd">Working directory, when known.</param>
    /// <param name="outcome">For a pause, how it ended (<see cref="AuditOutcome.Approved"/>, ...): required for a pause;
    /// null derives it from an allow or block.</param>
    /// <param name="approvedBy">Who answered a pause.</param>
    /// <param name="waitedMs">How long a pause waited.</param>
    /// <exception cref="ArgumentException">A pause without <paramref name="outcome"/>.</exception>
    public static AuditRecord FromDecision(
        Decision decision, DateTimeOffset time, string runId, string syscall, int pid,
        IReadOnlyList<string> pidChain, IReadOnlyList<string> argv, string? cwd = null,
        string? outcome = null, string? approvedBy = null, long? waitedMs = null)
    {
        if (outcome == null && decision.Action == PolicyAction.Pause)
            throw new ArgumentException("a pause is logged once answered: pass its outcome", nameof(outcome));
        var intent = decision.Intent;
        IReadOnlyList<string> targets = decision.Target != null
            ? [decision.Target.ToString()]
            : intent == null ? [] : intent.Targets.Select(t => t.ToString()).ToArray();
        // A command that carried a listed credential: its secret is masked wherever a parser quoted it.
        if (decision.Credential != null && intent != null)
        {
            targets = targets.Select(t => Redactor.RedactCarried(t, intent.Credentials)).ToArray();
            argv = argv.Select(a => Redactor.MaskCarried(a, intent.Credentials)).ToArray();
        }
        return new AuditRecord
        {
            Time = time.ToUniversalTime(),
            RunId = runId,
            Syscall = syscall,
            Pid = pid,
            PidChain = pidChain,
            Argv = argv,
            Cwd = cwd,
            Tool = intent?.Tool,
            Effect = intent?.Effect.Name(),
            Targets = targets,
            Environment = decision.Environment,
            RuleId = decision.RuleId,
            Action = AuditAction.Name(decision.Action),
            Outcome = outcome ?? AuditOutcome.For(decision.Action),
            ApprovedBy = approvedBy,
            WaitedMs = waitedMs,
            // The credential that put the command in its environment, by name (never the secret).
            Reason = decision.Credential != null ? $"{decision.Reason} ({decision.Environment} credential {decision.Credential})".TrimStart()
                : decision.Reason.Length == 0 ? null : decision.Reason,
        };
    }
}

/// <summary>Spellings of <see cref="AuditRecord.Syscall"/>.</summary>
public static class AuditSyscall
{
    /// <summary>execve(2).</summary>
    public const string Execve = "execve";
    /// <summary>execveat(2).</summary>
    public const string Execveat = "execveat";
    /// <summary>connect(2) (and sendto/sendmsg with MSG_FASTOPEN).</summary>
    public const string Connect = "connect";
    /// <summary>sendmmsg(2) with MSG_FASTOPEN.</summary>
    public const string Sendmmsg = "sendmmsg";
    /// <summary>kill(2), tkill(2) or pidfd_send_signal(2) aimed at the supervisor.</summary>
    public const string Signal = "signal";
    /// <summary>sendto(2) with a destination (a datagram, or TCP Fast Open).</summary>
    public const string Sendto = "sendto";
    /// <summary>sendmsg(2) with a destination.</summary>
    public const string Sendmsg = "sendmsg";
    /// <summary>chroot(2).</summary>
    public const string Chroot = "chroot";
    /// <summary>Not a syscall: the run's start (what it could set up, e.g. protected files).</summary>
    public const string Start = "start";

    /// <summary>True for the exec syscalls.</summary>
    public static bool IsExec(string syscall) => syscall is Execve or Execveat;
}

/// <summary>Spellings of <see cref="AuditRecord.Action"/>.</summary>
public static class AuditAction
{
    /// <summary>The policy allowed the call.</summary>
    public const string Allow = "allow";
    /// <summary>The policy blocked the call.</summary>
    public const string Block = "block";
    /// <summary>The policy held the call for a person.</summary>
    public const string Pause = "pause";

    /// <summary>Every spelling, for validating user input.</summary>
    public static IReadOnlyList<string> All { get; } = [Allow, Block, Pause];

    /// <summary>The log spelling of <paramref name="action"/>.</summary>
    public static string Name(PolicyAction action) => action switch
    {
        PolicyAction.Allow => Allow,
        PolicyAction.Pause => Pause,
        _ => Block,
    };
}

/// <summary>Spellings of <see cref="AuditRecord.Outcome"/>.</summary>
public static class AuditOutcome
{
    /// <summary>Allowed by the policy.</summary>
    public const string Allowed = "allowed";
    /// <summary>Blocked by the policy.</summary>
    public const string Blocked = "blocked";
    /// <summary>Paused, then approved by a person.</summary>
    public const string Approved = "approved";
    /// <summary>Paused, then denied by a person.</summary>
    public const string Denied = "denied";
    /// <summary>Paused, and nobody answered in time.</summary>
    public const string Timeout = "timeout";

    /// <summary>Every spelling, for validating user input.</summary>
    public static IReadOnlyList<string> All { get; } = [Allowed, Blocked, Approved, Denied, Timeout];

    /// <summary>The outcome of an action that needs no person: allowed or blocked. A pause has no outcome until it
    /// is answered.</summary>
    public static string For(PolicyAction action) => action switch
    {
        PolicyAction.Allow => Allowed,
        PolicyAction.Block => Blocked,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "a pause's outcome comes from its answer"),
    };
}
