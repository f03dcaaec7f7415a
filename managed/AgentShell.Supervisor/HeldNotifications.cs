using System.Collections.Concurrent;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Network;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>Answers what the registry holds once a person (or the timeout) decides: a held exec is
/// let go with the trust it was decided with, a root-mode connect held at the gate is proxied or
/// reset, anything else is answered on the listener. Created before the registry (which answers
/// through it) and the handlers (which hold through the registry and record here what an answer
/// needs), so nothing is wired after construction. An answer never throws: whatever fails in it, the
/// notification is refused (or its task killed), never left waiting or continued unchecked.</summary>
internal sealed class HeldNotifications(int listener, TrustLedger trust, VerifiedExecs verified, BlockNotifier notifier, TextWriter log,
    AnswerSender? sender = null) : INotificationResponder
{
    // The kernel's send, or a fault injected by a test.
    private readonly AnswerSender send = sender ?? ((fd, id, error, flags, val) => Send(fd, id, error, flags, val));

    private const int EPERM = 1;

    // Pending ids of gated connects: random 64-bit values, as seccomp's own ids are (they start at a
    // random value), so the two never meet in the registry.
    private readonly ConcurrentDictionary<ulong, GatedConnection> _gated = new();
    // Requests and connections held at the wire: how each is answered, and whether it still waits.
    private readonly ConcurrentDictionary<ulong, (Action<bool> Answer, Func<bool> Waiting)> _wire = new();
    // Held execs: what each one's process may connect to if it is approved, and what it must commit.
    private readonly ConcurrentDictionary<ulong, (string[]? Envs, ExecFiles Files, CommittedExec? Expected, ConfigReads? Reads, bool Runnable)> _execs = new();
    // Held connects (seccomp mode): the socket and the address the person is shown.
    private readonly ConcurrentDictionary<ulong, (int SockFd, byte[] Sockaddr)> _connects = new();

    /// <summary>Remembers what a held exec's process may connect to once approved, and what it must
    /// commit then (null: its decision did not rest on its arguments). <paramref name="runnable"/>: a
    /// refusal of it may be ended at its commit (<see cref="ExecTracer.SeizeRefused"/>).</summary>
    public void HoldExec(ulong notifId, string[]? envs, ExecFiles files, CommittedExec? expected, ConfigReads? reads = null, bool runnable = false) =>
        _execs[notifId] = (envs, files, expected, reads, runnable);

    /// <summary>Remembers the socket and the checked sockaddr of a held connect: if approved, it is
    /// connected there by the supervisor, not continued.</summary>
    public void HoldConnect(ulong notifId, int sockFd, ReadOnlySpan<byte> sockaddr) => _connects[notifId] = (sockFd, sockaddr.ToArray());

    /// <summary>Takes a gated connect; returns the id it is held under.</summary>
    public ulong HoldGated(GatedConnection g)
    {
        ulong id;
        do id = RandomIds.UInt64();
        while (!_gated.TryAdd(id, g));
        return id;
    }

    /// <summary>Holds a request (or connection) of the wire layer; returns the id it is held under.
    /// <paramref name="answer"/> is called once with the outcome; <paramref name="waiting"/> says
    /// whether its client is still there.</summary>
    public ulong HoldWire(Action<bool> answer, Func<bool> waiting)
    {
        ulong id;
        do id = RandomIds.UInt64();
        while (_gated.ContainsKey(id) || !_wire.TryAdd(id, (answer, waiting)));
        return id;
    }

    /// <summary>What an answer implies, put in place before the process is let go (the registry's
    /// Answering event): a connect's answer is remembered for its process and destination.</summary>
    public void ApplyAnswer(PendingItem i)
    {
        bool approved = i.Outcome is PendingOutcome.Approved or PendingOutcome.ApprovedForRun;
        if (i.ConnectKey is { } key && i.Outcome != PendingOutcome.Gone)
            trust.RememberConnect(key, approved, i.ConnectGeneration); // asked once per process and destination
        // An approved exec is let go in Answer, once per held notification (a PATH search or a
        // wrapper's re-exec joins the item and is answered with it).
    }

    /// <inheritdoc/>
    public void Answer(ulong notifId, int pid, bool allow, string? message)
    {
        // This thread seizes the task when the approved exec must be checked, or a refused one is
        // ended at its commit: it is the tracer until the exec commits or fails.
        var tracer = new ExecTracer();
        // Ids of the gate and the wire are no notification of the listener: never answered on it.
        bool onListener = !_gated.ContainsKey(notifId) && !_wire.ContainsKey(notifId), sent = false;
        try
        {
            AnswerHeld(notifId, pid, allow, message, tracer, ref sent);
        }
        catch (Exception ex)
        {
            // Fail closed whatever threw (a write, a seize, a send, a check): never a CONTINUE
            // unverified, never a notification left waiting, never a task left traced.
            Guarded(() => log.WriteLine($"agentshell: error answering a held notification of pid {pid}, refused: {ex.GetType().Name}: {ex.Message}"));
            Guarded(tracer.KillSeized);
            if (_gated.TryRemove(notifId, out var g)) Guarded(() => ConnectGate.Reset(g.Client));
            if (_wire.TryRemove(notifId, out var w)) Guarded(() => w.Answer(false));
            _execs.TryRemove(notifId, out _);
            _connects.TryRemove(notifId, out _);
            if (onListener && !sent) Guarded(() => send(listener, notifId, -EPERM, 0, 0));
        }
    }

    private void Guarded(Action a)
    {
        // After a failure, what is left to do must not fail with it; each step left undone leaves the
        // exec refused (the kernel keeps the task waiting, a seized task stays stopped), and says so.
        try { a(); }
        catch (Exception e)
        {
            try { Console.Error.WriteLine($"agentshell: refusing a held notification: a step failed too: {e.GetType().Name}: {e.Message}"); }
            catch (IOException) { } // stderr gone: nothing left to tell
        }
    }

    private void AnswerHeld(ulong notifId, int pid, bool allow, string? message, ExecTracer tracer, ref bool sent)
    {
        if (!allow && message != null) notifier.Write(pid, message);
        if (_gated.TryRemove(notifId, out var g))
        {
            if (allow) ConnectGate.Proxy(g, log); else ConnectGate.Reset(g.Client);
            return;
        }
        if (_wire.TryRemove(notifId, out var w))
        {
            w.Answer(allow);
            return;
        }
        if (_connects.TryRemove(notifId, out var c) && allow)
        {
            // A CONTINUE would let the kernel re-read a sockaddr that another thread may have
            // rewritten while the item waited: connect to the address the person approved. Off this
            // thread, as a connect to another host waits for its handshake.
            sent = true; // by the work item, whatever happens there
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                int err = EPERM; // answered whatever happens; a failure refuses
                try { err = OnBehalfConnect.Connect(listener, notifId, pid, c.SockFd, c.Sockaddr); }
                catch (Exception ex) { log.WriteLine($"agentshell: approved connect of pid {pid} failed, refused: {ex.Message}"); }
                finally
                {
                    var se = send(listener, notifId, -err, 0, 0);
                    if (se != 0 && se != Errno.ENOENT) log.WriteLine($"agentshell: seccomp send failed: {se}");
                }
            }, null);
            return;
        }
        bool exec = _execs.TryRemove(notifId, out var held);
        if (exec && allow)
        {
            try
            {
                if (held.Expected is { } x && verified.Prepare(tracer, pid, x, TrustLedger.NamesProduction(held.Envs), null, listener, notifId) != 0) allow = false;
                else trust.ExecLetGo(pid, held.Envs, held.Files, held.Expected, reads: held.Reads);
            }
            catch (Exception ex)
            {
                // What the process may connect to could not be recorded: refuse, as a decision would.
                log.WriteLine($"agentshell: error letting pid {pid}'s approved exec go, refused: {ex.Message}");
                allow = false;
            }
        }
        // Denied or timed out: ended at its commit where it can be (the line written above stays in
        // the pipe of a harness that spawned it), else EPERM.
        bool ends = exec && !allow && tracer.SeizeRefused(pid, held.Runnable, listener, notifId);
        var e = allow || ends ? send(listener, notifId, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE, 0) : send(listener, notifId, -EPERM, 0, 0);
        sent = true;
        if (e != 0 && e != Errno.ENOENT) log.WriteLine($"agentshell: seccomp send failed: {e}");
        // Not sent: the seized task still waits in its exec; refused (or killed) so the wait below ends.
        tracer.AnswerNotSent(e, send, listener, notifId, log);
        if (tracer.Ends) tracer.FinishEnding(out _);
        else if (tracer.Active) verified.Complete(tracer);
    }

    /// <inheritdoc/>
    public bool IsStillWaiting(ulong notifId)
    {
        if (_wire.TryGetValue(notifId, out var w))
        {
            if (w.Waiting()) return true;
            if (_wire.TryRemove(notifId, out w)) w.Answer(false);
            return false;
        }
        if (!_gated.TryGetValue(notifId, out var g))
        {
            if (IdValid(listener, notifId)) return true;
            _execs.TryRemove(notifId, out _);
            _connects.TryRemove(notifId, out _);
            return false;
        }
        // The process, not the thread that connected: a thread that made the connect and exited
        // (a pool, a goroutine's thread) leaves a connection its process still uses.
        if (Directory.Exists($"/proc/{g.Tgid}")) return true;
        if (_gated.TryRemove(notifId, out g)) ConnectGate.Reset(g.Client);
        return false;
    }
}
