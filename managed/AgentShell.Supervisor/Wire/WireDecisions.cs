using AgentShell.Core.Audit;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Wire;

/// <summary>Decides each request or statement seen on the wire through the profile's rules, in
/// the environment of the connection's destination: allowed; refused (the process's stderr gets
/// the one line, the audit log the record); or held as a pending item showing the request, the
/// process chain and argv, until a person answers or the pause times out.</summary>
internal sealed class WireDecisions(Policy policy, PendingRegistry registry, PendingScope scope, HeldNotifications held, BlockNotifier notifier,
    AuditRecorder recorder, int agentPid, TextWriter log) : IDisposable
{
    private readonly ExecApprovals _approvals = new(registry, scope);

    /// <summary>The credentials the profiles list, for what a request carries.</summary>
    public AgentShell.Core.Credentials.CredentialTable Credentials => policy.Credentials;

    /// <summary>Stops following the registry's answers.</summary>
    public void Dispose() => _approvals.Dispose();

    /// <summary>The decision for <paramref name="r"/> on <paramref name="s"/>; never throws for a
    /// decision (an error is a refusal under <c>supervisor:decision-error</c>).</summary>
    /// <param name="evaluated">The policy's answer from <see cref="Evaluate"/> when the caller already
    /// asked it (PERF: one evaluation per statement); null to ask here.</param>
    public WireVerdict Decide(WireSession s, WireRequest r, Decision? evaluated = null)
    {
        Decision d;
        try
        {
            d = Shown(evaluated ?? Evaluate(s, r), s, r);
        }
        catch (Exception e)
        {
            // Fail closed: an error in the supervisor never turns into an allow.
            var rule = SupervisorRules.DecisionError;
            log.WriteLine($"agentshell: error deciding {r.Shown} of pid {s.Process.Pid}, refused [rule {rule.Id}]: {e.GetType().Name}: {e.Message}");
            d = rule.About(ShownIntent(s, r), target: r.Intent.Targets.FirstOrDefault(), environment: s.Environment);
            return Refuse(s, d, $"agentshell: refused {d.Intent}: {rule.Reason} [rule {rule.Id}]");
        }
        switch (d.Action)
        {
            case PolicyAction.Allow:
                return new WireVerdict(true, d, "");
            case PolicyAction.Block:
                return Refuse(s, d, $"agentshell: blocked {d.Describe()}: {d.Reason}");
            default:
                return Hold(s, r, d);
        }
    }

    /// <summary>The policy's answer for <paramref name="r"/> in the connection's environment, before
    /// anything is shown, recorded or held; throws what the policy throws (<see cref="Decide"/> refuses then).</summary>
    public Decision Evaluate(WireSession s, WireRequest r) => Evaluate(s, r.Intents, r.Credential);

    /// <summary>As <see cref="Evaluate(WireSession, WireRequest)"/>, on a request's intents and credential.</summary>
    public Decision Evaluate(WireSession s, IReadOnlyList<CommandIntent> intents, AgentShell.Core.Credentials.CredentialMatch? credential)
    {
        // PERF: the intents themselves when every host stands (the common case): no copy.
        var bound = intents;
        for (int i = 0; i < intents.Count; i++)
        {
            var b = Bound(intents[i], s);
            if (ReferenceEquals(b, intents[i]) && ReferenceEquals(bound, intents)) continue;
            if (ReferenceEquals(bound, intents))
            {
                var copy = new List<CommandIntent>(intents.Count);
                for (int k = 0; k < i; k++) copy.Add(intents[k]);
                bound = copy;
            }
            ((List<CommandIntent>)bound).Add(b);
        }
        return policy.DecideIn(bound, s.Environment, credential);
    }

    /// <summary>The intent with each target's host bound to the connection: a host the request
    /// names (the Host field) stands only while the profiles put it in the destination's
    /// environment; otherwise the TLS server name does if it does, else the destination's
    /// address, so a request to a production address that claims another host does not meet that
    /// host's rules. PERF: the intent itself when every host stands (the common case); a target
    /// naming the destination's own address with no server name (a PostgreSQL statement's) would be
    /// bound to that same address, so it stands without asking the environment table.</summary>
    private CommandIntent Bound(CommandIntent intent, WireSession s)
    {
        bool stands = true;
        bool bare = s.ClientTls?.ServerName == null;
        for (int i = 0; i < intent.Targets.Count; i++)
            stands &= intent.Targets[i] is var t && (t.Host == null || bare && t.Host == s.Host || policy.EnvironmentOf(t) == s.Environment);
        if (stands) return intent;
        string address = s.ClientTls?.ServerName is { } sni && policy.EnvironmentOf(new Target { Kind = TargetKind.Url, Host = sni }) == s.Environment
            ? sni : s.Host;
        var targets = new List<Target>(intent.Targets.Count);
        for (int i = 0; i < intent.Targets.Count; i++)
        {
            var t = intent.Targets[i];
            targets.Add(t.Host == null || policy.EnvironmentOf(t) == s.Environment ? t : new Target
            {
                Kind = t.Kind, Scheme = t.Scheme, Host = address, Port = t.Port, Path = t.Path, Database = t.Database, Name = t.Name, Region = t.Region,
            });
        }
        return new CommandIntent { Tool = intent.Tool, Effect = intent.Effect, Targets = targets, Evidence = intent.Evidence, Summary = intent.Summary, Argv = intent.Argv };
    }

    /// <summary>Writes <paramref name="line"/> to <paramref name="pid"/>'s stderr.</summary>
    public void Tell(int pid, string line) => notifier.Write(pid, line);

    private WireVerdict Refuse(WireSession s, Decision d, string line)
    {
        notifier.Write(s.Process.Pid, line);
        recorder.Record(d, s.Process.Pid, s.Process.Cmdline, null, s.Protocol.AuditName(), AuditOutcome.Blocked);
        return new WireVerdict(false, d, line);
    }

    private WireVerdict Hold(WireSession s, WireRequest r, Decision d)
    {
        var p = s.Process;
        string protocol = s.Protocol.AuditName();
        string runKey = $"{p.Exe}\u0001{protocol}\u0001{s.Destination}\u0001{r.Key ?? r.Shown}";
        if (registry.IsApprovedForRun(runKey, scope.Session) || _approvals.Cover(p, d, r, s.Protocol)) return new WireVerdict(true, d, "");
        string joinKey = $"{p.Tgid}\u0001{p.Key.Program}\u0001{protocol}\u0001{s.Destination}\u0001{r.Key ?? r.Shown}";
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The registry answers once: a person, the timeout, or the client gone (it asks whether it still waits).
        ulong id = held.HoldWire(allow => answer.TrySetResult(allow), () => s.ClientConnected);
        var cmdline = p.Cmdline;
        var item = registry.Hold(id, p.Pid, (itemId, now) => new PendingItem
        {
            Id = itemId, Created = now, Deadline = now + registry.Timeout, Pid = p.Pid,
            Chain = ProcessInfo.Chain(p.Pid, agentPid), Cwd = null, Argv = cmdline, Program = p.Exe ?? "?", Decision = d,
            JoinKey = joinKey, RunKey = runKey, Syscall = protocol,
        }, joinKey, scope);
        if (answer.Task.GetAwaiter().GetResult()) return new WireVerdict(true, d, "");
        // The registry wrote the refusal to the process's stderr and recorded the answer.
        return new WireVerdict(false, d, $"agentshell: {PendingRegistry.OutcomeText(item)}: {d.Describe()}: {d.Reason}");
    }

    /// <summary>The decision as a person reads it: the request as shown (tool http, postgres), the
    /// process that sent it, where to, and why the rule exists.</summary>
    private static Decision Shown(Decision d, WireSession s, WireRequest r)
    {
        if (d.Action == PolicyAction.Allow) return d; // PERF: nothing is shown for an allow
        var rule = d.Explanation is { Length: > 0 } e ? " " + e : "";
        return new Decision
        {
            Action = d.Action, RuleId = d.RuleId, Reason = d.Reason, Target = d.Target, Environment = d.Environment, Credential = d.Credential,
            Intent = ShownIntent(s, r),
            Explanation = $"{s.Process.Program} (pid {s.Process.Pid}) sends {r.Shown} to {s.ServerName} ({s.Destination}, {s.Environment}).{(r.Detail is { Length: > 0 } det ? " " + det : "")}{rule}",
        };
    }

    private static CommandIntent ShownIntent(WireSession s, WireRequest r) => new()
    {
        Tool = s.Protocol.AuditName(), Effect = r.Intents.Max(i => i.Effect), Targets = r.Intent.Targets, Evidence = r.Intents.SelectMany(i => i.Evidence).ToList(),
        Summary = r.Shown, Argv = s.Process.Cmdline,
    };
}

/// <summary>Spellings of <see cref="WireProtocolName"/>.</summary>
internal static class WireProtocolNames
{
    /// <summary>"http", "postgres": the tool shown in messages and the audit log's syscall field.</summary>
    internal static string AuditName(this WireProtocolName p) => p == WireProtocolName.Http ? "http" : "postgres";
}
