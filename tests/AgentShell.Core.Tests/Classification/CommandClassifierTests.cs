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

    // One classifier is shared by every thread that decides (its working state is reused between
    // classifications): the results of one classification stay its own, and concurrent ones agree
    // with the same commands classified one at a time.
    [Test]
    public void ResultsStayTheirOwnAcrossClassificationsAndThreads()
    {
        var c = new CommandClassifier();
        var ctx = CorpusFixture.Context();
        string[][] commands =
        [
            ["psql", "-h", "db.prod.example.com", "-c", "DROP TABLE t"],
            ["curl", "-X", "DELETE", "https://api.example.com/v1/x"],
            ["bash", "-c", "curl -X DELETE http://h/1; psql -h db -c 'TRUNCATE t'"],
            ["kubectl", "--context", "prod-eu", "delete", "ns", "payments"],
            ["ls", "-la"],
        ];
        static string Show(IReadOnlyList<CommandIntent> r) => string.Join(" | ", r.Select(i => $"{i} {i.Effect} {string.Join(",", i.Targets)}"));
        var expected = commands.Select(a => Show(c.Classify(a, ctx))).ToArray();
        var first = c.Classify(commands[2], ctx);
        var kept = Show(first);
        for (int k = 0; k < commands.Length; k++) c.Classify(commands[k], ctx);
        Assert.That(Show(first), Is.EqualTo(kept));
        var seen = new string[8 * 200];
        Parallel.For(0, seen.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n => seen[n] = Show(c.Classify(commands[n % commands.Length], CorpusFixture.Context())));
        for (int n = 0; n < seen.Length; n++) Assert.That(seen[n], Is.EqualTo(expected[n % commands.Length]), $"classification {n}");
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
