using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11 (a confused deputy): a production connection is terminated by the supervisor and
/// made again upstream by it (the wire layer; root mode's gate). Made with a root supervisor's
/// credentials, the upstream socket was root's for a tree that had dropped to another user, so a
/// firewall rule by socket owner written for that user (`iptables -m owner --uid-owner`) no longer
/// matched: on main 905dab8 the production stand-in saw every such connection owned by uid 0, in
/// both modes. The stand-in here reads the owner of the socket that reached it from /proc/net/tcp
/// (the uid the kernel keeps for it, the one owner matches use), and answers with it.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class UpstreamOwnerTests(string guard) : ProductionFixture(guard)
{
    private TcpListener _listener = null!;
    private Thread _server = null!;

    [SetUp]
    public void StartOwnerServer()
    {
        if (Mono.Unix.Native.Syscall.geteuid() != 0) Assert.Ignore("a tree that drops to another user needs a root run (setpriv --reuid)");
        if (!File.Exists("/usr/bin/setpriv") || !File.Exists("/usr/bin/python3")) Assert.Ignore("setpriv and /usr/bin/python3 are needed here");
        _listener = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        _listener.Start();
        _server = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    using var c = _listener.AcceptSocket();
                    var buf = new byte[4096];
                    int n = 0;
                    while (n < buf.Length && !Encoding.ASCII.GetString(buf, 0, n).Contains("\r\n\r\n"))
                    {
                        int k = c.Receive(buf, n, buf.Length - n, SocketFlags.None);
                        if (k == 0) break;
                        n += k;
                    }
                    string body = $"uid {OwnerOf((IPEndPoint)c.RemoteEndPoint!)}";
                    c.Send(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }) { IsBackground = true };
        _server.Start();
    }

    [TearDown]
    public void StopOwnerServer()
    {
        _listener?.Dispose();
        _server?.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary>The uid column of the /proc/net/tcp line whose local address is <paramref name="peer"/>.</summary>
    private static string OwnerOf(IPEndPoint peer)
    {
        var ip = peer.Address.MapToIPv4().GetAddressBytes();
        string local = $"{ip[3]:X2}{ip[2]:X2}{ip[1]:X2}{ip[0]:X2}:{peer.Port:X4}";
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length > 7 && f[1] == local) return f[7];
        }
        return "?";
    }

    private string Get(params string[] who)
    {
        using var home = new TestHome();
        string url = $"http://127.0.0.2:{((IPEndPoint)_listener.LocalEndpoint).Port}/volumes/1";
        string py = $"import urllib.request; print(urllib.request.urlopen('{url}', timeout=20).read().decode())";
        var r = home.Run(Guard, [.. who, "/usr/bin/python3", "-c", py]);
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        return r.Stdout.Trim();
    }

    [Test]
    public void AnUpstreamConnectionIsOwnedByTheUserTheTreeDroppedTo() =>
        Assert.That(Get(["/usr/bin/setpriv", .. OtherUser.NobodyIds]), Is.EqualTo("uid 65534"));

    /// <summary>The look-alike: a tree with the supervisor's credentials: its connections are root's, as before.</summary>
    [Test]
    public void ATreeWithTheSupervisorsUserConnectsAsIt() =>
        Assert.That(Get(), Is.EqualTo("uid 0"));
}
