using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>DuckDB's ATTACH of a Postgres or MySQL server makes alias.table that server's table: the
/// server is a target; a local file stays local; a path that is not a literal is unknown.</summary>
public class DuckDbAttachTests
{
    private static CommandIntent Parse(params string[] args) => SqlShells.Parse("duckdb", ToolCall.Of(CorpusFixture.Context(), args))!;

    [TestCase("ATTACH 'postgresql://u@db.prod.example.com:5433/shop' AS p (TYPE postgres); DROP TABLE p.public.t", "postgresql://db.prod.example.com:5433/shop")]
    [TestCase("attach database if not exists 'host=db.prod.example.com dbname=shop' as p (type postgres); DELETE FROM p.t", "postgresql://db.prod.example.com:5432/shop")]
    [TestCase("ATTACH 'postgres:dbname=shop host=db.prod.example.com' AS p (TYPE postgres); DROP TABLE p.t", "postgresql://db.prod.example.com:5432/shop")]
    [TestCase("ATTACH 'mysql:host=db.prod.example.com database=shop' AS m (TYPE mysql); DROP TABLE m.t", "mysql://db.prod.example.com:3306/shop")]
    // lead s40 review: a block comment's apostrophe opened a string that swallowed the ATTACH (read as local).
    [TestCase("/* don't */ ATTACH 'host=db.prod.example.com dbname=shop' AS p (TYPE postgres); DROP TABLE p.t", "postgresql://db.prod.example.com:5432/shop")]
    // refactor41: an E-string path (was "not a literal": unknown) and a nested block comment before it.
    [TestCase("ATTACH E'host=db.prod.example.com dbname=shop' AS p (TYPE postgres); DROP TABLE p.t", "postgresql://db.prod.example.com:5432/shop")]
    [TestCase("/* a /* b */ ' */ ATTACH 'mariadb://db.prod.example.com/shop' AS m (TYPE mysql); DROP TABLE m.t", "mysql://db.prod.example.com:3306/shop")]
    public void AnAttachedServerIsATarget(string sql, string target)
    {
        var i = Parse("-c", sql);
        Assert.That(i.Targets.Select(t => t.ToString()), Does.Contain(target));
        Assert.That(i.Effect, Is.GreaterThanOrEqualTo(Effect.Delete));
    }

    [TestCase("SELECT 'ATTACH ''postgresql://db.prod.example.com/x'' AS p'")] // inside a string literal
    [TestCase("-- ATTACH 'postgresql://db.prod.example.com/x' AS p\nSELECT 1")] // in a comment
    [TestCase("ATTACH 'archive.duckdb' AS a; DROP TABLE a.t")] // a local file
    [TestCase("SELECT $$ ATTACH 'postgresql://db.prod.example.com/x' AS p $$")] // refactor41: in a dollar quote
    [TestCase("/* ATTACH 'postgresql://db.prod.example.com/x' AS p */ SELECT 1")] // in a block comment
    public void NoServerIsAttached(string sql) =>
        Assert.That(Parse("-c", sql).Targets.Select(t => t.Kind), Is.All.EqualTo(TargetKind.LocalPath));

    [Test]
    public void AFileNamedForProductionIsProduction() =>
        Assert.That(Parse("-c", "ATTACH '/srv/production.duckdb' AS p; DROP TABLE p.t").Targets.Select(t => t.Name), Does.Contain("production"));

    // lead s40 review: a server whose host the path does not name (PGHOST, a default) or a remote store was
    // taken for a local file.
    [TestCase("ATTACH 'dbname=shop' AS p (TYPE postgres); DROP TABLE p.t")]
    [TestCase("ATTACH '' AS p (TYPE mysql); DROP TABLE p.t")]
    [TestCase("ATTACH 'md:shop' AS p; DROP TABLE p.t")]
    [TestCase("ATTACH 's3://bucket/prod.duckdb' AS p; DROP TABLE p.t")]
    public void AServerOrRemoteStoreWhoseHostIsNotReadIsUnknown(string sql) =>
        Assert.That(Parse("-c", sql).Targets.Select(t => t.Name), Does.Contain("unknown"));

    [Test]
    public void APathThatIsNotALiteralIsUnknown() =>
        Assert.That(Parse("-c", "ATTACH getenv('PROD_URL') AS p; DROP TABLE p.t").Targets.Select(t => t.Name), Does.Contain("unknown"));
}
