using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Tests.Network;

/// <summary>Which environment an address is in: profiles loaded from real files, names resolved
/// through an injected resolver, the system resolver, and a test-controlled /etc/hosts.</summary>
[TestFixture]
public sealed partial class AddressEnvironmentsTests
{
    private const string Profile = """
    {
      "Environments": {
        "production": { "Hosts": ["10.20.0.0/16", "203.0.113.7", "[2001:db8::]/32", "127.0.0.2", "198.51.100.9:5432",
                                  "[2001:db9::5]:443", "prod-db.agentshell.test", "*.prod.example.com"] },
        "staging":    { "Hosts": ["10.20.30.0/24", "2001:db8:5::/48", "198.51.100.9", "staging-db.agentshell.test:8080"] }
      }
    }
    """;

    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-addr-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private Policy Load(params string[] layers)
    {
        var files = new List<string>();
        for (int i = 0; i < layers.Length; i++)
        {
            string path = Path.Combine(_dir, $"layer{i}.json");
            File.WriteAllText(path, layers[i]);
            files.Add(path);
        }
        return Policy.Load(files);
    }

    private static string HostsProfile(string env, params string[] hosts) =>
        $$"""{ "Environments": { "{{env}}": { "Hosts": [{{string.Join(", ", hosts.Select(h => $"\"{h}\""))}}] } } }""";

    /// <summary>A resolver the test steers: name → answer, or an exception to throw.</summary>
    private sealed class Resolver
    {
        internal readonly Dictionary<string, Func<IPAddress[]>> Answers = new(StringComparer.OrdinalIgnoreCase);
        internal readonly ConcurrentDictionary<string, int> CallsOf = new(StringComparer.OrdinalIgnoreCase);
        internal int Calls;

        internal Task<IPAddress[]> Resolve(string name, CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            CallsOf.AddOrUpdate(name, 1, static (_, n) => n + 1);
            return Answers.TryGetValue(name, out var a)
                ? Task.FromResult(a())
                : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
        }

        internal void Set(string name, params string[] addresses) =>
            Answers[name] = () => addresses.Select(IPAddress.Parse).ToArray();

        internal void Fail(string name) => Answers[name] = () => throw new SocketException((int)SocketError.TryAgain);
    }

    /// <summary>DNS TTLs the test sets per name (absent or null: none).</summary>
    private sealed class Ttls
    {
        internal readonly ConcurrentDictionary<string, TimeSpan?> Of = new(StringComparer.OrdinalIgnoreCase);

        internal Task<TimeSpan?> Query(string name, CancellationToken ct) =>
            Task.FromResult(Of.TryGetValue(name, out var ttl) ? ttl : null);
    }

    /// <summary>A clock the test moves (wall clock and timestamps together); remembers the timers created on it.</summary>
    private sealed class ManualClock : TimeProvider
    {
        internal DateTimeOffset Now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        internal readonly List<ManualTimer> Timers = [];

