using System.Text;
using AgentShell.Core.Model;
using AgentShell.Supervisor.Wire.Http;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>What a server acts on beyond the request line and the GraphQL document, read at the
/// wire as curl's argv reading reads it (redteam41): SQL over HTTP, method overrides in a multipart
/// part, a JSON body or a header spelt with underscores, and the URL's operationName. Each was a
/// plain POST (a write, forwarded) before. The end-to-end attacks are in WireHostileReadingsTests.</summary>
[TestFixture]
public sealed class RequestReadingsTests
{
    private const string TwoOperations = "query Q { volume(id: 1) { id } } mutation D { volumeDelete(id: 1) { id } }";

    private static Effect EffectOf(string head, string body)
    {
        var b = Encoding.UTF8.GetBytes(body);
        var h = HttpRequestHead.Parse(Encoding.Latin1.GetBytes(head.Replace("\n", "\r\n") + $"Content-Length: {b.Length}\r\n\r\n"));
        return HttpIntent.Build(h, new RequestBody { Data = b, Length = b.Length, Complete = true }, false, "127.0.0.2:80").Intent.Effect;
    }

    private static string Post(string target, string type, string host = "127.0.0.2") => $"POST {target} HTTP/1.1\nHost: {host}\nContent-Type: {type}\n";

    [TestCase("/", "text/plain", "DROP TABLE customers", "127.0.0.2:8123", Effect.Drop)]         // ClickHouse's HTTP interface
    [TestCase("/_sql", "application/json", """{"query":"DELETE FROM customers"}""", "127.0.0.2", Effect.Wipe)]
    [TestCase("/api/run", "application/json", """{"sql":"DROP TABLE customers"}""", "127.0.0.2", Effect.Drop)]
    [TestCase("/query", "application/x-www-form-urlencoded", "q=DROP+DATABASE+prod", "127.0.0.2", Effect.Drop)]
    public void SqlOverHttpIsRead(string path, string type, string body, string host, Effect expected) =>
        Assert.That(EffectOf(Post(path, type, host), body), Is.EqualTo(expected));

    [TestCase("/", "text/plain", "SELECT count(*) FROM customers", "127.0.0.2:8123")]
    [TestCase("/api/run", "application/json", """{"sql":"SELECT 1"}""", "127.0.0.2")]
    [TestCase("/items", "application/json", """{"name":"DROP TABLE customers"}""", "127.0.0.2")] // not SQL to anyone
    public void ASqlReadOrTextThatOnlyMentionsSqlStaysAWrite(string path, string type, string body, string host) =>
        Assert.That(EffectOf(Post(path, type, host), body), Is.EqualTo(Effect.Write));

    [TestCase("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nDELETE\r\n--XX--\r\n")]
    [TestCase("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name*=utf-8''%5Fmethod\r\n\r\ndelete\r\n--XX--\r\n")]
    [TestCase("application/json", """{"name":"x","_method":"DELETE"}""")]
    [TestCase("application/json", """{"name":"x","\u005fmethod":"delete"}""")]
    public void AMethodOverrideInTheBodyCounts(string type, string body) =>
        Assert.That(EffectOf(Post("/volumes/1", type), body), Is.EqualTo(Effect.Delete));

    [TestCase("X_HTTP_METHOD_OVERRIDE: DELETE\n")]
    [TestCase("x_http_method: DELETE\n")]
    public void AnOverrideHeaderSpeltWithUnderscoresCounts(string field) =>
        Assert.That(EffectOf(Post("/volumes/1", "application/x-www-form-urlencoded") + field, "a=1"), Is.EqualTo(Effect.Delete));

    [TestCase("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"note\"; filename=\"_method.txt\"\r\n\r\nDELETE\r\n--XX--\r\n")]
    [TestCase("application/json", """{"method":"DELETE","nested":{"_method":"DELETE"}}""")]
    [TestCase("application/json", """{"_method":"PATCH","x":"\ud800"}""")]
    [TestCase("application/json", """{"_method":"DELETE" """)]                                  // not JSON: no server reads it
    public void ABodyThatOnlyMentionsDeleteStaysAWrite(string type, string body) =>
        Assert.That(EffectOf(Post("/volumes/1", type), body), Is.EqualTo(Effect.Write));

    [Test]
    public void TheUrlsOperationNameCountsWithTheBodys()
    {
        string body = $$"""{"query":"{{TwoOperations}}","operationName":"Q"}""";
        Assert.That(EffectOf(Post("/graphql?operationName=D", "application/json"), body), Is.EqualTo(Effect.Wipe));
        Assert.That(EffectOf(Post("/graphql?operationName=Q", "application/json"), body), Is.EqualTo(Effect.Read));
        Assert.That(EffectOf(Post("/graphql", "application/json"), body), Is.EqualTo(Effect.Read));
    }

    [Test]
    public void TheUrlsOperationNamePicksTheOperationOfARawDocument()
    {
        Assert.That(EffectOf(Post("/graphql?operationName=D", "application/graphql"), TwoOperations), Is.EqualTo(Effect.Wipe));
        Assert.That(EffectOf(Post("/graphql?operationName=Q", "application/graphql"), TwoOperations), Is.EqualTo(Effect.Read));
    }

    [TestCase("/graphql?x=1;query=mutation%7BvolumeDelete(id%3A1)%7Bid%7D%7D", Effect.Wipe)] // Rack 2 splits at ';'
    [TestCase("/graphql?query=%7Bvolume(id%3A1)%7Bid%7D%7D&x=1;y=2", Effect.Read)]
    [TestCase("/graphql?query=%7Bvolume(q%3A%22a;b%22)%7Bid%7D%7D", Effect.Read)]            // a ';' inside the document
    [TestCase("/items?a=1;b=2", Effect.Read)]
    public void AQueryStringIsAlsoReadSplitAtSemicolons(string target, Effect expected) =>
        Assert.That(EffectOf($"GET {target} HTTP/1.1\nHost: 127.0.0.2\n", ""), Is.EqualTo(expected));

    [Test]
    public void AnOperationWithADescriptionIsRead()
    {
        Assert.That(EffectOf(Post("/graphql", "application/json"), """{"query":"\"d\" mutation { volumeDelete(id: 1) { id } }"}"""), Is.EqualTo(Effect.Wipe));
        Assert.That(EffectOf(Post("/graphql", "application/json"), """{"query":"\"d\" query { volume(id: 1) { id } }"}"""), Is.EqualTo(Effect.Read));
    }

    [Test]
    public void AnOverrideInABodyOtherwiseUnreadStillCounts() =>
        Assert.That(EffectOf(Post("/volumes/1", "application/x-www-form-urlencoded; charset=utf-7"), "_method=DELETE"), Is.EqualTo(Effect.Delete));
}
