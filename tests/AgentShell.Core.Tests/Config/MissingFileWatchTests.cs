using System.Diagnostics;
using AgentShell.Core.Classification;
using AgentShell.Core.Config;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Config;

/// <summary>Missing configuration files are remembered only while nothing can have made them
/// appear: real files, real directories, real processes and a real mount; each case first shows
/// the cache answered (hits), then that the change is seen at the very next lookup.</summary>
[NonParallelizable]
public class MissingFileWatchTests
{
    private string _dir = null!;
    private MissingFileWatch _watch = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-missing-").FullName;
        _watch = new MissingFileWatch();
    }

    [TearDown]
    public void TearDown()
    {
        _watch.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string CurlMethod(string home)
    {
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = home }, _dir, new ConfigFileCache(), _watch);
        var intent = new CommandClassifier().Classify(["curl", "https://api.example.com/volumes/1"], ctx).Single();
        return intent.Summary.Split(' ')[0];
    }

    private ConfigFile Find(string path) => _watch.Find("", path, true, path, static p => File.Exists(p) ? ConfigFile.Of(p, File.ReadAllBytes(p)) : ConfigFile.Missing);

    [Test]
    public void ACurlrcCreatedAfterAHundredMissingAnswersMakesTheNextCurlADelete()
    {
        for (int i = 0; i < 100; i++) Assert.That(CurlMethod(_dir), Is.EqualTo("GET"));
        // Not every one: an entry made by another process under a watched parent (the temp directory
        // is shared) makes the next lookup a real one, which is the point of the watch.
        Assert.That(_watch.Hits, Is.GreaterThanOrEqualTo(90), "the missing .curlrc was answered from the cache");
        File.WriteAllText(Path.Combine(_dir, ".curlrc"), "request = \"DELETE\"\n");
        Assert.That(CurlMethod(_dir), Is.EqualTo("DELETE"));
    }

    [Test]
    public void ACurlrcWrittenByAnotherProcessThatHasExitedIsSeenEveryTime()
    {
        // The event is queued inside the creating syscall: once the writer has exited, the next
        // drain sees it. Fifty rounds of create (by a child), look, delete, look.
        var rc = Path.Combine(_dir, ".curlrc");
        for (int round = 0; round < 50; round++)
        {
            Assert.That(Find(rc).Exists, Is.False);
            Assert.That(UntilHit(_watch, () => Find(rc).Exists), Is.False, $"round {round}: a missing answer is a hit");
            Sh($"printf 'request = DELETE\\n' > '{rc}'");
            Assert.That(Find(rc).Exists, Is.True, $"round {round}");
            Sh($"rm '{rc}'");
        }
    }

    [Test]
    public void ARenamedParentDirectoryIsSeen()
    {
        var home = Path.Combine(_dir, "home");
        var other = Path.Combine(_dir, "other");
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, ".curlrc"), "request = DELETE\n");
        for (int i = 0; i < 10; i++) Assert.That(CurlMethod(home), Is.EqualTo("GET"));
        Assert.That(_watch.Hits, Is.GreaterThan(0));
        Directory.Move(home, Path.Combine(_dir, "old"));
        Directory.Move(other, home);
        Assert.That(CurlMethod(home), Is.EqualTo("DELETE"));
    }

    [Test]
    public void AMissingHomeThatAppearsByRenameIsSeen()
    {
        var home = Path.Combine(_dir, "a", "b", "home");
        Directory.CreateDirectory(Path.Combine(_dir, "a"));
        for (int i = 0; i < 10; i++) Assert.That(CurlMethod(home), Is.EqualTo("GET"));
        Assert.That(_watch.Hits, Is.GreaterThan(0));
        var staged = Path.Combine(_dir, "staged");
        Directory.CreateDirectory(Path.Combine(staged, "home"));
        File.WriteAllText(Path.Combine(staged, "home", ".curlrc"), "request = DELETE\n");
        Directory.Move(staged, Path.Combine(_dir, "a", "b"));
        Assert.That(CurlMethod(home), Is.EqualTo("DELETE"));
    }

    [Test]
    public void EachProcessHomeHasItsOwnAnswer()
    {
        var mine = Directory.CreateDirectory(Path.Combine(_dir, "mine")).FullName;
        var theirs = Directory.CreateDirectory(Path.Combine(_dir, "theirs")).FullName;
        File.WriteAllText(Path.Combine(theirs, ".curlrc"), "request = DELETE\n");
        for (int i = 0; i < 5; i++)
        {
            Assert.That(CurlMethod(mine), Is.EqualTo("GET"));
            Assert.That(CurlMethod(theirs), Is.EqualTo("DELETE"));
        }
        Assert.That(_watch.Hits, Is.GreaterThan(0));
    }

    [Test]
    public void AtTheWatchLimitEveryLookupIsRealAndStillRight()
    {
        using var small = new MissingFileWatch(maxWatches: 3);
        var deep = Path.Combine(_dir, "a", "b", "c");
        Directory.CreateDirectory(deep);
        var rc = Path.Combine(deep, ".curlrc");
        ConfigFile Look() => small.Find("", rc, true, rc, static p => File.Exists(p) ? ConfigFile.Of(p, File.ReadAllBytes(p)) : ConfigFile.Missing);
        for (int i = 0; i < 20; i++) Assert.That(Look().Exists, Is.False);
        Assert.That(small.Hits, Is.EqualTo(0), "more directories than watches: never remembered");
        Assert.That(small.Lookups, Is.EqualTo(20));
        File.WriteAllText(rc, "request = DELETE\n");
        Assert.That(Look().Exists, Is.True);
        // Look-alike: a path within the limit is remembered.
        var shallow = "/agentshell-no-such-dir/.curlrc";
        small.Find("", shallow, true, shallow, static p => ConfigFile.Missing);
        small.Find("", shallow, true, shallow, static p => ConfigFile.Missing);
        Assert.That(small.Hits, Is.EqualTo(1));
    }

    [Test]
    public void APathThroughASymlinkIsNeverRemembered()
    {
        var target = Directory.CreateDirectory(Path.Combine(_dir, "target")).FullName;
        var link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, target);
        for (int i = 0; i < 5; i++) Assert.That(CurlMethod(link), Is.EqualTo("GET"));
        Assert.That(_watch.Hits, Is.EqualTo(0), "the symlink's target is not watched");
        File.WriteAllText(Path.Combine(target, ".curlrc"), "request = DELETE\n");
        Assert.That(CurlMethod(link), Is.EqualTo("DELETE"));
        // Look-alike: the same layout without the symlink is remembered.
        for (int i = 0; i < 5; i++) Assert.That(CurlMethod(Directory.CreateDirectory(Path.Combine(_dir, "plain")).FullName), Is.EqualTo("GET"));
        Assert.That(_watch.Hits, Is.GreaterThan(0));
    }

    [Test]
    public void AFileSystemOutsideTheAllowListIsNeverRemembered()
    {
        // /proc changes without inotify events (as network and FUSE file systems may).
        const string path = "/proc/agentshell-no-such/.curlrc";
        for (int i = 0; i < 5; i++) Assert.That(Find(path).Exists, Is.False);
        Assert.That(_watch.Hits, Is.EqualTo(0));
        Assert.That(_watch.Lookups, Is.EqualTo(5));
    }

    [Test]
    public void DotDotAndRelativePathsAreNeverRemembered()
    {
        foreach (var p in new[] { _dir + "/x/../.curlrc", _dir + "/./.curlrc", ".curlrc", _dir + "//.curlrc" })
        {
            Find(p);
            Find(p);
        }
        Assert.That(_watch.Hits, Is.EqualTo(0));
    }

    [Test]
    public void AMountOverAWatchedDirectoryIsSeen()
    {
        // A process in a user and mount namespace of its own: the watch is given its namespace
        // (its mountinfo and root), and a bind mount over the home directory brings a .curlrc.
        var home = Directory.CreateDirectory(Path.Combine(_dir, "home")).FullName;
        var src = Directory.CreateDirectory(Path.Combine(_dir, "src")).FullName;
        File.WriteAllText(Path.Combine(src, ".curlrc"), "request = DELETE\n");
        var psi = new ProcessStartInfo("unshare", ["-Urm", "sh", "-c", $"echo ready; read go; mount --bind '{src}' '{home}' && echo mounted; read done"])
        { RedirectStandardInput = true, RedirectStandardOutput = true };
        using var child = Process.Start(psi)!;
        try
        {
            if (child.StandardOutput.ReadLine() != "ready") Assert.Ignore("unprivileged user namespaces are not available here");
            string root = $"/proc/{child.Id}/root";
            using var ns = new MissingFileWatch($"/proc/{child.Id}/mountinfo");
            var rc = Path.Combine(home, ".curlrc");
            ConfigFile Look() => ns.Find(root, rc, true, root + rc, static p => File.Exists(p) ? ConfigFile.Of(p, File.ReadAllBytes(p)) : ConfigFile.Missing);
            Assert.That(Look().Exists, Is.False);
            Assert.That(UntilHit(ns, () => Look().Exists), Is.False, "the missing .curlrc was answered from the cache");
            child.StandardInput.WriteLine("go");
            Assert.That(child.StandardOutput.ReadLine(), Is.EqualTo("mounted"));
            Assert.That(Look().Exists, Is.True, "the mount was seen without any inotify event");
        }
        finally
        {
            child.StandardInput.WriteLine("done");
            child.WaitForExit(5000);
        }
    }

    // The temp directory is shared: a name another process creates under a watched parent rightly
    // forgets every answer, so "the cache answered" is asked until it does (it must, within 100).
    private static bool UntilHit(MissingFileWatch watch, Func<bool> look)
    {
        for (int i = 0; i < 100; i++)
        {
            long hits = watch.Hits;
            bool found = look();
            if (watch.Hits == hits + 1) return found;
        }
        Assert.Fail("a hundred lookups in a row were real: the missing answer was never remembered");
        return true;
    }

    private static void Sh(string script)
    {
        using var p = Process.Start("sh", ["-c", script])!;
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(0), script);
    }
}
