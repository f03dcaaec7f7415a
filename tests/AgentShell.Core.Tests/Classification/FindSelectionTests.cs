using AgentShell.Core.Classification;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Classification;

/// <summary>corpus28: the files a find command selects (FindSelection), where they can be computed.</summary>
[TestFixture]
public sealed class FindSelectionTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-find-").FullName;
        foreach (var f in new[] { "a.sh", "b.txt", "sub/c.sh", "sub/deep/d.sh", "Sub2/E.SH" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_dir, f))!);
            File.WriteAllText(Path.Combine(_dir, f), "");
        }
    }

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, true);

    private List<string>? Files(string args, out bool prints) =>
        FindSelection.Files(("find " + args).Split(' '), 0, new LocalExecContext(new Dictionary<string, string>(), _dir), out prints, out _);

    [TestCase(". -name *.sh", "./a.sh ./sub/c.sh ./sub/deep/d.sh")]
    [TestCase(". -maxdepth 1 -name *.sh", "./a.sh")]
    [TestCase(". -mindepth 2 -type f -name *.sh", "./sub/c.sh ./sub/deep/d.sh")]
    [TestCase(". -iname *.sh -path ./Sub2/*", "./Sub2/E.SH")]
    [TestCase("sub -type d", "sub sub/deep")]
    [TestCase(". -name [ab].*", "./a.sh ./b.txt")]
    [TestCase(". -name [!a]*.sh", "./sub/c.sh ./sub/deep/d.sh")]
    public void SelectsAsFindDoes(string args, string expected)
    {
        Assert.That(Files(args, out bool prints), Is.EqualTo(expected.Split(' ')));
        Assert.That(prints, Is.True);
    }

    [TestCase(". -newer a.sh -name *.sh")]
    [TestCase(". -name *.sh -o -name *.txt")]
    [TestCase(". ! -name *.sh")]
    [TestCase("-L . -name *.sh")]
    [TestCase("missing -name *.sh")]
    public void AnExpressionNotModelledIsNotComputed(string args) => Assert.That(Files(args, out _), Is.Null);

    [Test]
    public void AnActionIsNoPrintingAndTheBoundHolds()
    {
        Assert.That(Files(". -name *.sh -exec sh {} ;", out bool prints), Has.Count.EqualTo(3));
        Assert.That(prints, Is.False);
        for (int k = 0; k < FindSelection.MaxFiles; k++) File.WriteAllText(Path.Combine(_dir, $"n{k}.sh"), "");
        Assert.That(Files(". -name *.sh", out _), Is.Null, "more files than are read: not computed");
    }

    [TestCase("*.sh", "a.sh", true)]
    [TestCase("*.sh", "a.shx", false)]
    [TestCase("a*b*c", "axxbyyc", true)]
    [TestCase("a*b*c", "axxbyy", false)]
    [TestCase("*[0-9]?", "log12", true)]
    [TestCase("[!a]*", "abc", false)]
    [TestCase("\\*x", "*x", true)]
    [TestCase("\\*x", "ax", false)]
    [TestCase("**", "", true)]
    [TestCase("?", "", false)]
    [TestCase("./*/c.sh", "./sub/c.sh", true)]
    public void FnmatchAsFnmatch3(string glob, string text, bool expected) =>
        Assert.That(FindSelection.Fnmatch(glob, text), Is.EqualTo(expected));

    /// <summary>review42 F2: a recursive try at each position per * was O(n^k): twelve stars against
    /// 200 characters gave no verdict in 60 s. The matcher is now O(pattern × text).</summary>
    [Test]
    public void ManyStarsAgainstALongNameAreLinear()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(FindSelection.Fnmatch("*a*a*a*a*a*a*a*a*a*a*a*a*b", new string('a', 5000)), Is.False);
        Assert.That(FindSelection.Fnmatch("*a*a*a*a*a*a*a*a*a*a*a*a*b", new string('a', 5000) + "b"), Is.True);
        Assert.That(sw.ElapsedMilliseconds, Is.LessThan(2000));
    }

    [Test]
    public void AStartingPointIsMatchedByItsLastComponent()
    {
        Assert.That(Files("sub -name sub", out _), Is.EqualTo(new[] { "sub" }));
        Assert.That(Files(_dir + "/sub/ -maxdepth 0 -name sub", out _), Is.EqualTo(new[] { _dir + "/sub/" }));
    }

    /// <summary>review42 F13: a subdirectory past the listing bound was read as empty, so a script in
    /// it was missed while the rest of the selection was run.</summary>
    [Test]
    public void ASubdirectoryNotListedLeavesTheSelectionNotComputed()
    {
        var big = Path.Combine(_dir, "sub", "big");
        Directory.CreateDirectory(big);
        for (int k = 0; k <= FindSelection.MaxEntries; k++) File.WriteAllText(Path.Combine(big, $"f{k}"), "");
        Assert.That(Files(". -name d.sh", out _), Is.Null);
        Assert.That(Files(". -maxdepth 2 -name d.sh", out _), Is.Empty, "big is not listed at that depth");
    }
}
