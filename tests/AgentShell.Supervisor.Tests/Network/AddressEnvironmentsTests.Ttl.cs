using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Tests.Network;

/// <summary>AddressEnvironments' refresh on each name's DNS TTL (clamped to 5–60 s): on the test's
/// clock, and once on the real clock against a real DNS server.</summary>
public sealed partial class AddressEnvironmentsTests
{
    // Each rule: the name is not resolved a millisecond before its time (the look-alike), and is at it (the catch).
    [TestCase(10, 10)]      // the TTL itself
    [TestCase(37, 37)]
    [TestCase(60, 60)]
    [TestCase(600, 60)]     // capped: at most every 60 s means at least every 60 s
    [TestCase(1, 5)]        // floored
    [TestCase(0, 5)]
    [TestCase(5, 5)]
    [TestCase(-1, 60)]      // no DNS TTL (hosts file, no answer): the cap
    public void ANameIsResolvedAgainAfterItsTtlClampedTo5To60S(int ttlSeconds, int expectedSeconds)
    {
        var r = new Resolver();
        var ttls = new Ttls();
        var clock = new ManualClock();
        r.Set(Db, "192.0.2.10");
        if (ttlSeconds >= 0) ttls.Of[Db] = TimeSpan.FromSeconds(ttlSeconds);
        using var envs = new AddressEnvironments(Load(HostsProfile("production", Db)), r.Resolve, clock, ttls.Query);
        envs.Start();
        var timer = clock.Timers.Single();
        var expected = TimeSpan.FromSeconds(expectedSeconds);
        var justBefore = expected - TimeSpan.FromMilliseconds(1);
        Assert.That(timer.Due, Is.EqualTo(expected));
        for (int round = 1; round <= 3; round++)
        {
            Tick(clock, timer, justBefore);
            Assert.That(CallsOf(r, Db), Is.EqualTo(round), $"round {round}: not before {expectedSeconds} s");
            Assert.That(timer.Due, Is.EqualTo(TimeSpan.FromMilliseconds(1)), "an early tick moves the timer to the due time");
            Tick(clock, timer, TimeSpan.FromMilliseconds(1));
            Assert.That(() => CallsOf(r, Db), Is.EqualTo(round + 1).After(5000, 10), $"round {round}: at {expectedSeconds} s");
            Assert.That(() => timer.Due, Is.EqualTo(expected).After(5000, 10));
            Assert.That(timer.Period, Is.EqualTo(AddressEnvironments.RefreshInterval), "the backstop");
        }
    }

    [Test]
    public void OnlyDueNamesAreResolvedEachOnItsOwnTtl()
    {
        const string Ten = "ten.agentshell.test", None = "none.agentshell.test", One = "one.agentshell.test", Long = "long.agentshell.test";
        var r = new Resolver();
        var ttls = new Ttls();
        var clock = new ManualClock();
        foreach (var n in new[] { Ten, None, One, Long }) r.Set(n, "192.0.2.10");
        ttls.Of[Ten] = TimeSpan.FromSeconds(10);
        ttls.Of[One] = TimeSpan.FromSeconds(1);
        ttls.Of[Long] = TimeSpan.FromSeconds(600);
        using var envs = new AddressEnvironments(Load(HostsProfile("production", Ten, None, One, Long)), r.Resolve, clock, ttls.Query);
        envs.Start();
        var timer = clock.Timers.Single();
        var start = clock.Now;
        var ticks = new List<double>();
        while (clock.Now - start < TimeSpan.FromSeconds(60))
        {
            Tick(clock, timer, timer.Due);
            ticks.Add((clock.Now - start).TotalSeconds);
            if (ticks[^1] == 5) Assert.That(new[] { CallsOf(r, Ten), CallsOf(r, None), CallsOf(r, One), CallsOf(r, Long) }, Is.EqualTo(new[] { 1, 1, 2, 1 }), "at 5 s only the 1 s name");
        }
        Assert.Multiple(() =>
        {
            Assert.That(ticks, Is.EqualTo(Enumerable.Range(1, 12).Select(i => i * 5.0)), "one tick per due time");
            Assert.That(CallsOf(r, One), Is.EqualTo(1 + 12));
            Assert.That(CallsOf(r, Ten), Is.EqualTo(1 + 6));
            Assert.That(CallsOf(r, None), Is.EqualTo(1 + 1));
            Assert.That(CallsOf(r, Long), Is.EqualTo(1 + 1));
        });
    }

