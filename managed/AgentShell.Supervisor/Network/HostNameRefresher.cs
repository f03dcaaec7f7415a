using System.Net;
using System.Runtime.CompilerServices;

namespace AgentShell.Supervisor.Network;

/// <summary>Keeps the addresses of profile host names known, for <see cref="AddressEnvironments"/>.
/// <para>Names are resolved by <see cref="Start"/> (each name bounded by <see cref="ResolveTimeout"/>,
/// all in parallel) and then again off the hot path, each on its own DNS TTL. The addresses come
/// from the system resolver (it honours <c>/etc/hosts</c> and nsswitch), which does not expose TTLs,
/// so alongside each resolution <see cref="DnsTtl"/> asks the nameservers of <c>/etc/resolv.conf</c>
/// for the TTL; it only decides when the name is resolved again, and never holds the addresses
/// back. A name is due again after its TTL clamped to [<see cref="MinRefreshInterval"/>,
/// <see cref="RefreshInterval"/>]; a name without one (only in <c>/etc/hosts</c>, no DNS answer, a
/// failed resolution) after <see cref="RefreshInterval"/>. One timer ticks at the earliest due name
/// and only due names are resolved.</para>
/// <para>A failed resolution keeps the name's last known addresses (fail closed: a DNS hiccup never
/// turns a production address into <c>unknown</c>); an address a successful resolution no longer
/// returns is kept for the rest of the run, so round-robin pools that answer with a subset stay
/// covered, and a tree that edits /etc/hosts (as root) cannot take a production address out.</para></summary>
internal sealed class HostNameRefresher : IDisposable
{
    /// <summary>The longest wait before a name is resolved again: the cap on its DNS TTL, and the
    /// interval of a name without one.</summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(60);

