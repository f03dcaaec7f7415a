using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class WgetTests
{
    private static CommandIntent Parse(params string[] args) => Wget.Parse(ToolCall.Of(CorpusFixture.Context(), args));

    // Each checked against wget 1.21.3 and a loopback server.
    [TestCase(new[] { "--meth=DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "--met", "DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "--me=DELETE", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "https://h/x", "--method", "DELETE" }, Effect.Delete)]
    [TestCase(new[] { "-qO-", "--body-d=x", "--method=PUT", "https://h/x" }, Effect.Write)]
    [TestCase(new[] { "-qO-", "--post-d", "x", "https://h/x" }, Effect.Write)]
    [TestCase(new[] { "--METHOD=DELETE", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "--no-c", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "--no-method=x", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "--max-redirect", "0", "https://h/x" }, Effect.Read)]
    [TestCase(new[] { "-nv", "https://h/x" }, Effect.Read)]
    [TestCase(new[] { "--header", "X-HTTP-Method-Override: DELETE", "--post-data", "a=1", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "--post-data", "_method=delete", "https://h/x" }, Effect.Delete)]
    [TestCase(new[] { "-e", "method=DELETE", "https://h/x" }, Effect.Unknown)]
    [TestCase(new[] { "gopher://h:70/_x" }, Effect.Unknown)]
    [TestCase(new[] { "ftp://h/file" }, Effect.Read)]
    public void OptionsAreReadAsWgetReadsThem(string[] args, Effect effect) =>
        Assert.That(Parse(args).Effect, Is.EqualTo(effect), string.Join(' ', args));

    [TestCase("--method", "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\nGET")]
    [TestCase("--header", "X: 1\r\nX-HTTP-Method-Override: DELETE")]
    [TestCase("--user-agent", "a\r\nX: 1")]
    public void ControlCharactersAreUnknown(string option, string value) =>
        Assert.That(Parse(option, value, "https://h/x").Effect, Is.GreaterThanOrEqualTo(Effect.Unknown));

    [Test]
    public void APostFileThatIsStdinIsReadFromWhatThePipeCarries()
    {
        var body = "{\"query\":\"mutation { deleteUser(id: 1) }\"}";
        var known = new ToolCall { Args = ["--post-file=/dev/stdin", "https://h/g"], Context = CorpusFixture.Context(), StdinText = body };
        Assert.That(Wget.Parse(known).Effect, Is.EqualTo(Effect.Delete));
        Assert.That(Parse("--post-file=/dev/stdin", "https://h/g").Effect, Is.EqualTo(Effect.Unknown));
        Assert.That(Parse("--post-file", "/dev/fd/63", "https://h/g").Effect, Is.EqualTo(Effect.Unknown));
    }
}
