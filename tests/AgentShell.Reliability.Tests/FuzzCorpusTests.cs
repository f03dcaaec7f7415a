using AgentShell.Fuzz;
using AgentShell.Supervisor.Approval;

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

    [Test]
    public void AControlLineThatIsNotUtf8OrEscapesALoneSurrogateNamesNothing()
    {
        // Found by AFL++: both threw from ControlProtocol (an approval client could end its own connection).
        byte[] notUtf8 = [.. "{\"v\":1,\"op\":\"approve\",\"id\":\"a"u8, 0xbf, 0xbf, .. "\"}"u8];
        Assert.That(ControlProtocol.Parse(notUtf8, out var error), Is.Null);
        Assert.That(error, Is.EqualTo("not UTF-8"));
        var req = ControlProtocol.Parse("{\"v\":1,\"op\":\"approve\",\"id\":\"\\ud800\"}"u8, out error);
        Assert.That(req, Is.Not.Null, error);
        Assert.That(req!.Value.Str("id"), Is.Null, "no id: nothing to approve");
        Assert.That(req.Value.Str("op"), Is.EqualTo("approve"), "the look-alike: a valid string is read");
    }
}
