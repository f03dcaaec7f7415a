using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class MysqlTests
{
    private static CommandIntent Parse(params string[] args) => Mysql.Parse("mysql", ToolCall.Of(CorpusFixture.Context(), args));

    [TestCase(new[] { "-uroot", "-pX", "-h", "db.prod.example.com", "-e", "DROP TABLE t" }, Effect.Drop, "db.prod.example.com")]
    [TestCase(new[] { "-uroot", "-hdb.prod.example.com", "-sNe", "TRUNCATE t" }, Effect.Truncate, "db.prod.example.com")]
    [TestCase(new[] { "--host=db.prod.example.com", "--exec=DELETE FROM t" }, Effect.Wipe, "db.prod.example.com")]
    [TestCase(new[] { "--ho", "db.prod.example.com", "--exec", "SELECT 1" }, Effect.Read, "db.prod.example.com")]
    [TestCase(new[] { "app", "-e", "DROP TABLE t", "-h", "db.prod.example.com" }, Effect.Drop, "db.prod.example.com:3306/app")]
    [TestCase(new[] { "--init_command=DROP TABLE t", "-h", "db.prod.example.com", "-e", "SELECT 1" }, Effect.Drop, "db.prod.example.com")]
    [TestCase(new[] { "--loose-init-command=DROP TABLE t", "-h", "db.prod.example.com", "-e", "SELECT 1" }, Effect.Drop, "db.prod.example.com")]
    [TestCase(new[] { "--skip-password", "-h", "db.prod.example.com", "-e", "SELECT 1" }, Effect.Read, "db.prod.example.com")]
    [TestCase(new[] { "-p", "app", "-h", "db.prod.example.com", "-e", "SELECT 1" }, Effect.Read, "db.prod.example.com:3306/app")]
    [TestCase(new[] { "--frob", "-h", "db.prod.example.com", "-e", "SELECT 1" }, Effect.Unknown, "db.prod.example.com")]
    [TestCase(new[] { "--s", "-h", "db.prod.example.com", "-e", "SELECT 1" }, Effect.Unknown, "db.prod.example.com")]
    public void OptionsAreReadAsMyGetoptReadsThem(string[] args, Effect effect, string target)
    {
        var i = Parse(args);
        Assert.That(i.Effect, Is.EqualTo(effect), string.Join(' ', args));
        Assert.That(i.Targets.Single().ToString(), Does.Contain(target));
    }

    [Test]
    public void MysqladminCommandsAfterBundledOptions()
    {
        var i = Mysql.ParseAdmin(ToolCall.Of(CorpusFixture.Context(), "-uroot", "-pX", "-hdb.prod.example.com", "drop", "app"));
        Assert.That(i.Effect, Is.EqualTo(Effect.Drop));
        Assert.That(i.Targets.Single().ToString(), Is.EqualTo("mysql://db.prod.example.com:3306/app"));
    }
}
