using System.Text;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>What the server acts on beyond the method and the GraphQL document (redteam41): SQL
/// sent over HTTP (Elasticsearch/CrateDB <c>/_sql</c>, a JSON <c>sql</c> key), a method override
/// in a body the form reader did not read (Rails' multipart <c>_method</c>, Laravel's JSON
/// <c>_method</c>, a header spelt with underscores as CGI maps it), and an <c>operationName</c> in
/// the URL that express-graphql prefers to the body's. python3 under <c>run</c> writes the raw
/// request to production (<see cref="RecordingStandIn"/>); each attack must deliver nothing, each
/// look-alike must arrive. Both connect-guard modes.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class WireHostileReadingsTests(string guard)
{
    private RecordingStandIn _prod = null!;

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

    private static byte[] B(string latin1) => Encoding.Latin1.GetBytes(latin1);

    /// <summary>Pauses end after 1 s, inside the client's 4-s quiet wait: a hold shows as the 403
    /// sent when the pause runs out, a refusal as an immediate 403, a forward as 200.</summary>
    private string Send(string path, string type, string body, string extra = "")
    {
        var bytes = B(body);
        return Run(B($"POST {path} HTTP/1.1\r\nHost: 127.0.0.2\r\nContent-Type: {type}\r\n{extra}Content-Length: {bytes.Length}\r\nConnection: close\r\n\r\n")
            .Concat(bytes).ToArray());
    }

    private string Run(byte[] request)
    {
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--pause-timeout", "1", "--",
            .. _prod.RawClient(4, request)], TimeSpan.FromMinutes(2));
        TestContext.Out.WriteLine(r.Stdout + r.Stderr);
        return r.Stdout.Trim();
    }

    // SQL over HTTP: curl's argv reading judged these (SqlOverHttp); the wire read them as a plain POST.

    [TestCase("/_sql", "application/json", """{"query":"DROP TABLE customers"}""")]
    [TestCase("/api/run", "application/json", """{"sql":"DROP TABLE customers"}""")]
    [TestCase("/v2/pipeline", "application/json", """{"requests":[{"type":"execute","stmt":{"sql":"DROP TABLE customers"}}]}""")]
    [TestCase("/exec", "application/x-www-form-urlencoded", "query=DROP+TABLE+customers")]
    [TestCase("/query", "text/plain", "DROP TABLE customers")]
    public void SqlOverHttpIsReadAtTheWire(string path, string type, string body)
    {
        var s = Send(path, type, body);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("customers"));
    }

    [TestCase("/_sql", "application/json", """{"query":"SELECT count(*) FROM customers"}""")]
    [TestCase("/api/run", "application/json", """{"sql":"SELECT name FROM customers"}""")]
    public void ASqlReadOverHttpStillArrives(string path, string type, string body)
    {
        var s = Send(path, type, body);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }

    // Method overrides: Rack::MethodOverride reads _method from a multipart form, Laravel (Symfony's
    // getMethod over its JSON input bag) from a JSON body; PHP's CGI variables read X_HTTP_METHOD_OVERRIDE
    // as X-HTTP-Method-Override.

    [TestCase("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nDELETE\r\n--XX--\r\n", "")]
    [TestCase("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name*=utf-8''%5Fmethod\r\n\r\ndelete\r\n--XX--\r\n", "")]
    [TestCase("application/json", """{"name":"x","_method":"DELETE"}""", "")]
    [TestCase("application/x-www-form-urlencoded", "name=x", "X_HTTP_METHOD_OVERRIDE: DELETE\r\n")]
    public void AMethodOverrideInAnyFormTheServerReadsCounts(string type, string body, string extra)
    {
        var s = Send("/volumes/1", type, body, extra);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("/volumes/1"));
    }

    [TestCase("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nPATCH\r\n--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nDELETE\r\n--XX--\r\n")]
    [TestCase("application/json", """{"name":"x","method":"DELETE","nested":{"_method":"DELETE"}}""")]
    public void AnUpdateThatOnlyMentionsDeleteStillArrives(string type, string body)
    {
        var s = Send("/volumes/1", type, body);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }

    // express-graphql and graphql-http take the URL's operationName before the body's.

    [Test]
    public void AnOperationNameInTheUrlIsReadWithTheBody()
    {
        var s = Send("/graphql?operationName=D", "application/json",
            """{"query":"query Q { volume(id: 1) { id } } mutation D { volumeDelete(id: 1) { id } }","operationName":"Q"}""");
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void TheSameOperationNameInTheUrlAndTheBodyStillArrives()
    {
        var s = Send("/graphql?operationName=Q", "application/json",
            """{"query":"query Q { volume(id: 1) { id } } mutation D { volumeDelete(id: 1) { id } }","operationName":"Q"}""");
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }

    // Rack 2 (Rails before 7.1) and Python before 3.9.2 split a query string at ';' as at '&'.

    [Test]
    public void AGetQueryBehindASemicolonIsRead()
    {
        var s = Run(B("GET /graphql?x=1;query=mutation%7BvolumeDelete(id%3A1)%7Bid%7D%7D HTTP/1.1\r\nHost: 127.0.0.2\r\nConnection: close\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void AGetWithSemicolonsInItsQueryStringStillArrives()
    {
        var s = Run(B("GET /graphql?query=%7Bvolume(id%3A1)%7Bid%7D%7D&x=1;y=2 HTTP/1.1\r\nHost: 127.0.0.2\r\nConnection: close\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }

    // The September 2025 spec (graphql-js 17, graphql-java) lets a description precede an operation.

    [Test]
    public void AMutationBehindADescriptionIsRead()
    {
        var s = Send("/graphql", "application/json", """{"query":"\"cleanup\" mutation { volumeDelete(id: 1) { id } }"}""");
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void AQueryBehindADescriptionStillArrives()
    {
        var s = Send("/graphql", "application/json", """{"query":"\"lookup\" query { volume(id: 1) { id } }"}""");
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }
}
