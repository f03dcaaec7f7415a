using AgentShell.Core.Config;
using Mono.Unix.Native;

namespace AgentShell.Supervisor.Tests;

/// <summary>Files read for parsers from a process's view: never blocking on what is not a regular
/// file, bounded, and configuration files read once per version whatever process finds them.</summary>
[TestFixture]
public sealed class TargetFilesTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-targetfiles-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void AFifoInPlaceOfAFileIsNotReadAndDoesNotBlock()
    {
        var fifo = Path.Combine(_dir, "body.json");
        Assert.That(Syscall.mkfifo(fifo, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR), Is.Zero);
        var reads = Task.Run(() => (TargetFiles.Read(fifo, 1024), TargetFiles.ReadConfig(fifo, fifo, new ConfigFileCache()).State));
        bool done = reads.Wait(TimeSpan.FromSeconds(5));
        if (!done) using (File.OpenWrite(fifo)) { } // releases a reader blocked in open(2), so the suite goes on
        Assert.That(done, Is.True, "a read blocked on the FIFO");
        Assert.That(reads.Result, Is.EqualTo(((byte[]?)null, ConfigFileState.Unreadable)));
    }

    [Test]
    public void ADeviceInPlaceOfAConfigFileIsNotRead() =>
        Assert.That(TargetFiles.ReadConfig("/dev/zero", "/home/agent/.curlrc", new ConfigFileCache()).State, Is.EqualTo(ConfigFileState.Unreadable));

    [Test]
    public void AMissingFileIsMissingAndALargeOneIsNotRead()
    {
        var cache = new ConfigFileCache();
        Assert.That(TargetFiles.ReadConfig(Path.Combine(_dir, "none"), "x", cache), Is.SameAs(ConfigFile.Missing));
        Assert.That(TargetFiles.ReadConfig(Path.Combine(_dir, "none", "deeper"), "x", cache), Is.SameAs(ConfigFile.Missing));
        var big = Path.Combine(_dir, "big");
        File.WriteAllBytes(big, new byte[ConfigFile.MaxBytes + 1]);
        Assert.That(TargetFiles.ReadConfig(big, big, cache).State, Is.EqualTo(ConfigFileState.TooLarge));
        Assert.That(cache.Reads, Is.EqualTo(0));
    }

    [Test]
    public void TheSameFileSeenThroughTwoProcessesIsReadOnce()
    {
        var rc = Path.Combine(_dir, ".curlrc");
        File.WriteAllText(rc, "silent\n");
        var cache = new ConfigFileCache();
        // Through this process's /proc view and directly: the same path as the process names it, the same file.
        var a = TargetFiles.ReadConfig(ProcessInfo.ProcPath(Environment.ProcessId, rc), rc, cache);
        var b = TargetFiles.ReadConfig(rc, rc, cache);
        Assert.That((a.State, a.Text, b), Is.EqualTo((ConfigFileState.Read, "silent\n", a)));
        Assert.That(cache.Reads, Is.EqualTo(1));
        File.WriteAllText(rc, "request = DELETE\n");
        Assert.That(TargetFiles.ReadConfig(rc, rc, cache).Text, Is.EqualTo("request = DELETE\n"));
        Assert.That(cache.Reads, Is.EqualTo(2));
    }

    // redteam21: what the supervisor found missing while the tool found its file.

    [Test]
    public void AFileNamedThroughAnotherProcesssProcSelfIsNotTakenForMissing()
    {
        // A real process whose cwd holds a .curlrc; its HOME is /proc/self/cwd. Our open of
        // /proc/PID/root/proc/self/cwd/.curlrc names *our* cwd (or nothing, from another pid namespace).
        File.WriteAllText(Path.Combine(_dir, ".curlrc"), "request = DELETE\n");
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "30") { WorkingDirectory = _dir })!;
        try
        {
            const string named = "/proc/self/cwd/.curlrc";
            var f = TargetFiles.ReadConfig(ProcessInfo.ProcPath(child.Id, named), named, new ConfigFileCache(), ProcessView.Of(child.Id, named));
            Assert.That(f.State, Is.EqualTo(ConfigFileState.Unreadable));
            Assert.That(TargetFiles.MissingFor(ProcessView.Of(child.Id, "/proc/self/nothing-here"), out _), Is.False, "a lookup through procfs proves nothing");
        }
        finally { child.Kill(); }
    }

    [Test]
    public void AConfigFileOnProcfsIsNotRead()
    {
        Assert.That(TargetFiles.ReadConfig("/proc/self/environ", "/proc/self/environ", new ConfigFileCache()).State, Is.EqualTo(ConfigFileState.Unreadable));
        var link = Path.Combine(_dir, ".curlrc");
        File.CreateSymbolicLink(link, "/proc/self/environ");
        Assert.That(TargetFiles.Read(link, 4096), Is.Null);
    }

    [Test]
    public void AMissingNameIsMissingAndOneMissingThroughALinkIsNotTheSharedMissing()
    {
        var me = Environment.ProcessId;
        var none = Path.Combine(_dir, "none");
        Assert.That(TargetFiles.ReadConfig(none, none, new ConfigFileCache(), ProcessView.Of(me, none)), Is.SameAs(ConfigFile.Missing));
        var dangling = Path.Combine(_dir, "dangling");
        File.CreateSymbolicLink(dangling, Path.Combine(_dir, "later", "rc"));
        var f = TargetFiles.ReadConfig(dangling, dangling, new ConfigFileCache(), ProcessView.Of(me, dangling));
        // Missing for the tool too, but not remembered by the missing-file watch (it keys on the shared object).
        Assert.That((f.State, ReferenceEquals(f, ConfigFile.Missing)), Is.EqualTo((ConfigFileState.Missing, false)));
        // A relative link, "..", and a directory link: followed as the kernel would.
        Directory.CreateDirectory(Path.Combine(_dir, "real"));
        File.CreateSymbolicLink(Path.Combine(_dir, "dirlink"), "real");
        Assert.That(TargetFiles.MissingFor(ProcessView.Of(me, Path.Combine(_dir, "dirlink", "..", "dirlink", "rc")), out bool viaLink), Is.True);
        Assert.That(viaLink, Is.True);
        File.WriteAllText(Path.Combine(_dir, "real", "rc"), "x");
        Assert.That(TargetFiles.MissingFor(ProcessView.Of(me, Path.Combine(_dir, "dirlink", "rc")), out _), Is.False, "it is there");
        // A file named as a directory: ENOTDIR for the tool, so missing.
        Assert.That(TargetFiles.MissingFor(ProcessView.Of(me, Path.Combine(_dir, "real", "rc", "deeper")), out _), Is.True);
        // A loop is not proven missing.
        File.CreateSymbolicLink(Path.Combine(_dir, "loop"), Path.Combine(_dir, "loop"));
        Assert.That(TargetFiles.MissingFor(ProcessView.Of(me, Path.Combine(_dir, "loop")), out _), Is.False);
    }

    [Test]
    public void AFileIsOpenedAsTheProcessWouldOpenIt()
    {
        var evil = Path.Combine(_dir, "evil");
        Directory.CreateDirectory(evil);
        File.WriteAllText(Path.Combine(evil, "rc"), "request = DELETE\n");
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "30") { WorkingDirectory = evil })!;
        try
        {
            // An absolute link through /proc/self/cwd: our open followed it from our root, to our cwd.
            var link = Path.Combine(_dir, ".curlrc");
            File.CreateSymbolicLink(link, "/proc/self/cwd/rc");
            var f = TargetFiles.ReadConfig(ProcessInfo.ProcPath(child.Id, link), link, new ConfigFileCache(), ProcessView.Of(child.Id, link));
            Assert.That(f.State, Is.EqualTo(ConfigFileState.Unreadable));
            Assert.That(TargetFiles.Read(ProcessInfo.ProcPath(child.Id, link), 4096, ProcessView.Of(child.Id, link)), Is.Null);
            // A relative name from the process's cwd, and an absolute link under its root: read.
            var rel = TargetFiles.ReadConfig(ProcessInfo.ProcPath(child.Id, "rc"), Path.Combine(evil, "rc"), new ConfigFileCache(), ProcessView.Of(child.Id, "rc"));
            Assert.That((rel.State, rel.Text), Is.EqualTo((ConfigFileState.Read, "request = DELETE\n")));
            var plain = Path.Combine(_dir, "plain");
            File.CreateSymbolicLink(plain, Path.Combine(evil, "rc"));
            Assert.That(TargetFiles.ReadConfig(ProcessInfo.ProcPath(child.Id, plain), plain, new ConfigFileCache(), ProcessView.Of(child.Id, plain)).Text, Is.EqualTo("request = DELETE\n"));
        }
        finally { child.Kill(); }
    }
}
