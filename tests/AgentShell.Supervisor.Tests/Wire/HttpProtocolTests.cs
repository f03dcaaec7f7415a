using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>HTTP/1.1 framing through the wire layer, request by request: bodies read whole for the
/// decision (chunked or not, after a 100 Continue sent here), responses relayed by their framing
/// so the next request on the connection is decided too, upgrades decided then piped, ambiguous
/// framing refused, and what is not HTTP given today's decision.</summary>
[TestFixture]
public sealed class HttpProtocolTests
{
    private const string Production = "{ 'Environments': { 'production': { 'Hosts': ['127.0.0.1', 'api.prod.test'] } } }";
    private ConcurrentQueue<string> _seen = new();

    [SetUp] public void SetUp() => _seen = new();

    private static Task SendAsync(Socket s, string text) => s.SendAsync(Encoding.Latin1.GetBytes(text));

    private const string Mutation = "{\"query\":\"mutation { volumeDelete(volumeId: 1) }\"}";
    private const string Query = "{\"query\":\"{ me { id } }\"}";

    private static string Chunked(string body) =>
        $"{body.Length / 2:x}\r\n{body[..(body.Length / 2)]}\r\n{body.Length - body.Length / 2:x};ext=1\r\n{body[(body.Length / 2)..]}\r\n0\r\n\r\n";

