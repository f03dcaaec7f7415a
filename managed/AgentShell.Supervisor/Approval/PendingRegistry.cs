using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Approval;

/// <summary>Answers held notifications; implemented by the notification loop.</summary>
public interface INotificationResponder
{
    /// <summary>Answers one held notification: continue it, or fail it with EPERM after writing
    /// <paramref name="message"/> to the process's stderr.</summary>
    void Answer(ulong notifId, int pid, bool allow, string? message);

    /// <summary>True while the notification is still waiting (its process has not died).</summary>
    bool IsStillWaiting(ulong notifId);
}

/// <summary>The paused requests of one run. A paused notification is parked here and the
/// receiving thread goes back to the kernel; the answer comes from a person (approve/deny over
/// the control socket), from the timeout, or from the process dying.</summary>
public sealed class PendingRegistry : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PendingItem> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingItem> _recent = new(StringComparer.Ordinal); // by scoped JoinKey, answered
    private readonly HashSet<string> _approvedForRun = new(StringComparer.Ordinal); // scoped RunKeys
    private readonly INotificationResponder? _responder;
    private readonly PauseSettings _settings;
    private readonly TimeProvider _clock;
    private bool _disposed;
    private Timer? _timer; // made with the first pause (PERF: the runtime's timer thread costs every run's start)
    private int _nextSeed = Random.Shared.Next(0x100, 0xfff);

    /// <summary>Raised when a new item starts waiting.</summary>
    public event Action<PendingItem>? Paused;
    /// <summary>Raised when an item's outcome is set, before its held syscalls are answered (so
    /// what an approval implies is in place before the process goes on).</summary>
    public event Action<PendingItem>? Answering;
    /// <summary>Raised when an item is answered (approved, denied, timed out, process gone), after
    /// <see cref="Answering"/> and before its held syscalls are answered.</summary>
    public event Action<PendingItem>? Resolved;

    /// <summary>How long a same-key request after an answer gets that answer again (a PATH search
    /// tries the next directory after a deny).</summary>
    public static readonly TimeSpan RejoinWindow = TimeSpan.FromSeconds(5);

    /// <summary>Creates a registry whose items are all answered by <paramref name="responder"/>;
    /// <paramref name="clock"/> is a seam for tests.</summary>
    public PendingRegistry(INotificationResponder responder, PauseSettings settings, TimeProvider? clock = null)
        : this(settings, clock, responder) { }

    /// <summary>Creates a registry shared by several trees: each item is held with the
    /// <see cref="PendingScope"/> of its tree, which answers it.</summary>
    public PendingRegistry(PauseSettings settings, TimeProvider? clock = null) : this(settings, clock, null) { }

    private PendingRegistry(PauseSettings settings, TimeProvider? clock, INotificationResponder? responder)
    {
        _responder = responder;
        _settings = settings;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The pause settings in force (the profile's <c>Pause</c> section).</summary>
    public PauseSettings Settings => _settings;

    /// <summary>How long a pause waits.</summary>
    public TimeSpan Timeout => TimeSpan.FromSeconds(_settings.TimeoutSeconds);

    /// <summary>Items still waiting, oldest first.</summary>
    public IReadOnlyList<PendingItem> Pending
    {
        get { lock (_gate) return _items.Values.OrderBy(i => i.Created).ToList(); }
    }

    /// <summary>Items of one run or session still waiting, oldest first (all of them for null).</summary>
    public IReadOnlyList<PendingItem> PendingIn(string? session)
    {
        lock (_gate) return _items.Values.Where(i => session == null || i.Session == session).OrderBy(i => i.Created).ToList();
    }

    /// <summary>True when an identical command and target was approved for the rest of the run (of
    /// <paramref name="session"/>, when the registry is shared).</summary>
    public bool IsApprovedForRun(string runKey, string? session = null)
    {
        lock (_gate) return _approvedForRun.Contains(Scoped(session, runKey));
    }

    // Keys of different trees never meet: the session id is part of every key.
    private static string Scoped(string? session, string key) => session == null ? key : session + "\u0002" + key;

    /// <summary>Parks a paused notification. A request with the same join key as a waiting item of
    /// its tree joins it; one just answered gets the same answer at once. Returns the item it
    /// belongs to. <paramref name="scope"/>: its tree, when the registry is shared.</summary>
    public PendingItem Hold(ulong notifId, int pid, Func<string, DateTimeOffset, PendingItem> create, string joinKey, PendingScope? scope = null)
    {
        PendingItem? item;
        PendingItem? answeredTwin = null;
        bool isNew = false;
        var responder = scope?.Responder ?? _responder
            ?? throw new InvalidOperationException("a shared registry holds items only with their scope");
        string key = Scoped(scope?.Session, joinKey);
        lock (_gate)
        {
            item = _items.Values.FirstOrDefault(i => i.JoinKey == joinKey && i.Session == scope?.Session);
            if (item == null && _recent.TryGetValue(key, out var r) && _clock.GetUtcNow() - r.Answered < RejoinWindow)
                answeredTwin = r;
            if (item == null && answeredTwin == null)
            {
                string id = NewId();
                item = create(id, _clock.GetUtcNow());
                item.Scope = scope;
                _items[id] = item;
                isNew = true;
                if (_timer == null && !_disposed) _timer = new Timer(_ => SafeTick(), null, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));
            }
            item?.Hold(notifId, pid);
        }
        if (answeredTwin != null)
        {
            bool allow = answeredTwin.Outcome is PendingOutcome.Approved or PendingOutcome.ApprovedForRun;
            // A refusal says why on this request's stderr too, as the item's own did: it may be another
            // thread's, or come after the agent read the first line.
            AnswerOne(responder, notifId, pid, allow, allow ? null : Message(answeredTwin, answeredTwin.Outcome, answeredTwin.Answered ?? _clock.GetUtcNow()));
            return answeredTwin;
        }
        if (isNew) Paused?.Invoke(item!);
        return item!;
    }

    /// <summary>Approves an item (by id or unique id prefix; of <paramref name="session"/> only, when
    /// given). Returns an error text or null.</summary>
    public string? Approve(string id, bool forRun, string by, string? session = null) =>
        Answer(id, forRun ? PendingOutcome.ApprovedForRun : PendingOutcome.Approved, by, null, session);

    /// <summary>Denies an item. Returns an error text or null.</summary>
    public string? Deny(string id, string by, string? reason, string? session = null) => Answer(id, PendingOutcome.Denied, by, reason, session);

    /// <summary>A tree has gone: its items end as <see cref="PendingOutcome.Gone"/> (nothing of it is
    /// left to answer) and nothing it was approved for outlives it.</summary>
    public void EndSession(string session)
    {
        // PERF: a run that paused nothing ends here. The queries below resolve their generic
        // methods at first use (NativeAOT's type loader), ~0.7 ms of every run's exit.
        lock (_gate) if (_items.Count == 0 && _recent.Count == 0 && _approvedForRun.Count == 0) return;
        foreach (var item in PendingIn(session)) Finish(item, PendingOutcome.Gone, null, null);
        lock (_gate)
        {
            _approvedForRun.RemoveWhere(k => k.StartsWith(session + "\u0002", StringComparison.Ordinal));
            foreach (var k in _recent.Where(kv => kv.Value.Session == session).Select(kv => kv.Key).ToList()) _recent.Remove(k);
        }
    }

    private string? Answer(string id, PendingOutcome outcome, string by, string? reason, string? session)
    {
        PendingItem? item;
        lock (_gate)
        {
            var matches = _items.Values.Where(i => i.Id.StartsWith(id, StringComparison.OrdinalIgnoreCase) && (session == null || i.Session == session)).ToList();
            if (matches.Count == 0) return RecentById(id) is PendingItem done
                ? $"item {done.Id} was already answered ({OutcomeText(done)})"
                : $"no pending item '{id}' (agentshell pending lists them)";
            if (matches.Count > 1) return $"'{id}' is ambiguous: {string.Join(", ", matches.Select(m => m.Id))}";
            item = matches[0];
        }
        Finish(item, outcome, by, reason);
        return null;
    }

    private PendingItem? RecentById(string id)
    {
        return _recent.Values.FirstOrDefault(i => i.Id.Equals(id, StringComparison.OrdinalIgnoreCase));
    }

    private void Finish(PendingItem item, PendingOutcome outcome, string? by, string? reason)
    {
        var now = _clock.GetUtcNow();
        var held = item.Resolve(outcome, by, reason, now);
        if (held == null) return; // answered by someone else first
        lock (_gate)
        {
            _items.Remove(item.Id);
            _recent[Scoped(item.Session, item.JoinKey)] = item;
            if (outcome == PendingOutcome.ApprovedForRun) _approvedForRun.Add(Scoped(item.Session, item.RunKey));
        }
        bool allow = outcome is PendingOutcome.Approved or PendingOutcome.ApprovedForRun;
        Answering?.Invoke(item);
        // Recorded before the held syscalls are answered: once answered the tree may end and the
        // run exit at once, and the answer must be in the audit log by then.
        Resolved?.Invoke(item);
        string? message = allow ? null : Message(item, outcome, now);
        var responder = ResponderOf(item);
        foreach (var (notif, pid) in held) AnswerOne(responder, notif, pid, allow, message);
    }

    /// <summary>One held notification answered; an exception from a responder (its own answer fails
    /// closed, HeldNotifications) ends neither the caller (the pause timer, a control connection)
    /// nor the answers to the item's other notifications.</summary>
    private static void AnswerOne(INotificationResponder responder, ulong notif, int pid, bool allow, string? message)
    {
        try { responder.Answer(notif, pid, allow, message); }
        catch (Exception e) { Console.Error.WriteLine($"agentshell: answering a held notification of pid {pid}: {e.GetType().Name}: {e.Message}"); }
    }

    private void SafeTick()
    {
        // An exception in a timer callback would end the process; the next tick tries again.
        try { Tick(); }
        catch (Exception e) { Console.Error.WriteLine($"agentshell: pause timer: {e.GetType().Name}: {e.Message}"); }
    }

    private void Tick()
    {
        var now = _clock.GetUtcNow();
        foreach (var item in Pending)
        {
            if (now >= item.Deadline)
            {
                var outcome = _settings.OnTimeout == PolicyAction.Allow ? PendingOutcome.Approved : PendingOutcome.TimedOut;
                Finish(item, outcome, _settings.OnTimeout == PolicyAction.Allow ? "timeout (Pause.OnTimeout: allow)" : null, null);
                continue;
            }
            // A process killed while held: its notification is gone; drop it, and the item with it.
            foreach (var (notif, _) in item.Held())
            {
                if (!ResponderOf(item).IsStillWaiting(notif)) item.Drop(notif);
            }
            if (item.Held().Count == 0) Finish(item, PendingOutcome.Gone, null, null);
        }
        lock (_gate)
        {
            foreach (var k in _recent.Where(kv => now - kv.Value.Answered > RejoinWindow).Select(kv => kv.Key).ToList()) _recent.Remove(k);
        }
    }

    private INotificationResponder ResponderOf(PendingItem i) => i.Scope?.Responder ?? _responder!;

    /// <summary>Runs the timeout check now (tests drive a fake clock).</summary>
    internal void TickNow() => Tick();

    private static string Message(PendingItem item, PendingOutcome outcome, DateTimeOffset now)
    {
        long secs = (long)Math.Round((now - item.Created).TotalSeconds);
        string what = item.Decision.Describe();
        return outcome switch
        {
            PendingOutcome.Denied => $"agentshell: denied by {item.AnsweredBy} after {secs}s: {what}{(item.DenyReason is { Length: > 0 } r ? " — " + r : "")}",
            PendingOutcome.TimedOut => $"agentshell: no answer in {(long)(item.Deadline - item.Created).TotalSeconds}s: {what}",
            _ => $"agentshell: refused: {what}",
        };
    }

    /// <summary>Human text of an outcome.</summary>
    public static string OutcomeText(PendingItem i) => i.Outcome switch
    {
        PendingOutcome.Approved => $"approved by {i.AnsweredBy}",
        PendingOutcome.ApprovedForRun => $"approved for the rest of the run by {i.AnsweredBy}",
        PendingOutcome.Denied => $"denied by {i.AnsweredBy}",
        PendingOutcome.TimedOut => "timed out",
        PendingOutcome.Gone => "process gone",
        _ => "pending",
    };

    private string NewId()
    {
        // Short and unambiguous: 3 hex digits, longer only on a clash with a live or recent id.
        for (int len = 3; ; len++)
        {
            string id = (_nextSeed = (_nextSeed * 1103515245 + 12345) & 0x7fffffff).ToString("x8")[..len];
            if (!_items.Keys.Any(k => k.StartsWith(id, StringComparison.Ordinal) || id.StartsWith(k, StringComparison.Ordinal)) &&
                RecentById(id) == null) return id;
        }
    }

    /// <summary>Stops the timer.</summary>
    public void Dispose()
    {
        lock (_gate) { _disposed = true; _timer?.Dispose(); }
    }
}
