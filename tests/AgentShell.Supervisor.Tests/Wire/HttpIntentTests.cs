using System.IO.Compression;
using System.Text;
using AgentShell.Core.Model;
using AgentShell.Supervisor.Wire.Http;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>An HTTP request becomes the intent curl's argv would give (tool curl, so the same rules
/// decide), and what only the wire shows fails closed: compressed bodies, method overrides,
/// persisted queries, bodies too large to read, upgrades.</summary>
[TestFixture]
public sealed class HttpIntentTests
{
    private static (CommandIntent Intent, string Shown, string? Detail) Build(string head, string body = "", bool tls = true, byte[]? raw = null, bool complete = true)
    {
        var h = HttpRequestHead.Parse(Encoding.Latin1.GetBytes(head));
        var data = raw ?? Encoding.UTF8.GetBytes(body);
        var b = new RequestBody { Data = data, Length = data.Length, Complete = complete };
        var r = HttpIntent.Build(h, b, tls, "10.0.0.5:443");
        return (r.Intent, r.Shown, r.Detail);
    }

    private static string Post(string path, string type, int length, string extra = "") =>
        $"POST {path} HTTP/1.1\r\nHost: api.prod.example.com\r\nContent-Type: {type}\r\nContent-Length: {length}\r\n{extra}\r\n";

    [TestCase("GET", Effect.Read)]
    [TestCase("HEAD", Effect.Read)]
    [TestCase("DELETE", Effect.Delete)]
    [TestCase("PUT", Effect.Write)]
    [TestCase("PATCH", Effect.Write)]
    [TestCase("PURGE", Effect.Delete)]
    [TestCase("NUKE", Effect.Unknown)]
    [TestCase("CONNECT", Effect.Unknown)]
    public void TheMethodGivesTheEffectCurlsWould(string method, Effect effect)
    {
        string target = method == "CONNECT" ? "db.internal:5432" : "/v1/volumes/1";
        var (i, shown, _) = Build($"{method} {target} HTTP/1.1\r\nHost: api.prod.example.com\r\n\r\n");
        Assert.That((i.Tool, i.Effect), Is.EqualTo(("curl", effect)));
        if (method != "CONNECT") Assert.That(shown, Is.EqualTo($"{method} https://api.prod.example.com/v1/volumes/1"));
        Assert.That(i.Targets.Single().Host, Is.EqualTo(method == "CONNECT" ? "db.internal" : "api.prod.example.com"));
    }

    [Test]
    public void AGraphQlQueryReadsAndAVolumeDeleteWipes()
    {
        string q = "{\"query\":\"query { volume(id: \\\"1\\\") { name } }\"}";
        Assert.That(Build(Post("/graphql/v2", "application/json", q.Length), q).Intent.Effect, Is.EqualTo(Effect.Read));
        string m = "{\"query\":\"mutation { volumeDelete(volumeId: \\\"vol-1\\\") }\"}";
        var (i, shown, detail) = Build(Post("/graphql/v2", "application/json", m.Length), m);
        Assert.That(i.Effect, Is.EqualTo(Effect.Wipe));
        Assert.That(shown, Is.EqualTo("POST https://api.prod.example.com/graphql/v2 (mutation volumeDelete)"));
        Assert.That(detail, Does.Contain("GraphQL mutation field volumeDelete: wipe"));
    }

    [Test]
    public void ABatchIsAsDestructiveAsItsWorstOperation()
    {
        string b = "[{\"query\":\"{ me { id } }\"},{\"query\":\"mutation { projectDelete(id: 1) }\"}]";
        Assert.That(Build(Post("/graphql", "application/json", b.Length), b).Intent.Effect, Is.EqualTo(Effect.Wipe));
    }

