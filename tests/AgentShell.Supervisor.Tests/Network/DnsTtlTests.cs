using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AgentShell.Supervisor.Network;
using static AgentShell.Tests.Shared.DnsResponder;

namespace AgentShell.Supervisor.Tests.Network;

/// <summary>The DNS TTL client against real UDP DNS servers on loopback ports that answer as each
/// test scripts them, including wrong, garbled and truncated answers.</summary>
[TestFixture]
public sealed class DnsTtlTests
{
    private const string Name = "backboard.railway.app";
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(300);

    private readonly List<DnsResponder> _servers = [];

    [TearDown]
    public void TearDown()
    {
        foreach (var s in _servers) s.Dispose();
        _servers.Clear();
    }

    private DnsResponder Server(Func<Query, IEnumerable<byte[]>> answer)
    {
        var s = new DnsResponder { Answer = answer };
        _servers.Add(s);
        return s;
    }

    private static TimeSpan? Ask(string name, params DnsResponder[] servers) =>
        new DnsTtl([.. servers.Select(s => s.EndPoint)], Timeout).QueryAsync(name, CancellationToken.None).GetAwaiter().GetResult();

    private static byte[][] One(byte[] datagram) => [datagram];

    /// <summary>A: 192.0.2.1 with <paramref name="a"/>; AAAA: 2001:db8::1 with <paramref name="aaaa"/>
    /// (null: no record of the type, NODATA).</summary>
    private static Func<Query, IEnumerable<byte[]>> Addresses(uint? a, uint? aaaa) => q =>
        One(Response(q, (q.Type == A ? a : aaaa) is uint ttl ? [new Rr(q.Name, q.Type, ttl, q.Type == A ? "192.0.2.1" : "2001:db8::1")] : []));

    [TestCase(300u, 120u, 120)]
    [TestCase(120u, 300u, 120)]
    [TestCase(300u, null, 300)]     // NODATA for AAAA: the A answer alone
    [TestCase(null, 45u, 45)]
    [TestCase(0u, 300u, 0)]
    [TestCase(0x8000_0000u, 300u, 0)] // RFC 2181: the top bit set means zero
    public void TheSmallestTtlOfTheAAndAaaaAnswers(uint? a, uint? aaaa, int expected)
    {
        var s = Server(Addresses(a, aaaa));
        Assert.That(Ask(Name, s), Is.EqualTo(TimeSpan.FromSeconds(expected)));
    }

    [Test]
    public void NoAddressRecordsOfEitherTypeIsNoTtl()
    {
        var s = Server(Addresses(null, null));
        Assert.That(Ask(Name, s), Is.Null);
    }

    [Test]
    public void QueriesAreStandardRecursiveAAndAaaaForTheAbsoluteNameWithRandomIds()
    {
        var s = Server(Addresses(300, 300));
        for (int i = 0; i < 4; i++) Assert.That(Ask(Name, s), Is.EqualTo(TimeSpan.FromSeconds(300)));
        var queries = s.Queries.ToArray();
        Assert.That(queries, Has.Length.EqualTo(8));
        Assert.Multiple(() =>
        {
            Assert.That(queries.Select(q => q.Type), Is.EquivalentTo(Enumerable.Repeat(A, 4).Concat(Enumerable.Repeat(Aaaa, 4))));
            Assert.That(queries.Select(q => q.Name).Distinct(), Is.EqualTo(new[] { "backboard.railway.app." }));
            Assert.That(queries.Select(q => q.Flags).Distinct(), Is.EqualTo(new[] { (ushort)0x0100 }), "a query with RD only");
            Assert.That(queries.All(q => q.QdCount == 1 && q.OtherCounts == 0 && q.Class == 1));
            Assert.That(queries.Select(q => q.Id).Distinct().Count(), Is.GreaterThan(1), "ids are random");
        });
    }

    [Test]
    public void ATrailingDotOrUpperCaseIsTheSameName()
    {
        var s = Server(Addresses(77, null));
        Assert.Multiple(() =>
        {
            Assert.That(Ask("backboard.railway.app.", s), Is.EqualTo(TimeSpan.FromSeconds(77)));
            Assert.That(Ask("Backboard.Railway.APP", s), Is.EqualTo(TimeSpan.FromSeconds(77)));
        });
    }

