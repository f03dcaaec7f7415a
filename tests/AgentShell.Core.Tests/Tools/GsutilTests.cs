using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>gsutil's options read as Python's getopt reads them: top-level ones before the command,
/// the command's own bundled (-rd) and attached.</summary>
public class GsutilTests
{
    private static CommandIntent Parse(params string[] args) => Gsutil.Parse(ToolCall.Of(CorpusFixture.Context(), args));

    [TestCase(new[] { "-m", "rsync", "-rd", "./dist", "gs://shop-prod-assets" }, Effect.Delete)]
    [TestCase(new[] { "rsync", "-dr", "./dist", "gs://shop-prod-assets" }, Effect.Delete)]
    [TestCase(new[] { "rsync", "-cdrx", "^\\.git/", "./dist", "gs://shop-prod-assets" }, Effect.Delete)]
    [TestCase(new[] { "-m", "-o", "GSUtil:check_hashes=never", "rsync", "-r", "-d", "./dist", "gs://shop-prod-assets" }, Effect.Delete)]
    [TestCase(new[] { "rsync", "-x", "-d", "./dist", "gs://shop-prod-assets" }, Effect.Write)] // -x takes "-d" as its pattern
    [TestCase(new[] { "rsync", "-r", "./dist", "gs://shop-prod-assets" }, Effect.Write)]
    [TestCase(new[] { "-m", "rsync", "-n", "-rd", "./dist", "gs://shop-prod-assets" }, Effect.Read)]
    [TestCase(new[] { "rsync", "-rdn", "./dist", "gs://shop-prod-assets" }, Effect.Read)]
    [TestCase(new[] { "-m", "rm", "-r", "gs://shop-prod-assets" }, Effect.Wipe)]
    [TestCase(new[] { "rm", "-Ra", "gs://shop-prod-assets/**" }, Effect.Wipe)]
    [TestCase(new[] { "rm", "-r", "gs://shop-prod-assets/tmp/" }, Effect.Delete)]
    [TestCase(new[] { "rm", "gs://shop-prod-assets" }, Effect.Delete)]
    [TestCase(new[] { "cp", "-n", "a.png", "gs://shop-prod-assets/" }, Effect.Write)] // cp's -n: no-clobber
    [TestCase(new[] { "-m", "rsync", "-z", "./dist", "gs://shop-prod-assets" }, Effect.Unknown)]
    [TestCase(new[] { "--frob", "ls", "gs://shop-prod-assets" }, Effect.Unknown)]
    [TestCase(new[] { "ls", "-l", "gs://shop-prod-assets" }, Effect.Read)]
    public void OptionsAreReadAsGsutilReadsThem(string[] args, Effect effect)
    {
        var i = Parse(args);
        Assert.That(i.Effect, Is.EqualTo(effect), string.Join(' ', args));
        Assert.That(i.Targets.Select(t => t.Name), Has.Member("prod"));
    }

    [TestCase("-m")]
    [TestCase("-o")]
    public void TopLevelOptionsAloneAskForNothing(string option) =>
        Assert.That(Parse(option).Effect, Is.EqualTo(Effect.Read));
}
