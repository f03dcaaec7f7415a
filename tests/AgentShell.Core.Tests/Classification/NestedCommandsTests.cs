using AgentShell.Core.Classification;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Classification;

/// <summary>The commands an exec starts as execs of their own, which `check` decides one by one.</summary>
[TestFixture]
public sealed class NestedCommandsTests
{
    private static readonly LocalExecContext Ctx = new(new Dictionary<string, string> { ["PATH"] = "/usr/bin" }, "/work");

    private static IReadOnlyList<NestedCommand> Nested(params string[] argv) =>
        new CommandClassifier().NestedCommands(ReadOnlySpan<byte>.Empty, Argv.FromStrings(argv), Ctx);

    [Test]
    public void AShellStringsCommandsAreListedWithTheirDirectoryAndVariables()
    {
        var n = Nested("bash", "-c", "cd /tmp/x && FOO=1 ./fetcher -X DELETE https://h/v; ls");
        Assert.That(n.Select(c => string.Join(' ', c.Argv)), Is.EqualTo(new[] { "./fetcher -X DELETE https://h/v", "ls" }));
        Assert.That(n[0].Context.WorkingDirectory, Is.EqualTo("/tmp/x"));
        Assert.That(n[0].Context.GetEnvironmentVariable("FOO"), Is.EqualTo("1"));
        Assert.That(n[1].Context.GetEnvironmentVariable("FOO"), Is.Null);
    }

    [Test]
    public void AWrapperAndTheProgramItStartsAreBothListedOneLevelApart()
    {
        var n = Nested("sh", "-c", "timeout 5 curl https://h/v");
        Assert.That(n.Select(c => (string.Join(' ', c.Argv), c.Level)), Is.EqualTo(new[] { ("timeout 5 curl https://h/v", 0), ("curl https://h/v", 1) }));
    }

    [Test]
    public void ABuiltinThatUnwrapsIsNotListedButWhatItRunsIs()
    {
        var n = Nested("bash", "-c", "exec command curl https://h/v");
        Assert.That(n.Select(c => string.Join(' ', c.Argv)), Is.EqualTo(new[] { "curl https://h/v" }));
    }

    [Test]
    public void TheExecsOwnCommandIsNotListed()
    {
        // The look-alike: a program that starts nothing lists nothing, even a parsed one.
        Assert.That(Nested("curl", "-X", "DELETE", "https://h/v"), Is.Empty);
        Assert.That(Nested("ls", "-la"), Is.Empty);
    }

    [Test]
    public void AStringNoQuickPathWouldParseIsStillListed()
    {
        // Classify lets `bash -c './x'` through on bytes (nothing in it is a known tool); the
        // enumeration parses it anyway, since ./x may be a renamed copy of one.
        var n = Nested("bash", "-c", "./x -X DELETE https://h/v");
        Assert.That(n.Select(c => c.Argv[0]), Is.EqualTo(new[] { "./x" }));
    }
}
