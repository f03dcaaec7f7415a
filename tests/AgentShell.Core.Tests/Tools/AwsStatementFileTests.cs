using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;

namespace AgentShell.Core.Tests.Tools;

/// <summary>The aws CLI reads a parameter given as file://PATH from that file: a data API's
/// statement there is read as the statement (it was scanned as the text "file://…", an unknown).</summary>
[TestFixture]
public sealed class AwsStatementFileTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("agentshell-aws-sql-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, true);

    private Effect EffectOf(params string[] argv) => new CommandClassifier().Classify(argv, CorpusFixture.Context(_dir)).Single().Effect;

    [TestCase("file://drop.sql", Effect.Drop, TestName = "AStatementFileIsRead")]
    [TestCase("fileb://drop.sql", Effect.Drop, TestName = "ABinaryStatementFileIsRead")]
    [TestCase("file://read.sql", Effect.Read, TestName = "TheLookAlikeAReadInAFileIsARead")]
    [TestCase("file://missing.sql", Effect.Unknown, TestName = "AStatementFileThatCannotBeReadIsUnknown")]
    public void TheSqlOfAFileIsWhatIsRun(string sql, Effect expected)
    {
        File.WriteAllText(Path.Combine(_dir, "drop.sql"), "DROP TABLE users;\n");
        File.WriteAllText(Path.Combine(_dir, "read.sql"), "SELECT count(*) FROM users;\n");
        Assert.That(EffectOf("aws", "rds-data", "execute-statement", "--resource-arn", "arn:aws:rds:us-east-1:1:cluster:shop-prod",
            "--secret-arn", "s", "--sql", sql), Is.EqualTo(expected));
    }
}
