using System.Text;
using AgentShell.Core.Model;
using AgentShell.Supervisor.Wire.Http;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>The readings a server may act on beside the request as sent (redteam42): the path a
/// normalising server routes on, the TLS server name and an absolute target's Host field, each a
/// target of its own so the strictest rule decides; a Host field that is no authority is refused;
/// a body cut at the read cap that may still be JSON is unknown whatever its declared type.</summary>
[TestFixture]
public sealed class ServerReadingsTests
{
    [TestCase("/x/../admin/users", "/admin/users")]
    [TestCase("/%61dmin/users", "/admin/users")]
    [TestCase("//admin//users", "/admin/users")]
    [TestCase("/admin;jsessionid=1/users", "/admin/users")]
    [TestCase("/./admin/users", "/admin/users")]
    [TestCase("/x\\..\\admin", "/admin")]
    [TestCase("/%2e%2e/admin", "/admin")]
    [TestCase("/../../admin/", "/admin/")]
    [TestCase("/a%2Fb", null)] // an encoded slash stays one segment
    [TestCase("/files/a%20b", null)]
    [TestCase("/a/.well-known/x", null)]
    [TestCase("/v1/users/john.doe", null)]
    [TestCase("/", null)]
    public void TheServersPathIsTheNormalisedOne(string path, string? normal) =>
        Assert.That(HttpIntent.ServerPath(path), Is.EqualTo(normal));

    private static CommandIntent Build(string head, string? sni = null, byte[]? body = null, bool complete = true)
    {
        var h = HttpRequestHead.Parse(Encoding.Latin1.GetBytes(head));
        var b = new RequestBody { Data = body ?? [], Length = body?.Length ?? 0, Complete = complete };
        return HttpIntent.Build(h, b, tls: true, "10.0.0.5:443", null, sni).Intent;
    }

    [Test]
    public void AServerNameOtherThanTheHostIsATargetToo()
    {
        var i = Build("POST /orders HTTP/1.1\r\nHost: lax.prod.test\r\nContent-Length: 0\r\n\r\n", "prod.test");
        Assert.That(i.Targets.Select(t => t.ToString()), Is.EqualTo(new[] { "https://lax.prod.test/orders", "https://prod.test/orders" }));
    }

    [Test]
    public void AnAbsoluteTargetsHostFieldIsATargetToo()
    {
        var i = Build("POST https://lax.prod.test/orders HTTP/1.1\r\nHost: prod.test\r\nContent-Length: 0\r\n\r\n", "lax.prod.test");
        Assert.That(i.Targets.Select(t => t.Host), Is.EqualTo(new[] { "lax.prod.test", "prod.test" }));
    }

    [TestCase("X-Forwarded-Host: prod.test\r\n", "prod.test")]
    [TestCase("X-Forwarded-Host: lax.prod.test, prod.test:443\r\n", "prod.test")]
    [TestCase("X-Host: prod.test\r\n", "prod.test")]
    [TestCase("Forwarded: for=10.0.0.1;host=\"prod.test\";proto=https\r\n", "prod.test")]
    public void AForwardedHostIsATargetToo(string field, string host)
    {
        var i = Build($"POST /orders HTTP/1.1\r\nHost: lax.prod.test\r\n{field}Content-Length: 0\r\n\r\n", "lax.prod.test");
        Assert.That(i.Targets.Select(t => t.Host), Is.EqualTo(new[] { "lax.prod.test", host }));
    }

    [TestCase("X-Original-URL")]
    [TestCase("X-Rewrite-URL")]
    public void ARewrittenUrlsPathIsATargetToo(string field)
    {
        var i = Build($"POST /public/x HTTP/1.1\r\nHost: h\r\n{field}: /admin/users?x=1\r\nContent-Length: 0\r\n\r\n");
        Assert.That(i.Targets.Select(t => t.Path), Is.EqualTo(new[] { "/public/x", "/admin/users" }));
    }

    [TestCase("prod.test")]
    [TestCase("PROD.test.")]
    [TestCase("prod.test:443")]
    public void NamesThatAgreeMakeOneTarget(string host)
    {
        var i = Build($"GET /orders HTTP/1.1\r\nHost: {host}\r\n\r\n", "prod.test");
        Assert.That(i.Targets, Has.Count.EqualTo(1));
    }

    [TestCase("h/x")]
    [TestCase("h?")]
    [TestCase("h#x")]
    [TestCase("u@h")]
    [TestCase("h\\x")]
    [TestCase("h x")]
    public void AHostFieldThatIsNoAuthorityIsRefused(string host)
    {
        var e = Assert.Throws<HttpFramingException>(() => HttpRequestHead.Parse(Encoding.Latin1.GetBytes($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n")));
        Assert.That(e!.Status, Is.EqualTo(400));
    }

    [TestCase("api.prod.example.com:8443")]
    [TestCase("[2001:db8::1]:443")]
    [TestCase("10.0.0.5")]
    [TestCase("")]
    public void AnAuthorityIsAHostField(string host) =>
        Assert.That(HttpRequestHead.Parse(Encoding.Latin1.GetBytes($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n")).Header("Host"), Is.EqualTo(host));

    [TestCase("                ", Effect.Unknown)]
    [TestCase("  \n {\"pad\":\"", Effect.Unknown)]
    [TestCase("[{\"query\":\"", Effect.Unknown)]
    [TestCase("\u0089PNG\r\n\u001a\n....", Effect.Write)]
    [TestCase("id,name\n1,a\n", Effect.Write)]
    public void ABodyCutAtTheCapThatMayBeJsonIsUnknownWhateverItsType(string start, Effect effect)
    {
        var body = Encoding.Latin1.GetBytes(start);
        var i = Build($"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length + 5_000_000}\r\n\r\n", body: body, complete: false);
        Assert.That(i.Effect, Is.EqualTo(effect));
    }
    [TestCase("", "_method=DELETE", Effect.Delete)]
    [TestCase("Content-Type: multipart/mixed; boundary=XX\r\n", "--XX\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nDELETE\r\n--XX--\r\n", Effect.Delete)]
    [TestCase("Content-Type: multipart/related; boundary=XX\r\n", "--XX\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nDELETE\r\n--XX--\r\n", Effect.Delete)]
    [TestCase("", "name=x&note=_method+DELETE", Effect.Write)]
    [TestCase("Content-Type: text/csv\r\n", "_method=DELETE", Effect.Write)] // Rack reads no form from text/csv
    public void AnOverrideInABodyRackReadsAsAFormCounts(string type, string body, Effect effect)
    {
        var data = Encoding.Latin1.GetBytes(body);
        var i = Build($"POST /volumes/1 HTTP/1.1\r\nHost: h\r\n{type}Content-Length: {data.Length}\r\n\r\n", body: data);
        Assert.That(i.Effect, Is.EqualTo(effect));
    }
}
