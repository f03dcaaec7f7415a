using System.IO.Compression;
using System.Text;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The HTTP wire layer attacked as an agent writing its own client would: python3 under
/// <c>agentshell run</c> writes raw bytes to production (127.0.0.2), where a lenient Node server
/// records every byte and every request it reads (<see cref="RecordingStandIn"/>). Each attack
/// must deliver nothing destructive; each look-alike must still arrive. Both connect-guard modes.
/// A request the layer cannot read with certainty is refused (400/501/505) or unknown (held, and
/// refused with 403 when the pause runs out).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed partial class WireHostileHttpTests(string guard)
{
    private RecordingStandIn _prod = null!;

    private const string Mutation = """{"query":"mutation { volumeDelete(id: 1) { id } }"}""";
    private const string Query = """{"query":"query { volume(id: 1) { id } }"}""";

    // One stand-in per fixture (a Node start per case cost ~0.2 s 82 times), its records emptied
    // before each case: each case's run has ended, its connections with it, before the next begins.
    [OneTimeSetUp]
    public void StartStandIn() => _prod = new RecordingStandIn();

    [OneTimeTearDown]
    public void StopStandIn() => _prod.Dispose();

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        _prod.Clear();
    }

    /// <summary>A body as the stand-in logs it (a JSON string literal).</summary>
    private static string Logged(string body) =>
        System.Text.Json.JsonSerializer.Serialize(body, new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static byte[] B(string latin1) => Encoding.Latin1.GetBytes(latin1);

    private static byte[] Join(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Runs the raw client under <c>run</c> (pauses end after 2 s) and returns its status lines.</summary>
    private string Attack(double wait, params byte[][] sends) => Run(wait, 2, sends);

    /// <summary>For a request that may be held: pauses end after 1 s, inside the client's 4-s quiet
    /// wait, so a hold shows as the 403 sent when the pause runs out (a 2-s pause cost a second
    /// more per case and proved the same).</summary>
    private string AttackHeld(params byte[][] sends) => Run(4, 1, sends);

    private string Run(double wait, int pause, byte[][] sends)
    {
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--pause-timeout", pause.ToString(), "--",
            .. _prod.RawClient(wait, sends)], TimeSpan.FromMinutes(2));
        TestContext.Out.WriteLine(r.Stdout + r.Stderr);
        return r.Stdout.Trim();
    }

    private static byte[] Post(string path, string type, byte[] body, string extra = "") =>
        Join(B($"POST {path} HTTP/1.1\r\nHost: 127.0.0.2\r\nContent-Type: {type}\r\n{extra}Content-Length: {body.Length}\r\nConnection: close\r\n\r\n"), body);

    // Framing.

    [Test]
    public void ContentLengthWithTransferEncodingIsRefused()
    {
        var s = Attack(1, B("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nDELETE /customers HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 400']"));
        Assert.That(_prod.Raw, Is.Empty);
    }

    [Test]
    public void TwoContentLengthsAreRefused()
    {
        var s = Attack(1, B("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nDELETE /customers HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 400']"));
        Assert.That(_prod.Raw, Is.Empty);
    }

    [Test]
    public void AnObsFoldIsRefused()
    {
        var s = Attack(1, B("POST /orders HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 400']"));
        Assert.That(_prod.Raw, Is.Empty);
    }

    [Test]
    public void BareLineFeedsInAHeadAreRefused()
    {
        var s = Attack(1, B("GET /orders HTTP/1.1\nHost: x\n\nDELETE /customers HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.That(s, Does.Match(@"^\['HTTP/1\.1 (400|505)'\]$"));
        Assert.That(_prod.Everything, Does.Not.Contain("DELETE"));
    }

    [Test]
    public void ChunkExtensionsAreDroppedAndTheChunkedBodyArrivesWhole()
    {
        var s = Attack(1, B("POST /orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;x=\"DELETE /customers\"\r\nabc\r\n0;y=1\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Is.EqualTo(new[] { "POST /orders \"abc\"" }));
        Assert.That(_prod.Raw, Does.Not.Contain("DELETE"));
    }

    [Test]
    public void APipelinedDeleteAfterAGetIsDecidedOnItsOwn()
    {
        var s = Attack(1, B("GET /orders HTTP/1.1\r\nHost: x\r\n\r\nDELETE /customers HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200', 'HTTP/1.1 403']"));
        Assert.That(_prod.Requests, Is.EqualTo(new[] { "GET /orders \"\"" }));
    }

    [Test]
    public void BytesPastTheContentLengthAreTheNextRequestAndDecided()
    {
        var s = Attack(1, B("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcDELETE /customers HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200', 'HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("DELETE"));
    }

    [Test]
    public void AnExpectContinueMutationIsReadBeforeItIsDecided()
    {
        var body = B(Mutation);
        var s = Attack(1, B($"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: {body.Length}\r\n\r\n"), body);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 100', 'HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    // Encodings.

    private static byte[] Compress(string coding, string text)
    {
        var m = new MemoryStream();
        using (Stream z = coding switch
        {
            "gzip" => new GZipStream(m, CompressionLevel.Optimal, true),
            "deflate" => new ZLibStream(m, CompressionLevel.Optimal, true),
            _ => new BrotliStream(m, CompressionLevel.Optimal, true),
        }) z.Write(Encoding.UTF8.GetBytes(text));
        return m.ToArray();
    }

    [TestCase("gzip")]
    [TestCase("deflate")]
    [TestCase("br")]
    public void ACompressedMutationIsReadDecompressed(string coding)
    {
        var s = Attack(1, Post("/graphql", "application/json", Compress(coding, Mutation), $"Content-Encoding: {coding}\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void AGzipEncodedQueryStillArrives()
    {
        var s = Attack(1, Post("/graphql", "application/json", Compress("gzip", Query), "Content-Encoding: gzip\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Is.EqualTo(new[] { "POST /graphql " + Logged(Query) }));
    }

    // gunicorn's environ keeps the last Content-Type (Flask then reads JSON); Node and Go the first.
    // A repeated Content-Encoding is one list to a server that follows RFC 9110.
    [TestCase("Content-Type: multipart/form-data; boundary=XX\r\nContent-Type: application/json\r\n", false)]
    [TestCase("Content-Type: application/json\r\nContent-Encoding: identity\r\nContent-Encoding: gzip\r\n", true)]
    public void RepeatedBodyFieldsDoNotHideAMutation(string fields, bool gzip)
    {
        var body = gzip ? Compress("gzip", Mutation) : B(Mutation);
        var s = AttackHeld(Join(B($"POST /graphql HTTP/1.1\r\nHost: x\r\n{fields}Content-Length: {body.Length}\r\nConnection: close\r\n\r\n"), body));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [TestCase("utf-7")]
    [TestCase("ibm037")]
    [TestCase("UTF-7")]
    public void AMutationInACharsetTheLayerDoesNotDecodeIsNotForwardedUndecided(string charset)
    {
        // body-parser (Express, Apollo) decodes any "utf-*" charset with iconv-lite: in UTF-7
        // "+AHE-" is "q", so this body's key is "query" to the server and "+AHE-uery" to a reader of UTF-8.
        var body = B("""{"+AHE-uery":"mutation { volumeDelete(id: 1) { id } }"}""");
        var s = AttackHeld(Post("/graphql", $"application/json; charset={charset}", body));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [TestCase("utf-8")]
    [TestCase("\"UTF-8\"")]
    [TestCase("us-ascii")]
    [TestCase("iso-8859-1")]
    public void AQueryInACharsetTheLayerReadsStillArrives(string charset)
    {
        var s = Attack(1, Post("/graphql", $"application/json; charset={charset}", B(Query)));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }

    [Test]
    public void AGraphQlJsonMutationIsRefused()
    {
        var s = Attack(1, Post("/graphql", "application/graphql+json", B(Mutation)));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void AMultipartUploadsOperationsMutationIsRefused()
    {
        var body = B("--XX\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n" + Mutation +
                     "\r\n--XX\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n--XX--\r\n");
        var s = Attack(1, Post("/graphql", "multipart/form-data; boundary=XX", body));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    // busboy (graphql-upload, multer) reads RFC 2231 extended parameters (name*=, boundary*=) and
    // a quoted-string's backslash escapes: each of these is the "operations" field to it.
    [TestCase("multipart/form-data; boundary*=utf-8''XX", "name=\"operations\"")]
    [TestCase("multipart/form-data; boundary=XX", "name*=utf-8''%6Fperations")]
    [TestCase("multipart/form-data; boundary=XX", "name*=UTF-8'en'op%65rations")]
    [TestCase("multipart/form-data; boundary=XX", "name=\"op\\erations\"")]
    [TestCase("multipart/form-data; boundary=\"X\\X\"", "name=\"operations\"")]
    public void AMultipartOperationsFieldNamedTheWayBusboyReadsItIsRead(string type, string name)
    {
        var body = B($"--XX\r\nContent-Disposition: form-data; {name}\r\n\r\n{Mutation}\r\n--XX--\r\n");
        var s = AttackHeld(Post("/graphql", type, body));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void AnUploadWithAnExtendedFileNameStillArrives()
    {
        var body = B("--XX\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n" + Query +
                     "\r\n--XX\r\nContent-Disposition: form-data; name=\"0\"; filename*=utf-8''%C3%A9t%C3%A9.txt\r\n\r\nsome text\r\n--XX--\r\n");
        var s = Attack(1, Post("/graphql", "multipart/form-data; boundary=XX", body));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }

    [Test]
    public void AMutationInAGetQueryStringIsRefused()
    {
        var s = Attack(1, B("GET /graphql?query=mutation%7BvolumeDelete(id%3A1)%7Bid%7D%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void APersistedQueryWithOnlyAHashIsHeldNotAllowed()
    {
        var body = B("""{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}""");
        var s = AttackHeld(Post("/graphql", "application/json", body));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"), "held, then refused when the pause ran out");
        Assert.That(_prod.Everything, Does.Not.Contain("persistedQuery"));
    }

    [Test]
    public void AnOrdinaryChunkedReadOnlyQueryArrives()
    {
        var q = B(Query);
        var s = Attack(1, Join(B("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"),
            B($"{q.Length:x}\r\n"), q, B("\r\n0\r\n\r\n")));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Is.EqualTo(new[] { "POST /graphql " + Logged(Query) }));
    }

    // Protocol switches.

    /// <summary>A masked WebSocket text frame carrying <paramref name="text"/> (RFC 6455 §5.2).</summary>
    private static byte[] WsFrame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        byte[] mask = [1, 2, 3, 4];
        var head = payload.Length < 126 ? new byte[] { 0x81, (byte)(0x80 | payload.Length) } : [0x81, 0xFE, (byte)(payload.Length >> 8), (byte)payload.Length];
        return Join(head, mask, payload.Select((b, i) => (byte)(b ^ mask[i % 4])).ToArray());
    }

    [TestCase("graphql-transport-ws", """{"id":"1","type":"subscribe","payload":{"query":"mutation { volumeDelete(id: 1) { id } }"}}""")]
    [TestCase("graphql-ws", """{"id":"1","type":"start","payload":{"query":"mutation { volumeDelete(id: 1) { id } }"}}""")]
    public void AGraphQlOverWebSocketMutationNeverReachesProduction(string subprotocol, string message)
    {
        var s = AttackHeld(
            B($"GET /graphql HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: {subprotocol}\r\n\r\n"),
            Join(WsFrame("""{"type":"connection_init"}"""), WsFrame(message)));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"), "the switch is unknown: held, then refused");
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete").And.Not.Contain("UPGRADE"));
    }

    [Test]
    public void AWebSocketToANonGraphQlPathOnStagingIsUntouched()
    {
        // The look-alike: staging is not production, so the wire layer never sees it.
        using var staging = new RecordingStandIn("127.0.0.3");
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--pause-timeout", "2", "--",
            .. staging.RawClient(1, B("GET /events HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
                WsFrame("hello"))]);
        Assert.That(r.Stdout.Trim(), Is.EqualTo("['HTTP/1.1 101']"), r.Stderr);
        Assert.That(staging.Requests, Has.Some.StartsWith("UPGRADE GET /events websocket").And.Some.StartsWith("AFTER-SWITCH"));
    }

    [Test]
    public void AnH2cUpgradeIsHeldNotSwitched()
    {
        var s = AttackHeld(B("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n"),
            B("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nDELETE /customers HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.That(s, Does.StartWith("['HTTP/1.1 403'"));
        Assert.That(_prod.Everything, Does.Not.Contain("DELETE").And.Not.Contain("UPGRADE"));
    }

    [Test]
    public void AnHttp2PriorKnowledgePrefaceIsRefused()
    {
        var s = Attack(1, B("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), B("DELETE /customers HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.That(s, Does.StartWith("['HTTP/1.1 505'"));
        Assert.That(_prod.Raw, Is.Empty);
    }

    [Test]
    public void ACONNECTTunnelIsHeldAndWhatWouldFollowItNeverArrives()
    {
        var s = AttackHeld(B("CONNECT 127.0.0.3:8080 HTTP/1.1\r\nHost: 127.0.0.3:8080\r\n\r\n"), B("DELETE /customers HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.That(s, Does.StartWith("['HTTP/1.1 403'"));
        Assert.That(_prod.Everything, Does.Not.Contain("DELETE").And.Not.Contain("CONNECT"));
    }

    [TestCase("DELETE http://127.0.0.3:8080/volumes/1 HTTP/1.1\r\nHost: 127.0.0.3:8080\r\n\r\n")]
    [TestCase("DELETE /volumes/1 HTTP/1.1\r\nHost: 127.0.0.3:8080\r\n\r\n")]
    [TestCase("DELETE http://staging.internal/volumes/1 HTTP/1.1\r\nHost: 127.0.0.2\r\n\r\n")]
    public void ADeleteNamingAnotherHostOnAProductionConnectionIsDecidedAsProduction(string request)
    {
        var s = Attack(1, B(request));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Raw, Is.Empty);
    }
}
