using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`agentshell watch` driven as a person would: in a real terminal (tmux), reading the
/// screen and pressing keys.</summary>
[TestFixture]
public sealed class WatchTests
{
    private static string Tmux(params string[] args)
    {
        var psi = new ProcessStartInfo(Repo.Which("tmux")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return o;
    }

    private static string WaitForScreen(string session, Func<string, bool> ready, int seconds = 15)
    {
        var sw = Stopwatch.StartNew();
        string screen = "";
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            screen = Tmux("capture-pane", "-p", "-t", session);
            if (ready(screen)) return screen;
            Thread.Sleep(100);
        }
        Assert.Fail("the watch screen never showed what was expected; it shows:\n" + screen);
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
        Tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "40", $"NO_COLOR=1 {Repo.AgentShell} watch --socket {run.Socket}");
        try
        {
            var screen = WaitForScreen(session, s => s.Contains(id) && s.Contains("[a]pprove"));
            Assert.That(screen, Does.Contain("curl DELETE").And.Contain("(staging)").And.Contain("test.pause:destructive-on-staging"));
            Tmux("send-keys", "-t", session, key);
            screen = WaitForScreen(session, s => s.Contains($"{word} {id}"));
            Assert.That(run.WaitForExit(), Is.EqualTo(0));
            Assert.That(run.Stdout, Does.Contain(deletes == 1 ? "rc=0" : "rc=126"));
            Assert.That(staging.Requests.Count, Is.EqualTo(deletes));
        }
        finally
        {
            Tmux("kill-session", "-t", session);
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
}
