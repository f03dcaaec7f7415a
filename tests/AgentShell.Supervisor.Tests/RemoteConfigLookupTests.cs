using System.Diagnostics;
using AgentShell.Core.Config;

namespace AgentShell.Supervisor.Tests;

/// <summary>The supervisor's configuration lookups for a real process (through /proc/PID/root):
/// a missing file is answered from the watch of that process's root until it appears, another root
/// (a mount namespace of the process's own) has a watch of its own, and a present file is read once
/// however many execs find it unchanged, but again when its content changes behind an unchanged
/// mtime and size.</summary>
[NonParallelizable]
public sealed class RemoteConfigLookupTests
{
    private string _dir = null!;
    private Process? _child;
    private MissingFileWatches _watches = null!;

    [SetUp]
    public void SetUp()
    {
        // Not under /tmp: the watch of a missing file forgets on any change in its directories,
        // and other jobs create files in /tmp all the time (a forgotten answer is a real lookup).
        _dir = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "remote-config-" + Guid.NewGuid().ToString("N"))).FullName;
        _watches = new MissingFileWatches();
    }

    [TearDown]
    public void TearDown()
    {
        _watches.Dispose();
        if (_child is { HasExited: false }) { _child.StandardInput.Close(); _child.WaitForExit(5000); }
        _child?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private int Start(params string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0], argv[1..]) { RedirectStandardInput = true, RedirectStandardOutput = true };
        _child = Process.Start(psi)!;
        return _child.Id;
    }

    private RemoteExecContext For(int pid, ConfigFileCache cache)
    {
        var ctx = new RemoteExecContext(new ExecReader(), _watches, cache);
        ctx.Reset(pid, 0);
        return ctx;
    }

    [Test]
    public void AMissingCurlrcIsAnsweredFromTheWatchUntilAnotherProcessCreatesIt()
    {
        int pid = Start("cat");
        var rc = Path.Combine(_dir, ".curlrc");
        var cache = new ConfigFileCache();
        var watch = _watches.For(pid);
        Assert.That(watch, Is.Not.Null, "the test process's root can be named");
        long hits = watch!.Hits;
        for (int i = 0; i < 100; i++) Assert.That(For(pid, cache).ReadConfigFile(rc).Exists, Is.False);
        Assert.That(watch.Hits - hits, Is.GreaterThanOrEqualTo(99), "a hundred execs: one real lookup");
        using (var sh = Process.Start("sh", ["-c", $"printf 'request = \"DELETE\"\\n' > '{rc}'"])!) sh.WaitForExit();
        var found = For(pid, cache).ReadConfigFile(rc);
        Assert.That(found.Text, Is.EqualTo("request = \"DELETE\"\n"));
    }

    [Test]
    public void AProcessInAMountNamespaceOfItsOwnHasItsOwnWatchAndItsMountsAreSeen()
    {
        var home = Directory.CreateDirectory(Path.Combine(_dir, "home")).FullName;
        var src = Directory.CreateDirectory(Path.Combine(_dir, "src")).FullName;
        File.WriteAllText(Path.Combine(src, ".curlrc"), "request = DELETE\n");
        int pid = Start("unshare", "-Urm", "sh", "-c", $"echo ready; read go; mount --bind '{src}' '{home}' && echo mounted; read done");
        if (_child!.StandardOutput.ReadLine() != "ready") Assert.Ignore("unprivileged user namespaces are not available here");
        var cache = new ConfigFileCache();
        var theirs = _watches.For(pid);
        Assert.That(theirs, Is.Not.Null.And.Not.SameAs(_watches.For(Environment.ProcessId)), "another root, another watch");
        var rc = Path.Combine(home, ".curlrc");
        long hits = theirs!.Hits;
        for (int i = 0; i < 10; i++) Assert.That(For(pid, cache).ReadConfigFile(rc).Exists, Is.False);
        Assert.That(theirs.Hits - hits, Is.GreaterThanOrEqualTo(9));
        _child.StandardInput.WriteLine("go");
        Assert.That(_child.StandardOutput.ReadLine(), Is.EqualTo("mounted"));
        Assert.That(For(pid, cache).ReadConfigFile(rc).Text, Is.EqualTo("request = DELETE\n"), "the bind mount brought a .curlrc");
        // Look-alike: this process's own view has no mount there.
        Assert.That(For(Environment.ProcessId, cache).ReadConfigFile(rc).Exists, Is.False);
    }

    [Test]
    public void AThousandExecsReadAnUnchangedCurlrcOnceAndARewriteBehindTheSameMtimeAgain()
    {
        int pid = Start("cat");
        var rc = Path.Combine(_dir, ".curlrc");
        File.WriteAllText(rc, "request = GET\n");
        var mtime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc); // whole seconds: set back exactly
        File.SetLastWriteTimeUtc(rc, mtime);
        var cache = new ConfigFileCache();
        for (int i = 0; i < 1000; i++) Assert.That(For(pid, cache).ReadConfigFile(rc).Text, Is.EqualTo("request = GET\n"));
        Assert.That(cache.Reads, Is.EqualTo(1));
        // Same inode, same size, mtime set back: only the change time tells.
        using (var f = new FileStream(rc, FileMode.Open, FileAccess.Write)) f.Write("request = PUT\n"u8);
        File.SetLastWriteTimeUtc(rc, mtime);
        Assert.That(For(pid, cache).ReadConfigFile(rc).Text, Is.EqualTo("request = PUT\n"));
        Assert.That(cache.Reads, Is.EqualTo(2));
    }
}
