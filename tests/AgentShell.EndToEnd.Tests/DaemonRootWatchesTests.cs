using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A daemon serves session after session: the watches of missing configuration files that
/// a session's decisions made (an inotify fd and its mount namespace's mountinfo per root, which
/// keeps that namespace alive) end with the session, so the daemon's fds do not grow with each one
/// and a later session's roots find room in the table.</summary>
[TestFixture]
public sealed class DaemonRootWatchesTests
{
    [SetUp]
    public void SetUp() => KernelSetUp.RequireInterception();

    private static int WatchFds(int pid)
    {
        int n = 0;
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; }
            catch (IOException) { continue; } // closed while listed
            // The daemon's own mountinfo (its lookups of its own files, one for its life) is not a session's.
            if (target == $"/proc/{pid}/mountinfo") continue;
            if (target == "anon_inode:inotify" || target?.EndsWith("/mountinfo", StringComparison.Ordinal) == true) n++;
        }
        return n;
    }

    /// <summary>A daemon whose own command's session is set up: its socket answers before that
    /// session has made its own watches (a loaded machine counted them as a later session's).</summary>
    private static BackgroundDaemon Started()
    {
        const string mark = "119.75"; // sleep's argument, to find the daemon's own command by
        var d = BackgroundDaemon.Start(["-q"], ["sleep", mark]).Ready();
        // Its first exec is answered by that session, so the command running means the session is there.
        d.WaitFor(() => LiveProcesses.WithArgument(mark).Any(p => File.Exists($"/proc/{p}/exe") && new FileInfo($"/proc/{p}/exe").LinkTarget?.EndsWith("/sleep") == true),
            "the daemon's own command running");
        return d;
    }

    private static string Fds(int pid) => string.Join("\n", Directory.EnumerateFiles($"/proc/{pid}/fd")
        .Select(fd => { try { return $"{Path.GetFileName(fd)} -> {new FileInfo(fd).LinkTarget}"; } catch (IOException) { return ""; } }));

    [Test]
    public void AnEndedSessionLeavesNoWatchOfItsRootsOpen()
    {
        using var d = Started();
        int daemon = d.Pid();
        int before = WatchFds(daemon);
        // curl's decision looks for ~/.curlrc and the like by absolute path: the session's root is watched.
        for (int i = 0; i < 3; i++)
        {
            var r = d.Shell("sh", "-c", "curl --version >/dev/null; echo done");
            Assert.That(r.Stdout, Does.Contain("done"), r.Stderr);
            // The session ends when its command has; the daemon closes it just after.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (WatchFds(daemon) > before && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.That(WatchFds(daemon), Is.EqualTo(before), $"after session {i + 1}: its watches are closed\n{Fds(daemon)}");
        }
    }

    [Test]
    public void ALiveSessionKeepsItsWatch()
    {
        // Look-alike: the watch is made and kept while the session runs (what the test above sees go).
        using var d = Started();
        int daemon = d.Pid();
        int before = WatchFds(daemon);
        using var shell = d.StartShell("sh", "-c", "curl --version >/dev/null; echo looked; sleep 30");
        shell.WaitForStdout("looked");
        Assert.That(WatchFds(daemon), Is.GreaterThan(before), "the session's root is watched while it lives");
    }
}