    [Test]
    public void OperationNamePicksTheOperationThatRuns()
    {
        string doc = "query Read { me { id } } mutation Kill { serviceDelete(id: 1) }";
        string read = $"{{\"query\":\"{doc}\",\"operationName\":\"Read\"}}", kill = $"{{\"query\":\"{doc}\",\"operationName\":\"Kill\"}}";
        Assert.That(Build(Post("/graphql", "application/json", read.Length), read).Intent.Effect, Is.EqualTo(Effect.Read));
        Assert.That(Build(Post("/graphql", "application/json", kill.Length), kill).Intent.Effect, Is.EqualTo(Effect.Delete));
    }

    [Test]
    public void AnApplicationGraphQlBodyIsTheDocumentItself()
    {
        string doc = "mutation { volumeDelete(volumeId: \"v\") }";
        Assert.That(Build(Post("/graphql", "application/graphql", doc.Length), doc).Intent.Effect, Is.EqualTo(Effect.Wipe));
    }

    [Test]
    public void AGetWithAQueryStringIsClassifiedToo() =>
        Assert.That(Build("GET /graphql?query=mutation%20%7B%20volumeDelete(volumeId%3A%201)%20%7D HTTP/1.1\r\nHost: h\r\n\r\n").Intent.Effect, Is.EqualTo(Effect.Wipe));

    [TestCase("gzip")]
    [TestCase("deflate")]
    [TestCase("br")]
    public void ACompressedBodyIsReadDecompressed(string coding)
    {
        var raw = Compress(coding, "{\"query\":\"mutation { volumeDelete(volumeId: 1) }\"}");
        Assert.That(Build(Post("/graphql", "application/json", raw.Length, $"Content-Encoding: {coding}\r\n"), raw: raw).Intent.Effect, Is.EqualTo(Effect.Wipe));
    }

    [Test]
    public void ABodyInACodingThatCannotBeReadIsUnknown()
    {
        var raw = new byte[] { 0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3 };
        Assert.That(Build(Post("/graphql", "application/json", raw.Length, "Content-Encoding: zstd\r\n"), raw: raw).Intent.Effect, Is.EqualTo(Effect.Unknown));
        Assert.That(Build(Post("/graphql", "application/json", 3, "Content-Encoding: gzip\r\n"), "abc").Intent.Effect, Is.EqualTo(Effect.Unknown), "not gzip at all");
    }

    [TestCase("X-HTTP-Method-Override: DELETE\r\n", "")]
    [TestCase("X-HTTP-Method: DELETE\r\n", "")]
    [TestCase("X-Method-Override: delete\r\n", "")]
    [TestCase("", "?_method=DELETE")]
    public void AMethodOverrideCounts(string header, string query)
    {
        string q = "{\"query\":\"{ me { id } }\"}";
        Assert.That(Build(Post("/v1/volumes/1" + query, "application/json", q.Length, header), q).Intent.Effect, Is.EqualTo(Effect.Delete));
    }

    [Test]
    public void AFormMethodFieldCounts() =>
        Assert.That(Build(Post("/v1/volumes/1", "application/x-www-form-urlencoded", 14), "_method=DELETE").Intent.Effect, Is.EqualTo(Effect.Delete));

