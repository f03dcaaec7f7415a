using System.Globalization;
using System.Text;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Requests whose body has no framing of its own (redteam42): an HTTP/1.0 request, or one
/// without Content-Length or Transfer-Encoding, whose client writes a body anyway and then ends its
/// side of the connection, as a response's body runs to the close. A request has no such framing
/// (RFC 9112 §6.3: no length field, no body), so those bytes are the next request's head, decided as
/// one, and never a body forwarded unread; transfer codings the layer does not frame itself are
/// refused. python3 under <c>run</c> writes the bytes to the recording stand-in; both guards.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class WireHostileStreamsTests(string guard)
{
    private RecordingStandIn _prod = null!;

    private const string Mutation = """{"query":"mutation { volumeDelete(id: 1) { id } }"}""";

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

    /// <summary>Writes <paramref name="head"/>, then <paramref name="body"/> after a pause (the head
    /// may be forwarded alone by then), then ends its sending side (shutdown SHUT_WR) and reads to
    /// the end; prints the status lines it got.</summary>
    private string Send(string head, string body) =>
        Run($"base64.b64decode('{Convert.ToBase64String(Encoding.Latin1.GetBytes(head))}')", $"base64.b64decode('{Convert.ToBase64String(Encoding.Latin1.GetBytes(body))}')");

    /// <summary>As <see cref="Send"/>, with the head and the body as Python expressions (a body
    /// past argv's 128-KiB argument limit is made by the client).</summary>
    private string Run(string head, string body)
    {
        string py = $$"""
            import base64, gzip, re, socket, time
            MUT = b'{{Mutation}}'
            body = {{body}}
            s = socket.create_connection(('{{_prod.Address}}', {{_prod.Port}}))
            s.settimeout(4)
            s.sendall({{head}})
            time.sleep(0.3)
            out = b''
            try:
                s.sendall(body)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # refused at its head: the answer may be waiting
            try:
                while True:
                    d = s.recv(65536)
                    if not d: break
                    out += d
            except OSError:
                pass
            print([l.decode() for l in re.findall(rb'HTTP/1\.[01] \d{3}', out)])
            """;
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--pause-timeout", "1", "--", Repo.Python, "-c", py],
            TimeSpan.FromMinutes(1));
        TestContext.Out.WriteLine(r.Stdout + r.Stderr);
        return r.Stdout.Trim();
    }

    [TestCase("POST /graphql HTTP/1.0\r\nContent-Type: application/json\r\n\r\n")]
    [TestCase("POST /graphql HTTP/1.0\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n\r\n")]
    [TestCase("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")]
    [TestCase("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n")]
    public void ABodyRunToTheCloseIsNeverForwardedUnread(string head)
    {
        Send(head, Mutation);
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void ABodyRunToTheCloseThatIsARequestIsDecidedAsOne()
    {
        var s = Send("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n",
            "DELETE /volumes/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.That(s, Does.Contain("HTTP/1.1 403"));
        Assert.That(_prod.Everything, Does.Not.Contain("DELETE"));
    }

    [TestCase("chunked, identity")]
    [TestCase("identity, chunked")]
    [TestCase("chunked\r\nTransfer-Encoding: chunked")]
    [TestCase("gzip, chunked")]
    public void ATransferCodingBesidesChunkedIsRefused(string te)
    {
        var chunk = Mutation.Length.ToString("x", CultureInfo.InvariantCulture);
        var s = Send($"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: {te}\r\n\r\n", $"{chunk}\r\n{Mutation}\r\n0\r\n\r\n");
        Assert.That(s, Is.EqualTo("['HTTP/1.1 501']"));
        Assert.That(_prod.Raw, Is.Empty);
    }

    // A body longer than the layer reads before deciding (1 MiB) was decided on its first MiB when
    // its type said it carries no operation; a server that reads JSON whatever the type (Go's
    // json.NewDecoder in graph-gophers' relay handler, Starlette's request.json(), Flask's
    // get_json(force=True)) skips the leading whitespace to the mutation past it.
    [TestCase("application/octet-stream", "")]
    [TestCase("application/x-anything", "")]
    [TestCase("application/octet-stream", "gzip")]
    public void AMutationPastTheReadCapBehindWhitespaceIsNotForwardedUndecided(string type, string coding)
    {
        string body = coding == "gzip" ? "gzip.compress(b' ' * (1 << 20) + b'\\n' * 65536 + MUT)" : "b' ' * (1 << 20) + b'\\n' * 65536 + MUT";
        string enc = coding == "" ? "" : $"Content-Encoding: {coding}\\r\\n";
        var s = Run($"('POST /graphql HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: {type}\\r\\n{enc}Content-Length: %d\\r\\nConnection: close\\r\\n\\r\\n' % len(body)).encode()", body);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"), "held, refused when the pause ran out");
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void ALargeBinaryUploadStillArrives()
    {
        // Look-alike: 1.5 MiB that starts as a PNG does, past the cap, is forwarded whole.
        string body = "b'\\x89PNG\\r\\n\\x1a\\n' + bytes(range(256)) * 6144";
        var s = Run("('PUT /uploads/a.png HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/octet-stream\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n' % len(body)).encode()", body);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Some.StartsWith("PUT /uploads/a.png"));
    }

    [Test]
    public void AnHttp10RequestWithItsLengthStillArrives()
    {
        const string query = """{"query":"query { volume(id: 1) { id } }"}""";
        var s = Send($"POST /graphql HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {query.Length}\r\n\r\n", query);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Some.Contains("volume(id: 1)"));
    }
}
