using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A request that names its GraphQL operation twice is decided on every reading a real
/// server has, not on one: express-graphql runs a POST's URL <c>query</c> before its body's; Go's
/// encoding/json (gqlgen, graphql-go) and ASP.NET's web defaults match JSON keys whatever their
/// case and keep the last; Go's <c>FormValue</c>, <c>URLSearchParams.get</c> and Flask keep a form
/// field's first value, and all of them percent-decode form keys; graphql-upload keeps a repeated
/// multipart operations field's last value, and a look-alike "xboundary=" is not the boundary;
/// Python's json.loads of bytes (Flask, Ariadne, Strawberry) reads a BOM, UTF-16 and NaN.
/// Each attack below carries a <c>volumeDelete</c> that one of those servers runs beside a read the relay saw; python3 sends
/// them to the production stand-in under <c>run</c>, in both guard modes, and nothing carrying the
/// mutation may arrive.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class WireGraphQlReadingsTests(string guard)
{
    private ProductionServer _http = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        _http = new ProductionServer();
    }

    [TearDown]
    public void TearDown() => _http.Dispose();

    private const string Client = """
        import http.client, json, sys, urllib.parse
        K = 'mutation { volumeDelete(volumeId: 1) }'
        R = 'query { me { id } }'
        B = 'query R { me { id } } mutation K { volumeDelete(volumeId: 1) }'
        q = urllib.parse.quote
        J, F = 'application/json', 'application/x-www-form-urlencoded'
        def part(b, op):
            return '--%s\r\nContent-Disposition: form-data; name="operations"\r\n\r\n%s\r\n' % (b, json.dumps({'query': op}))
        attacks = [
            ('/graphql?query=' + q(K), J, json.dumps({'query': R})),
            ('/graphql?%71uery=' + q(K), J, json.dumps({'query': R})),
            ('/graphql', J, '{"query":%s,"QUERY":%s}' % (json.dumps(R), json.dumps(K))),
            ('/graphql', J, json.dumps({'query': B, 'operationName': 'R', 'OPERATIONNAME': 'K'})),
            ('/graphql', F, 'query=' + q(K) + '&query=' + q(R)),
            ('/graphql', F, '%71uery=' + q(K) + '&query=' + q(R)),
            ('/graphql', F, 'query=' + q(B) + '&operationName=K&operationName=R'),
            ('/graphql', 'multipart/form-data; xboundary=Z; boundary=B', part('Z', R) + '--Z--\r\n' + part('B', K) + '--B--\r\n'),
            ('/graphql', 'multipart/form-data; boundary=B', part('B', R) + part('B', K) + '--B--\r\n'),
            ('/graphql', J, b'\xef\xbb\xbf' + json.dumps({'query': K}).encode()),
            ('/graphql', J + '; charset=utf-16', json.dumps({'query': K}).encode('utf-16-le')),
            ('/graphql', J, '{"\\u0071uery": "\\u006dutation { volumeDelete(volumeId: 1) }", "n": NaN}'),
            ('/graphql?x=1', J, json.dumps({'query': R, 'variables': {'Query': 1}})),
        ]
        for path, ctype, body in attacks:
            c = http.client.HTTPConnection('127.0.0.2', int(sys.argv[1]), timeout=60)
            c.request('POST', path, body=body if isinstance(body, bytes) else body.encode(), headers={'Content-Type': ctype})
            r = c.getresponse()
            r.read()
            print(r.status, r.getheader('X-AgentShell-Rule'))
            c.close()
        """;

    [Test]
    public void AMutationBesideAReadInTheSameRequestNeverReachesProduction()
    {
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--pause-timeout", "5", "--",
            Repo.Python, "-c", Client, _http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(3));
        var arrived = _http.Requests.Where(q => (q.Path + q.Body.Replace("\0", "")).Contains("volumeDelete", StringComparison.Ordinal)).Select(q => $"{q.Path} {q.Body}");
        Assert.That(arrived, Is.Empty, "a mutation reached production");
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(Enumerable.Repeat("403 demo.http:delete-on-production", 11).Append("403 default.any:unknown-effect-on-production").Append("200 None")), r.Stderr);
        Assert.That(_http.Requests.Select(q => q.Path), Is.EqualTo(new[] { "/graphql?x=1" }), "the read look-alike passes");
    }
}
