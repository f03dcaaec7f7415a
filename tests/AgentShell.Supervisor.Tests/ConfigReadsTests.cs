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

    [Test]
    public void ALookupThroughProcIsNotProvenAndCountsAsChanged()
    {
        var reads = ReadNow("/proc/self/cwd/.curlrc");
        Assert.That(reads.Unchanged(Self, out var changed), Is.False);
        Assert.That(changed, Is.EqualTo("/proc/self/cwd/.curlrc"));
    }
}