    // www → edge → edge2 → A/AAAA: every link's TTL counts; a record off the chain does not.
    [TestCase(30u, 600u, 300u, 30, true)]
    [TestCase(900u, 20u, 300u, 20, true)]
    [TestCase(900u, 600u, 45u, 45, true)]
    [TestCase(30u, 600u, 300u, 30, false)]  // uncompressed names
    public void ACnameChainCountsEveryLink(uint first, uint second, uint last, int expected, bool compress)
    {
        var s = Server(q => One(Response(q,
        [
            new Rr("unrelated.example.test", q.Type, 1, q.Type == A ? "192.0.2.99" : "2001:db8::99"),
            new Rr(q.Name, Cname, first, "edge.cdn.test"),
            new Rr("edge.cdn.test", Cname, second, "edge2.cdn.test"),
            new Rr("edge2.cdn.test", q.Type, last, q.Type == A ? "192.0.2.1" : "2001:db8::1"),
            new Rr("edge2.cdn.test", q.Type, last + 5, q.Type == A ? "192.0.2.2" : "2001:db8::2"),
        ], compress: compress)));
        Assert.That(Ask(Name, s), Is.EqualTo(TimeSpan.FromSeconds(expected)));
    }

    [Test]
    public void AChainOutOfOrderIsFollowedAndOneThatEndsNowhereIsNoTtl()
    {
        var ordered = Server(q => One(Response(q,
        [
            new Rr("edge2.cdn.test", q.Type, 300, q.Type == A ? "192.0.2.1" : "2001:db8::1"),
            new Rr("edge.cdn.test", Cname, 50, "edge2.cdn.test"),
            new Rr(q.Name, Cname, 600, "edge.cdn.test"),
        ])));
        var dangling = Server(q => One(Response(q,
        [
            new Rr(q.Name, Cname, 600, "edge.cdn.test"),
            new Rr("elsewhere.cdn.test", q.Type, 300, q.Type == A ? "192.0.2.1" : "2001:db8::1"),
        ])));
        var loop = Server(q => One(Response(q,
        [
            new Rr(q.Name, Cname, 600, "edge.cdn.test"),
            new Rr("edge.cdn.test", Cname, 600, q.Name),
        ])));
        Assert.Multiple(() =>
        {
            Assert.That(Ask(Name, ordered), Is.EqualTo(TimeSpan.FromSeconds(50)));
            Assert.That(Ask(Name, dangling), Is.Null);
            Assert.That(Ask(Name, loop), Is.Null);
        });
    }

    [Test]
    public void NxdomainIsAnAnswerNoTtlAndTheNextServerIsNotAsked()
    {
        var first = Server(q => One(Response(q, [], rcode: 3)));
        var second = Server(Addresses(300, 300));
        var watch = Stopwatch.StartNew();
        Assert.That(Ask(Name, first, second), Is.Null);
        Assert.That(watch.Elapsed, Is.LessThan(Timeout), "answered: no waiting");
        Assert.That(second.Queries, Is.Empty);
    }