    [Test]
    public void APersistedQueryIsUnknown()
    {
        string p = "{\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"abc\"}}}";
        Assert.That(Build(Post("/graphql", "application/json", p.Length), p).Intent.Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void AnOperationInAMultipartUploadIsRead()
    {
        string body = "--B\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"mutation { volumeDelete(volumeId: 1) }\"}\r\n--B\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a\"\r\n\r\nxx\r\n--B--\r\n";
        Assert.That(Build(Post("/graphql", "multipart/form-data; boundary=B", body.Length), body).Intent.Effect, Is.EqualTo(Effect.Wipe));
    }

    [TestCase("multipart/form-data; xboundary=Z; boundary=B", "Z", "B")]
    [TestCase("multipart/form-data; boundary=B", "B", "B")]
    public void EveryOperationsPartOfAnUploadIsRead(string type, string first, string second)
    {
        static string Part(string boundary, string operation) =>
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{{\"query\":\"{operation}\"}}\r\n";
        string body = Part(first, Read) + (first != second ? $"--{first}--\r\n" : "") + Part(second, Kill) + $"--{second}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{}}\r\n--{second}--\r\n";
        Assert.That(Build(Post("/graphql", type, body.Length), body).Intent.Effect, Is.EqualTo(Effect.Wipe));
        string read = Part("B", Read) + "--B--\r\n";
        Assert.That(Build(Post("/graphql", "multipart/form-data; boundary=B", read.Length), read).Intent.Effect, Is.EqualTo(Effect.Read), "a read upload");
    }

    // Python's json.loads of bytes (Flask's get_json, Ariadne, Strawberry) reads UTF-8 with a BOM,
    // UTF-16 and UTF-32 by their BOM or zero bytes, and NaN; body-parser decodes the charset.
    [TestCase("utf-8-bom")]
    [TestCase("utf-16le")]
    [TestCase("utf-16be")]
    [TestCase("utf-32le")]
    public void AJsonBodyInAnotherUnicodeFormIsReadAsTheServerReadsIt(string form)
    {
        string json = $"{{\"query\":\"{Kill}\"}}";
        byte[] raw = form switch
        {
            "utf-8-bom" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json)],
            "utf-16le" => Encoding.Unicode.GetBytes(json),
            "utf-16be" => Encoding.BigEndianUnicode.GetBytes(json),
            _ => Encoding.UTF32.GetBytes(json),
        };
        Assert.That(Build(Post("/graphql", "application/json", raw.Length), raw: raw).Intent.Effect, Is.EqualTo(Effect.Wipe));
    }

    [Test]
    public void AJsonBodyThatOnlyALenientParserReadsIsUnknown()
    {
        string nan = "{\"\\u0071uery\":\"\\u006dutation { volumeDelete(volumeId: 1) }\",\"n\":NaN}";
        Assert.That(Build(Post("/graphql", "application/json", nan.Length), nan).Intent.Effect, Is.EqualTo(Effect.Unknown));
        string notJson = "{\"name\": \"api\",}}";
        Assert.That(Build(Post("/v1/services", "application/json", notJson.Length), notJson).Intent.Effect, Is.EqualTo(Effect.Write), "no query, no escapes: a write");
    }

    [Test]
    public void AJsonBodyTooLargeToReadWholeIsUnknownButAnImageIsAWrite()
    {
        Assert.That(Build(Post("/upload", "application/json", 5), "{\"a\":", complete: false).Intent.Effect, Is.EqualTo(Effect.Unknown));
        Assert.That(Build(Post("/upload", "image/png", 5), "\u0089PNG\r", complete: false).Intent.Effect, Is.EqualTo(Effect.Write));
    }

    [Test]
    public void AnUpgradeIsUnknownWhateverItsMethod() =>
        Assert.That(Build("GET /socket HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n").Intent.Effect, Is.EqualTo(Effect.Unknown));

    [Test]
    public void TheUrlIsTheEffectiveRequestUri()
    {
        Assert.That(Build("GET http://other.example.com/x HTTP/1.1\r\nHost: h\r\n\r\n").Shown, Is.EqualTo("GET http://other.example.com/x"), "absolute-form wins over Host");
        Assert.That(Build("GET /x HTTP/1.0\r\n\r\n", tls: false).Shown, Is.EqualTo("GET http://10.0.0.5:443/x"), "no Host: the destination");
    }

    // What a GraphQL server runs when the request names the operation twice, each a reading
    // servers really have: express-graphql takes a POST's URL query before its body; Go's
    // encoding/json (gqlgen, graphql-go) and ASP.NET's web defaults match JSON keys without case
    // and keep the last; Go's FormValue, URLSearchParams.get and Flask keep a form's first value;
    // every one of them percent-decodes a form key. The request is as destructive as its worst reading.
    private const string Kill = "mutation { volumeDelete(volumeId: 1) }", Read = "query { me { id } }";

    [Test]
    public void AMutationInAPostsUrlIsNotHiddenByAQueryInItsBody()
    {
        string body = $"{{\"query\":\"{Read}\"}}";
        foreach (var key in new[] { "query", "%71uery", "q%75ery" })
            Assert.That(Build(Post($"/graphql?{key}={Uri.EscapeDataString(Kill)}", "application/json", body.Length), body).Intent.Effect,
                Is.EqualTo(Effect.Wipe), key);
    }

    [TestCase("QUERY")]
    [TestCase("Query")]
    public void AJsonKeyThatDiffersOnlyInCaseIsReadToo(string key)
    {
        string body = $"{{\"query\":\"{Read}\",\"{key}\":\"{Kill}\"}}";
        Assert.That(Build(Post("/graphql", "application/json", body.Length), body).Intent.Effect, Is.EqualTo(Effect.Wipe));
        string named = $"{{\"query\":\"query R {{ me {{ id }} }} mutation K {{ volumeDelete(volumeId: 1) }}\",\"operationName\":\"R\",\"OPERATIONNAME\":\"K\"}}";
        Assert.That(Build(Post("/graphql", "application/json", named.Length), named).Intent.Effect, Is.EqualTo(Effect.Wipe), "operationName");
    }

    [TestCase("query={0}&query={1}")]
    [TestCase("%71uery={0}&query={1}")]
    [TestCase("query={1}&operationName=K&operationName=R")]
    public void EveryValueOfARepeatedFormFieldIsRead(string form)
    {
        string both = "query R { me { id } } mutation K { volumeDelete(volumeId: 1) }";
        string body = string.Format(form, Uri.EscapeDataString(Kill), Uri.EscapeDataString(form.Contains("operationName") ? both : Read));
        Assert.That(Build(Post("/graphql", "application/x-www-form-urlencoded", body.Length), body).Intent.Effect, Is.EqualTo(Effect.Wipe));
    }

    [Test]
    public void AReadLookAlikeOfEachStaysARead()
    {
        string json = $"{{\"query\":\"{Read}\",\"variables\":{{\"Query\":1}}}}";
        Assert.That(Build(Post("/graphql?x=1", "application/json", json.Length), json).Intent.Effect, Is.EqualTo(Effect.Read));
        string form = $"query={Uri.EscapeDataString(Read)}&operationName=&queryx=mutation";
        Assert.That(Build(Post("/graphql", "application/x-www-form-urlencoded", form.Length), form).Intent.Effect, Is.EqualTo(Effect.Read));
    }

    [TestCase("_method=GET&_method=DELETE")]
    [TestCase("_method=GET&%5Fmethod=DELETE")]
    public void EveryMethodOverrideInAFormCounts(string form) =>
        Assert.That(Build(Post("/v1/volumes/1", "application/x-www-form-urlencoded", form.Length), form).Intent.Effect, Is.EqualTo(Effect.Delete));

    [Test]
    public void EveryMethodOverrideHeaderCounts() =>
        Assert.That(Build(Post("/v1/volumes/1", "text/plain", 0, "X-HTTP-Method-Override: GET\r\nX-HTTP-Method-Override: DELETE\r\n")).Intent.Effect, Is.EqualTo(Effect.Delete));

    private static byte[] Compress(string coding, string text)
    {
        var o = new MemoryStream();
        using (Stream c = coding switch
        {
            "gzip" => new GZipStream(o, CompressionLevel.Fastest, true),
            "deflate" => new ZLibStream(o, CompressionLevel.Fastest, true),
            _ => new BrotliStream(o, CompressionLevel.Fastest, true),
        })
            c.Write(Encoding.UTF8.GetBytes(text));
        return o.ToArray();
    }
}
