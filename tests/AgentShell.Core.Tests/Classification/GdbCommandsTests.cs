using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;

namespace AgentShell.Core.Tests.Classification;

/// <summary>corpus26: gdb runs commands of its own — -ex 'shell CMD', -ex '!CMD', pipe, python, a
/// system("CMD") call in the debuggee, and each line of an -x command file — read as those commands.</summary>
[TestFixture]
public sealed class GdbCommandsTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("agentshell-gdb-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, true);

    private IReadOnlyList<CommandIntent> Classify(string line) => new CommandClassifier().ClassifyShell(line, CorpusFixture.Context(_dir));

    [TestCase("gdb -batch -ex 'shell psql -h db.prod.example.com -c \"DROP TABLE users\"'", "psql", Effect.Drop)]
    [TestCase("gdb --batch --eval-command='shell redis-cli -h cache.prod.example.com FLUSHALL'", "redis-cli", Effect.Wipe)]
    [TestCase("gdb -q -iex '!redis-cli -h cache.prod.example.com FLUSHALL' ./api", "redis-cli", Effect.Wipe)]
    [TestCase("gdb -batch -ex 'pipe info threads | psql -h db.prod.example.com -c \"DROP TABLE t\"'", "psql", Effect.Drop)]
    [TestCase("gdb -batch -ex 'python import os; os.system(\"redis-cli -h cache.prod.example.com FLUSHALL\")'", "redis-cli", Effect.Wipe)]
    [TestCase("gdb -p 4242 -batch -ex 'call system(\"redis-cli -h cache.prod.example.com FLUSHALL\")'", "redis-cli", Effect.Wipe)]
    [TestCase("gdb -p 4242 -batch -ex 'call system (\"redis-cli -h cache.prod.example.com FLUSHALL\")'", "redis-cli", Effect.Wipe)]
    [TestCase("gdb -batch -x wipe.gdb ./api", "psql", Effect.Truncate)]
    // refactor41: gdb's getopt_long_only: a unique prefix, =VALUE after one dash, the early-init forms.
    [TestCase("gdb -batch -eval 'shell redis-cli -h cache.prod.example.com FLUSHALL'", "redis-cli", Effect.Wipe)]
    [TestCase("gdb -batch -ex='shell redis-cli -h cache.prod.example.com FLUSHALL'", "redis-cli", Effect.Wipe)]
    [TestCase("gdb -eiex 'shell redis-cli -h cache.prod.example.com FLUSHALL' -batch", "redis-cli", Effect.Wipe)]
    [TestCase("gdb -batch --comm=wipe.gdb ./api", "psql", Effect.Truncate)]
    public void AGdbCommandThatRunsAShellIsRead(string line, string tool, Effect effect)
    {
        File.WriteAllText(Path.Combine(_dir, "wipe.gdb"), "set pagination off\nshell psql -h db.prod.example.com -c 'TRUNCATE sessions'\nrun\n");
        var worst = CorpusTests.Worst(Classify(line));
        Assert.That(worst, Is.Not.Null, line);
        Assert.That((worst!.Tool, worst.Effect), Is.EqualTo((tool, effect)), line);
    }

    [TestCase("gdb -batch -ex 'shell ls -la' -ex bt ./core")]
    [TestCase("gdb -batch -ex 'info threads' -ex 'thread apply all bt' -p 4242")]
    [TestCase("gdb -x debug.gdb --args ./api --port 8080")]
    [TestCase("gdb -args ./cli -ex 'shell rm -rf /data'")] // after -args (one dash) the words are the program's
    [TestCase("gdb --arg ./cli -x wipe.gdb")] // a prefix of --args
    public void TheLookAlikeADebuggingSessionChangesNothing(string line)
    {
        File.WriteAllText(Path.Combine(_dir, "debug.gdb"), "break main\nrun\nbt\n");
        Assert.That(Classify(line).Where(i => i.Effect > Effect.Read).Select(i => $"{i.Tool} {i.Effect}"), Is.Empty, line);
    }

    [TestCase("gdb -batch -x missing.gdb ./api")]
    [TestCase("gdb -batch -ex 'call system(cmd)' -p 4242")]
    [TestCase("gdb -batch -ex \"$CMD\" -p 4242")] // review: a command built at run time was no intent at all
    [TestCase("gdb -batch -ex 'source /tmp/x.gdb' -p 4242")]
    [TestCase("gdb -batch -ex 'eval \"shell %s\", $cmd' -p 4242")]
    public void ACommandFileOrSystemArgumentThatCannotBeReadIsUnknown(string line) =>
        Assert.That(Classify(line).Select(i => i.Effect), Has.Member(Effect.Unknown), line);
}
