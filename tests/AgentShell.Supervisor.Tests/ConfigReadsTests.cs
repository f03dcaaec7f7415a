namespace AgentShell.Supervisor.Tests;

/// <summary>ConfigReads on real files, looked up as this process would: a decision's reads stay
/// valid while nothing their lookups pass changes, and stop being valid at any change, even one
/// undone since (a swap and a swap back, a file created and removed).</summary>
[TestFixture]
public sealed class ConfigReadsTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-configreads-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static int Self => Environment.ProcessId;

    /// <summary>Reads taken now, after the files were made (the slack for coarse inode times passed).</summary>
    private static ConfigReads ReadNow(params string[] paths)
    {
        Thread.Sleep(50);
        return new ConfigReads(ConfigReads.Now(), paths);
    }

    [Test]
    public void NothingChangedIsUnchanged()
    {
        var rc = Path.Combine(_dir, ".curlrc");
        File.WriteAllText(rc, "silent\n");
        var reads = ReadNow(rc, Path.Combine(_dir, "missing.conf"));
        Assert.That(reads.Unchanged(Self, out var changed), Is.True, changed);
    }

    [Test]
    public void AFileWrittenSinceIsChanged()
    {
        var rc = Path.Combine(_dir, ".curlrc");
        File.WriteAllText(rc, "silent\n");
        var reads = ReadNow(rc);
        File.AppendAllText(rc, "request = \"DELETE\"\n");
        Assert.That(reads.Unchanged(Self, out var changed), Is.False);
        Assert.That(changed, Is.EqualTo(rc));
    }

    [Test]
    public void AFileSwappedAndSwappedBackIsChanged()
    {
        var rc = Path.Combine(_dir, ".curlrc");
        var keep = Path.Combine(_dir, "keep");
        File.WriteAllText(rc, "silent\n");
        var reads = ReadNow(rc);
        File.Move(rc, keep);
        File.WriteAllText(rc, "request = \"DELETE\"\n");
        File.Delete(rc);
        File.Move(keep, rc); // the same file, the same bytes, back in place
        Assert.That(reads.Unchanged(Self, out _), Is.False);
    }

    [Test]
    public void AMissingFileCreatedAndRemovedSinceIsChanged()
    {
        var rc = Path.Combine(_dir, ".curlrc");
        var reads = ReadNow(rc);
        File.WriteAllText(rc, "request = \"DELETE\"\n");
        File.Delete(rc);
        Assert.That(File.Exists(rc), Is.False);
        Assert.That(reads.Unchanged(Self, out _), Is.False);
    }

    [Test]
    public void ALinkOnTheWayRepointedAndRepointedBackIsChanged()
    {
        // ~/.curlrc -> dir/x/rc, where x is a link to good/: x re-pointed at evil/ and back.
        Directory.CreateDirectory(Path.Combine(_dir, "good"));
        Directory.CreateDirectory(Path.Combine(_dir, "evil"));
        File.WriteAllText(Path.Combine(_dir, "good", "rc"), "silent\n");
        File.WriteAllText(Path.Combine(_dir, "evil", "rc"), "request = \"DELETE\"\n");
        var links = Directory.CreateDirectory(Path.Combine(_dir, "links")).FullName;
        var x = Path.Combine(links, "x");
        File.CreateSymbolicLink(x, Path.Combine(_dir, "good"));
        var rc = Path.Combine(_dir, ".curlrc");
        File.CreateSymbolicLink(rc, Path.Combine(x, "rc"));
        var reads = ReadNow(rc);
        Assert.That(reads.Unchanged(Self, out var before), Is.True, before);
        File.Delete(x);
        File.CreateSymbolicLink(x, Path.Combine(_dir, "evil"));
        File.Delete(x);
        File.CreateSymbolicLink(x, Path.Combine(_dir, "good"));
        Assert.That(reads.Unchanged(Self, out var changed), Is.False);
        Assert.That(changed, Is.EqualTo(rc));
    }

    /// <summary>The look-alikes: files written beside the config and in directories the lookup passes
    /// (the cwd, /tmp, HOME) do not redirect it, and keep the reads valid. (The cost left: a directory
    /// on the way changed together with its parent counts as moved, e.g. files written in both HOME
    /// and ~/.config for ~/.config/curlrc.)</summary>
    [TestCase("home/.config", "")]
    [TestCase("home", "")]
    [TestCase("home/.config", "home/.config/sub")]
    public void AnUnrelatedFileWrittenBesideTheConfigKeepsItUnchanged(string dir, string other)
    {
        var conf = Directory.CreateDirectory(Path.Combine(_dir, "home", ".config")).FullName;
        var rc = Path.Combine(conf, "curlrc");
        File.WriteAllText(rc, "silent\n");
        var reads = ReadNow(rc);
        File.WriteAllText(Path.Combine(_dir, dir, "notes.txt"), "x");
        if (other.Length > 0) Directory.CreateDirectory(Path.Combine(_dir, other));
        Assert.That(reads.Unchanged(Self, out var changed), Is.True, changed);
    }

    [Test]
    public void AnUnrelatedFileWrittenWhereTheConfigIsMissingStillCounts()
    {
        // The cost left: the name missing there may have been made and removed in between (a file
        // the tool read), and a directory's times cannot tell which entry changed.
        var home = Directory.CreateDirectory(Path.Combine(_dir, "home")).FullName;
        var reads = ReadNow(Path.Combine(home, ".curlrc"));
        File.WriteAllText(Path.Combine(home, "notes.txt"), "x");
        Assert.That(reads.Unchanged(Self, out _), Is.False);
    }

    /// <summary>HOME with ~/.config/curlrc and ~/other/curlrc (a DELETE), made before the reads.</summary>
    private string TwoConfigDirectories()
    {
        var home = Directory.CreateDirectory(Path.Combine(_dir, "home")).FullName;
        Directory.CreateDirectory(Path.Combine(home, ".config"));
        Directory.CreateDirectory(Path.Combine(home, "other"));
        File.WriteAllText(Path.Combine(home, ".config", "curlrc"), "silent\n");
        File.WriteAllText(Path.Combine(home, "other", "curlrc"), "request = \"DELETE\"\n");
        return home;
    }

    /// <summary>Swaps ~/.config for ~/other by two renames.</summary>
    private static void SwapConfigDirectory(string home)
    {
        Directory.Move(Path.Combine(home, ".config"), Path.Combine(home, ".config.old"));
        Directory.Move(Path.Combine(home, "other"), Path.Combine(home, ".config"));
    }

    /// <summary>A directory on the way swapped by rename for one made before the reads: nothing in it
    /// is new, but the directory found by that name is another one.</summary>
    [Test]
    public void ADirectoryOnTheWaySwappedByRenameIsChanged()
    {
        var home = TwoConfigDirectories();
        var rc = Path.Combine(home, ".config", "curlrc");
        var reads = ReadNow(rc);
        Assert.That(reads.Unchanged(Self, out var before), Is.True, before);
        SwapConfigDirectory(home);
        Assert.That(reads.Unchanged(Self, out var changed), Is.False);
        Assert.That(changed, Is.EqualTo(rc));
    }

    /// <summary>The same swap, with the parent's modification time set back afterwards (utimes can;
    /// it cannot set back a change time).</summary>
    [Test]
    public void ADirectorySwappedWithItsParentsMtimeSetBackIsChanged()
    {
        var home = TwoConfigDirectories();
        var mtime = Directory.GetLastWriteTimeUtc(home);
        var reads = ReadNow(Path.Combine(home, ".config", "curlrc"));
        SwapConfigDirectory(home);
        Directory.SetLastWriteTimeUtc(home, mtime);
        Directory.SetLastWriteTimeUtc(Path.Combine(home, ".config"), mtime);
        Assert.That(reads.Unchanged(Self, out _), Is.False);
    }

    [Test]
    public void ALookupThroughProcIsNotProvenAndCountsAsChanged()
    {
        var reads = ReadNow("/proc/self/cwd/.curlrc");
        Assert.That(reads.Unchanged(Self, out var changed), Is.False);
        Assert.That(changed, Is.EqualTo("/proc/self/cwd/.curlrc"));
    }
}