    [Test]
    public void ANewAddressAtTheTtlRefreshBecomesProductionThen()
    {
        var r = new Resolver();
        var ttls = new Ttls();
        var clock = new ManualClock();
        r.Set(Db, "192.0.2.10");
        ttls.Of[Db] = TimeSpan.FromSeconds(10);
        using var envs = new AddressEnvironments(Load(HostsProfile("production", Db)), r.Resolve, clock, ttls.Query);
        int published = 0;
        envs.Published += () => Interlocked.Increment(ref published);
        envs.Start();
        var timer = clock.Timers.Single();
        r.Set(Db, "192.0.2.11"); // the record changed; the TTL says when we may look
        Tick(clock, timer, TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(Of(envs, "192.0.2.11"), Is.EqualTo("unknown"), "not yet due");
            Assert.That(published, Is.Zero, "nothing resolved, nothing published");
        });
        Tick(clock, timer, TimeSpan.FromMilliseconds(1));
        Assert.That(() => Of(envs, "192.0.2.11"), Is.EqualTo("production").After(5000, 10));
        Assert.Multiple(() =>
        {
            Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"), "the old address is kept");
            Assert.That(() => published, Is.EqualTo(1).After(5000, 10));
        });
    }

    [Test]
    public void ATtlCountsOnlyWithAddressesAndAFailingTtlSourceIsNoTtl()
    {
        var r = new Resolver();
        var clock = new ManualClock();
        r.Set(Db, "192.0.2.10");
        var fail = false;
        Task<TimeSpan?> Ttl(string name, CancellationToken ct) =>
            fail ? Task.FromException<TimeSpan?>(new SocketException((int)SocketError.TimedOut)) : Task.FromResult<TimeSpan?>(TimeSpan.FromSeconds(10));
        using var envs = new AddressEnvironments(Load(HostsProfile("production", Db)), r.Resolve, clock, Ttl);
        envs.Start();
        var timer = clock.Timers.Single();
        Assert.That(timer.Due, Is.EqualTo(TimeSpan.FromSeconds(10)));
        r.Fail(Db); // the system resolver fails; the DNS TTL alone does not count
        Tick(clock, timer, TimeSpan.FromSeconds(10));
        Assert.That(() => timer.Due, Is.EqualTo(TimeSpan.FromSeconds(60)).After(5000, 10));
        Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"), "a failed lookup keeps the last addresses");
        r.Set(Db, "192.0.2.10");
        fail = true; // addresses, but the TTL query throws
        Tick(clock, timer, TimeSpan.FromSeconds(60));
        Assert.That(() => CallsOf(r, Db), Is.EqualTo(3).After(5000, 10));
        Assert.That(timer.Due, Is.EqualTo(TimeSpan.FromSeconds(60)));
        fail = false;
        Tick(clock, timer, TimeSpan.FromSeconds(60));
        Assert.That(() => timer.Due, Is.EqualTo(TimeSpan.FromSeconds(10)).After(5000, 10), "the look-alike: both answered");
    }

    [Test]
    public void ASlowTtlQueryNeverHoldsTheAddressesBackAndSetsTheScheduleWhenItAnswers()
    {
        var r = new Resolver();
        var clock = new ManualClock();
        r.Set(Db, "192.0.2.10");
        var answer = new TaskCompletionSource<TimeSpan?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var envs = new AddressEnvironments(Load(HostsProfile("production", Db)), r.Resolve, clock, (_, _) => answer.Task);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        envs.Start();
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "Start does not wait for the TTL");
        Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"));
        var timer = clock.Timers.Single();
        Assert.That(timer.Due, Is.EqualTo(TimeSpan.FromSeconds(60)), "no TTL yet: the cap");
        answer.SetResult(TimeSpan.FromSeconds(10));
        Assert.That(() => timer.Due, Is.EqualTo(TimeSpan.FromSeconds(10)).After(5000, 10));
    }

    [Test]
    public void ALateTtlDoesNotRescheduleANewerResolution()
    {
        var r = new Resolver();
        var clock = new ManualClock();
        r.Set(Db, "192.0.2.10");
        var answers = new Queue<TaskCompletionSource<TimeSpan?>>();
        Task<TimeSpan?> Ttl(string name, CancellationToken ct)
        {
            var t = new TaskCompletionSource<TimeSpan?>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (answers) answers.Enqueue(t);
            return t.Task;
        }
        using var envs = new AddressEnvironments(Load(HostsProfile("production", Db)), r.Resolve, clock, Ttl);
        envs.Start();
        envs.RefreshNow();
        var timer = clock.Timers.Single();
        TaskCompletionSource<TimeSpan?> first, second;
        lock (answers) { first = answers.Dequeue(); second = answers.Dequeue(); }
        first.SetResult(TimeSpan.FromSeconds(7)); // the older round's
        Thread.Sleep(200);
        Assert.That(timer.Due, Is.EqualTo(TimeSpan.FromSeconds(60)), "the older round's TTL is dropped");
        second.SetResult(TimeSpan.FromSeconds(20));
        Assert.That(() => timer.Due, Is.EqualTo(TimeSpan.FromSeconds(20)).After(5000, 10), "the look-alike: its own round's TTL counts");
    }

    [Test]
    public void RefreshNowRestartsEveryNameSWait()
    {
        var r = new Resolver();
        var ttls = new Ttls();
        var clock = new ManualClock();
        r.Set(Db, "192.0.2.10");
        ttls.Of[Db] = TimeSpan.FromSeconds(30);
        using var envs = new AddressEnvironments(Load(HostsProfile("production", Db)), r.Resolve, clock, ttls.Query);
        envs.Start();
        var timer = clock.Timers.Single();
        clock.Now += TimeSpan.FromSeconds(20);
        Assert.That(timer.Due, Is.EqualTo(TimeSpan.FromSeconds(30)));
        envs.RefreshNow();
        Assert.That(timer.Due, Is.EqualTo(TimeSpan.FromSeconds(30)), "counted from the refresh");
        ttls.Of[Db] = TimeSpan.FromSeconds(12);
        clock.Now += TimeSpan.FromSeconds(5);
        envs.RefreshNow();
        Assert.That(timer.Due, Is.EqualTo(TimeSpan.FromSeconds(12)), "the new TTL");
    }

    [Test]
    public void StartInBackgroundSchedulesOnTheFirstResolutionSTtl()
    {
        var r = new Resolver();
        var ttls = new Ttls();
        var clock = new ManualClock();
        r.Set(Db, "192.0.2.10");
        ttls.Of[Db] = TimeSpan.FromSeconds(15);
        using var envs = new AddressEnvironments(Load(HostsProfile("production", Db)), r.Resolve, clock, ttls.Query);
        envs.StartInBackground();
        Assert.That(Of(envs, "192.0.2.10"), Is.EqualTo("production"));
        var timer = clock.Timers.Single();
        Assert.That(() => timer.Due, Is.EqualTo(TimeSpan.FromSeconds(15)).After(5000, 10));
    }

    [Test]
    public void TheTtlComesFromARealDnsServerAndNamesOnlyInHostsWait60S()
    {
        using var dns = new DnsResponder
        {
            Answer = q => [DnsResponder.Response(q, q.Name == Db + "."
                ? [new DnsResponder.Rr(q.Name, q.Type, 20, q.Type == DnsResponder.A ? "192.0.2.10" : "2001:db8::10")]
                : [], rcode: q.Name == Db + "." ? 0 : 3)],
        };
        var client = new DnsTtl([dns.EndPoint], TimeSpan.FromMilliseconds(300));
        int answered = 0;
        async Task<TimeSpan?> Ttl(string name, CancellationToken ct)
        {
            var ttl = await client.QueryAsync(name, ct);
            Interlocked.Increment(ref answered);
            return ttl;
        }
        var r = new Resolver();
        r.Set(Db, "192.0.2.10");
        r.Set("hosts-only.agentshell.test", "192.0.2.20"); // the system resolver knows it; DNS says NXDOMAIN
        var clock = new ManualClock();
        using (var envs = new AddressEnvironments(Load(HostsProfile("production", Db)), r.Resolve, clock, Ttl))
        {
            envs.Start();
            Assert.That(() => clock.Timers.Single().Due, Is.EqualTo(TimeSpan.FromSeconds(20)).After(5000, 10));
        }
        clock.Timers.Clear();
        using (var envs = new AddressEnvironments(Load(HostsProfile("production", "hosts-only.agentshell.test")), r.Resolve, clock, Ttl))
        {
            envs.Start();
            Assert.That(() => answered, Is.EqualTo(2).After(5000, 10));
            Thread.Sleep(100); // the (absent) TTL applied
            Assert.That(clock.Timers.Single().Due, Is.EqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(Of(envs, "192.0.2.20"), Is.EqualTo("production"), "addresses still come from the system resolver");
        }
        Assert.That(dns.Queries.Select(q => q.Name).Distinct(), Is.EquivalentTo(new[] { Db + ".", "hosts-only.agentshell.test." }));
    }

    [Test]
    public void OnTheRealClockA1STtlFromARealDnsServerIsResolvedAgainAfter5S()
    {
        using var dns = new DnsResponder
        {
            Answer = q => [DnsResponder.Response(q, [new DnsResponder.Rr(q.Name, q.Type, 1, q.Type == DnsResponder.A ? "192.0.2.10" : "2001:db8::10")])],
        };
        var watch = new System.Diagnostics.Stopwatch();
        var at = new ConcurrentQueue<TimeSpan>();
        Task<IPAddress[]> Resolve(string name, CancellationToken ct)
        {
            at.Enqueue(watch.Elapsed);
            return Task.FromResult(new[] { IPAddress.Parse("192.0.2.10") });
        }
        using var envs = new AddressEnvironments(Load(HostsProfile("production", Db)), Resolve, null, new DnsTtl([dns.EndPoint]).QueryAsync);
        watch.Start();
        envs.Start();
        Assert.That(() => at.Count, Is.EqualTo(2).After(10_000, 20));
        var second = at.ToArray()[1];
        TestContext.Out.WriteLine($"resolved again after {second.TotalMilliseconds:F0} ms");
        Assert.That(second, Is.GreaterThanOrEqualTo(AddressEnvironments.MinRefreshInterval).And.LessThan(TimeSpan.FromSeconds(7)));
    }
}
