using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;

namespace AgentShell.Core.Tests.Classification;

/// <summary>corpus24: a command name that is a substitution printing a program's name or path
/// ($(which aws), `echo psql`) runs that program; any other expansion there stays unknown.</summary>
public class PrintedProgramTests
{
    private static IReadOnlyList<CommandIntent> Classify(string line) => new CommandClassifier().ClassifyShell(line, CorpusFixture.Context());

    [TestCase("$(which aws) --profile prod iam delete-user --user-name bot", "aws", Effect.Delete)]
    [TestCase("`which aws` --profile prod iam delete-user --user-name bot", "aws", Effect.Delete)]
    [TestCase("$(command -v psql) -h db.prod.example.com -c 'DROP TABLE users'", "psql", Effect.Drop)]
    [TestCase("$(echo vault) kv destroy -address=https://vault.prod.example.com secret/app", "vault", Effect.Wipe)]
    [TestCase("$(type -P redis-cli) -h cache.prod.example.com FLUSHALL", "redis-cli", Effect.Wipe)]
    [TestCase("$(which aws) --profile prod iam list-users", "aws", Effect.Read)]
    public void PrintedProgramIsRead(string line, string tool, Effect effect)
    {
        var worst = CorpusTests.Worst(Classify(line));
        Assert.That(worst, Is.Not.Null, line);
        Assert.That((worst!.Tool, worst.Effect), Is.EqualTo((tool, effect)), line);
    }

    [TestCase("$(cat prog) --profile prod iam delete-user --user-name bot")]
    [TestCase("$(echo aws; echo x) --profile prod iam delete-user --user-name bot")]
    [TestCase("$(echo $TOOL) --profile prod iam delete-user --user-name bot")]
    public void OtherExpansionsStayUnknown(string line) =>
        Assert.That(Classify(line).Select(i => i.Effect), Has.Member(Effect.Unknown), line);
}
