using System.Buffers.Binary;
using System.Net;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Network;

/// <summary>Which environment an IP address belongs to, for the connect decision (the kernel hands
/// the supervisor a sockaddr, not a name).
/// <para>Sources: every profile <c>Hosts</c> entry that is an IP literal or CIDR (optionally with
/// <c>:port</c>) matches directly; every exact host name is resolved to all its A/AAAA addresses
/// and each of them belongs to the name's environment. <c>*.</c> globs cannot be resolved and do
/// not take part. Loopback (127/8, ::1) is <c>local</c> unless a profile lists it; anything else
/// is <c>unknown</c>.</para>
/// <para>Precedence, as the policy's host table: an exact address (literal or resolved name) beats
/// any CIDR, a longer prefix beats a shorter one, a port-qualified entry beats a portless one, a
/// later layer beats an earlier one, and within one layer the entry listed later wins.</para>
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
/// covered, and a tree that edits /etc/hosts (as root) cannot take a production address out.</para>
/// <para>Limit: the decision is on the address, so a production service behind a shared CDN or
/// load-balancer address cannot be told apart from the other services on that address.</para></summary>
public sealed class AddressEnvironments : IAddressEnvironments, IDisposable
{
    /// <summary>The longest wait before a name is resolved again: the cap on its DNS TTL, and the
    /// interval of a name without one.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(60);