    /// <summary>The shortest wait before a name is resolved again, whatever its TTL (0 s TTLs are
    /// common behind load balancers; resolving every second would be load, not safety).</summary>
    internal static readonly TimeSpan MinRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long one name may take to resolve before it counts as failed.</summary>
    internal static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);

    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly Func<string, CancellationToken, Task<TimeSpan?>> _ttl;
    private readonly TimeProvider _clock;
    private readonly NameState[] _names;
    private readonly Action<IEnumerable<(string Name, IReadOnlyCollection<Address16> Addresses)>> _apply;
    private readonly Action _published;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private ITimer? _timer;
    private int _backgroundRefreshing;
    private Task? _first;
    private volatile bool _ready;

    /// <param name="names">The exact host names to resolve.</param>
    /// <param name="resolve">Name → addresses.</param>
    /// <param name="ttl">Name → DNS TTL, or null when there is none.</param>
    /// <param name="clock">Drives the refresh timer.</param>
    /// <param name="apply">Given every name's known addresses after each resolution, under this
    /// object's lock (so no I/O): publishes the table built from them.</param>
    /// <param name="published">Told after a table is published once the first resolution is done.</param>
    internal HostNameRefresher(IEnumerable<string> names, Func<string, CancellationToken, Task<IPAddress[]>> resolve,
        Func<string, CancellationToken, Task<TimeSpan?>> ttl, TimeProvider clock,
        Action<IEnumerable<(string Name, IReadOnlyCollection<Address16> Addresses)>> apply, Action published)
    {
        _resolve = resolve;
        _ttl = ttl;
        _clock = clock;
        _apply = apply;
        _published = published;
        long created = _clock.GetTimestamp();
        _names = [.. names.Select(n => new NameState(n, created))];
    }

    /// <summary>True once the first resolution is done (or there are no names).</summary>
    internal bool IsReady => _ready || _names.Length == 0;

    /// <summary>Names that have no known address (never resolved successfully).</summary>
    internal IReadOnlyList<string> Unresolved
    {
        get
        {
            lock (_lock) return _names.Where(n => n.Seen.Count == 0).Select(n => n.Name).ToArray();
        }
    }

    /// <summary>Resolves every name now (blocking, bounded by <see cref="ResolveTimeout"/> per name,
    /// all in parallel), then starts the background refresh, each name on its TTL.</summary>
    internal void Start()
    {
        RefreshNow();
        _ready = true;
        StartTimer();
    }

    /// <summary>Resolves every name once and publishes the result; returns when done (bounded by
    /// <see cref="ResolveTimeout"/>). Each name's next refresh counts from here.</summary>
    internal void RefreshNow()
    {
        RefreshAsync(onlyDue: false, waitForTtls: false, _stop.Token).GetAwaiter().GetResult();
        Schedule();
    }

    /// <summary>Like <see cref="Start"/>, but returns at once: the first resolution runs in the
    /// background, and <see cref="WaitUntilReady"/> waits for it.</summary>
    /// <param name="warn">Told, once, which names have no known address.</param>
    internal void StartInBackground(Action<string>? warn)
    {
        // The timer first, so the first resolution's schedule lands on it.
        StartTimer();
        if (_names.Length == 0)
        {
            // PERF: nothing to resolve: what the background task would do, done here. Task.Run
            // starts the thread pool's worker and gate threads, and Thread.Start spins until they run.
            _ready = true;
            OnPublished();
            return;
        }
        _first = Task.Run(async () =>
        {
            try { await RefreshAsync(onlyDue: false, waitForTtls: false, _stop.Token).ConfigureAwait(false); }
            catch (Exception e) { warn?.Invoke($"agentshell: resolving profile host names failed: {e.Message}"); }
            finally { _ready = true; }
            Schedule();
            OnPublished();
            // A name without an address cannot be recognised at connect(): say so, since connects
            // to it by address are then decided as if it were not listed.
            if (Unresolved is { Count: > 0 } names)
                warn?.Invoke($"agentshell: {names.Count} profile host name(s) do not resolve here ({string.Join(", ", names)}): connects to their addresses are not recognised; commands naming them are still parsed");
        });
    }

    /// <summary>Waits (at most about the resolve timeout) until the first background resolution is done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WaitUntilReady()
    {
        // PERF: one volatile read once the first resolution is done.
        if (!_ready) WaitForFirst();
    }

    private void WaitForFirst()
    {
        if (_first is { } first) first.Wait(ResolveTimeout + TimeSpan.FromSeconds(1));
    }

    /// <summary>Stops the background refresh.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel(); // not disposed: a refresh in flight may still read its token
        lock (_lock) _timer?.Dispose();
    }

    private void StartTimer()
    {
        lock (_lock)
        {
            // The period is a backstop: every refresh moves the timer to the next due name, so it
            // only fires if that never happened; either way no name waits past the cap for long.
            if (_names.Length > 0 && !_stop.IsCancellationRequested)
                _timer ??= _clock.CreateTimer(static s => ((HostNameRefresher)s!).OnTimer(), this, NextDue(), RefreshInterval);
        }
    }

    /// <summary>Moves the timer to the earliest due name. Never throws: if the move fails, the
    /// backstop period still ticks.</summary>
    private void Schedule()
    {
        lock (_lock)
        {
            if (_timer == null || _stop.IsCancellationRequested) return;
            try { _timer.Change(NextDue(), RefreshInterval); }
            catch (Exception) { } // a custom TimeProvider's timer: the backstop still ticks
        }
    }

    private TimeSpan NextDue()
    {
        long now = _clock.GetTimestamp();
        var next = RefreshInterval;
        foreach (var n in _names)
        {
            var left = n.Interval - _clock.GetElapsedTime(n.ResolvedAt, now);
            if (left < next) next = left;
        }
        // Whole milliseconds, rounded up: timers count in them, and one rounded down fires just
        // before the name is due, finds nothing to do and spins.
        return next <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Ceiling(next.TotalMilliseconds));
    }

    private void OnTimer()
    {
        // A refresh in flight reschedules when it ends, so a tick skipped here is not lost.
        if (Interlocked.Exchange(ref _backgroundRefreshing, 1) == 1) return;
        _ = BackgroundRefreshAsync();
    }

    private async Task BackgroundRefreshAsync()
    {
        try
        {
            await RefreshAsync(onlyDue: true, waitForTtls: true, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Disposed, or an unexpected failure: the published table stays as it was (fail
            // closed), and the next tick tries again. Nothing here may take the supervisor down.
        }
        finally
        {
            Volatile.Write(ref _backgroundRefreshing, 0);
            Schedule();
        }
    }

    /// <summary>Resolves the names (all, or the due ones) and publishes their addresses; their TTLs
    /// are asked alongside but never hold the addresses back (a name only in /etc/hosts must not
    /// wait on an unreachable nameserver): they set the schedule when they arrive, awaited here
    /// only when <paramref name="waitForTtls"/>.</summary>
    private async Task RefreshAsync(bool onlyDue, bool waitForTtls, CancellationToken stop)
    {
        if (_names.Length == 0) return;
        NameState[] due;
        lock (_lock)
        {
            long now = _clock.GetTimestamp();
            due = onlyDue ? [.. _names.Where(n => _clock.GetElapsedTime(n.ResolvedAt, now) >= n.Interval)] : _names;
        }
        if (due.Length == 0) return; // an early tick: Schedule moves the timer to the real due time
        // Resolution runs without any lock; only applying the answers takes one (no I/O under it).
        var ttls = due.Select(n => TtlAsync(n.Name, stop)).ToArray();
        var answers = await Task.WhenAll(due.Select(n => ResolveAsync(n.Name, stop))).ConfigureAwait(false);
        stop.ThrowIfCancellationRequested();
        long resolvedAt = _clock.GetTimestamp();
        var rounds = new long[due.Length];
        lock (_lock)
        {
            for (int i = 0; i < due.Length; i++) rounds[i] = due[i].Apply(answers[i], resolvedAt);
            _apply(_names.Select(n => (n.Name, (IReadOnlyCollection<Address16>)n.Seen)));
        }
        if (_ready) OnPublished();
        var scheduled = ApplyTtlsAsync(due, rounds, ttls);
        if (waitForTtls) await scheduled.ConfigureAwait(false);
    }

    /// <summary>Sets each name's wait from its TTL once it arrives, then moves the timer. Never throws.</summary>
    private async Task ApplyTtlsAsync(NameState[] names, long[] rounds, Task<TimeSpan?>[] ttls)
    {
        var answers = await Task.WhenAll(ttls).ConfigureAwait(false);
        lock (_lock)
        {
            for (int i = 0; i < names.Length; i++)
            {
                if (answers[i] is { } ttl) names[i].SetTtl(rounds[i], ttl);
            }
        }
        Schedule();
    }

    private async Task<TimeSpan?> TtlAsync(string name, CancellationToken stop)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(ResolveTimeout);
            return await _ttl(name, timeout.Token).WaitAsync(ResolveTimeout, stop).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return null; // no TTL (or disposed): the longest interval; never faults, as nothing may await it
        }
    }

    private async Task<IPAddress[]?> ResolveAsync(string name, CancellationToken stop)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(ResolveTimeout);
            // WaitAsync bounds a resolver that ignores its token (getaddrinfo cannot be interrupted).
            var addresses = await _resolve(name, timeout.Token).WaitAsync(ResolveTimeout, stop).ConfigureAwait(false);
            return addresses is { Length: > 0 } ? addresses : null;
        }
        catch (Exception) when (!stop.IsCancellationRequested)
        {
            return null; // NXDOMAIN, timeout, resolver failure: keep what we knew
        }
    }

    private void OnPublished()
    {
        try { _published(); }
        catch (Exception)
        {
            // The kernel keeps the previous prefixes (still guarded); the next refresh tries again.
        }
    }

    /// <summary>One profile host name: the addresses it resolved to, and when it is resolved again.</summary>
    private sealed class NameState(string name, long created)
    {
        internal string Name { get; } = name;
        internal HashSet<Address16> Seen { get; } = []; // every address seen this run (never dropped)

        /// <summary>Clock timestamp (monotonic: a wall-clock step cannot stall the refresh) of the last resolution.</summary>
        internal long ResolvedAt { get; private set; } = created;

        /// <summary>How long after <see cref="ResolvedAt"/> the name is due.</summary>
        internal TimeSpan Interval { get; private set; } = RefreshInterval;

        private long _round;
        private bool _resolved;

        /// <summary>Records one resolution; returns its round, which its TTL must name.</summary>
        internal long Apply(IPAddress[]? answer, long resolvedAt)
        {
            ResolvedAt = resolvedAt;
            Interval = RefreshInterval; // until this round's TTL arrives
            _resolved = answer != null;
            ++_round;
            if (answer == null) return _round; // failed: keep every known address
            Span<byte> bytes = stackalloc byte[16];
            foreach (var ip in answer)
            {
                if (ip.TryWriteBytes(bytes, out int n)) Seen.Add(Address16.From(bytes[..n]));
            }
            return _round;
        }

        /// <summary>The wait after round <paramref name="round"/>: its TTL, clamped. A TTL only counts
        /// with the addresses it describes (a failure waits the longest), and only for its own round
        /// (a late answer must not reschedule a newer resolution).</summary>
        internal void SetTtl(long round, TimeSpan ttl)
        {
            if (round != _round || !_resolved) return;
            Interval = ttl < MinRefreshInterval ? MinRefreshInterval : ttl > RefreshInterval ? RefreshInterval : ttl;
        }
    }
}
