namespace AgentShell.EndToEnd.Tests;

/// <summary>What the server acts on beyond the method and the GraphQL document (redteam41): SQL
/// sent over HTTP (Elasticsearch/CrateDB <c>/_sql</c>, a JSON <c>sql</c> key), a method override
/// in a body the form reader did not read (Rails' multipart <c>_method</c>, Laravel's JSON
/// <c>_method</c>, a header spelt with underscores as CGI maps it), an <c>operationName</c> in
/// the URL that express-graphql prefers to the body's, a query string split at <c>;</c> (Rack 2),
/// and a description before an operation. Each attack must deliver nothing (a hold shows as the 403
/// sent when the pause runs out), each look-alike must arrive.</summary>
public sealed partial class WireHostileHttpTests
{
    private string Held(string path, string type, string body, string extra = "") =>
        AttackHeld(Post(path, type, B(body), extra));

    // SQL over HTTP: curl's argv reading judged these (SqlOverHttp); the wire read them as a plain POST.

    [TestCase("/_sql", "application/json", """{"query":"DROP TABLE customers"}""")]
    [TestCase("/api/run", "application/json", """{"sql":"DROP TABLE customers"}""")]
    [TestCase("/v2/pipeline", "application/json", """{"requests":[{"type":"execute","stmt":{"sql":"DROP TABLE customers"}}]}""")]
    [TestCase("/exec", "application/x-www-form-urlencoded", "query=DROP+TABLE+customers")]
    [TestCase("/query", "text/plain", "DROP TABLE customers")]
    public void SqlOverHttpIsReadAtTheWire(string path, string type, string body)
    {
        var s = Held(path, type, body);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("customers"));
    }

    [TestCase("/_sql", "application/json", """{"query":"SELECT count(*) FROM customers"}""")]
    [TestCase("/api/run", "application/json", """{"sql":"SELECT name FROM customers"}""")]
    public void ASqlReadOverHttpStillArrives(string path, string type, string body)
    {
        var s = Held(path, type, body);
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
        var s = Held("/volumes/1", type, body, extra);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("/volumes/1"));
    }

    [TestCase("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nPATCH\r\n--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nDELETE\r\n--XX--\r\n")]
    [TestCase("application/json", """{"name":"x","method":"DELETE","nested":{"_method":"DELETE"}}""")]
    public void AnUpdateThatOnlyMentionsDeleteStillArrives(string type, string body)
    {
        var s = Held("/volumes/1", type, body);
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }

    // express-graphql and graphql-http take the URL's operationName before the body's.

    [Test]
    public void AnOperationNameInTheUrlIsReadWithTheBody()
    {
        var s = Held("/graphql?operationName=D", "application/json",
            """{"query":"query Q { volume(id: 1) { id } } mutation D { volumeDelete(id: 1) { id } }","operationName":"Q"}""");
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void TheSameOperationNameInTheUrlAndTheBodyStillArrives()
    {
        var s = Held("/graphql?operationName=Q", "application/json",
            """{"query":"query Q { volume(id: 1) { id } } mutation D { volumeDelete(id: 1) { id } }","operationName":"Q"}""");
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }

    // Rack 2 (Rails before 7.1) and Python before 3.9.2 split a query string at ';' as at '&'.

    [Test]
    public void AGetQueryBehindASemicolonIsRead()
    {
        var s = AttackHeld(B("GET /graphql?x=1;query=mutation%7BvolumeDelete(id%3A1)%7Bid%7D%7D HTTP/1.1\r\nHost: 127.0.0.2\r\nConnection: close\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void AGetWithSemicolonsInItsQueryStringStillArrives()
    {
        var s = AttackHeld(B("GET /graphql?query=%7Bvolume(id%3A1)%7Bid%7D%7D&x=1;y=2 HTTP/1.1\r\nHost: 127.0.0.2\r\nConnection: close\r\n\r\n"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }

    // The September 2025 spec (graphql-js 17, graphql-java) lets a description precede an operation.

    [Test]
    public void AMutationBehindADescriptionIsRead()
    {
        var s = Held("/graphql", "application/json", """{"query":"\"cleanup\" mutation { volumeDelete(id: 1) { id } }"}""");
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("volumeDelete"));
    }

    [Test]
    public void AQueryBehindADescriptionStillArrives()
    {
        var s = Held("/graphql", "application/json", """{"query":"\"lookup\" query { volume(id: 1) { id } }"}""");
        Assert.That(s, Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(1));
    }
}
