using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>A program no parser understood connecting to production: the decision (rule
/// <c>network:unknown-client-to-production</c>, action from the profile) and, for a pause, the
/// pending item. Shared by trapped connects (seccomp mode) and the gate (root mode).</summary>
internal sealed class UnknownClients(Policy policy, PendingRegistry registry, PendingScope scope, SelfIdentity self)
{
    /// <summary>The decision for the program of <paramref name="tgid"/> connecting to
    /// <paramref name="address"/>; <paramref name="action"/> overrides the profile's. <paramref name="why"/>:
    /// the rule that made a trusted tool an unknown client, <paramref name="detail"/> what it found.</summary>
    public Decision Decide(int tgid, ReadOnlySpan<byte> address, int port, string env, string? exe, out string[] cmdline, out Target target, PolicyAction? action = null,
        SupervisorRule? why = null, string? detail = null)
    {
        var ip = new System.Net.IPAddress(address);
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        target = new Target { Kind = TargetKind.Socket, Host = ip.ToString(), Port = port };
        cmdline = ProcessInfo.Cmdline(tgid);
        string tool = exe != null ? Path.GetFileName(exe) : (cmdline.Length > 0 ? Path.GetFileName(cmdline[0]) : "?");
        var rule = why ?? SupervisorRules.UnknownClientToProduction;
        var intent = new CommandIntent { Tool = tool, Effect = Effect.Unknown, Targets = [target], Summary = $"connect {target}", Argv = cmdline };
        return rule.About(intent, action ?? rule.ActionIn(policy), target, env,
            explanation: $"{tool} opens a connection to {target} in production{(detail != null ? $" and {detail}" : "")}. {rule.Explanation}", detail: detail);
    }

    /// <summary>Holds a paused connect under <paramref name="id"/> until a person answers. A retry of
    /// the same program to the same destination joins the waiting item.</summary>
    public void Hold(ulong id, int pid, int tgid, Decision d, string[] cmdline, string? exe, Target target, ProcessTable.ConnectKey key, ulong? gen)
    {
        string joinKey = $"{tgid}\u0001{key.Program}\u0001connect\u0001{target}";
        registry.Hold(id, pid, (itemId, now) => new PendingItem
        {
            Id = itemId, Created = now, Deadline = now + registry.Timeout, Pid = pid,
            Chain = ProcessInfo.Chain(pid, self.AgentPid), Cwd = null, Argv = cmdline, Program = exe ?? "?", Decision = d,
            JoinKey = joinKey, RunKey = $"{exe}\u0001connect\u0001{target}", ConnectKey = key, ConnectGeneration = gen,
        }, joinKey, scope);
    }
}
