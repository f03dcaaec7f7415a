using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The address a connect is checked on is the address it connects to: a thread that
/// rewrites the sockaddr after the check (kernel-notes pitfall 2) cannot reach production.</summary>
[TestFixture]
public sealed class ConnectIntegrityTests
{
    private sealed class CountingListener : IDisposable
    {
        private readonly TcpListener _l;
        private int _accepted;
        internal int Port => ((IPEndPoint)_l.LocalEndpoint).Port;
        internal int Accepted => Volatile.Read(ref _accepted);

        internal CountingListener(string address, int port = 0)
        {
            _l = new TcpListener(IPAddress.Parse(address), port);
            _l.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _l.Start(1024);
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    try { (await _l.AcceptSocketAsync()).Dispose(); Interlocked.Increment(ref _accepted); }
                    catch (Exception) { return; }
                }
            });
        }

        public void Dispose() => _l.Stop();
    }

    [Test]
    public void FlippingTheAddressAfterTheCheckNeverReachesProduction()
    {
        KernelSetUp.RequireInterception();
        using var staging = new CountingListener("127.0.0.3");
        using var prod = new CountingListener("127.0.0.2", staging.Port); // same port: only the address flips
        var dir = Directory.CreateTempSubdirectory("agentshell-flip-").FullName;
        var exe = Path.Combine(dir, "flip-connect");
        var cc = Process.Start("gcc", ["-O2", "-pthread", "-o", exe, Path.Combine(Repo.Root, "tests", "AgentShell.EndToEnd.Tests", "native", "flip-connect.c")])!;
        cc.WaitForExit();
        Assert.That(cc.ExitCode, Is.EqualTo(0));
        var profile = Path.Combine(dir, "p.json");
        File.WriteAllText(profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");

        var r = AgentShellRunner.Run(["run", "--profile", profile, "--", exe, "127.0.0.3", "127.0.0.2", staging.Port.ToString(), "400"]);
        Thread.Sleep(200);
        Directory.Delete(dir, true);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(prod.Accepted, Is.EqualTo(0), "a connect checked as staging reached production");
        Assert.That(int.Parse(r.Stdout.Trim()), Is.EqualTo(staging.Accepted).And.GreaterThan(0), "connects checked as staging went to staging");
    }
}
