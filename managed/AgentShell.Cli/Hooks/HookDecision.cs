using AgentShell.Cli.Verbs;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Supervisor;

namespace AgentShell.Cli.Hooks;

/// <summary>Decides a hook's shell command exactly as <c>agentshell check --shell</c> (or
/// <c>check -- ARGV</c>) decides it: the same <see cref="CommandCheck"/> entry `run` uses for every
/// exec, the most severe verdict over the commands it runs. The kernel layer still decides each
/// exec when the agent runs under `agentshell run`; this answers earlier, in the agent's own UI.</summary>
internal static class HookDecision
{
    internal static HookVerdict Decide(Policy policy, HookCall call)
    {
        // The command runs in the agent's working directory (relative programs, scripts, .git).
        string? cwd = call.WorkingDirectory is { Length: > 0 } d && Path.IsPathRooted(d) ? d : null;
        var ctx = new LocalExecContext(workingDirectory: cwd);
        var check = new CommandCheck(policy);
        var results = call.Script != null ? CheckVerb.CommandsOf(check.Shell(call.Script, ctx)) : check.Command(call.Argv!, ctx);
        var worst = results.Max(r => r.Decision.Action);
        var deciding = results.First(r => r.Decision.Action == worst);
        return new HookVerdict(worst, Reason(deciding));
    }

    /// <summary>The line the agent (and the person) reads: what, where and why it is production,
    /// the rule, and the rule's reason. Redacted as the audit log redacts.</summary>
    internal static string Reason(CheckedExec r)
    {
        var d = r.Decision;
        string what = d.Intent != null
            ? $"{DecisionText.Text(d.Intent.ToString())} ({DecisionText.Because(d.Environment, d.MatchedBy)})"
            : DecisionText.Argv(r.Argv);
        string reason = d.Reason.Length > 0 ? ": " + DecisionText.Text(d.Reason) : "";
        return d.Action switch
        {
            PolicyAction.Block => $"agentshell: blocked {what} [rule {d.RuleId}]{reason}",
            PolicyAction.Pause => $"agentshell: needs a person's approval: {what} [rule {d.RuleId}]{reason}"
                + (d.Explanation is { Length: > 0 } ex ? $" ({DecisionText.Text(ex)})" : ""),
            _ => $"agentshell: allowed [rule {d.RuleId}]",
        };
    }

    /// <summary>The refusal for a hook that cannot decide: never an allow.</summary>
    internal static HookVerdict Refuse(string why) =>
        new(PolicyAction.Block, $"agentshell: refused: {DecisionText.Text(why)} (the hook could not decide, and an undecided command is not let through)");
}
