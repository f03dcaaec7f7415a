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
}
