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
}
