using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class HttpieTests
{
    private static CommandIntent Parse(params string[] args) => Httpie.Parse("http", ToolCall.Of(CorpusFixture.Context(), args));

    [TestCase(new[] { "--of", "DELETE", "https://h/x" }, Effect.Read)]
    [TestCase(new[] { "-vF", "DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "DELETE", "--verbose", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "https://h/x", "--raw={\"query\":\"mutation { deleteUser(id: 1) }\"}" }, Effect.Delete)]
    [TestCase(new[] { "https://h/graphql", "query==mutation { deleteUser(id: 1) }" }, Effect.Delete)]
    [TestCase(new[] { "POST", "https://h/x", "X-HTTP-Method-Override:DELETE" }, Effect.Delete)]
    [TestCase(new[] { "-f", "POST", "https://h/x", "_method=DELETE" }, Effect.Delete)]
    [TestCase(new[] { "deleteeverything", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "--frob", "GET", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "GET", "https://h/x", "X:1\r\nX-HTTP-Method-Override: DELETE" }, Effect.Unknown)]
    [TestCase(new[] { "GET", "https://h/x", "X:a\r\nB: 1" }, Effect.Unknown)]
    public void OptionsAndItemsAreReadAsHttpieReadsThem(string[] args, Effect effect) =>
        Assert.That(Parse(args).Effect, Is.EqualTo(effect), string.Join(' ', args));

    [Test]
    public void ADefaultSchemeOtherThanHttpIsUnknown() =>
        Assert.That(Parse("--default-scheme", "gopher", "h:70/x").Effect, Is.EqualTo(Effect.Unknown));
}
