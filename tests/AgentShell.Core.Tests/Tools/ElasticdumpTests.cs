using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>elasticdump: an output URL is written, --delete deletes from the input URL as documents
/// are moved, a URL that does not parse is unknown (never read as a local file).</summary>
public class ElasticdumpTests
{
    private static CommandIntent Parse(params string[] args) => Elasticdump.Parse(ToolCall.Of(CorpusFixture.Context(), args));

    [TestCase(new[] { "--input=https://es.prod.example.com/orders", "--output=/tmp/o.json", "--delete" }, Effect.Delete)]
    [TestCase(new[] { "--input", "https://es.prod.example.com/orders", "--delete", "true", "--output", "$" }, Effect.Delete)]
    [TestCase(new[] { "--delete=TRUE", "--input=http://127.0.0.2:9200/orders", "--output=/tmp/o.json" }, Effect.Delete)]
    [TestCase(new[] { "--input=https://es.prod.example.com/orders", "--output=/tmp/o.json", "--delete=false" }, Effect.Read)]
    [TestCase(new[] { "--input=https://es.prod.example.com/orders", "--output=/tmp/o.json", "--delete", "false" }, Effect.Read)]
    [TestCase(new[] { "--input=https://es.prod.example.com/orders", "--output=/tmp/o.json", "--type=mapping" }, Effect.Read)]
    [TestCase(new[] { "--input=/tmp/o.json", "--output=https://es.prod.example.com/orders" }, Effect.Write)]
    [TestCase(new[] { "--input=/tmp/o.json", "--output=/tmp/p.json", "--delete" }, Effect.Read)] // nothing remote
    [TestCase(new[] { "--input=https://[bad/orders", "--output=/tmp/o.json" }, Effect.Unknown)]
    [TestCase(new[] { "--input=/tmp/o.json", "--output=http://[bad/orders" }, Effect.Unknown)]
    public void TheEffectIsWhatItDoesToEachEnd(string[] args, Effect effect) =>
        Assert.That(Parse(args).Effect, Is.EqualTo(effect), string.Join(' ', args));

    [Test]
    public void BothEndsAreTargets()
    {
        var i = Parse("--input=https://es.prod.example.com/orders", "--output=https://es.staging.example.com/orders");
        Assert.That(i.Targets.Select(t => t.Host), Is.EqualTo(new[] { "es.prod.example.com", "es.staging.example.com" }));
    }
}
