using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Classification;

public class CommandClassifierTests
{
    [TestCase("ls -la")]
    [TestCase("git status")]
    [TestCase("git commit -m push")]
    [TestCase("node server.js")]
    [TestCase("npm install")]
    [TestCase("find . -name x")]
    [TestCase("/usr/bin/python3 x.py")]
    public void ProgramsWithoutAParserAllocateNothing(string cmd)
    {
        var classifier = new CommandClassifier([new ProfileToolDefinition { Name = "mycli", Destructive = ["x"] }]);
        var argv = Argv.FromStrings(cmd.Split(' '));
        var exe = Encoding.UTF8.GetBytes(cmd.Split(' ')[0]);
        var ctx = CorpusFixture.Context();
        classifier.Classify(exe, argv, ctx);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = classifier.Classify(exe, argv, ctx);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Multiple(() =>
        {
            Assert.That(r, Is.Empty);
            Assert.That(allocated, Is.Zero);
        });
    }

    [Test]
    public void RenamedBinaryIsIdentifiedByTheExecutable()
    {
        var argv = Argv.FromStrings(["innocent", "-X", "DELETE", "https://api.prod.example.com/x"]);
        var r = new CommandClassifier().Classify("/usr/bin/curl"u8, argv, CorpusFixture.Context());
        Assert.That(r.Single().Effect, Is.EqualTo(Effect.Delete));
    }

    [Test]
    public void IntentCarriesTheUnwrappedArgv()
    {
        var r = new CommandClassifier().Classify(["sudo", "-u", "x", "psql", "-c", "DROP TABLE t"], CorpusFixture.Context());
        Assert.That(r.Single().Argv, Is.EqualTo(new[] { "psql", "-c", "DROP TABLE t" }));
    }

    [Test]
    public void WrapperNestingPastTheLimitIsUnknown()
    {
        var argv = Enumerable.Repeat("nohup", CommandClassifier.MaxDepth + 2).Concat(["rm", "-rf", "/"]).ToArray();
        var r = new CommandClassifier().Classify(argv, CorpusFixture.Context());
        Assert.That(r.Single().Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void ProfileToolIsClassified()
    {
        var c = new CommandClassifier([new ProfileToolDefinition
        {
            Name = "mycli", Destructive = ["db drop"], TargetFlags = new Dictionary<string, string> { ["--env"] = "environment" },
        }]);
        var r = c.Classify(["mycli", "--env", "production", "db", "drop"], CorpusFixture.Context());
        Assert.Multiple(() =>
        {
            Assert.That(r.Single().Effect, Is.EqualTo(Effect.Delete));
            Assert.That(r.Single().Targets.Single().Name, Is.EqualTo("production"));
        });
    }

    [Test]
    public void ShellStringYieldsOneIntentPerKnownCommand()
    {
        var r = new CommandClassifier().ClassifyShell("ls; curl -X DELETE http://h/1 && psql -h db -c 'SELECT 1'", CorpusFixture.Context());
        Assert.That(r.Select(i => i.Tool), Is.EqualTo(new[] { "curl", "psql" }));
    }

    [Test]
    public void EnvAssignmentReachesTheParserOnlyForThatCommand()
    {
        var r = new CommandClassifier().ClassifyShell("PGHOST=a psql -c 'SELECT 1'; psql -c 'SELECT 1'", CorpusFixture.Context());
        Assert.That(r.Select(i => i.Targets.Single().Host), Is.EqualTo(new[] { "a", null }));
    }
}

public class CommandClassifierShellQuickPathTests
{
    [TestCase("bash", "-c", "ls -la && npm test && git status")]
    [TestCase("/bin/sh", "-ec", "cd /tmp && make")]
    [TestCase("bash", "-l", "-c", "echo done")]
    public void HarmlessBashCAllocatesNothing(params string[] args)
    {
        var classifier = new CommandClassifier();
        var argv = Argv.FromStrings(args);
        var ctx = CorpusFixture.Context();
        classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Multiple(() =>
        {
            Assert.That(r, Is.Empty);
            Assert.That(allocated, Is.Zero);
        });
    }
}
