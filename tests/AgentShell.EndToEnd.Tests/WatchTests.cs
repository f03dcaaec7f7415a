using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`agentshell watch` driven as a person would: in a real terminal (tmux), reading the
/// screen and pressing keys.</summary>
[TestFixture]
public sealed class WatchTests
{
    /// <summary>tmux on a server of the test's own (-L: its session name): with the default
    /// server, a test's new-session could reach the server the previous test's kill-session was
    /// shutting down, fail, and leave an empty screen.</summary>
    private static string Tmux(string session, params string[] args)
    {
        var psi = new ProcessStartInfo(Repo.Which("tmux")) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(session);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && args[0] == "new-session")
            Assert.Fail($"tmux new-session failed ({p.ExitCode}): {err.Result}");
        return o;
    }

    private static string WaitForScreen(string session, Func<string, bool> ready, int seconds = 15)
    {
        var sw = Stopwatch.StartNew();
        string screen = "";
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            screen = Tmux(session, "capture-pane", "-p", "-t", session);
            if (ready(screen)) return screen;
            Thread.Sleep(100);
        }
        Assert.Fail("the watch screen never showed what was expected; it shows:\n" + screen
            + "\ntmux sessions: " + Tmux(session, "list-sessions"));
        return screen;
    }

    /// <summary>A run whose curl DELETE to staging waits for an answer.</summary>
    private static BackgroundRun PausedDelete(LoopbackHttpServer staging, out string id)
    {
        KernelSetUp.RequireInterception();
        var curl = Repo.Which("curl");
        var run = new BackgroundRun(["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--pause-timeout", "60"],
            "bash", "-c", $"{curl} -sS -o /dev/null -X DELETE {staging.Url("/volumes/3")}; echo rc=$?");
        id = run.WaitForPause();
        return run;
    }

    [TestCase("a", "approved", 1)]
    [TestCase("d", "denied", 0)]
    public void AKeyInWatchAnswersThePausedRequest(string key, string word, int deletes)
    {
        using var staging = new LoopbackHttpServer("127.0.0.3");
        using var run = PausedDelete(staging, out string id);
        string session = $"agentshell-watch-{Guid.NewGuid():N}"[..24];
        Tmux(session, "new-session", "-d", "-s", session, "-x", "160", "-y", "40", $"NO_COLOR=1 {Repo.AgentShell} watch --socket {run.Socket}");
        try
        {
            var screen = WaitForScreen(session, s => s.Contains(id) && s.Contains("[a]pprove"));
            Assert.That(screen, Does.Contain("curl DELETE").And.Contain("(staging)").And.Contain("test.pause:destructive-on-staging"));
            Tmux(session, "send-keys", "-t", session, key);
            if (key == "d")
            {
                // Deny asks for a reason; Enter gives none.
                WaitForScreen(session, s => s.Contains($"deny {id}, reason (Enter for none"));
                Tmux(session, "send-keys", "-t", session, "Enter");
            }
            screen = WaitForScreen(session, s => s.Contains($"{word} {id}"));
            Assert.That(run.WaitForExit(), Is.EqualTo(0));
            Assert.That(run.Stdout, Does.Contain(deletes == 1 ? "rc=0" : "rc=126"));
            Assert.That(staging.Requests.Count, Is.EqualTo(deletes));
        }
        finally
        {
            Tmux(session, "kill-server");
        }
    }

    [Test]
    public void WithoutATerminalWatchReadsLineCommands()
    {
        using var staging = new LoopbackHttpServer("127.0.0.3");
        using var run = PausedDelete(staging, out string id);
        var psi = new ProcessStartInfo(Repo.AgentShell, ["watch", "--socket", run.Socket]) { RedirectStandardInput = true, RedirectStandardOutput = true };
        using var w = Process.Start(psi)!;
        var first = w.StandardOutput.ReadLine() + w.StandardOutput.ReadLine();
        w.StandardInput.WriteLine($"d {id} not now");
        Assert.That(run.WaitForExit(), Is.EqualTo(0));
        w.StandardInput.Close();
        var rest = w.StandardOutput.ReadToEnd();
        w.WaitForExit();
        Assert.That(first + rest, Does.Contain($"denied {id}"));
        Assert.That(first + rest, Does.Not.Contain("\e["), "no escape codes without a terminal");
        Assert.That(run.Stderr, Does.Contain("— not now"));
        Assert.That(staging.Requests, Is.Empty);
    }
    /// <summary>A runtime directory of its own, so `watch` without --socket sees only this test's runs.</summary>
    private static string RuntimeDir()
    {
        var d = Directory.CreateTempSubdirectory("agentshell-xdg-").FullName;
        File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return d;
    }

    private static BackgroundRun PausedDeleteIn(string xdg, LoopbackHttpServer staging, out string id)
    {
        var curl = Repo.Which("curl");
        Directory.CreateDirectory(Path.Combine(xdg, "agentshell"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var run = new BackgroundRun(Path.Combine(xdg, "agentshell", $"{Guid.NewGuid():N}.sock"),
            ["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--pause-timeout", "60"],
            ["bash", "-c", $"{curl} -sS -o /dev/null -H 'Authorization: Bearer {Token}' -X DELETE {staging.Url("/volumes/3")}; echo rc=$?"]);
        id = run.WaitForPause();
        return run;
    }

    private const string Token = "ghp_WatchT0kenNeverShown42";

    [Test]
    public void WatchWaitsForARunAsksWhyOnDenyAndFollowsTheNextRun()
    {
        KernelSetUp.RequireInterception();
        using var staging = new LoopbackHttpServer("127.0.0.3");
        var xdg = RuntimeDir();
        string session = $"agentshell-follow-{Guid.NewGuid():N}"[..24];
        Tmux(session, "new-session", "-d", "-s", session, "-x", "200", "-y", "50", $"XDG_RUNTIME_DIR={xdg} NO_COLOR=1 {Repo.AgentShell} watch");
        try
        {
            WaitForScreen(session, s => s.Contains("waiting for a run"));
            using (var first = PausedDeleteIn(xdg, staging, out string id))
            {
                var screen = WaitForScreen(session, s => s.Contains(id) && s.Contains("[a]pprove"));
                Assert.That(screen, Does.Contain("staging because host 127.0.0.3 in pause.json"), "why the target is in its environment");
                Assert.That(screen, Does.Contain("Bearer ***").And.Not.Contain(Token), "redacted as the audit log redacts");
                Tmux(session, "send-keys", "-t", session, "d");
                WaitForScreen(session, s => s.Contains($"deny {id}, reason"));
                Tmux(session, "send-keys", "-t", session, "not on a friday", "Enter");
                WaitForScreen(session, s => s.Contains($"denied {id} — not on a friday"));
                Assert.That(first.WaitForExit(), Is.EqualTo(0));
                Assert.That(first.Stderr, Does.Contain("— not on a friday"));
                Assert.That(first.Stdout, Does.Contain("rc=126"));
                WaitForScreen(session, s => s.Contains("has ended"));
            }
            using (var second = PausedDeleteIn(xdg, staging, out string id2))
            {
                WaitForScreen(session, s => s.Contains(id2) && s.Contains("[a]pprove"));
                Tmux(session, "send-keys", "-t", session, "r");
                WaitForScreen(session, s => s.Contains($"approved {id2}, and this command for the rest of run"));
                Assert.That(second.WaitForExit(), Is.EqualTo(0));
                Assert.That(second.Stdout, Does.Contain("rc=0"));
            }
            Assert.That(staging.Requests.Count, Is.EqualTo(1), "only the approved DELETE was sent");
        }
        finally
        {
            Tmux(session, "kill-server");
            Directory.Delete(xdg, recursive: true);
        }
    }

    [Test]
    public void WithoutATerminalOrSocketWatchFollowsEveryRunByLines()
    {
        KernelSetUp.RequireInterception();
        using var staging = new LoopbackHttpServer("127.0.0.3");
        var xdg = RuntimeDir();
        try
        {
            var psi = new ProcessStartInfo(Repo.AgentShell, ["watch"]) { RedirectStandardInput = true, RedirectStandardOutput = true };
            psi.Environment["XDG_RUNTIME_DIR"] = xdg;
            psi.Environment.Remove("AGENTSHELL_SOCKET");
            using var w = Process.Start(psi)!;
            var lines = new System.Collections.Concurrent.BlockingCollection<string>();
            w.OutputDataReceived += (_, e) => { if (e.Data != null) lines.Add(e.Data); };
            w.BeginOutputReadLine();
            string Until(Func<string, bool> want)
            {
                var seen = new System.Text.StringBuilder();
                while (lines.TryTake(out var l, TimeSpan.FromSeconds(20)))
                {
                    seen.AppendLine(l);
                    if (want(l)) return seen.ToString();
                }
                Assert.Fail("watch never printed what was expected; it printed:\n" + seen);
                return "";
            }
            Until(l => l.Contains("waiting for runs"));
            using var run = PausedDeleteIn(xdg, staging, out string id);
            Until(l => l.StartsWith("watching run ", StringComparison.Ordinal));
            var item = Until(l => l.Contains("target: "));
            Assert.That(item, Does.Contain(id).And.Contain("target:  http://127.0.0.3").And.Contain("staging because host 127.0.0.3 in pause.json"));
            Assert.That(item, Does.Contain("Bearer ***").And.Not.Contain(Token));
            w.StandardInput.WriteLine($"d {id} use the staging API");
            Until(l => l.Contains($"denied {id}"));
            Assert.That(run.WaitForExit(), Is.EqualTo(0));
            Assert.That(run.Stderr, Does.Contain("— use the staging API"));
            Until(l => l.Contains("has ended"));
            Assert.That(w.HasExited, Is.False, "following every run, watch stays for the next one");
            w.StandardInput.Close();
            Assert.That(w.WaitForExit(10_000), Is.True, "the end of input ends watch");
        }
        finally { Directory.Delete(xdg, recursive: true); }
    }
}
