using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class CurlTests
{
    private static CommandIntent Parse(params string[] args) => Curl.Parse(args, CorpusFixture.Context(), null);

    [TestCase(new[] { "http://h/x" }, "GET http://h/x", Effect.Read)]
    [TestCase(new[] { "-XDELETE", "http://h/x" }, "DELETE http://h/x", Effect.Delete)]
    [TestCase(new[] { "-d", "a=1", "http://h/x" }, "POST http://h/x", Effect.Write)]
    [TestCase(new[] { "-G", "-d", "a=1", "http://h/x" }, "GET http://h/x", Effect.Read)]
    [TestCase(new[] { "-I", "http://h/x" }, "HEAD http://h/x", Effect.Read)]
    [TestCase(new[] { "-T", "f", "http://h/x" }, "PUT http://h/x", Effect.Write)]
    [TestCase(new[] { "--json", "{}", "http://h/x" }, "POST http://h/x", Effect.Write)]
    [TestCase(new[] { "-K", "cfg", "http://h/x" }, "GET http://h/x", Effect.Unknown)]
    [TestCase(new[] { "-d", "@nope.json", "http://h/x" }, "POST http://h/x", Effect.Unknown)]
    [TestCase(new[] { "-d", "@railway-delete.json", "http://h/x" }, "POST http://h/x (mutation volumeDelete)", Effect.Wipe)]
    [TestCase(new[] { "--data-raw", "@railway-delete.json", "http://h/x" }, "POST http://h/x", Effect.Write)]
    [TestCase(new[] { "-X", "DELETE", "-d", "{\"query\":\"query { me { id } }\"}", "http://h/x" }, "DELETE http://h/x", Effect.Delete)]
    public void MethodAndEffect(string[] args, string summary, Effect effect)
    {
        var i = Parse(args);
        Assert.Multiple(() =>
        {
            Assert.That(i.Summary, Is.EqualTo(summary));
            Assert.That(i.Effect, Is.EqualTo(effect));
        });
    }

    [Test]
    public void StdinBodyIsUsedForAtDash()
    {
        var call = new ToolCall { Args = ["-d", "@-", "http://h/g"], Context = CorpusFixture.Context(), StdinText = "{\"query\":\"mutation { deleteUser(id: 1) }\"}" };
        Assert.That(Curl.Parse(call.Args, call.Context, call).Effect, Is.EqualTo(Effect.Delete));
    }

    [Test]
    public void EvidenceQuotesTheTokens()
    {
        var i = Parse("-X", "DELETE", "https://api.example.com/v/1");
        Assert.That(i.Evidence.Select(e => e.Token), Has.Member("-X DELETE").And.Member("https://api.example.com/v/1"));
    }

    // Option grammar: curl 7.88 takes a unique prefix in any case, curl 8 takes --name=value.
    [TestCase(new[] { "--Request", "DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "--REQUEST", "DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "--request=DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "-sSLX", "DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "https://h/x", "-sSLXDELETE" }, Effect.Delete)]
    [TestCase(new[] { "--data-u", "query=mutation { deleteUser(id: 1) }", "https://h/g" }, Effect.Delete)]
    [TestCase(new[] { "--expand-request", "DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "--no-get", "-d", "a=1", "https://h/x" }, Effect.Write)]
    [TestCase(new[] { "--REQ", "DELETE", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "--requ", "GET", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "--dat", "x", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "--frobnicate", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "--expand-request", "{{m}}", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "-", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "https://h/x", "-X" }, Effect.Unknown)]
    public void OptionsAreReadAsCurlReadsThem(string[] args, Effect effect) =>
        Assert.That(Parse(args).Effect, Is.EqualTo(effect), string.Join(' ', args));

    // Schemes that carry bytes of the caller's choosing are unknown whatever the method says.
    [TestCase(new[] { "gopher://cache.prod.example.com:6379/_FLUSHALL%0d%0a" }, Effect.Unknown, "gopher://cache.prod.example.com:6379")]
    [TestCase(new[] { "dict://cache.prod.example.com:6379/FLUSHALL" }, Effect.Unknown, "dict://")]
    [TestCase(new[] { "telnet://db.prod.example.com:5432" }, Effect.Unknown, "telnet://")]
    [TestCase(new[] { "-X", "GET", "smtp://mail.example.com", "--mail-rcpt", "a@b" }, Effect.Unknown, "smtp://")]
    [TestCase(new[] { "dict.prod.example.com:6379/FLUSHALL" }, Effect.Unknown, "dict://dict.prod.example.com")]
    [TestCase(new[] { "--proto-default", "gopher", "cache.prod.example.com:6379/_x" }, Effect.Unknown, "gopher://")]
    [TestCase(new[] { "-T", "dump.sql", "ftp://ftp.example.com/" }, Effect.Unknown, "ftp://")]
    [TestCase(new[] { "-Q", "DELE x", "ftp://ftp.example.com/" }, Effect.Unknown, "ftp://")]
    [TestCase(new[] { "ftp://ftp.example.com/file.txt" }, Effect.Read, "ftp://")]
    [TestCase(new[] { "ftp.example.com/file.txt" }, Effect.Read, "ftp://ftp.example.com")]
    [TestCase(new[] { "http:/api.prod.example.com/x", "-X", "DELETE" }, Effect.Delete, "http://api.prod.example.com/x")]
    public void SchemesThatSendRawBytesAreUnknown(string[] args, Effect effect, string target)
    {
        var i = Parse(args);
        Assert.That(i.Effect, Is.EqualTo(effect));
        Assert.That(i.Targets.Select(t => t.ToString()), Has.Some.Contains(target));
    }

    // A CR LF in what curl copies onto the wire can end the request line or a header and start
    // another request.
    [TestCase("-X", "GET /x HTTP/1.1\r\nHost: h\r\n\r\nDELETE")]
    [TestCase("-H", "X-A: 1\r\nX-HTTP-Method-Override: DELETE")]
    [TestCase("-A", "ua\r\nX: 1")]
    [TestCase("-b", "a=b\r\nX: 1")]
    [TestCase("-e", "r\r\nX: 1")]
    [TestCase("--request-target", "/y HTTP/1.1\r\nHost: q\r\n\r\nDELETE /z")]
    [TestCase("--url-query", "a=1\r\nX: 1")]
    public void ControlCharactersInWhatCurlSendsRawAreUnknown(string option, string value)
    {
        var i = Parse(option, value.Replace("\\r", "\r").Replace("\\n", "\n"), "https://h/x");
        Assert.That(i.Effect, Is.GreaterThanOrEqualTo(Effect.Unknown));
    }

    [Test]
    public void AMultiLineJsonBodyIsNotAControlCharacterProblem() =>
        Assert.That(Parse("-d", "{\n  \"a\": 1\n}", "https://h/x").Effect, Is.EqualTo(Effect.Write));

    [TestCase(new[] { "-X", "POST", "-H", "X-HTTP-Method-Override: DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "-H", "x-http-method: delete", "-d", "a=1", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "-d", "_method=DELETE&id=1", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "-X", "POST", "https://h/x?_method=delete" }, Effect.Delete)]
    [TestCase(new[] { "-H", "X-Method: DELETE", "https://h/x" }, Effect.Read)]
    public void MethodOverridesCount(string[] args, Effect effect) => Assert.That(Parse(args).Effect, Is.EqualTo(effect));

    [Test]
    public void EachGroupAfterNextKeepsItsOwnMethod()
    {
        var i = Parse("-X", "DELETE", "https://a/x", "--next", "-X", "GET", "https://b/y");
        Assert.That(i.Effect, Is.EqualTo(Effect.Delete));
        Assert.That(i.Targets.Select(t => t.Host), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(Parse("-X", "GET", "https://a/x", "-:", "https://b/y").Effect, Is.EqualTo(Effect.Read));
    }

    [Test]
    public void AGlobNamesEveryHostItExpandsTo()
    {
        var i = Parse("-X", "DELETE", "https://{staging,prod}.example.com/v[1-2]/x");
        Assert.That(i.Targets.Select(t => t.ToString()), Is.EquivalentTo(new[]
        {
            "https://staging.example.com/v1/x", "https://staging.example.com/v2/x", "https://prod.example.com/v1/x", "https://prod.example.com/v2/x",
        }));
        Assert.That(Parse("-g", "https://[::1]:8080/x").Targets.Single().Host, Is.EqualTo("::1"));
        Assert.That(Parse("https://[::1]:8080/x").Targets.Single().Host, Is.EqualTo("::1"));
    }

    [TestCase("--connect-to", "staging.example.com:443:api.prod.example.com:443", "api.prod.example.com")]
    [TestCase("--resolve", "staging.example.com:443:10.20.0.5", "10.20.0.5")]
    [TestCase("--resolve", "staging.example.com:443:[2001:db8::5],10.20.0.6", "2001:db8::5")]
    public void ReroutingNamesTheHostReallyReached(string option, string value, string host)
    {
        var i = Parse(option, value, "-X", "DELETE", "https://staging.example.com/x");
        Assert.That(i.Targets.Select(t => t.Host), Has.Member(host));
        Assert.That(i.Effect, Is.EqualTo(Effect.Delete));
    }

    [Test]
    public void TheRequestTargetReplacesThePathOfTheUrl()
    {
        var i = Parse("-X", "DELETE", "--request-target", "/v1/volumes/1", "https://h/harmless");
        Assert.That(i.Targets.Single().Path, Is.EqualTo("/v1/volumes/1"));
    }

    [TestCase("/dev/stdin")]
    [TestCase("/dev/fd/0")]
    [TestCase("/proc/self/fd/0")]
    [TestCase("//dev/./stdin")]
    [TestCase("-")]
    public void StdinByAnotherNameIsStdin(string name)
    {
        var body = "{\"query\":\"mutation { deleteUser(id: 1) }\"}";
        var known = new ToolCall { Args = ["-d", "@" + name, "https://h/g"], Context = CorpusFixture.Context(), StdinText = body };
        var opaque = new ToolCall { Args = ["-d", "@" + name, "https://h/g"], Context = CorpusFixture.Context(), StdinOpaque = true };
        Assert.That(Curl.Parse(known.Args, known.Context, known).Effect, Is.EqualTo(Effect.Delete));
        Assert.That(Curl.Parse(opaque.Args, opaque.Context, opaque).Effect, Is.EqualTo(Effect.Unknown));
    }

    [TestCase("/dev/fd/63")]
    [TestCase("/proc/1/fd/0")]
    [TestCase("/proc/self/environ")]
    [TestCase("/dev/tcp/10.0.0.1/80")]
    public void AnotherDescriptorOrDeviceIsUnknown(string name) =>
        Assert.That(Parse("-d", "@" + name, "https://h/g").Effect, Is.EqualTo(Effect.Unknown));

    // A #!/usr/bin/curl script passes its own path to curl, which takes it for a URL whose host
    // ("." or "..", or none) does not resolve: nothing is sent there, and the real URL decides.
    [TestCase("./get.sh")]
    [TestCase("../bin/get.sh")]
    [TestCase("/srv/app/get.sh")]
    public void APathGivenAsAUrlSendsNothing(string path)
    {
        var get = Parse(path, "https://api.prod.example.com/v1/volumes");
        var delete = Parse("-XDELETE", path, "https://api.prod.example.com/v1/volumes/1");
        Assert.Multiple(() =>
        {
            Assert.That((get.Effect, get.Targets.Single().Host), Is.EqualTo((Effect.Read, "api.prod.example.com")));
            Assert.That((delete.Effect, delete.Targets.Single().Host), Is.EqualTo((Effect.Delete, "api.prod.example.com")));
        });
    }

    [TestCase("x./get.sh")]
    [TestCase("...")]
    public void AWordThatCouldBeAHostIsStillJudged(string word) =>
        Assert.That(Parse("-XDELETE", word).Effect, Is.Not.EqualTo(Effect.Read));

    // Every UTF-16 unit, alone and at each position of a URL long enough for the vectorised search:
    // a C0 control other than tab, or DEL, and nothing else.
    [Test]
    public void HasControlIsC0ButTabAndDel()
    {
        const string url = "https://api.prod.example.com/v1/volumes/1234567890?x=y";
        for (int c = 0; c <= 0xFFFF; c++)
        {
            bool expected = (c < 0x20 && c != '\t') || c == 0x7F;
            Assert.That(Curl.HasControl(((char)c).ToString()), Is.EqualTo(expected), $"U+{c:X4}");
            if (c < 0x100 || c is 0xFEFF or 0xFFFF or 0x2028)
                for (int at = 0; at <= url.Length; at += 7)
                    Assert.That(Curl.HasControl(url.Insert(at, ((char)c).ToString())), Is.EqualTo(expected), $"U+{c:X4} at {at}");
        }
        Assert.That(Curl.HasControl(""), Is.False);
        Assert.That(Curl.HasControl(url), Is.False);
    }
}
