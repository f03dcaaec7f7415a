using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class PsqlTests
{
    private static CommandIntent Parse(params string[] args) => Psql.Parse(ToolCall.Of(CorpusFixture.Context(), args));

    // Each form checked against psql 15 (glibc getopt_long).
    [TestCase(new[] { "-h", "db.prod.example.com", "-tAc", "DROP TABLE t" }, Effect.Drop)]
    [TestCase(new[] { "-h", "db.prod.example.com", "-tAc", "SELECT 1" }, Effect.Read)]
    [TestCase(new[] { "-h", "db.prod.example.com", "-tAcDROP TABLE t" }, Effect.Drop)]
    [TestCase(new[] { "--hos=db.prod.example.com", "--comm=DROP TABLE t" }, Effect.Drop)]
    [TestCase(new[] { "--hos", "db.prod.example.com", "--comm", "TRUNCATE t" }, Effect.Truncate)]
    [TestCase(new[] { "app", "-c", "DROP TABLE t", "-h", "db.prod.example.com" }, Effect.Drop)]
    [TestCase(new[] { "-h", "db.prod.example.com", "--COMMAND=SELECT 1" }, Effect.Unknown)]
    [TestCase(new[] { "-h", "db.prod.example.com", "--s", "x=1", "-c", "SELECT 1" }, Effect.Unknown)]
    [TestCase(new[] { "-h", "db.prod.example.com", "-c" }, Effect.Unknown)]
    [TestCase(new[] { "--help=commands" }, Effect.Read)]
    public void OptionsAreReadAsPsqlReadsThem(string[] args, Effect effect) =>
        Assert.That(Parse(args).Effect, Is.EqualTo(effect), string.Join(' ', args));

    [TestCase("-")]
    [TestCase("/dev/stdin")]
    [TestCase("/dev/fd/0")]
    [TestCase("/proc/self/fd/0")]
    public void AFileThatIsStdinIsReadFromWhatThePipeCarries(string name)
    {
        var known = new ToolCall { Args = ["-h", "db.prod.example.com", "-f", name], Context = CorpusFixture.Context(), StdinText = "DROP TABLE t;" };
        var opaque = new ToolCall { Args = ["-h", "db.prod.example.com", "-f", name], Context = CorpusFixture.Context(), StdinOpaque = true };
        Assert.That(Psql.Parse(known).Effect, Is.EqualTo(Effect.Drop));
        Assert.That(Psql.Parse(opaque).Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void ProcessSubstitutionIsUnknown() =>
        Assert.That(Parse("-h", "db.prod.example.com", "-f", "/dev/fd/63").Effect, Is.EqualTo(Effect.Unknown));

    [Test]
    public void PgWrapperClusterOptionNamesANetworkHost()
    {
        var i = Parse("--cluster", "15/db.prod.example.com:6432", "-c", "DROP TABLE t");
        Assert.That(i.Targets.Single().ToString(), Is.EqualTo("postgresql://db.prod.example.com:6432"));
        var env = new LocalExecContext(new Dictionary<string, string> { ["PGCLUSTER"] = "15/db.prod.example.com:5432" });
        Assert.That(Psql.Parse(ToolCall.Of(env, "-c", "DROP TABLE t")).Targets.Single().Host, Is.EqualTo("db.prod.example.com"));
        Assert.That(Parse("--cluster", "15/main", "-c", "DROP TABLE t").Targets.Single().Host, Is.Null);
    }

    [TestCase("\\c \"host=db.prod.example.com dbname=app\"", "postgresql://db.prod.example.com:5432/app")]
    [TestCase("\\connect app admin db.prod.example.com 6432", "postgresql://db.prod.example.com:6432/app")]
    [TestCase("\\c postgresql://db.prod.example.com/app", "postgresql://db.prod.example.com:5432/app")]
    [TestCase("\\c other - -", "postgresql://db.staging.example.com:5432/other")]
    public void ConnectNamesTheServerTheLaterStatementsRunOn(string connect, string target)
    {
        var i = Parse("-h", "db.staging.example.com", "-c", connect, "-c", "DROP TABLE t");
        Assert.That(i.Effect, Is.EqualTo(Effect.Drop));
        Assert.That(i.Targets.Select(t => t.ToString()), Has.Member(target));
    }
}