    [TestCase(2)] // SERVFAIL
    [TestCase(5)] // REFUSED
    public void AServerFailureMovesOnToTheNextServer(int rcode)
    {
        var first = Server(q => One(Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.1" : "2001:db8::1")], rcode: rcode)));
        var second = Server(Addresses(300, 200));
        Assert.That(Ask(Name, first, second), Is.EqualTo(TimeSpan.FromSeconds(200)));
        Assert.That(second.Queries, Has.Count.EqualTo(2));
    }

    [Test]
    public void ASilentOrClosedServerMovesOnToTheNext()
    {
        var silent = Server(_ => []);
        IPEndPoint closed;
        using (var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closed = (IPEndPoint)s.LocalEndPoint!;
        }
        var good = Server(Addresses(300, 250));
        var ttl = new DnsTtl([closed, silent.EndPoint, good.EndPoint], Timeout).QueryAsync(Name, CancellationToken.None).GetAwaiter().GetResult();
        Assert.That(ttl, Is.EqualTo(TimeSpan.FromSeconds(250)));
        Assert.That(silent.Queries, Has.Count.EqualTo(2));
    }

    [Test]
    public void NoServerAnsweringIsNoTtlWithinTheTimeouts()
    {
        var a = Server(_ => []);
        var b = Server(_ => []);
        var watch = Stopwatch.StartNew();
        Assert.That(Ask(Name, a, b), Is.Null);
        Assert.That(watch.Elapsed, Is.LessThan(Timeout * 2 + TimeSpan.FromSeconds(1)), "A and AAAA in parallel, one timeout per server");
    }

    [Test]
    public void AnAnswerWithAnotherIdIsIgnored()
    {
        // The forged answer comes first with TTL 1; the client waits for its own.
        var s = Server(q =>
        [
            Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.66" : "2001:db8::66")], id: q.Id ^ 0x5A5A),
            Response(q, [new Rr(q.Name, q.Type, 300, q.Type == A ? "192.0.2.1" : "2001:db8::1")]),
        ]);
        Assert.That(Ask(Name, s), Is.EqualTo(TimeSpan.FromSeconds(300)));
        var onlyForged = Server(q => One(Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.66" : "2001:db8::66")], id: q.Id ^ 1)));
        Assert.That(Ask(Name, onlyForged), Is.Null);
    }

    [Test]
    public void AnAnswerToAnotherQuestionOrAQueryIsIgnored()
    {
        // Right id, but the question is another name's (its records still name ours): ignored, the real answer counts.
        var otherName = Server(q =>
        [
            Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.66" : "2001:db8::66")], questionName: "other.railway.app"),
            Response(q, [new Rr(q.Name, q.Type, 300, q.Type == A ? "192.0.2.1" : "2001:db8::1")]),
        ]);
        var otherType = Server(q =>
        [
            Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.66" : "2001:db8::66")], questionType: q.Type == A ? Aaaa : A),
            Response(q, [new Rr(q.Name, q.Type, 300, q.Type == A ? "192.0.2.1" : "2001:db8::1")]),
        ]);
        var notAResponse = Server(q =>
        {
            var m = Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.66" : "2001:db8::66")]);
            m[2] &= 0x7F; // QR cleared
            return [m, Response(q, [new Rr(q.Name, q.Type, 300, q.Type == A ? "192.0.2.1" : "2001:db8::1")])];
        });
        var mixedCase = Server(q => One(Response(q, [new Rr("BackBoard.RAILWAY.app", q.Type, 90, q.Type == A ? "192.0.2.1" : "2001:db8::1")],
            questionName: "BackBoard.RAILWAY.app", compress: false)));
        Assert.Multiple(() =>
        {
            Assert.That(Ask(Name, otherName), Is.EqualTo(TimeSpan.FromSeconds(300)));
            Assert.That(Ask(Name, otherType), Is.EqualTo(TimeSpan.FromSeconds(300)));
            Assert.That(Ask(Name, notAResponse), Is.EqualTo(TimeSpan.FromSeconds(300)));
            Assert.That(Ask(Name, mixedCase), Is.EqualTo(TimeSpan.FromSeconds(90)), "0x20 case from the server is the same name");
        });
    }

    [Test]
    public void ATruncatedAnswerIsNotUsed()
    {
        var tc = Server(q => One(Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.1" : "2001:db8::1")], truncated: true)));
        Assert.That(Ask(Name, tc), Is.Null);
        var second = Server(Addresses(300, 300));
        Assert.That(Ask(Name, tc, second), Is.EqualTo(TimeSpan.FromSeconds(300)), "the next server is asked");
    }

    [Test]
    public void GarbageIsNoTtlAndNeverThrows()
    {
        var random = new Random(7);
        var noise = Server(_ => [new byte[] { 1, 2, 3, 4, 5 }, RandomBytes(random, 100), []]);
        var cut = Server(q =>
        {
            var m = Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.1" : "2001:db8::1")]);
            return [m[..^3]]; // right id and question, the record cut short
        });
        var lying = Server(q =>
        {
            var m = Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.1" : "2001:db8::1")]);
            BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), 60000); // ANCOUNT far beyond the datagram
            return [m];
        });
        var pointerLoop = Server(q =>
        {
            var m = Response(q, [new Rr(q.Name, q.Type, 1, q.Type == A ? "192.0.2.1" : "2001:db8::1")], compress: false);
            int owner = 12 + q.Name.Length + 1 + 4;
            m[owner] = (byte)(0xC0 | (owner >> 8)); m[owner + 1] = (byte)owner; // the owner name points at itself
            return [m];
        });
        Assert.Multiple(() =>
        {
            Assert.That(Ask(Name, noise), Is.Null);
            Assert.That(Ask(Name, cut), Is.Null);
            Assert.That(Ask(Name, lying), Is.Null);
            Assert.That(Ask(Name, pointerLoop), Is.Null);
        });
    }

    [Test]
    public void TheParserNeverThrowsOnAnyCutOrMutationOfARealAnswer()
    {
        Assert.That(DnsTtl.TryEncodeName(Name, out var qname));
        var query = new Query(0x1234, 0x0100, 1, 0, Name + ".", A, 1);
        var answer = Response(query,
        [
            new Rr(Name, Cname, 30, "edge.cdn.test"),
            new Rr("edge.cdn.test", Cname, 600, "edge2.cdn.test"),
            new Rr("edge2.cdn.test", A, 300, "192.0.2.1"),
        ]);
        Assert.That(DnsTtl.ParseAnswer(answer, 0x1234, qname, A, out uint ttl), Is.EqualTo(DnsTtl.Verdict.Ttl));
        Assert.That(ttl, Is.EqualTo(30));
        for (int n = 0; n < answer.Length; n++)
            Assert.That(DnsTtl.ParseAnswer(answer.AsSpan(0, n), 0x1234, qname, A, out _), Is.Not.EqualTo(DnsTtl.Verdict.Ttl), $"cut at {n}");
        var random = new Random(11);
        var mutated = new byte[answer.Length];
        int judged = 0;
        for (int i = 0; i < 200_000; i++)
        {
            answer.CopyTo(mutated, 0);
            for (int k = random.Next(1, 4); k > 0; k--) mutated[random.Next(2, mutated.Length)] = (byte)random.Next(256);
            DnsTtl.ParseAnswer(mutated, 0x1234, qname, A, out _);
            judged++;
        }
        Assert.That(judged, Is.EqualTo(200_000));
    }

    [TestCase("")]
    [TestCase(".")]
    [TestCase("a..railway.app")]
    [TestCase("bäckboard.railway.app")]
    public void ANameThatCannotBeADnsNameIsNoTtlAndSendsNothing(string name)
    {
        var s = Server(Addresses(300, 300));
        Assert.That(Ask(name, s), Is.Null);
        Assert.That(s.Queries, Is.Empty);
    }

    [Test]
    public void NamesOverTheDnsLimitsAreRefused()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DnsTtl.TryEncodeName(new string('a', 63) + ".test", out _), Is.True);
            Assert.That(DnsTtl.TryEncodeName(new string('a', 64) + ".test", out _), Is.False);
            string longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', 61); // 253 characters
            Assert.That(DnsTtl.TryEncodeName(longest, out var wire), Is.True);
            Assert.That(wire, Has.Length.EqualTo(255));
            Assert.That(DnsTtl.TryEncodeName(longest + "b", out _), Is.False);
        });
    }

