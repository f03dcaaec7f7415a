using System.Security.Cryptography.X509Certificates;
using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A client that offers only <c>h2</c> in its TLS ALPN: the wire layer decides HTTP/1.x
/// only, so the connection gets today's decision (issue 12's fallback), never a pass undecided for
/// a client nothing vouches for. The production stand-in is Node's <c>http2</c> secure server (test
/// CA); the client is Node's own <c>http2.connect</c> under <c>run</c>, sending a DELETE. Both modes.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class WireHttp2OnlyTests(string guard)
{
    private TestCa _ca = null!;
    private string _tmp = null!;
    private Process? _node;
    private int _port;

    private string Log => Path.Combine(_tmp, "requests.log");

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        _ca = new TestCa();
        _tmp = Directory.CreateTempSubdirectory("agentshell-h2-").FullName;
        File.WriteAllText(Path.Combine(_tmp, "cert.pem"), _ca.Server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_tmp, "key.pem"), _ca.Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        _port = NodeStandIn.FreePort("127.0.0.2");
        _node = NodeStandIn.Start(_tmp, """
            const http2 = require('http2'), fs = require('fs');
            const [port, dir] = [+process.argv[2], process.argv[3]];
            const srv = http2.createSecureServer({ key: fs.readFileSync(dir + '/key.pem'), cert: fs.readFileSync(dir + '/cert.pem') });
            srv.on('stream', (stream, headers) => {
              fs.appendFileSync(dir + '/requests.log', `${headers[':method']} ${headers[':path']}\n`);
              stream.respond({ ':status': 200 });
              stream.end('ok\n');
            });
            srv.listen(port, '127.0.0.2', () => console.log('listening'));
            """, _port.ToString(), _tmp);
    }

    [TearDown]
    public void TearDown()
    {
        if (_node is { HasExited: false }) _node.Kill();
        _node?.WaitForExit();
        _node?.Dispose();
        _ca.Dispose();
        Directory.Delete(_tmp, true);
    }

    [Test]
    public void AnH2OnlyClientIsAnUnknownClientsConnectionHeldThenRefused()
    {
        string client = $$"""
            const http2 = require('http2');
            const s = http2.connect('https://127.0.0.2:{{_port}}', { rejectUnauthorized: false });
            s.on('error', e => { console.log('error', e.code); process.exit(0); });
            const r = s.request({ ':method': 'DELETE', ':path': '/customers' });
            r.on('response', h => { console.log('status', h[':status']); s.close(); });
            r.on('error', e => { console.log('error', e.code); process.exit(0); });
            r.end();
            """;
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--pause-timeout", "2", "--", Repo.Which("node"), "-e", client],
            TimeSpan.FromMinutes(2), env: new Dictionary<string, string> { ["SSL_CERT_FILE"] = _ca.PemFile });
        Assert.That(r.Stderr, Does.Contain("[rule network:unknown-client-to-production]"), r.Stdout + r.Stderr);
        Assert.That(r.Stdout, Does.Not.Contain("status 200"));
        Assert.That(File.Exists(Log) ? File.ReadAllText(Log) : "", Does.Not.Contain("DELETE"));
    }
}
