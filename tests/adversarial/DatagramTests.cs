using System.Net;
using System.Net.Sockets;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11: datagrams with a destination (sendto, sendmsg on an unconnected UDP socket)
/// are decided like connects in both modes: an unknown client's datagram to production is refused
/// (it cannot wait for a person), one to staging goes.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class DatagramTests(string guard)
{
    [SetUp]
    public void SetUp() => Attacks.Require(guard);

    [Test]
    public void AnUnknownClientsDatagramsReachStagingButNeverProduction()
    {
        using var prod = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        using var staging = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
        int pp = ((IPEndPoint)prod.Client.LocalEndPoint!).Port, sp = ((IPEndPoint)staging.Client.LocalEndPoint!).Port;
        string py = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
                    $"for host, port in (('127.0.0.2', {pp}), ('127.0.0.3', {sp})):\n" +
                    "    for how in ('sendto', 'sendmsg'):\n" +
                    "        try:\n" +
                    "            s.sendto(b'x', (host, port)) if how == 'sendto' else s.sendmsg([b'x'], [], 0, (host, port))\n" +
                    "            print(host, how, 'sent')\n" +
                    "        except OSError as e:\n" +
                    "            print(host, how, 'error', e.errno)\n";
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--", Repo.Python, "-c", py]);
        Assert.That(r.Stdout, Does.Contain("127.0.0.2 sendto error 1").And.Contain("127.0.0.2 sendmsg error 1"), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("127.0.0.3 sendto sent").And.Contain("127.0.0.3 sendmsg sent"));
        Assert.That(r.Stderr, Does.Contain("[rule network:unknown-client-to-production]"));
        Thread.Sleep(200);
        Assert.That(prod.Available, Is.EqualTo(0), "no datagram reached production");
        Assert.That(staging.Available, Is.GreaterThan(0));
    }
}