    [Test]
    public async Task AChunkedBodyIsDecidedWholeAndForwardedWithItsLength()
    {
        using var h = new WireHarness(Production, WireHarness.Http(_seen));
        using var c = await h.ConnectAsync();
        await SendAsync(c, "POST /graphql HTTP/1.1\r\nHost: api.prod.test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(Mutation));
        Assert.That(await WireHarness.ReadAsync(c, "\n", 2), Does.StartWith("HTTP/1.1 403 Forbidden\r\n").And.Contain("X-AgentShell-Rule: default.any:destructive-on-production"));
        await SendAsync(c, "POST /graphql HTTP/1.1\r\nHost: api.prod.test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(Query));
        Assert.That(await WireHarness.ReadAsync(c, "ok"), Does.StartWith("HTTP/1.1 200 OK"));
        var forwarded = _seen.Single();
        Assert.That(forwarded, Does.Contain($"Content-Length: {Query.Length}\r\n").And.Not.Contain("Transfer-Encoding").And.EndWith(Query));
    }

    [Test]
    public async Task PipelinedRequestsAreEachDecidedAndAChunkedResponseRelayed()
    {
        const string chunkedOk = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Trailer: t\r\n\r\n";
        using var h = new WireHarness(Production, WireHarness.Http(_seen, chunkedOk));
        using var c = await h.ConnectAsync();
        await SendAsync(c, "GET /a HTTP/1.1\r\nHost: api.prod.test\r\n\r\nDELETE /b HTTP/1.1\r\nHost: api.prod.test\r\n\r\nGET /c HTTP/1.1\r\nHost: api.prod.test\r\n\r\n");
        string got = await WireHarness.ReadAsync(c, "X-Trailer: t\r\n\r\n", 2);
        Assert.That(got.Split("HTTP/1.1 ").Skip(1).Select(r => r[..3]), Is.EqualTo(new[] { "200", "403", "200" }), got);
        Assert.That(_seen.Select(r => r.Split(' ')[1]), Is.EqualTo(new[] { "/a", "/c" }));
        Assert.That(h.UpstreamConnections, Is.EqualTo(1));
    }

    [Test]
    public async Task AnExpectedContinueIsSentHereSoTheBodyCanBeDecided()
    {
        using var h = new WireHarness(Production, WireHarness.Http(_seen));
        using var c = await h.ConnectAsync();
        await SendAsync(c, $"POST /graphql HTTP/1.1\r\nHost: api.prod.test\r\nContent-Type: application/json\r\nContent-Length: {Mutation.Length}\r\nExpect: 100-continue\r\n\r\n");
        Assert.That(await WireHarness.ReadAsync(c, "\r\n\r\n"), Is.EqualTo("HTTP/1.1 100 Continue\r\n\r\n"));
        await SendAsync(c, Mutation);
        Assert.That(await WireHarness.ReadAsync(c, "\n", 2), Does.StartWith("HTTP/1.1 403"));
        Assert.That(_seen, Is.Empty);
    }

    [Test]
    public async Task AnUpgradeWaitsForAPersonThenItsBytesFlowBothWays()
    {
        using var h = new WireHarness(Production, async s =>
        {
            var buf = new byte[4096];
            int n = await s.ReceiveAsync(buf);
            _seen.Enqueue(Encoding.Latin1.GetString(buf, 0, n));
            await s.SendAsync("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nhello"u8.ToArray());
            n = await s.ReceiveAsync(buf);
            await s.SendAsync(buf.AsMemory(0, n)); // echo
        });
        using var c = await h.ConnectAsync();
        await SendAsync(c, "GET /socket HTTP/1.1\r\nHost: api.prod.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (h.Registry.Pending.Count == 0 && sw.Elapsed.TotalSeconds < 10) await Task.Delay(20);
        var item = h.Registry.Pending.Single();
        Assert.That(item.Decision.RuleId, Is.EqualTo("default.any:unknown-effect-on-production"));
        Assert.That(_seen, Is.Empty, "nothing is forwarded while it waits");
        Assert.That(h.Registry.Approve(item.Id, false, "test"), Is.Null);
        Assert.That(await WireHarness.ReadAsync(c, "hello"), Does.StartWith("HTTP/1.1 101").And.EndWith("hello"));
        await SendAsync(c, "frame");
        Assert.That(await WireHarness.ReadAsync(c, "frame"), Is.EqualTo("frame"));
    }

    [Test]
    public async Task ASwitchTheRequestWasNotDecidedAsEndsTheConnection()
    {
        // Go's h2c handler switches on Upgrade: h2c with Connection: HTTP2-Settings (no "upgrade" token).
        using var h = new WireHarness(Production, async s =>
        {
            var buf = new byte[4096];
            int n = await s.ReceiveAsync(buf);
            _seen.Enqueue(Encoding.Latin1.GetString(buf, 0, n));
            await s.SendAsync("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"u8.ToArray());
            while ((n = await s.ReceiveAsync(buf)) > 0) _seen.Enqueue(Encoding.Latin1.GetString(buf, 0, n));
        });
        using var c = await h.ConnectAsync();
        await SendAsync(c, "GET / HTTP/1.1\r\nHost: api.prod.test\r\nConnection: HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n");
        var buf = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.That(await c.ReceiveAsync(buf, SocketFlags.None, cts.Token), Is.Zero, "closed, no 101 passed on");
        try { await SendAsync(c, "DELETE /volumes/1 HTTP/1.1\r\nHost: api.prod.test\r\n\r\n"); }
        catch (SocketException) { } // closed already: nothing can follow, which is the point
        await Task.Delay(300);
        Assert.That(string.Concat(_seen), Does.StartWith("GET / HTTP/1.1").And.Not.Contain("DELETE"));
    }

    [Test]
    public async Task AHostFieldNamingAnotherEnvironmentDoesNotMeetThatHostsRules()
    {
        // A later layer allows deletes on a staging host; a DELETE to production claiming that host is not one.
        const string profile = "{ 'Environments': { 'production': { 'Hosts': ['127.0.0.1'] }, 'staging': { 'Hosts': ['staging.test'] } }, 'Rules': [ { 'Id': 't:deletes-on-staging', 'Hosts': ['staging.test'], 'Effects': ['delete'], 'Action': 'allow', 'Reason': 'r', 'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://staging.test/x']], 'NoMatch': [['curl', '-X', 'DELETE', 'http://other.test/x']] } } ] }";
        using var h = new WireHarness(profile, WireHarness.Http(_seen));
        using var c = await h.ConnectAsync();
        await SendAsync(c, "DELETE /volumes/1 HTTP/1.1\r\nHost: staging.test\r\n\r\n");
        Assert.That(await WireHarness.ReadAsync(c, "\n", 2), Does.StartWith("HTTP/1.1 403").And.Contain("default.any:destructive-on-production"));
        Assert.That(_seen, Is.Empty);
    }

    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nDELETE /x HTTP/1.1\r\nHost: h\r\n\r\n", "400")]
    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n", "501")]
    public async Task AmbiguousFramingIsRefusedAndNothingIsForwarded(string request, string status)
    {
        using var h = new WireHarness(Production, WireHarness.Http(_seen));
        using var c = await h.ConnectAsync();
        await SendAsync(c, request);
        string got = await WireHarness.ReadAsync(c, "\n", 2);
        Assert.That(got, Does.StartWith($"HTTP/1.1 {status}").And.Contain("Connection: close"));
        Assert.That(await WireHarness.ReadAsync(c, "never"), Is.Empty, "the connection is closed after the refusal");
        Assert.That((_seen.Count, h.UpstreamConnections), Is.EqualTo((0, 0)));
    }

    [Test]
    public async Task WhatIsNotHttpFromATrustedProcessRunningANewLibraryIsAnUnknownClients()
    {
        // Settled on its exec's trust when it connected, but it maps a library copied since the run
        // began (LibraryInPlaceTests): the unknown client's decision, blocked here; nothing sent.
        string dir = Directory.CreateTempSubdirectory("agentshell-wire-lib-").FullName;
        try
        {
            string lib = Path.Combine(dir, "libz.so.1");
            using (var h = new WireHarness("{ 'Environments': { 'production': { 'Hosts': ['127.0.0.1'] } }, 'Network': { 'UnknownClientToProduction': 'block' } }", _ => Task.CompletedTask))
            {
                File.Copy(Directory.GetFiles("/usr/lib/x86_64-linux-gnu", "libz.so.1*").Concat(Directory.GetFiles("/lib/x86_64-linux-gnu", "libz.so.1*")).First(), lib);
                var psi = new System.Diagnostics.ProcessStartInfo("sleep", "30");
                psi.Environment["LD_PRELOAD"] = lib;
                using var client = System.Diagnostics.Process.Start(psi)!;
                Thread.Sleep(200); // its libraries are mapped
                Assert.That(File.ReadAllText($"/proc/{client.Id}/maps"), Does.Contain(lib));
                h.Settled = TrustLedger.Settled.Allowed;
                h.Pid = client.Id;
                using var c = await h.ConnectAsync();
                await SendAsync(c, "\u0002raw protocol");
                Assert.That(await WireHarness.ReadAsync(c, "never"), Is.Empty);
                Assert.That(h.UpstreamConnections, Is.EqualTo(0));
                client.Kill();
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public async Task WhatIsNotHttpGetsTodaysDecision()
    {
        var got = new ConcurrentQueue<string>();
        Func<Socket, Task> record = async s =>
        {
            var buf = new byte[64];
            int n = await s.ReceiveAsync(buf);
            got.Enqueue(Encoding.Latin1.GetString(buf, 0, n));
        };
        // Trusted when it connected (an exec that named production), and its code is the run's (a
        // program with its system libraries stands for it): copied through untouched.
        using var client = System.Diagnostics.Process.Start("sleep", "30")!;
        Thread.Sleep(200); // its libraries are mapped
        using (var h = new WireHarness(Production, record) { Settled = TrustLedger.Settled.Allowed, Pid = client.Id })
        {
            using var c = await h.ConnectAsync();
            await SendAsync(c, "\u0002raw protocol");
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (got.IsEmpty && sw.Elapsed.TotalSeconds < 10) await Task.Delay(20);
            Assert.That(got, Is.EqualTo(new[] { "\u0002raw protocol" }));
        }
        client.Kill();
        // An unknown client, and the profile blocks those: reset, nothing sent.
        using (var h = new WireHarness("{ 'Environments': { 'production': { 'Hosts': ['127.0.0.1'] } }, 'Network': { 'UnknownClientToProduction': 'block' } }", record))
        {
            using var c = await h.ConnectAsync();
            await SendAsync(c, "\u0002raw protocol");
            Assert.That(await WireHarness.ReadAsync(c, "never"), Is.Empty);
            Assert.That(h.UpstreamConnections, Is.EqualTo(0));
        }
    }
}
