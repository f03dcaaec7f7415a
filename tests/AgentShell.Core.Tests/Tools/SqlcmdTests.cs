using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class SqlcmdTests
{
    private static CommandIntent Parse(params string[] args) => Sqlcmd.Parse(ToolCall.Of(CorpusFixture.Context(), args));

    [TestCase(new[] { "-S", "db.prod.example.com", "-Q", "DROP DATABASE app" }, Effect.Drop, "mssql://db.prod.example.com:1433")]
    [TestCase(new[] { "-Stcp:db.prod.example.com,14330", "-dapp", "-QTRUNCATE TABLE t" }, Effect.Truncate, "mssql://db.prod.example.com:14330/app")]
    [TestCase(new[] { "-S", @"db.prod.example.com\SQLEXPRESS", "-E", "-b", "-Q", "DELETE FROM t" }, Effect.Wipe, "mssql://db.prod.example.com:1433")]
    [TestCase(new[] { "-S", "db.prod.example.com", "-Q", "SELECT 1" }, Effect.Read, "mssql://db.prod.example.com:1433")]
    [TestCase(new[] { "-S", "db.prod.example.com", "-q", "SELECT 1" }, Effect.Unknown, "mssql://db.prod.example.com:1433")]
    [TestCase(new[] { "-S", "db.prod.example.com" }, Effect.Unknown, "mssql://db.prod.example.com:1433")]
    [TestCase(new[] { "-S", ".", "-i", "drop.sql" }, Effect.Drop, "mssql://localhost:1433")]
    [TestCase(new[] { "-S", "db.prod.example.com", "-i", "missing.sql" }, Effect.Unknown, "mssql://db.prod.example.com:1433")]
    public void OptionsAreReadAsSqlcmdReadsThem(string[] args, Effect effect, string target)
    {
        var i = Parse(args);
        Assert.That(i.Effect, Is.EqualTo(effect), string.Join(' ', args));
        Assert.That(i.Targets.Select(t => t.ToString()), Has.Member(target));
    }

    [Test]
    public void TheStartupScriptOfSqlcmdiniIsRunFirst()
    {
        // sqlcmd runs the SQLCMDINI file before -Q: on main its DROP was not read (a read, allowed).
        static CommandIntent WithIni(string ini, params string[] args)
        {
            var env = new Dictionary<string, string> { ["HOME"] = CorpusFixture.Home, ["PATH"] = "/usr/bin:/bin", ["SQLCMDINI"] = ini };
            return Sqlcmd.Parse(ToolCall.Of(new LocalExecContext(env, CorpusFixture.Repo), args));
        }
        Assert.That(WithIni("drop.sql", "-S", "db.prod.example.com", "-Q", "SELECT 1").Effect, Is.EqualTo(Effect.Drop));
        Assert.That(WithIni("missing.sql", "-S", "db.prod.example.com", "-Q", "SELECT 1").Effect, Is.EqualTo(Effect.Unknown));
        Assert.That(WithIni("select.sql", "-S", "db.prod.example.com", "-Q", "SELECT 1").Effect, Is.EqualTo(Effect.Read));
        Assert.That(WithIni("select.sql", "-S", "db.prod.example.com").Effect, Is.EqualTo(Effect.Unknown));
    }
}
