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
/// <para>Names are resolved, and resolved again on their DNS TTL, by a <see cref="HostNameRefresher"/>
/// (a failed resolution keeps the last known addresses; an address once seen stays for the run).
/// Each resolution replaces the table whole.</para>
/// <para>Limit: the decision is on the address, so a production service behind a shared CDN or
/// load-balancer address cannot be told apart from the other services on that address.</para></summary>
public sealed class AddressEnvironments : IAddressEnvironments, IDisposable
{
    /// <summary>The longest wait before a name is resolved again (<see cref="HostNameRefresher.RefreshInterval"/>).</summary>
    public static readonly TimeSpan RefreshInterval = HostNameRefresher.RefreshInterval;

    /// <summary>The shortest wait before a name is resolved again (<see cref="HostNameRefresher.MinRefreshInterval"/>).</summary>
    public static readonly TimeSpan MinRefreshInterval = HostNameRefresher.MinRefreshInterval;

    /// <summary>How long one name may take to resolve before it counts as failed (<see cref="HostNameRefresher.ResolveTimeout"/>).</summary>
    public static readonly TimeSpan ResolveTimeout = HostNameRefresher.ResolveTimeout;

    /// <summary>Environment of loopback addresses no profile lists.</summary>
    public const string Local = "local";

    /// <summary>Environment of addresses no profile lists.</summary>
    public const string Unknown = "unknown";

    private readonly List<Candidate> _literals = [];
    private readonly List<NetworkEntry> _networks = [];
    private readonly Dictionary<string, List<(string Environment, Rank Rank)>> _nameUses = new(StringComparer.OrdinalIgnoreCase);
    private readonly HostNameRefresher _refresher;
    private readonly HashSet<string> _named = new(StringComparer.Ordinal); // every environment an address source names
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
        Span<byte> bytes = stackalloc byte[16];
        var entries = policy.EnvironmentEntries;
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Kind != EnvironmentSourceKind.Hosts) continue;
            _named.Add(e.Environment); // before parsing: a superset is what MayBe needs
            if (!HostPattern.TryParse(e.Pattern, out var p, out _)) continue;
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
                if (!_nameUses.TryGetValue(name, out var uses)) _nameUses[name] = uses = [];
                uses.Add((e.Environment, rank));
            }
        }
        _networks.Sort(static (a, b) => a.PrefixBits != b.PrefixBits ? b.PrefixBits.CompareTo(a.PrefixBits) : a.Rank.CompareTo(b.Rank));
        _snapshot = Build([]);
        _refresher = new HostNameRefresher(_nameUses.Keys, resolve ?? Dns.GetHostAddressesAsync,
            ttl ?? (resolve == null ? new DnsTtl().QueryAsync : static (_, _) => Task.FromResult<TimeSpan?>(null)),
            clock ?? TimeProvider.System,
            known => Volatile.Write(ref _snapshot, Build(known)),
            () => Published?.Invoke());
    }

    /// <summary>False when no address source of the policy names <paramref name="environment"/>:
    /// every table built from them (literals, networks, resolved names) answers only environments
    /// they name, local or unknown.</summary>
    public bool MayBe(string environment) => _named.Contains(environment);

    /// <summary>Raised after each table is published (from a refresh thread), and once the first
    /// resolution is done: root mode copies the production prefixes into the kernel.</summary>
    internal event Action? Published;

    /// <summary>True once the first resolution of profile host names is done (or there are none).</summary>
    internal bool IsReady => _refresher.IsReady;

    /// <summary>Profile host names that have no known address (never resolved successfully).</summary>
    public IReadOnlyList<string> Unresolved => _refresher.Unresolved;

    /// <summary>Resolves every profile host name now (blocking, bounded by <see cref="ResolveTimeout"/>
    /// per name, all in parallel), then starts the background refresh, each name on its TTL. Call
    /// once, before the agent starts.</summary>
    public void Start() => _refresher.Start();

    /// <summary>Resolves every profile host name once and publishes the result; returns when done
    /// (bounded by <see cref="ResolveTimeout"/>). Each name's next refresh counts from here.</summary>
    public void RefreshNow() => _refresher.RefreshNow();

    /// <summary>Like <see cref="Start"/>, but returns at once: the first resolution runs while the
    /// agent starts, and <see cref="EnvironmentOf(ReadOnlySpan{byte}, int)"/> waits for it (at most
    /// the resolve timeout) before its first answer, so no connect is decided on a half-known map.</summary>
    /// <param name="warn">Told, once, which profile host names have no known address.</param>
    public void StartInBackground(Action<string>? warn = null) => _refresher.StartInBackground(warn);

    /// <summary>Waits (at most about the resolve timeout) until the first resolution is done. Root
    /// mode calls this before the agent starts: a datagram cannot be held while names resolve.</summary>
    internal void WaitUntilReady() => _refresher.WaitUntilReady();

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

    /// <summary>The environment of <paramref name="address"/> (4 bytes IPv4, or 16 bytes IPv6; a
    /// v4-mapped <c>::ffff:a.b.c.d</c> is the IPv4 address) connected on <paramref name="port"/>:
    /// a profile environment name, <see cref="Local"/> or <see cref="Unknown"/>. Allocates nothing,
    /// takes no lock, does no I/O.</summary>
    public string EnvironmentOf(ReadOnlySpan<byte> address, int port)
    {
        // Before the first resolution is done, wait for it (no connect decided on a half-known map).
        _refresher.WaitUntilReady();
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
    public void Dispose() => _refresher.Dispose();

    /// <summary>The table for the literals, the networks and the names' known addresses.</summary>
    private Snapshot Build(IEnumerable<(string Name, IReadOnlyCollection<Address16> Addresses)> known)
    {
        var all = new List<Candidate>(_literals);
        foreach (var (name, addresses) in known)
        {
            var uses = _nameUses[name];
            foreach (var address in addresses)
            {
                foreach (var (env, rank) in uses) all.Add(new Candidate(address, env, rank));
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
}