    [Test]
    public void CancellationIsTheOnlyException()
    {
        var silent = Server(_ => []);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var query = new DnsTtl([silent.EndPoint], TimeSpan.FromSeconds(5)).QueryAsync(Name, cancel.Token);
        Assert.That(async () => await query, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void NameserversComeFromResolvConfLinesAsGlibcReadsThem()
    {
        string dir = Directory.CreateTempSubdirectory("agentshell-resolv-").FullName;
        try
        {
            string path = Path.Combine(dir, "resolv.conf");
            File.WriteAllText(path, """
                # generated
                search corp.example
                options ndots:2
                ;nameserver 192.0.2.200
                #nameserver 192.0.2.201
                nameserver not-an-address
                nameserver	10.0.0.53
                nameserver ::1
                nameserver 192.0.2.53   # trailing comment
                nameserver 192.0.2.54
                """);
            Assert.That(DnsTtl.ReadNameservers(path), Is.EqualTo(new[]
            {
                new IPEndPoint(IPAddress.Parse("10.0.0.53"), 53), new IPEndPoint(IPAddress.IPv6Loopback, 53), new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53),
            }), "at most three, in order");
            File.WriteAllText(path, "search corp.example\n");
            Assert.That(DnsTtl.ReadNameservers(path), Is.EqualTo(new[] { new IPEndPoint(IPAddress.Loopback, 53) }), "none: the local server");
            Assert.That(DnsTtl.ReadNameservers(Path.Combine(dir, "missing")), Is.EqualTo(new[] { new IPEndPoint(IPAddress.Loopback, 53) }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] RandomBytes(Random random, int n)
    {
        var b = new byte[n];
        random.NextBytes(b);
        return b;
    }
}
