using AgentShell.Fuzz;

namespace AgentShell.Reliability.Tests;

/// <summary>Every file of every fuzz corpus (tests/fuzz/TARGET/corpus, seeds and what AFL++ kept)
/// through its target once: no exception, no hang, and the oracle holds (a destructive core that
/// survives the mutation is never allowed). `make soak` runs AFL++ on the same targets.</summary>
[TestFixture]
public sealed class FuzzCorpusTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var target in FuzzTargets.Names)
        {
            var dir = Path.Combine(Repo.Root, "tests", "fuzz", target, "corpus");
            foreach (var f in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                yield return new TestCaseData(target, Path.GetFileName(f)).SetName($"ReplayOf{target}/{Path.GetFileName(f)}");
        }
    }

    [Test]
    public void EveryTargetHasACorpus()
    {
        foreach (var target in FuzzTargets.Names)
            Assert.That(Directory.GetFiles(Path.Combine(Repo.Root, "tests", "fuzz", target, "corpus")), Is.Not.Empty, target);
    }

    [TestCaseSource(nameof(Cases))]
    public void ACorpusFileNeitherThrowsNorHangsNorAllowsADestructiveCore(string target, string file)
    {
        var data = File.ReadAllBytes(Path.Combine(Repo.Root, "tests", "fuzz", target, "corpus", file));
        var run = Task.Run(() => FuzzTargets.Run(target, data));
        Assert.That(run.Wait(TimeSpan.FromSeconds(20)), Is.True, "hang: the target did not return in 20 s");
    }

    [Test]
    public void ACoreAloneIsRefusedAndItsQuotedLookAlikeDoesNotTripTheOracle()
    {
        // The property is live: a core alone is blocked (not allowed), and the look-alike that only
        // prints it is allowed without tripping the oracle.
        Assert.DoesNotThrow(() => FuzzTargets.Run("shell", "psql -h db.prod.example.com -c 'DROP TABLE users'"u8));
        Assert.DoesNotThrow(() => FuzzTargets.Run("shell", "echo 'psql -h db.prod.example.com -c \"DROP TABLE users\"'"u8));
    }
}