    /// <summary>The shortest wait before a name is resolved again, whatever its TTL (0 s TTLs are
    /// common behind load balancers; resolving every second would be load, not safety).</summary>
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long one name may take to resolve before it counts as failed.</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);


    /// <summary>Environment of loopback addresses no profile lists.</summary>
    public const string Local = "local";

    /// <summary>Environment of addresses no profile lists.</summary>
    public const string Unknown = "unknown";

    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly Func<string, CancellationToken, Task<TimeSpan?>> _ttl;
    private readonly TimeProvider _clock;
    private readonly List<Candidate> _literals = [];
    private readonly List<NetworkEntry> _networks = [];
    private readonly NameState[] _names;
    private readonly Lock _apply = new();
    private readonly CancellationTokenSource _stop = new();
    private ITimer? _timer;
    private int _backgroundRefreshing;
    private Snapshot _snapshot;

    /// <summary>Compiles the address sources of <paramref name="policy"/>. Literals and CIDRs apply
    /// at once; names only after <see cref="Start"/> or <see cref="RefreshNow"/>.</summary>
    /// <param name="policy">The compiled profiles.</param>
    /// <param name="resolve">Name → addresses; default <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>.</param>
    /// <param name="clock">Drives the refresh timer and address retention; default the system clock.</param>
    /// <param name="ttl">Name → DNS TTL, or null when there is none. Default: <see cref="DnsTtl"/> when
    /// <paramref name="resolve"/> is the system resolver, none otherwise (a TTL describes the resolver
    /// it came from, so an injected resolver brings its own).</param>
    public AddressEnvironments(Policy policy, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null, TimeProvider? clock = null,
        Func<string, CancellationToken, Task<TimeSpan?>>? ttl = null)
    {
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
        _ttl = ttl ?? (resolve == null ? new DnsTtl().QueryAsync : static (_, _) => Task.FromResult<TimeSpan?>(null));
        _clock = clock ?? TimeProvider.System;
        long created = _clock.GetTimestamp();
        var names = new Dictionary<string, NameState>(StringComparer.OrdinalIgnoreCase);
        Span<byte> bytes = stackalloc byte[16];
        var entries = policy.EnvironmentEntries;
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Kind != EnvironmentSourceKind.Hosts || !HostPattern.TryParse(e.Pattern, out var p, out _)) continue;
            var rank = new Rank(p.Port ?? 0, e.Layer, i);
            int bits = p.CopyNetwork(bytes, out int length);
            if (bits >= 0)
            {
                var address = Address16.From(bytes[..length]);
                if (bits == length * 8) _literals.Add(new Candidate(address, e.Environment, rank));
                else _networks.Add(NetworkEntry.Create(address, length == 4 ? bits + 96 : bits, length == 4, e.Environment, rank));
            }
            else if (p.ExactName is string name)
            {
                if (!names.TryGetValue(name, out var state)) names[name] = state = new NameState(name, created);
                state.Uses.Add((e.Environment, rank));
            }
        }
        _names = [.. names.Values];
        _networks.Sort(static (a, b) => a.PrefixBits != b.PrefixBits ? b.PrefixBits.CompareTo(a.PrefixBits) : a.Rank.CompareTo(b.Rank));
        _snapshot = Build();
    }

    /// <summary>Raised after each table is published (from a refresh thread), and once the first
    /// resolution is done: root mode copies the production prefixes into the kernel.</summary>
    internal event Action? Published;

    /// <summary>True once the first resolution of profile host names is done (or there are none).</summary>
    internal bool IsReady => _ready || _names.Length == 0;

    /// <summary>Every address and network that can be <paramref name="environment"/> on some port,
    /// as (v4-mapped or IPv6 prefix, bits of 128). A superset is safe: the kernel hands those
    /// connects to the supervisor, which decides them on this table.</summary>
    internal IReadOnlyList<(Address16 Prefix, int Bits)> PrefixesOf(string environment)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        var list = new List<(Address16, int)>();
        foreach (var (address, candidates) in snapshot.Exact)
            if (candidates.Any(c => c.Environment == environment)) list.Add((address, 128));
        foreach (var n in snapshot.Networks)
            if (n.Environment == environment) list.Add((n.Prefix, n.PrefixBits));
        return list;
    }

    /// <summary>Profile host names that have no known address (never resolved successfully).</summary>
    public IReadOnlyList<string> Unresolved
    {
        get
        {
            lock (_apply) return _names.Where(n => n.Seen.Count == 0).Select(n => n.Name).ToArray();
        }
    }

    /// <summary>Resolves every profile host name now (blocking, bounded by <see cref="ResolveTimeout"/>
    /// per name, all in parallel), then starts the background refresh, each name on its TTL. Call
    /// once, before the agent starts.</summary>
    public void Start()
    {
        RefreshNow();
        _ready = true;
        StartTimer();
    }

    /// <summary>Resolves every profile host name once and publishes the result; returns when done
    /// (bounded by <see cref="ResolveTimeout"/>). Each name's next refresh counts from here.</summary>
    public void RefreshNow()
    {
        RefreshAsync(onlyDue: false, waitForTtls: false, _stop.Token).GetAwaiter().GetResult();
        Schedule();
    }

    private Task? _first;
    private volatile bool _ready;

    /// <summary>Waits (at most about the resolve timeout) until the first resolution is done. Root
    /// mode calls this before the agent starts: a datagram cannot be held while names resolve.</summary>
    internal void WaitUntilReady()
    {
        if (!_ready && _first is { } first) first.Wait(ResolveTimeout + TimeSpan.FromSeconds(1));
    }

    /// <summary>Like <see cref="Start"/>, but returns at once: the first resolution runs while the
    /// agent starts, and <see cref="EnvironmentOf(ReadOnlySpan{byte}, int)"/> waits for it (at most
    /// the resolve timeout) before its first answer, so no connect is decided on a half-known map.</summary>
    /// <param name="warn">Told, once, which profile host names have no known address.</param>
    public void StartInBackground(Action<string>? warn = null)
    {
        // The timer first, so the first resolution's schedule lands on it.
        StartTimer();
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

    /// <summary>The environment of <paramref name="address"/> (4 bytes IPv4, or 16 bytes IPv6; a
    /// v4-mapped <c>::ffff:a.b.c.d</c> is the IPv4 address) connected on <paramref name="port"/>:
    /// a profile environment name, <see cref="Local"/> or <see cref="Unknown"/>. Allocates nothing,
    /// takes no lock, does no I/O.</summary>
    public string EnvironmentOf(ReadOnlySpan<byte> address, int port)
    {
        // PERF: one volatile read once the first resolution is done; before that, wait for it.
        if (!_ready && _first is { } first) first.Wait(ResolveTimeout + TimeSpan.FromSeconds(1));
        if (address.Length is not (4 or 16)) return Unknown;
        // PERF: one immutable snapshot read; refreshes replace it whole, so no lock is needed.
        var snapshot = Volatile.Read(ref _snapshot);
        var a = Address16.From(address);
        if (snapshot.Exact.TryGetValue(a, out var candidates))
        {
            foreach (var c in candidates)
            {
                if (c.Rank.Port == 0 || c.Rank.Port == port) return c.Environment;
            }
        }
        foreach (ref readonly var n in snapshot.Networks.AsSpan())
        {
            if ((n.Rank.Port == 0 || n.Rank.Port == port) && n.Contains(a)) return n.Environment;
        }
        return a.IsLoopback ? Local : Unknown;
    }

    /// <summary>As <see cref="EnvironmentOf(ReadOnlySpan{byte}, int)"/> for an <see cref="IPAddress"/>
    /// (tests, diagnostics).</summary>
    public string EnvironmentOf(IPAddress address, int port)
    {
        Span<byte> bytes = stackalloc byte[16];
        return address.TryWriteBytes(bytes, out int n) ? EnvironmentOf(bytes[..n], port) : Unknown;
    }

    /// <summary>Stops the background refresh.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel(); // not disposed: a refresh in flight may still read its token
        lock (_apply) _timer?.Dispose();
    }

    private void StartTimer()
    {
        lock (_apply)
        {
            // The period is a backstop: every refresh moves the timer to the next due name, so it
            // only fires if that never happened; either way no name waits past the cap for long.
            if (_names.Length > 0 && !_stop.IsCancellationRequested)
                _timer ??= _clock.CreateTimer(static s => ((AddressEnvironments)s!).OnTimer(), this, NextDue(), RefreshInterval);
        }
    }

    /// <summary>Moves the timer to the earliest due name. Never throws: if the move fails, the
    /// backstop period still ticks.</summary>
    private void Schedule()
    {
        lock (_apply)
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
        lock (_apply)
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
        lock (_apply)
        {
            for (int i = 0; i < due.Length; i++) rounds[i] = due[i].Apply(answers[i], resolvedAt);
            Volatile.Write(ref _snapshot, Build());
        }
        if (_ready) OnPublished();
        var scheduled = ApplyTtlsAsync(due, rounds, ttls);
        if (waitForTtls) await scheduled.ConfigureAwait(false);
    }

    /// <summary>Sets each name's wait from its TTL once it arrives, then moves the timer. Never throws.</summary>
    private async Task ApplyTtlsAsync(NameState[] names, long[] rounds, Task<TimeSpan?>[] ttls)
    {
        var answers = await Task.WhenAll(ttls).ConfigureAwait(false);
        lock (_apply)
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
        try { Published?.Invoke(); }
        catch (Exception)
        {
            // The kernel keeps the previous prefixes (still guarded); the next refresh tries again.
        }
    }

    private Snapshot Build()
    {
        var all = new List<Candidate>(_literals);
        foreach (var n in _names)
        {
            foreach (var address in n.Seen)
            {
                foreach (var (env, rank) in n.Uses) all.Add(new Candidate(address, env, rank));
            }
        }
        var exact = new Dictionary<Address16, Candidate[]>();
        foreach (var g in all.GroupBy(c => c.Address))
        {
            var list = g.ToArray();
            Array.Sort(list, static (x, y) => x.Rank.CompareTo(y.Rank));
            exact[g.Key] = list;
        }
        return new Snapshot(exact, [.. _networks]);
    }

    /// <summary>Orders candidates for one address: port-qualified first, then later layer, then later entry.</summary>
    private readonly record struct Rank(int Port, int Layer, int Entry) : IComparable<Rank>
    {
        public int CompareTo(Rank other) =>
            (Port != 0) != (other.Port != 0) ? (Port != 0 ? -1 : 1)
            : Layer != other.Layer ? other.Layer.CompareTo(Layer)
            : other.Entry.CompareTo(Entry);
    }

    private readonly record struct Candidate(Address16 Address, string Environment, Rank Rank);

    private readonly record struct NetworkEntry(Address16 Prefix, Address16 Mask, int PrefixBits, bool IsV4, string Environment, Rank Rank)
    {
        // An IPv4 network is held v4-mapped with bits + 96, so its mask covers the ::ffff: prefix
        // too; the family check keeps an IPv6 network such as ::/0 from matching IPv4.
        internal static NetworkEntry Create(Address16 address, int bits, bool v4, string env, Rank rank)
        {
            var mask = Address16.Mask(bits);
            return new NetworkEntry(address.And(mask), mask, bits, v4, env, rank);
        }

        internal bool Contains(Address16 a) => a.IsV4Mapped == IsV4 && a.And(Mask) == Prefix;
    }

    private sealed record Snapshot(Dictionary<Address16, Candidate[]> Exact, NetworkEntry[] Networks);

    /// <summary>One profile host name: where it is used, the addresses it resolved to, and when it
    /// is resolved again.</summary>
    private sealed class NameState(string name, long created)
    {
        internal string Name { get; } = name;
        internal List<(string Environment, Rank Rank)> Uses { get; } = [];
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

/// <summary>An IPv4 or IPv6 address as two big-endian halves; IPv4 is held v4-mapped
/// (<c>::ffff:a.b.c.d</c>), so a v4-mapped IPv6 address and its IPv4 address are one key.</summary>
internal readonly record struct Address16(ulong Hi, ulong Lo)
{
    private const ulong V4MappedLo = 0x0000_FFFF_0000_0000;

    /// <summary>From 4 (IPv4) or 16 (IPv6) network-order bytes.</summary>
    internal static Address16 From(ReadOnlySpan<byte> b) => b.Length == 4
        ? new Address16(0, V4MappedLo | BinaryPrimitives.ReadUInt32BigEndian(b))
        : new Address16(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]));

    /// <summary>A mask of the first <paramref name="bits"/> bits (0..128).</summary>
    internal static Address16 Mask(int bits) => new(
        bits <= 0 ? 0 : bits >= 64 ? ulong.MaxValue : ulong.MaxValue << (64 - bits),
        bits <= 64 ? 0 : bits >= 128 ? ulong.MaxValue : ulong.MaxValue << (128 - bits));

    internal Address16 And(Address16 m) => new(Hi & m.Hi, Lo & m.Lo);

    internal bool IsV4Mapped => Hi == 0 && (Lo & 0xFFFF_FFFF_0000_0000) == V4MappedLo;

    /// <summary>127.0.0.0/8 or ::1.</summary>
    internal bool IsLoopback => IsV4Mapped ? (Lo & 0xFF00_0000) == 0x7F00_0000 : Hi == 0 && Lo == 1;

    /// <summary>As an <see cref="IPAddress"/>; a v4-mapped address as plain IPv4.</summary>
    internal IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(b, Hi);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], Lo);
        return IsV4Mapped ? new IPAddress(b[12..]) : new IPAddress(b);
    }

    /// <summary>::ffff:0.0.0.0, IPv4's unspecified address seen from an IPv6 socket.</summary>
    internal static readonly Address16 V4Unspecified = new(0, V4MappedLo);

    /// <summary>127.254.0.0/16: root mode's gate, where held connects wait.</summary>
    internal bool IsGate => IsV4Mapped && (uint)(Lo & 0xFFFF_0000) == KernelConnectGuard.GateNetwork;
}
