using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>What a pg_dump or mysqldump piped into a client holds, read as SQL: a DROP when the dump
/// drops before it creates, a write otherwise, nothing when it writes a file, and not known (null:
/// the client's stdin stays unknown) for a format the client cannot run.</summary>
public class DumpOutputTests
{
    private static Effect? EffectOf(params string[] words) =>
        DumpOutput.Sql(words[0], words) is string sql ? SqlScanner.Scan(sql, words[0].StartsWith("pg", StringComparison.Ordinal) ? SqlDialect.Postgres : SqlDialect.MySql).Effect : null;

    [TestCase(new[] { "pg_dump", "--clean", "-h", "db", "shop" }, Effect.Drop)]
    [TestCase(new[] { "pg_dump", "-cC", "shop" }, Effect.Drop)]
    [TestCase(new[] { "pg_dump", "-h", "db", "-c", "--if-exists", "shop" }, Effect.Drop)]
    [TestCase(new[] { "pg_dumpall", "--clean" }, Effect.Drop)]
    [TestCase(new[] { "pg_dump", "-h", "db", "shop" }, Effect.Write)]
    [TestCase(new[] { "pg_dump", "-h", "c", "shop" }, Effect.Write)] // -h's value is not a -c
    [TestCase(new[] { "pg_dump", "-Fp", "-c", "shop" }, Effect.Drop)]
    [TestCase(new[] { "mysqldump", "-h", "db", "shop" }, Effect.Drop)] // --add-drop-table is on by default
    [TestCase(new[] { "mysqldump", "--skip-add-drop-table", "shop" }, Effect.Write)]
    [TestCase(new[] { "mysqldump", "--compact", "shop" }, Effect.Write)]
    [TestCase(new[] { "mysqldump", "-t", "shop" }, Effect.Write)]
    [TestCase(new[] { "mariadb-dump", "--compact", "--add-drop-database", "--databases", "shop" }, Effect.Drop)]
    // refactor41: the options as getopt_long and my_getopt read them (prefixes, skip-, order).
    [TestCase(new[] { "pg_dump", "--cle", "shop" }, Effect.Drop)]
    [TestCase(new[] { "pg_dumpall", "-gc" }, Effect.Drop)]
    [TestCase(new[] { "mysqldump", "--skip-add-drop-ta", "shop" }, Effect.Write)]
    [TestCase(new[] { "mysqldump", "--skip-opt", "shop" }, Effect.Write)]
    [TestCase(new[] { "mysqldump", "--compact", "--opt", "shop" }, Effect.Drop)] // a later --opt adds DROP TABLE again
    [TestCase(new[] { "mysqldump", "--skip-add-drop-table", "--add-drop-table", "shop" }, Effect.Drop)]
    [TestCase(new[] { "mysqldump", "--no-create-info", "--add-drop-database", "-B", "shop" }, Effect.Drop)]
    // An option the tables lack (another version's), an ambiguous prefix: what it adds is unknown, a DROP read stays.
    [TestCase(new[] { "pg_dump", "--no-such-option", "shop" }, Effect.Unknown)]
    [TestCase(new[] { "pg_dump", "--no-such-option", "-c", "shop" }, Effect.Drop)]
    [TestCase(new[] { "pg_dump", "--fi", "shop.sql", "shop" }, Effect.Unknown)] // --file or --filter (PostgreSQL 17)
    [TestCase(new[] { "mysqldump", "--compact", "--comp", "shop" }, Effect.Unknown)] // compact, compress, …: ambiguous
    [TestCase(new[] { "mysqldump", "--comp", "shop" }, Effect.Drop)]
    public void TheStatementsADumpHolds(string[] words, Effect effect) => Assert.That(EffectOf(words), Is.EqualTo(effect), string.Join(' ', words));

    [TestCase("pg_dump", "-f", "shop.sql", "shop")]
    [TestCase("pg_dump", "--file=shop.sql", "-c", "shop")]
    [TestCase("mysqldump", "-r", "shop.sql", "shop")]
    [TestCase("mysqldump", "--result-file=shop.sql", "shop")]
    [TestCase("mysqldump", "--result=shop.sql", "shop")] // a prefix
    [TestCase("mysqldump", "-rshop.sql", "shop")]
    public void ADumpToAFilePrintsNothing(params string[] words) => Assert.That(DumpOutput.Sql(words[0], words), Is.Empty);

    [TestCase("pg_dump", "-Fc", "-c", "shop")]
    [TestCase("pg_dump", "--format", "directory", "shop")]
    [TestCase("mysqldump", "--xml", "shop")]
    [TestCase("psql", "-c", "SELECT 1")]
    [TestCase("mysqldump", "-X", "shop")]
    public void OutputNotKnownAsSqlIsNull(params string[] words) => Assert.That(DumpOutput.Sql(words[0], words), Is.Null);
}
