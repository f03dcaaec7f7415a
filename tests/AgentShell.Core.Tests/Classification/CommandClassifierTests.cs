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
    [TestCase("node --version")]
    [TestCase("npm install")]
    [TestCase("find . -name x")]
    [TestCase("/usr/bin/python3 -m http.server")]
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
    // corpus11: shapes that hid a command's effect or target.
    [TestCase("echo orders carts | xargs -n1 -I{} psql -h db.prod.example.com -c 'DROP TABLE {}'", "DROP TABLE orders")]
    [TestCase("printf '%s\\n' orders | xargs -I TBL psql -h db.prod.example.com -c 'TRUNCATE TBL'", "TRUNCATE orders")]
    [TestCase("printf '%s' 'DROP TABLE users' | psql -h db.prod.example.com", "DROP TABLE users")]
    [TestCase("printf '%s;\\n' 'DELETE FROM users' | psql -h db.prod.example.com", "DELETE FROM users")]
    public void AKnownInputReachesTheCommand(string shell, string statement)
    {
        var r = new CommandClassifier().ClassifyShell(shell, CorpusFixture.Context());
        var psql = r.Where(i => i.Tool == "psql").ToList();
        Assert.That(psql, Is.Not.Empty);
        var evidence = string.Join("; ", psql.SelectMany(i => i.Evidence));
        Assert.That(psql.Select(i => i.Effect), Has.Some.AnyOf(Effect.Delete, Effect.Drop, Effect.Truncate, Effect.Wipe), evidence);
        Assert.That(evidence, Does.Contain(statement));
    }

    [TestCase("printf '%5s' 'DROP TABLE users' | psql -h db.prod.example.com")]
    [TestCase("printf '%x' 7 | psql -h db.prod.example.com")]
    public void APrintfDirectiveNotFollowedLeavesTheInputUnknown(string shell)
    {
        var r = new CommandClassifier().ClassifyShell(shell, CorpusFixture.Context());
        Assert.That(r.Single(i => i.Tool == "psql").Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void EnvSplitStringOfAssignmentsOnlySetsThemForTheCommand()
    {
        var r = new CommandClassifier().ClassifyShell("env -S 'PGHOST=db.prod.example.com PGDATABASE=app' psql -c 'DROP TABLE t'", CorpusFixture.Context());
        var psql = r.Single(i => i.Tool == "psql");
        Assert.That((psql.Effect, psql.Targets.Single().Host), Is.EqualTo((Effect.Drop, "db.prod.example.com")));
    }

    [TestCase("export KUBECONFIG=~/.kube/config; kubectl delete ns shop", "prod-eu")]
    [TestCase("declare -x KUBECONFIG=~/.kube/config; kubectl delete ns shop", "prod-eu")]
    [TestCase("export KUBECONFIG='~/.kube/config'; kubectl delete ns shop", "")]
    public void ExportExpandsATildeAfterTheEqualsSignAsBashDoes(string shell, string context)
    {
        var r = new CommandClassifier().ClassifyShell(shell, CorpusFixture.Context());
        var k = r.Single(i => i.Tool == "kubectl");
        Assert.That(k.Targets.Single().ToString(), context.Length > 0 ? Does.Contain(context) : Does.Not.Contain("prod-eu"));
    }
}
