using AgentShell.Core.Audit;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Wire;

/// <summary>Today's decision for a terminated connection whose protocol the wire layer does not
/// decide (not recognised, switched off, pinned, or a client that does not trust the run CA): the
/// connect is let through when its exec was understood and named production (settled when it
/// connected) or an earlier answer allows it; otherwise it is an unknown client
/// (<c>network:unknown-client-to-production</c>): allowed, refused, or held for a person.</summary>
internal sealed class WireFallback(TrustLedger trust, UnknownClients unknown, HeldNotifications held, BlockNotifier notifier, AuditRecorder recorder)
{
    /// <summary>True when the connection may be forwarded as it is; waits while a person decides.
    /// Every caller forwards bytes the wire does not decide (a client that refused the run CA, a
    /// pinned host, a protocol it does not speak). When a file the process's exec decision read has
    /// changed since, the tool may have read another one than the decision did (a ~/.curlrc swapped
    /// to its own CA and a DELETE after it: ConfigRaceOverTlsTests): its exec's trust, and the
    /// answers remembered from it, do not count, and the connection is decided as an unknown
    /// client's (supervisor:config-changed).</summary>
    public bool Allows(WireConnection c)
    {
        var p = c.Client;
        bool changed = !trust.Processes.ReadsUnchanged(p.Tgid, p.Pid, out string? what);
        if (!changed)
        {
            switch (p.Settled)
            {
                // Settled on its exec's trust when it connected: only while its code is the run's (a
                // library written in place since: LibraryInPlaceTests); otherwise an unknown client's.
                case TrustLedger.Settled.Allowed when !trust.Processes.TryGetConnect(p.Key, out _) && !trust.CodeUnchanged(p.Tgid, out string? why):
                    return Decide(c, false, null, why);
                case TrustLedger.Settled.Allowed: return true;
                case TrustLedger.Settled.Refused: return false; // told when it was decided
            }
            // An answer given since it connected (another connection of the same program, approved).
            if (trust.Processes.TryGetConnect(p.Key, out bool known)) return known;
        }
        return Decide(c, changed, what);
    }

    private bool Decide(WireConnection c, bool changed, string? what, string? codeChanged = null)
    {
        var p = c.Client;
        byte[] address = c.Destination.Address.GetAddressBytes();
        var d = unknown.Decide(p.Tgid, address, c.Destination.Port, c.Environment, p.Exe, out var cmdline, out var target,
            why: changed ? SupervisorRules.ConfigChanged : codeChanged != null ? SupervisorRules.LibraryChanged : null, detail: codeChanged);
        if (changed) notifier.Write(p.Pid, $"agentshell: {p.Program}'s connection to {c.Host} ({c.Destination}): {what} changed after its exec was decided [rule {d.RuleId}]");
        switch (d.Action)
        {
            case PolicyAction.Allow:
                trust.RememberConnect(p.Key, true, p.Generation);
                return true;
            case PolicyAction.Pause:
                var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                ulong id = held.HoldWire(allow => answer.TrySetResult(allow), () => WireSockets.IsOpen(c.Socket));
                unknown.Hold(id, p.Pid, p.Tgid, d, cmdline, p.Exe, target, p.Key, p.Generation);
                return answer.Task.GetAwaiter().GetResult(); // this connection's own thread waits
            default:
                trust.RememberConnect(p.Key, false, p.Generation);
                notifier.Write(p.Pid, $"agentshell: blocked {d.Describe()}: {d.Reason}");
                recorder.Record(d, p.Pid, cmdline, null, AuditSyscall.Connect, AuditOutcome.Blocked);
                return false;
        }
    }
}
