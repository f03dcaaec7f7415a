using System.Text.Json;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Cli.Watch;

/// <summary>One supervisor `watch` follows: its control socket, a connection that streams its
/// events and one that sends answers.</summary>
internal sealed class WatchedRun(string socket, ControlClient commands, string runId, string command) : IDisposable
{
    internal string Socket { get; } = socket;
    internal ControlClient Commands { get; } = commands;
    internal string RunId { get; } = runId;
    internal string Command { get; } = command;
    internal string Label => $"run {RunId}: {Command}";
    public void Dispose() => Commands.Dispose();
}

/// <summary>A paused request and the run that holds it.</summary>
internal sealed record WatchedItem(JsonElement Item, WatchedRun Run)
{
    internal string Id => Item.Str("id") ?? "?";
}

/// <summary>The runs `watch` follows and their pending items. Pinned to one socket (<c>--socket</c>,
/// <c>$AGENTSHELL_SOCKET</c>) it follows that run until it ends; otherwise it follows every live run
/// in the socket directory, waits when there is none, and picks up each new run as it starts.</summary>
internal sealed class WatchedRuns : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, WatchedRun> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _failed = new(StringComparer.Ordinal); // not a run we can watch, as of its mtime
    private readonly List<WatchedItem> _items = [];
    private readonly string? _pinned;
    private readonly string? _run;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Something to tell the person (a new item, an answer, a run that came or went).</summary>
    internal event Action<string>? Message;
    /// <summary>A new paused item (the bell, and its details without a terminal).</summary>
    internal event Action<WatchedItem>? Paused;
    /// <summary>The items or runs changed (redraw).</summary>
    internal event Action? Changed;
    /// <summary>Set when the pinned run has ended: nothing more can come.</summary>
    internal ManualResetEventSlim Finished { get; } = new();

    /// <param name="pinned">The one socket to follow, or null to follow every live run.</param>
    /// <param name="run">Only this run or daemon session (an id or a unique prefix, `agentshell runs`);
    /// without <paramref name="pinned"/>, its supervisor's socket is followed.</param>
    internal WatchedRuns(string? pinned, string? run = null)
    {
        if (!string.IsNullOrEmpty(run) && pinned == null)
        {
            var live = RunDirectory.Find(run); // throws ControlException when none or several match
            (pinned, run) = (live.Socket, live.Id);
        }
        _pinned = pinned;
        _run = string.IsNullOrEmpty(run) ? null : run;
    }

    internal bool FollowsAll => _pinned == null;

    /// <summary>Connects to the pinned run (throws <see cref="ControlException"/> when it is not
    /// there), or starts looking for runs.</summary>
    internal void Start()
    {
        if (_pinned != null)
        {
            Follow(_pinned, throwOnError: true);
            return;
        }
        new Thread(Discover) { IsBackground = true, Name = "watch-discover" }.Start();
    }

    internal IReadOnlyList<WatchedRun> Runs { get { lock (_gate) return [.. _runs.Values]; } }
    internal IReadOnlyList<WatchedItem> Items { get { lock (_gate) return [.. _items]; } }

    /// <summary>The item <paramref name="id"/> names (an id or a unique prefix), or why none.</summary>
    internal WatchedItem? Find(string id, out string? error)
    {
        lock (_gate)
        {
            var exact = _items.Where(i => i.Id == id).ToList();
            var found = exact.Count > 0 ? exact : _items.Where(i => i.Id.StartsWith(id, StringComparison.Ordinal)).ToList();
            error = found.Count switch { 0 => $"nothing waiting is called '{id}'", 1 => null, _ => $"'{id}' names {found.Count} requests; give more of the id" };
            return found.Count == 1 ? found[0] : null;
        }
    }

    private void Discover()
    {
        while (!_stop.IsCancellationRequested)
        {
            string[] sockets;
            try { sockets = Directory.GetFiles(SocketPaths.Directory(), "*.sock"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                sockets = [];
                Message?.Invoke($"cannot look for runs: {e.Message}");
            }
            foreach (var s in sockets)
            {
                bool known;
                // A socket that could not be followed is tried again once it is made anew.
                lock (_gate) known = _runs.ContainsKey(s) || _failed.TryGetValue(s, out var at) && at == MTime(s);
                if (!known) Follow(s, throwOnError: false);
            }
            _stop.Token.WaitHandle.WaitOne(Poll);
        }
    }

    private void Follow(string socket, bool throwOnError)
    {
        ControlClient? events = null, commands = null;
        try
        {
            events = ControlClient.Connect(socket, _run);
            commands = ControlClient.Connect(events.Path, _run);
            var hello = commands.Request("hello");
            var command = hello.GetProperty("command").EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
            var run = new WatchedRun(events.Path, commands, hello.Str("runId") ?? "?", DecisionText.Argv(command));
            events.Request("watch");
            lock (_gate) _runs[socket] = run;
            Message?.Invoke($"watching {run.Label}");
            Changed?.Invoke();
            var reader = events;
            new Thread(() => ReadEvents(socket, run, reader)) { IsBackground = true, Name = "watch-events" }.Start();
            // Pinned to one session of a daemon: the socket outlives the session, so ask after it.
            if (_pinned != null && _run != null && _run != run.RunId)
                new Thread(() => WaitForSessionEnd(run.Socket, _run)) { IsBackground = true, Name = "watch-session" }.Start();
        }
        catch (ControlException)
        {
            events?.Dispose();
            commands?.Dispose();
            if (throwOnError) throw;
            // A stale socket, a daemon's own socket, one that refused us (another user, the tree).
            lock (_gate) _failed[socket] = MTime(socket);
        }
    }

    /// <summary>Ends a watch pinned to a daemon session once the daemon no longer lists it.</summary>
    private void WaitForSessionEnd(string socket, string session)
    {
        while (!_stop.IsCancellationRequested && !Finished.IsSet)
        {
            _stop.Token.WaitHandle.WaitOne(Poll);
            bool live;
            try
            {
                using var c = ControlClient.Connect(socket);
                var hello = c.Request("hello");
                live = hello.TryGetProperty("sessions", out var ss) && ss.ValueKind == JsonValueKind.Array
                    && ss.EnumerateArray().Any(x => x.Str("id") == session);
            }
            catch (ControlException)
            {
                return; // the daemon itself is gone: its events connection ends the watch
            }
            if (live) continue;
            Message?.Invoke($"session {session} has ended");
            Finished.Set();
            return;
        }
    }

    private static DateTime MTime(string path)
    {
        try { return File.GetLastWriteTimeUtc(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return default; }
    }

    private void ReadEvents(string socket, WatchedRun run, ControlClient events)
    {
        using (events)
        {
            while (events.ReadMessage() is JsonElement m)
            {
                if (m.Str("event") is not string kind || !m.TryGetProperty("item", out var item)) continue;
                var w = new WatchedItem(item.Clone(), run);
                lock (_gate)
                {
                    _items.RemoveAll(i => i.Run == run && i.Id == w.Id);
                    if (kind == "paused") _items.Add(w);
                }
                if (kind == "paused")
                {
                    Message?.Invoke($"new: {w.Id} {DecisionText.Text(item.Str("summary"))}");
                    Paused?.Invoke(w);
                }
                else Message?.Invoke($"{w.Id}: {item.Str("outcome")}{(item.Str("answeredBy") is string by ? " by " + by : "")}");
                Changed?.Invoke();
            }
        }
        lock (_gate)
        {
            _runs.Remove(socket);
            _items.RemoveAll(i => i.Run == run);
        }
        run.Dispose();
        Message?.Invoke(_pinned != null ? "the supervised run has ended" : $"{run.Label} has ended");
        Changed?.Invoke();
        if (_pinned != null) Finished.Set();
    }

    public void Dispose()
    {
        _stop.Cancel();
        lock (_gate) foreach (var r in _runs.Values) r.Dispose();
    }
}
