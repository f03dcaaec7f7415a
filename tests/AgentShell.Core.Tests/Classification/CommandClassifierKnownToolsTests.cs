using AgentShell.Core.Classification;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Classification;

public class CommandClassifierKnownToolsTests
{
    [TestCase("curl")]
    [TestCase("psql")]
    [TestCase("mariadb")]
    [TestCase("aws")]
    [TestCase("kubectl")]
    [TestCase("rm")]
    [TestCase("mkfs.ext4")]
    public void ListsToolsWithAParser(string tool) => Assert.That(CommandClassifier.KnownTools, Does.Contain(tool));

    [TestCase("sudo")]
    [TestCase("env")]
    [TestCase("bash")]
    [TestCase("xargs")]
    [TestCase("python3")]
    public void LeavesOutWrappersShellsAndUnknownPrograms(string name) =>
        Assert.That(CommandClassifier.KnownTools, Does.Not.Contain(name));

    [Test]
    public void NamesAreUnique() => Assert.That(CommandClassifier.KnownTools, Is.Unique);

    // Each known tool is parsed: a destructive-looking argv the parser understands yields an intent
    // named after the tool's parser, which only happens when the name reaches Run.Parse.
    [TestCase("curl", "-X", "DELETE", "https://api.example.com/x")]
    [TestCase("psql", "-c", "DROP TABLE t")]
    [TestCase("rm", "-rf", "/srv/data")]
    public void AListedToolReachesItsParser(params string[] argv)
    {
        Assert.That(CommandClassifier.KnownTools, Does.Contain(argv[0]));
        var intents = new CommandClassifier().Classify(argv, new LocalExecContext(new Dictionary<string, string>(), "/tmp"));
        Assert.That(intents, Is.Not.Empty);
    }
}
