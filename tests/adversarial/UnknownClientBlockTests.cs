namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Root mode sends an untrusted production connect to the gate instead of refusing it in
/// the kernel once the profile names clients for production (3158fd9), and settles any program's
/// first datagram there in user space (cd7c2f7). What must not follow from that: an unknown
/// client's HTTP GET going to the wire (decided per request, where a GET passes) instead of being
/// blocked, or its datagrams going. Each case runs with and without a named client (perl), and an
/// unknown client (python) sends a request over TCP and two datagrams. With the wire off, its GET
/// is blocked; with it on, every client's HTTP is decided per request there in both modes alike (a
/// GET passes, by design), so the request is a DELETE. Neither became allowed on main 31aec79.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class UnknownClientBlockTests(string guard) : ProductionFixture(guard)
{
    private const string Agent = """
        import socket, sys, urllib.request
        try:
            print("status", urllib.request.urlopen(urllib.request.Request(sys.argv[1], method=sys.argv[3]), timeout=10).status)
        except Exception as e:
            print("error", type(e).__name__)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(2):
            try:
                u.sendto(b"DELETE /volumes/1", ("127.0.0.2", int(sys.argv[2]))); print("sent")
            except OSError as e:
                print("refused", e.errno)
        """;

    [TestCase(false, false, TestName = "{m}(NoClientNamedWireOff)")]
    [TestCase(true, false, TestName = "{m}(PerlNamedWireOff)")]
    [TestCase(false, true, TestName = "{m}(NoClientNamedWireOn)")]
    [TestCase(true, true, TestName = "{m}(PerlNamedWireOn)")]
    public void AnUnknownClientsRequestAndDatagramsStayBlocked(bool named, bool wire)
    {
        using var home = new TestHome();
        string perl = new FileInfo(Repo.Which("perl")).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Repo.Which("perl");
        string clients = named ? $$""", "Clients": { "production": ["{{perl}}"] }""" : "";
        string profile = Path.Combine(home.Dir, "block.json");
        File.WriteAllText(profile, $$"""{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"]{{(wire ? "" : ", \"Wire\": { \"Http\": false }")}} } }, "Network": { "UnknownClientToProduction": "block"{{clients}} } }""");
        using var udp = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0));
        int port = ((System.Net.IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var r = AgentShellRunner.Run(["run", "-q", "--connect-guard", Guard, "--audit", home.AuditLog, "--profile", profile, "--pause-timeout", "1", "--",
            "python3", "-c", Agent, Prod.Url("/volumes/1"), port.ToString(), wire ? "DELETE" : "GET"], TimeSpan.FromMinutes(2), home.Dir, home.Env);
        Thread.Sleep(200); // a datagram still in flight
        TestContext.Out.WriteLine($"{Guard} named={named} wire={wire}: {r.Stdout.Replace('\n', ' ')}");
        Assert.That(Prod.Requests, Is.Empty, r.Stdout + r.Stderr);
        Assert.That(udp.Available, Is.EqualTo(0), $"a datagram reached production: {r.Stdout}\n{r.Stderr}");
        Assert.That(r.Stdout, Does.StartWith("error ").And.Not.Contain("sent"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain(wire ? "[rule default.any:destructive-on-production]" : "[rule network:unknown-client-to-production]"));
    }
}
