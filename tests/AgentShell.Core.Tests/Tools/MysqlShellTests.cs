using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>MySQL Shell (a SqlShells row): -e is SQL only in SQL mode, the server comes from a
/// user@host:port/schema word, --uri or -h, and an API command line after -- is not read.</summary>
public class MysqlShellTests
{
    private static CommandIntent Parse(params string[] args) => SqlShells.Parse("mysqlsh", ToolCall.Of(CorpusFixture.Context(), args))!;

    [TestCase(new[] { "--sql", "-h", "db.prod.example.com", "-e", "DROP SCHEMA shop" }, Effect.Drop, "mysql://db.prod.example.com:3306")]
    [TestCase(new[] { "admin@db.prod.example.com:3307/shop", "--sql", "-e", "TRUNCATE orders" }, Effect.Truncate, "mysql://db.prod.example.com:3307/shop")]
    [TestCase(new[] { "--sqlx", "--uri=mysqlx://admin@db.prod.example.com:33060/shop", "--execute=DROP TABLE t" }, Effect.Drop, "mysql://db.prod.example.com:33060/shop")]
    [TestCase(new[] { "--sqlc", "-hdb.prod.example.com", "-e", "DELETE FROM shop.users" }, Effect.Wipe, "mysql://db.prod.example.com:3306")]
    [TestCase(new[] { "--sql", "--host", "db.prod.example.com", "-e", "SELECT 1" }, Effect.Read, "mysql://db.prod.example.com:3306")]
    [TestCase(new[] { "-h", "db.prod.example.com", "-e", "session.runSql('SELECT 1')" }, Effect.Unknown, "mysql://db.prod.example.com:3306")]
    [TestCase(new[] { "--py", "-h", "db.prod.example.com", "-e", "print(1)" }, Effect.Unknown, "mysql://db.prod.example.com:3306")]
    [TestCase(new[] { "admin@db.prod.example.com", "--", "util", "dump-instance", "/tmp/d" }, Effect.Unknown, "mysql://db.prod.example.com:3306")]
    [TestCase(new[] { "-h", "db.prod.example.com" }, Effect.Unknown, "mysql://db.prod.example.com:3306")]
    [TestCase(new[] { "-h", "db.prod.example.com", "-f", "purge.js" }, Effect.Unknown, "mysql://db.prod.example.com:3306")]
    public void MysqlShIsReadByItsModeAndServer(string[] args, Effect effect, string target)
    {
        var i = Parse(args);
        Assert.That(i.Effect, Is.EqualTo(effect), string.Join(' ', args));
        Assert.That(i.Targets.Select(t => t.ToString()), Has.Member(target));
    }

    // Stdin is script too unless a SQL mode is given: JavaScript's show(…) scanned as SQL's SHOW was a read.
    [TestCase("show(dba.dropMetadataSchema({force: true}))", false, Effect.Unknown)]
    [TestCase("SELECT 1", false, Effect.Unknown)]
    [TestCase("DROP TABLE orders", true, Effect.Drop)]
    [TestCase("SELECT 1", true, Effect.Read)]
    public void StdinIsSqlOnlyInSqlMode(string stdin, bool sqlMode, Effect effect)
    {
        string[] args = sqlMode ? ["--sql", "admin@db.prod.example.com"] : ["admin@db.prod.example.com"];
        var call = new ToolCall { Args = args, Context = CorpusFixture.Context(), StdinText = stdin };
        Assert.That(SqlShells.Parse("mysqlsh", call)!.Effect, Is.EqualTo(effect), stdin);
    }

    [Test]
    public void ASqlFileThatCannotBeReadIsUnknown() =>
        Assert.That(Parse("-h", "db.prod.example.com", "-f", "/nonexistent/drop.sql").Effect, Is.EqualTo(Effect.Unknown));

    [Test]
    public void OtherShellsKeepTheirSingleDashLongOptions() =>
        // duckdb's -csv is a flag, not -c with "sv" attached.
        Assert.That(SqlShells.Parse("duckdb", ToolCall.Of(CorpusFixture.Context(), "-csv", "x.db", "SELECT 1"))!.Effect, Is.EqualTo(Effect.Read));

    [TestCase(new[] { "-h", "db.prod.example.com", "shop", "-e", "DROP TABLE orders" }, Effect.Drop, "mysql://db.prod.example.com:3306/shop")]
    [TestCase(new[] { "-hdb.prod.example.com", "-uadmin", "-Dshop", "--execute=TRUNCATE orders" }, Effect.Truncate, "mysql://db.prod.example.com:3306/shop")]
    [TestCase(new[] { "mysql://admin@db.prod.example.com:3307/shop", "-e", "DELETE FROM users" }, Effect.Wipe, "mysql://db.prod.example.com:3307/shop")]
    [TestCase(new[] { "-h", "db.prod.example.com", "-e", "SELECT 1" }, Effect.Read, "mysql://db.prod.example.com:3306")]
    public void MycliWithSqlIsReadAsMysqlIs(string[] args, Effect effect, string target)
    {
        var i = SqlShells.Parse("mycli", ToolCall.Of(CorpusFixture.Context(), args))!;
        Assert.That(i.Effect, Is.EqualTo(effect), string.Join(' ', args));
        Assert.That(i.Targets.Select(t => t.ToString()), Has.Member(target));
    }

    [Test]
    public void MycliWithoutSqlIsLeftToAProfileToolOfTheSameName() =>
        Assert.That(SqlShells.Parse("mycli", ToolCall.Of(CorpusFixture.Context(), "db", "drop", "--env", "production")), Is.Null);
}
