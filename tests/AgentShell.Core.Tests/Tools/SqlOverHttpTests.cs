using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary><see cref="SqlOverHttp"/>: SQL endpoints by port and path, and what raises a request.</summary>
public class SqlOverHttpTests
{
    private static Target T(string url) => UrlParser.TryParse(url, "https", out var t) ? t : throw new ArgumentException(url);

    [TestCase("http://ch.internal:8123/", true)]
    [TestCase("https://ch.internal:8443/", true)]
    [TestCase("https://es.internal:9200/_sql", true)]
    [TestCase("http://questdb:9000/exec", true)]
    [TestCase("https://api.example.com/v2/pipeline", true)]
    [TestCase("https://api.example.com/v1/users", false)]
    [TestCase("https://api.example.com/graphql", false)]
    public void EndpointsAreKnownByPortOrLastSegment(string url, bool endpoint) =>
        Assert.That(SqlOverHttp.IsEndpoint(T(url)), Is.EqualTo(endpoint));

    [TestCase("http://ch:8123/", "DROP TABLE events", Effect.Drop)]
    [TestCase("http://ch:8123/?query=TRUNCATE%20TABLE%20t", null, Effect.Truncate)]
    [TestCase("https://es:9200/_sql", """{"query":"DELETE FROM logs WHERE x = 1"}""", Effect.Delete)]
    [TestCase("https://api.example.com/anything", """{"sql":"DROP TABLE t"}""", Effect.Drop)]
    [TestCase("https://api.example.com/v2/pipeline", """{"requests":[{"type":"execute","stmt":{"sql":"DROP TABLE users"}}]}""", Effect.Drop)]
    [TestCase("http://rqlite:4001/db/execute", """["DROP TABLE t"]""", Effect.Drop)]
    [TestCase("https://api.example.com/anything", """{"\u0073ql":"DROP TABLE t"}""", Effect.Drop)]   // an escaped key is the same key
    [TestCase("http://influx:8086/query", "q=DROP DATABASE metrics", Effect.Drop)]        // curl -G --data-urlencode q=…
    public void DestructiveSqlRaisesTheRequest(string url, string? body, Effect expected) =>
        Assert.That(SqlOverHttp.Of(T(url), url, body, []), Is.EqualTo(expected));

    [TestCase("http://ch:8123/", "SELECT 1")]                                      // a read changes nothing
    [TestCase("https://api.example.com/v1/search", """{"query":"delete old invoices"}""")]   // not a SQL endpoint
    [TestCase("https://shop.example.com/search?q=drop+table+legs", null)]          // not a SQL endpoint
    [TestCase("https://api.example.com/chat", """{"messages":[{"content":"DROP TABLE users"}]}""")]
    public void OtherBodiesChangeNothing(string url, string? body) =>
        Assert.That(SqlOverHttp.Of(T(url), url, body, []), Is.Null);

    // The quick check for a SQL key in a JSON body answers as the three case-insensitive searches it
    // replaced, for every character of the BMP in every position of each word.
    [Test]
    public void TheSqlKeyCheckIsTheOrdinalIgnoreCaseSearch()
    {
        int mismatches = 0;
        foreach (var word in new[] { "sql", "stmt", "statement" })
        {
            for (int at = 0; at < word.Length; at++)
            {
                for (int c = 0; c <= 0xFFFF; c++)
                {
                    string body = "{\"" + word[..at] + (char)c + word[(at + 1)..] + "\":1}";
                    bool expected = body.Contains("sql", StringComparison.OrdinalIgnoreCase) || body.Contains("stmt", StringComparison.OrdinalIgnoreCase)
                        || body.Contains("statement", StringComparison.OrdinalIgnoreCase);
                    if (SqlOverHttp.NamesSqlKey(body) != expected) mismatches++;
                }
            }
        }
        Assert.That(mismatches, Is.Zero);
        Assert.That(SqlOverHttp.NamesSqlKey("""{"STMT":"x"}"""), Is.True);
        Assert.That(SqlOverHttp.NamesSqlKey("""{"\u017Fql":"x"}"""), Is.False); // an escape is text here (the backslash sends it to the parse)
        Assert.That(SqlOverHttp.NamesSqlKey("""{"sTaTeMeNt":"x"}"""), Is.True);
        Assert.That(SqlOverHttp.NamesSqlKey("""{"s":"q","l":1}"""), Is.False);
    }
}
