using System.Net;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Programs a profile names as clients of production (<c>Network.Clients</c>): they reach it
/// where another program of the same kind is paused or blocked, by connect and by datagram, with
/// connects decided by seccomp notification and again in root mode, in the kernel.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class NamedClientTests(string guard) : ProductionStandInFixture(guard, "agentshell-clients-")
{
    private string[] RunArgs(params string[] rest) => ["run", "--connect-guard", Guard, "--profile", Repo.WireOffProfile, .. rest];

    [Test]
    public void AProfileCanNameAClientOfProduction()
    {
        var python = new FileInfo(Repo.Python).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Repo.Python;
        var profile = Path.Combine(Tmp, "clients.json");
        File.WriteAllText(profile, $$"""{ "Description": "test: python is a known client", "Network": { "Clients": { "production": ["{{python}}"] } } }""");
        var r = AgentShellRunner.Run(RunArgs("--profile", Repo.DemoProfile, "--profile", profile, "--", Repo.Python, "-c", ConnectTests.PyDelete(Http.Url("/volumes/1"))));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("status 200"), r.Stderr);
        Assert.That(Http.Requests.Count, Is.EqualTo(1));
    }

    /// <summary>A named client still reaches production when unknown clients are blocked. Root mode's
    /// kernel refused every untrusted production connect itself there, before the supervisor could
    /// look at the profile's clients; the look-alike, another program, stays blocked.</summary>
    [Test]
    public void ANamedClientReachesProductionWhenUnknownClientsAreBlocked()
    {
        var python = new FileInfo(Repo.Python).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Repo.Python;
        var profile = Path.Combine(Tmp, "clients-block.json");
        File.WriteAllText(profile, $$"""{ "Description": "test: python is a known client, others blocked", "Network": { "UnknownClientToProduction": "block", "Clients": { "production": ["{{python}}"] } } }""");
        var r = AgentShellRunner.Run(RunArgs("--profile", Repo.DemoProfile, "--profile", profile, "--", Repo.Python, "-c", ConnectTests.PyDelete(Http.Url("/volumes/1"))));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("status 200"), r.Stderr);
        Assert.That(Http.Requests.Count, Is.EqualTo(1));
        var perl = AgentShellRunner.Run(RunArgs("--profile", Repo.DemoProfile, "--profile", profile, "--", "perl", "-MIO::Socket::INET", "-e",
            // Root mode's gate takes the connect and then resets it: the answer is what a read gets.
            $"my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.2', PeerPort => {new Uri(Http.Url("/")).Port}) or do {{ print 'refused'; exit }};" +
            " print $s \"DELETE /volumes/1 HTTP/1.0\\r\\n\\r\\n\"; my $l = <$s>; print defined $l ? 'answered' : 'refused'"));
        Assert.That(perl.Stdout.Trim(), Is.EqualTo("refused"), perl.Stderr);
        Assert.That(perl.Stderr, Does.Contain("[rule network:unknown-client-to-production]"));
        Assert.That(Http.Requests.Count, Is.EqualTo(1), "perl sent nothing");
    }

    /// <summary>A named client's datagrams reach production too. Root mode refused every one of them
    /// (a datagram cannot wait at the gate, and the kernel does not know named clients); now the
    /// first is refused while the sender is checked and the next go, as a trusted tool's do.</summary>
    [Test]
    public void ANamedClientsDatagramsReachProduction()
    {
        var python = new FileInfo(Repo.Python).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Repo.Python;
        using var udp = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        int port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var profile = Path.Combine(Tmp, "clients-udp.json");
        File.WriteAllText(profile, $$"""{ "Description": "test: python is a known client", "Network": { "Clients": { "production": ["{{python}}"] } } }""");
        var py = $"import socket, time\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(3):\n    try:\n        s.sendto(b'x', ('127.0.0.2', {port})); print('sent')\n    except OSError as e:\n        print('error', e.errno)\n    time.sleep(0.2)";
        var r = AgentShellRunner.Run(RunArgs("--profile", Repo.DemoProfile, "--profile", profile, "--", Repo.Python, "-c", py));
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(Guard == "kernel" ? new[] { "error 1", "sent", "sent" } : new[] { "sent", "sent", "sent" }), r.Stderr);
        Thread.Sleep(100);
        Assert.That(udp.Available, Is.GreaterThan(0), r.Stderr);
        if (Guard == "kernel") Assert.That(r.Stderr, Does.Contain("[rule supervisor:trusted-datagram-checked]"), r.Stderr);
    }
}
