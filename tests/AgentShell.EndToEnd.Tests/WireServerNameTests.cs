using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Which name a request over TLS is decided by (redteam42). A server may act on the TLS
/// server name (a load balancer routing by SNI, a passthrough ingress) or on the Host field or an
/// absolute-form target's authority (an application routing by Host; RFC 9112 takes the target's
/// over Host, Express's req.hostname reads Host). When they name different production hosts, the
/// request is decided under each: a rule scoped to one of them holds whichever the client put it
/// in. python3 under <c>run</c> writes the request itself to the HTTPS stand-in (127.0.0.2, whose
/// certificate names prod.test); both connect-guard modes.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class WireServerNameTests(string guard) : HttpsProductionFixture
{
    private string _dir = null!;

    // prod.test carries a host-scoped block of writes; lax.prod.test, also production, has none.
    private const string Profile = """
        {
          "Description": "redteam42: two production names on one address, a rule scoped to one of them.",
          "Environments": {
            "production": { "Hosts": ["127.0.0.2", "prod.test", "lax.prod.test"] },
            "staging": { "Hosts": ["staging.test"] }
          },
          "Rules": [
            {
              "Id": "test.sni:write-on-prod-test",
              "Hosts": ["prod.test"],
              "Effects": ["write"],
              "Environments": ["production"],
              "Action": "block",
              "Reason": "writes to prod.test are refused",
              "Tests": {
                "Match": [["curl", "-X", "POST", "https://prod.test/orders", "-d", "x=1"]],
                "NoMatch": [["curl", "-X", "POST", "https://lax.prod.test/orders", "-d", "x=1"]]
              }
            },
            {
              "Id": "test.path:admin-on-production",
              "Paths": ["/admin/**"],
              "Effects": ["write"],
              "Environments": ["production"],
              "Action": "block",
              "Reason": "writes under /admin are refused",
              "Tests": {
                "Match": [["curl", "-X", "POST", "https://lax.prod.test/admin/users", "-d", "x=1"]],
                "NoMatch": [["curl", "-X", "POST", "https://lax.prod.test/adminx/users", "-d", "x=1"]]
              }
            }
          ]
        }
        """;

    [SetUp]
    public void SetUp()
    {
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        _dir = Directory.CreateTempSubdirectory("agentshell-sni-").FullName;
        File.WriteAllText(Path.Combine(_dir, "profile.json"), Profile);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Sends, on one TLS connection each, a POST with server name <c>sni</c>, Host field
    /// <c>host</c> and request-target <c>target</c>; prints each status and rule.</summary>
    private string[] Send(params (string Sni, string Host, string Target)[] requests)
    {
        var lines = string.Join("\n", requests.Select(q => $"go('{q.Sni}', '{q.Host}', '{q.Target}')"));
        string py = $$"""
            import socket, ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            def go(sni, host, target):
                s = ctx.wrap_socket(socket.create_connection(('127.0.0.2', {{Https.Port}})), server_hostname=sni)
                s.sendall(('POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\nConnection: close\r\n\r\nx=1' % (target, host)).encode())
                out = b''
                while True:
                    d = s.recv(4096)
                    if not d: break
                    out += d
                head = out.split(b'\r\n\r\n')[0].decode('latin1').split('\r\n')
                rule = [h.split(': ', 1)[1] for h in head if h.lower().startswith('x-agentshell-rule:')]
                print(head[0].split(' ')[1], rule[0] if rule else '-')
            {{lines}}
            """;
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Path.Combine(_dir, "profile.json"), "--pause-timeout", "2", "--",
            Repo.Python, "-c", py], TimeSpan.FromMinutes(1), env: CaEnv);
        TestContext.Out.WriteLine(r.Stdout + r.Stderr);
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Test]
    public void AHostFieldNamingAnotherProductionHostDoesNotEscapeTheServerNamesRule()
    {
        // SNI prod.test (what an SNI-routing front acts on), Host lax.prod.test: decided under both.
        var s = Send(("prod.test", "lax.prod.test", "/orders"));
        Assert.That(s, Is.EqualTo(new[] { "403 test.sni:write-on-prod-test" }));
        Assert.That(Https.Requests, Is.Empty);
    }

    [Test]
    public void AnAbsoluteTargetNamingAnotherProductionHostDoesNotEscapeTheHostFieldsRule()
    {
        // No SNI rule in play: the target's authority says lax.prod.test, the Host field (read by
        // Express's req.hostname) prod.test.
        var s = Send(("lax.prod.test", "prod.test", "https://lax.prod.test/orders"));
        Assert.That(s, Is.EqualTo(new[] { "403 test.sni:write-on-prod-test" }));
        Assert.That(Https.Requests, Is.Empty);
    }

    [Test]
    public void AForwardedHostNamingTheRuledHostIsDecidedUnderIt()
    {
        // Rails (request.host), Django (USE_X_FORWARDED_HOST) and Express behind a trusted proxy take
        // X-Forwarded-Host for the host; IIS's rewrite module and older Symfony take X-Original-URL's path.
        var s = Send(("lax.prod.test", "lax.prod.test\\r\\nX-Forwarded-Host: prod.test", "/orders"),
            ("lax.prod.test", "lax.prod.test\\r\\nX-Original-URL: /admin/users", "/public/x"));
        Assert.That(s, Is.EqualTo(new[] { "403 test.sni:write-on-prod-test", "403 test.path:admin-on-production" }));
        Assert.That(Https.Requests, Is.Empty);
    }

    [Test]
    public void AnAbsoluteTargetNamingTheRuledHostBehindALaxHostFieldIsRefused()
    {
        var s = Send(("lax.prod.test", "lax.prod.test", "https://prod.test/orders"));
        Assert.That(s, Is.EqualTo(new[] { "403 test.sni:write-on-prod-test" }));
        Assert.That(Https.Requests, Is.Empty);
    }

    [Test]
    public void TheServerNamesOwnRuleStillHoldsAndTheLaxHostStillPasses()
    {
        // Look-alikes: one name throughout, ruled and lax; a staging Host behind a lax server name
        // (staging is not where the connection goes: it is bound to the server name).
        var s = Send(("prod.test", "prod.test", "/orders"), ("lax.prod.test", "lax.prod.test", "/orders"),
            ("lax.prod.test", "staging.test", "/orders"), ("lax.prod.test", "LAX.prod.test.:443", "/orders"));
        Assert.That(s, Is.EqualTo(new[] { "403 test.sni:write-on-prod-test", "200 -", "200 -", "200 -" }));
        Assert.That(Https.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "POST /orders", "POST /orders", "POST /orders" }));
    }
    [Test]
    public void APathAServerNormalisesIsDecidedAsItRoutesIt()
    {
        // Go's ServeMux, nginx, Spring and Kestrel route these to /admin/users; Express reads them as sent.
        var s = Send(("lax.prod.test", "lax.prod.test", "/x/../admin/users"), ("lax.prod.test", "lax.prod.test", "/%61dmin/users"),
            ("lax.prod.test", "lax.prod.test", "//admin/users"), ("lax.prod.test", "lax.prod.test", "/admin;v=1/users"),
            ("lax.prod.test", "lax.prod.test", "/./admin/users"));
        Assert.That(s, Is.All.EqualTo("403 test.path:admin-on-production"));
        Assert.That(s, Has.Length.EqualTo(5));
        Assert.That(Https.Requests, Is.Empty);
    }

    [Test]
    public void AHostFieldThatIsNoAuthorityIsRefused()
    {
        // "Host: h/x" moved the URL the decision read under /x; "h?" and "h#" moved the path into a query or fragment.
        var s = Send(("lax.prod.test", "lax.prod.test/x", "/admin/users"), ("lax.prod.test", "lax.prod.test?", "/admin/users"),
            ("lax.prod.test", "lax.prod.test#", "/admin/users"), ("lax.prod.test", "u@lax.prod.test", "/admin/users"));
        Assert.That(s, Is.All.StartsWith("400 "));
        Assert.That(s, Has.Length.EqualTo(4));
        Assert.That(Https.Requests, Is.Empty);
    }

    [Test]
    public void PathsAndHostsThatOnlyLookOddStillArrive()
    {
        var s = Send(("lax.prod.test", "lax.prod.test", "/adminx/users"), ("lax.prod.test", "lax.prod.test", "/a/.well-known/x"),
            ("lax.prod.test", "lax.prod.test", "/files/a%20b"), ("lax.prod.test", "lax.prod.test", "/x/../orders"), ("lax.prod.test", "[::1]:443", "/orders"));
        Assert.That(s, Is.All.EqualTo("200 -"));
        Assert.That(s, Has.Length.EqualTo(5));
    }

    [Test]
    public void AResumedSessionCarriesNothingUndecided()
    {
        // TLS resumption: the session of an allowed connection (GET) resumed for a DELETE, under the
        // same and under another server name. The handshake is with the supervisor (the destination
        // leg is a connection of its own), so a resumed session is a new connection whose requests
        // are read like any other's; a 0-RTT send is not accepted by the supervisor's end (no early
        // data is enabled there), so it comes again after the handshake, through the same reading.
        string py = $$"""
            import socket, ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            def go(method, sni, session=None):
                s = ctx.wrap_socket(socket.create_connection(('127.0.0.2', {{Https.Port}})), server_hostname=sni, session=session)
                s.sendall(('%s /volumes/1 HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' % (method, sni)).encode())
                out = b''
                while True:
                    d = s.recv(4096)
                    if not d: break
                    out += d
                print(method, out.split(b' ')[1].decode())
                return s.session
            sess = go('GET', 'prod.test')
            go('DELETE', 'prod.test', sess)
            go('DELETE', 'lax.prod.test', sess)
            """;
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--pause-timeout", "2", "--",
            Repo.Python, "-c", py], TimeSpan.FromMinutes(1), env: CaEnv);
        TestContext.Out.WriteLine(r.Stdout + r.Stderr);
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "GET 200", "DELETE 403", "DELETE 403" }));
        Assert.That(Https.Requests.Select(q => q.Method), Is.EqualTo(new[] { "GET" }));
    }
}