        public override DateTimeOffset GetUtcNow() => Now;
        public override long GetTimestamp() => Now.UtcTicks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var t = new ManualTimer(callback, state, dueTime, period);
            Timers.Add(t);
            return t;
        }
    }

    private sealed class ManualTimer(TimerCallback callback, object? state, TimeSpan due, TimeSpan period) : ITimer
    {
        internal TimeSpan Due { get; private set; } = due;
        internal TimeSpan Period { get; private set; } = period;
        internal bool Disposed { get; private set; }
        internal void Fire() => callback(state);
        public bool Change(TimeSpan dueTime, TimeSpan period) { Due = dueTime; Period = period; return true; }
        public void Dispose() => Disposed = true;
        public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
    }

    private static string Of(AddressEnvironments e, string address, int port = 443) => e.EnvironmentOf(IPAddress.Parse(address), port);

    [TestCase("10.20.1.1", 443, "production")]
    [TestCase("10.20.255.255", 22, "production")]
    [TestCase("10.21.0.1", 443, "unknown")]
    [TestCase("10.20.30.4", 443, "staging")]            // the longer prefix wins
    [TestCase("203.0.113.7", 80, "production")]
    [TestCase("203.0.113.8", 80, "unknown")]
    [TestCase("::ffff:10.20.1.1", 443, "production")]   // v4-mapped is the IPv4 address
    [TestCase("::ffff:203.0.113.7", 443, "production")]
    [TestCase("::ffff:10.20.30.9", 443, "staging")]
    [TestCase("::10.20.1.1", 443, "unknown")]           // v4-compatible is not v4-mapped
    [TestCase("2001:db8::1", 443, "production")]
    [TestCase("2001:db8:ffff:1::9", 443, "production")]
    [TestCase("2001:db8:5::1", 443, "staging")]
    [TestCase("2001:db9::1", 443, "unknown")]
    [TestCase("2001:db9::5", 443, "production")]        // [v6]:port
    [TestCase("2001:db9::5", 80, "unknown")]
    [TestCase("198.51.100.9", 5432, "production")]      // port-qualified beats portless
    [TestCase("198.51.100.9", 80, "staging")]
    [TestCase("127.0.0.1", 80, "local")]
    [TestCase("127.255.0.1", 80, "local")]
    [TestCase("::1", 80, "local")]
    [TestCase("::ffff:127.0.0.1", 80, "local")]
    [TestCase("127.0.0.2", 80, "production")]           // loopback listed by a profile
    [TestCase("::ffff:127.0.0.2", 80, "production")]
    [TestCase("8.8.8.8", 53, "unknown")]
    [TestCase("::", 80, "unknown")]
    public void LiteralsAndNetworks(string address, int port, string expected)
    {
        using var envs = new AddressEnvironments(Load(Profile), new Resolver().Resolve);
        Assert.That(Of(envs, address, port), Is.EqualTo(expected));
    }

    [TestCase(0)]
    [TestCase(3)]
    [TestCase(6)]
    [TestCase(17)]
    public void OtherLengthsAreUnknown(int length)
    {
        using var envs = new AddressEnvironments(Load(Profile), new Resolver().Resolve);
        Assert.That(envs.EnvironmentOf(new byte[length], 443), Is.EqualTo(AddressEnvironments.Unknown));
    }

    [TestCase("192.0.2.10", 443, "production")]
    [TestCase("2001:db7::10", 443, "production")]
    [TestCase("::ffff:192.0.2.10", 443, "production")]
    [TestCase("192.0.2.20", 8080, "staging")]
    [TestCase("192.0.2.20", 443, "unknown")]        // staging-db.agentshell.test:8080 only
    [TestCase("10.20.30.40", 443, "production")]    // a resolved address is exact: beats the staging /24
    [TestCase("192.0.2.99", 443, "unknown")]
    public void NamesResolveToEveryAddress(string address, int port, string expected)
    {
        var r = new Resolver();
        r.Set("prod-db.agentshell.test", "192.0.2.10", "2001:db7::10", "10.20.30.40");
        r.Set("staging-db.agentshell.test", "192.0.2.20");
        using var envs = new AddressEnvironments(Load(Profile), r.Resolve);
        envs.Start();
        Assert.That(Of(envs, address, port), Is.EqualTo(expected));
    }

    [Test]
    public void NamesAreResolvedOnlyOnceStartedAndGlobsNever()
    {
        var r = new Resolver();
        r.Set("prod-db.agentshell.test", "192.0.2.10");
        using var envs = new AddressEnvironments(Load(Profile), r.Resolve);
        Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("unknown"));
        Assert.That(envs.Unresolved, Is.EquivalentTo(new[] { "prod-db.agentshell.test", "staging-db.agentshell.test" }));
        envs.Start();
        Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"));
        Assert.That(envs.Unresolved, Is.EquivalentTo(new[] { "staging-db.agentshell.test" }));
        Assert.That(r.Calls, Is.EqualTo(2), "one lookup per exact name; the *. glob is not resolved");
    }

    // Same address in two layers: the later layer wins, whichever kind of entry each one is.
    [TestCase("192.0.2.30", "192.0.2.30")]
    [TestCase("db.agentshell.test", "192.0.2.30")]
    [TestCase("192.0.2.30", "db.agentshell.test")]
    [TestCase("192.0.2.0/24", "192.0.2.0/24")]
    public void TheLaterLayerWins(string stagingHost, string productionHost)
    {
        var r = new Resolver();
        r.Set("db.agentshell.test", "192.0.2.30");
        var stagingFirst = Load(HostsProfile("staging", stagingHost), HostsProfile("production", productionHost));
        using (var envs = new AddressEnvironments(stagingFirst, r.Resolve))
        {
            envs.Start();
            Assert.That(Of(envs, "192.0.2.30"), Is.EqualTo("production"));
        }
        var productionFirst = Load(HostsProfile("production", productionHost), HostsProfile("staging", stagingHost));
        using (var envs = new AddressEnvironments(productionFirst, r.Resolve))
        {
            envs.Start();
            Assert.That(Of(envs, "192.0.2.30"), Is.EqualTo("staging"));
        }
    }

    /// <summary>The connect fast path (CONTINUE without a connect on the process's behalf) rests on
    /// MayBe: it must say "maybe" for every environment a host, network or name names, resolved or not.</summary>
    [Test]
    public void MayBeIsFalseOnlyForAnEnvironmentNoAddressSourceNames()
    {
        var r = new Resolver();
        using var none = new AddressEnvironments(Load("""{ "Environments": { "production": { "KubeContexts": ["prod"] } } }"""), r.Resolve);
        using var byName = new AddressEnvironments(Load(HostsProfile("production", "db.agentshell.test")), r.Resolve);
        using var byNetwork = new AddressEnvironments(Load(HostsProfile("staging", "192.0.2.0/24"), HostsProfile("production", "10.0.0.0/8")), r.Resolve);
        Assert.Multiple(() =>
        {
            Assert.That(none.MayBe("production"), Is.False, "a kube context is no address");
            Assert.That(byName.MayBe("production"), Is.True, "a name not resolved yet still may be");
            Assert.That(byNetwork.MayBe("production"), Is.True);
            Assert.That(byNetwork.MayBe("staging"), Is.True);
            Assert.That(byName.MayBe("staging"), Is.False);
        });
    }

    [Test]
    public void AnExactAddressInAnEarlierLayerBeatsANetworkInALaterOne()
    {
        var r = new Resolver();
        r.Set("db.agentshell.test", "192.0.2.30");
        using var envs = new AddressEnvironments(
            Load(HostsProfile("production", "db.agentshell.test"), HostsProfile("staging", "192.0.2.0/24")), r.Resolve);
        envs.Start();
        Assert.Multiple(() =>
        {
            Assert.That(Of(envs, "192.0.2.30"), Is.EqualTo("production"));
            Assert.That(Of(envs, "192.0.2.31"), Is.EqualTo("staging"));
        });
    }

    [Test]
    public void AFailedRefreshKeepsTheLastKnownAddresses()
    {
        var r = new Resolver();
        r.Set("prod-db.agentshell.test", "192.0.2.10");
        using var envs = new AddressEnvironments(Load(Profile), r.Resolve);
        envs.Start();
        r.Fail("prod-db.agentshell.test");
        envs.RefreshNow();
        Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"));
        r.Answers["prod-db.agentshell.test"] = () => [];
        envs.RefreshNow();
        Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"), "an empty answer counts as a failure");
        Assert.That(envs.Unresolved, Does.Not.Contain("prod-db.agentshell.test"));
    }

    [Test]
    public void AResolverThatHangsIsBoundedAndKeepsTheLastKnownAddresses()
    {
        var hang = false;
        var never = new TaskCompletionSource<IPAddress[]>();
        Task<IPAddress[]> Resolve(string name, CancellationToken ct) =>
            hang ? never.Task : Task.FromResult(new[] { IPAddress.Parse("192.0.2.10") });
        using var envs = new AddressEnvironments(Load(HostsProfile("production", "prod-db.agentshell.test")), Resolve);
        envs.Start();
        hang = true;
        var started = DateTime.UtcNow;
        envs.RefreshNow();
        Assert.That(DateTime.UtcNow - started, Is.LessThan(AddressEnvironments.ResolveTimeout + TimeSpan.FromSeconds(3)));
        Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"));
    }

    [Test]
    public void NewAddressesAppearAfterARefreshAndUnseenOnesStayForTheRun()
    {
        var r = new Resolver();
        var clock = new ManualClock();
        r.Set("prod-db.agentshell.test", "192.0.2.10");
        using var envs = new AddressEnvironments(Load(Profile), r.Resolve, clock);
        envs.Start();
        r.Set("prod-db.agentshell.test", "192.0.2.11");
        envs.RefreshNow();
        Assert.Multiple(() =>
        {
            Assert.That(Of(envs, "192.0.2.11"), Is.EqualTo("production"));
            Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"), "kept");
        });
        // Hours later, after many resolutions without it: a name's production address is never
        // dropped within a run (a root tree could otherwise edit /etc/hosts until it ages out).
        clock.Now += TimeSpan.FromHours(6);
        envs.RefreshNow();
        Assert.Multiple(() =>
        {
            Assert.That(Of(envs, "192.0.2.11"), Is.EqualTo("production"));
            Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"));
            Assert.That(Of(envs, "192.0.2.12"), Is.EqualTo("unknown"), "the look-alike: an address never returned");
        });
    }

    [Test]
    public void TheBackgroundRefreshRunsOnTheClockEvery60SAndStopsOnDispose()
    {
        var r = new Resolver();
        var clock = new ManualClock();
        r.Set("prod-db.agentshell.test", "192.0.2.10");
        var envs = new AddressEnvironments(Load(HostsProfile("production", "prod-db.agentshell.test")), r.Resolve, clock);
        envs.Start();
        Assert.That(clock.Timers, Has.Count.EqualTo(1));
        var timer = clock.Timers[0];
        Assert.That(timer.Due, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(timer.Period, Is.EqualTo(TimeSpan.FromSeconds(60)));
        r.Set("prod-db.agentshell.test", "192.0.2.12");
        clock.Now += AddressEnvironments.RefreshInterval; // the timer fires when the name is due
        timer.Fire();
        Assert.That(() => Of(envs, "192.0.2.12"), Is.EqualTo("production").After(5000, 10));
        envs.Dispose();
        Assert.That(timer.Disposed, Is.True);
    }

    private const string Db = "prod-db.agentshell.test";

    /// <summary>Moves the clock by <paramref name="by"/> and fires the timer, as the real one would
    /// at that time. The fakes answer at once, so the refresh it starts is done when it returns.</summary>
    private static void Tick(ManualClock clock, ManualTimer timer, TimeSpan by)
    {
        clock.Now += by;
        timer.Fire();
    }

    private static int CallsOf(Resolver r, string name) => r.CallsOf.TryGetValue(name, out int n) ? n : 0;

    [Test]
    public void WithoutNamesNoTimerIsStarted()
    {
        var clock = new ManualClock();
        using var envs = new AddressEnvironments(Load(HostsProfile("production", "10.0.0.0/8")), new Resolver().Resolve, clock);
        envs.Start();
        Assert.That(clock.Timers, Is.Empty);
        Assert.That(Of(envs, "10.1.2.3"), Is.EqualTo("production"));
    }

    [Test]
    public void LocalhostResolvesThroughTheDefaultResolver()
    {
        var expected = Dns.GetHostAddresses("localhost");
        Assume.That(expected, Is.Not.Empty, "localhost does not resolve on this machine");
        using var envs = new AddressEnvironments(Load(HostsProfile("devbox", "localhost")));
        envs.Start();
        Assert.That(envs.Unresolved, Is.Empty);
        foreach (var a in expected) Assert.That(envs.EnvironmentOf(a, 80), Is.EqualTo("devbox"), a.ToString());
        Assert.That(Of(envs, "127.0.0.9"), Is.EqualTo("local"));
    }

    [Test]
    public void ANameInATestHostsFileResolvesThroughTheSystemResolver()
    {
        using var hosts = new HostsOverride(("192.0.2.55", "prod-db.agentshell.test"), ("2001:db8::55", "prod-db.agentshell.test"));
        if (hosts.Unavailable() is string why) Assert.Ignore(why);
        var (code, stdout, stderr) = hosts.Run("getent", "ahosts", "prod-db.agentshell.test");
        Assert.That(code, Is.Zero, stderr);
        var addresses = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 2)[0]).Distinct().ToArray();
        Assert.That(addresses, Is.EquivalentTo(new[] { "192.0.2.55", "2001:db8::55" }));
        Assert.That(Dns.GetHostAddresses("localhost"), Is.Not.Empty);
        Assert.That(File.ReadAllText("/etc/hosts"), Does.Not.Contain("prod-db.agentshell.test"), "the machine's /etc/hosts is untouched");

        // What getent saw is what the supervisor maps: feed the same answer through the resolver seam.
        using var envs = new AddressEnvironments(Load(Profile),
            (_, _) => Task.FromResult(addresses.Select(IPAddress.Parse).ToArray()));
        envs.Start();
        Assert.That(Of(envs, "192.0.2.55"), Is.EqualTo("production"));
    }

    [Test]
    public void ReadersNeverSeeAHalfBuiltTableWhileRefreshesSwapIt()
    {
        int round = 0;
        Task<IPAddress[]> Resolve(string name, CancellationToken ct) =>
            Task.FromResult(new[] { IPAddress.Parse("192.0.2.10"), IPAddress.Parse($"198.18.0.{Interlocked.Increment(ref round) % 250 + 1}") });
        using var envs = new AddressEnvironments(Load(HostsProfile("production", "prod-db.agentshell.test", "10.0.0.0/8")), Resolve);
        envs.Start();
        using var stop = new CancellationTokenSource();
        int wrong = 0, reads = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            byte[] db = [192, 0, 2, 10], net = [10, 1, 2, 3], other = [192, 0, 2, 11];
            while (!stop.IsCancellationRequested)
            {
                if (envs.EnvironmentOf(db, 5432) != "production" || envs.EnvironmentOf(net, 5432) != "production"
                    || envs.EnvironmentOf(other, 5432) != "unknown") Interlocked.Increment(ref wrong);
                Interlocked.Increment(ref reads);
            }
        })).ToArray();
        // The readers must be running before the swaps start, or a busy pool lets them miss all 200.
        Assert.That(SpinWait.SpinUntil(() => Volatile.Read(ref reads) > 0, TimeSpan.FromSeconds(10)), Is.True);
        for (int i = 0; i < 200; i++) envs.RefreshNow();
        stop.Cancel();
        Task.WaitAll(readers);
        Assert.That(wrong, Is.Zero);
        Assert.That(reads, Is.GreaterThan(0));
        Assert.That(round, Is.EqualTo(201));
    }

    [Test]
    public void TheLookupAllocatesNothing()
    {
        var r = new Resolver();
        r.Set("prod-db.agentshell.test", "192.0.2.10", "2001:db7::10");
        using var envs = new AddressEnvironments(Load(Profile), r.Resolve);
        envs.Start();
        byte[][] addresses =
        [
            [192, 0, 2, 10], [10, 20, 30, 4], [8, 8, 8, 8], [127, 0, 0, 1],
            IPAddress.Parse("2001:db7::10").GetAddressBytes(), IPAddress.Parse("::ffff:10.20.1.1").GetAddressBytes(),
            IPAddress.Parse("2001:db8:5::1").GetAddressBytes(), IPAddress.Parse("::1").GetAddressBytes(),
        ];
        int hits = 0;
        for (int i = 0; i < 1000; i++) hits += envs.EnvironmentOf(addresses[i % addresses.Length], 5432).Length; // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) hits += envs.EnvironmentOf(addresses[i % addresses.Length], 5432).Length;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 1_000_000; i++) hits += envs.EnvironmentOf(addresses[i % addresses.Length], 5432).Length;
        TestContext.Out.WriteLine($"EnvironmentOf: {watch.Elapsed.TotalNanoseconds / 1_000_000:F0} ns per call");
        Assert.That(hits, Is.GreaterThan(0));
    }
}
