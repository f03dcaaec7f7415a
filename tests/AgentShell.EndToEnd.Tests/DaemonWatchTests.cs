using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`watch` with a daemon: one control socket answers for several trees (the shells attached
/// to it). Following every run, watch shows each paused request with its session and answers it
/// there; pinned with --run, it sees that session's requests only. `doctor` lists what is live.</summary>
[TestFixture]
public sealed class DaemonWatchTests
{
    private LoopbackHttpServer _staging = null!;
    private string _xdg = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _staging = new LoopbackHttpServer("127.0.0.3");
        _xdg = Directory.CreateTempSubdirectory("agentshell-xdg-").FullName;
        File.SetUnixFileMode(_xdg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [TearDown]
    public void TearDown()
    {
        _staging?.Dispose();
        if (_xdg != null) Directory.Delete(_xdg, recursive: true);
    }

    /// <summary>`agentshell watch ARGS` without a terminal, in this test's runtime directory.</summary>
    private sealed class LineWatch : IDisposable
    {
        private readonly Process _p;
        private readonly BlockingCollection<string> _lines = [];

        internal LineWatch(string xdg, params string[] args)
        {
            var psi = new ProcessStartInfo(Repo.AgentShell, ["watch", .. args]) { RedirectStandardInput = true, RedirectStandardOutput = true };
            psi.Environment["XDG_RUNTIME_DIR"] = xdg;
            psi.Environment.Remove("AGENTSHELL_SOCKET");
            _p = Process.Start(psi)!;
            _p.OutputDataReceived += (_, e) => { if (e.Data != null) _lines.Add(e.Data); };
            _p.BeginOutputReadLine();
        }

        internal void Send(string line) => _p.StandardInput.WriteLine(line);

        /// <summary>What watch printed up to and including the first line <paramref name="want"/> accepts.</summary>
        internal string Until(Func<string, bool> want)
        {
            var seen = new StringBuilder();
            while (_lines.TryTake(out var l, TimeSpan.FromSeconds(20)))
            {
                seen.AppendLine(l);
                if (want(l)) return seen.ToString();
            }
            Assert.Fail("watch never printed what was expected; it printed:\n" + seen);
            return "";
        }

        internal bool WaitForExit() => _p.WaitForExit(10_000);

        public void Dispose()
        {
            if (!_p.HasExited) _p.Kill(entireProcessTree: true);
            _p.Dispose();
        }
    }

    private BackgroundTool PausedShell(BackgroundDaemon d, string path, out string session, out string id)
    {
        var shell = d.StartShell("bash", "-c", $"{Repo.Which("curl")} -sS -o /dev/null -X DELETE {_staging.Url(path)}; echo rc=$?");
        shell.WaitForStderr("— approve with: agentshell approve --run ");
        var m = Regex.Match(shell.Stderr, @"approve --run ([0-9a-f]+) ([0-9a-f]+)");
        (session, id) = (m.Groups[1].Value, m.Groups[2].Value);
        return shell;
    }

    [Test]
    public void WatchFollowsEachSessionOfADaemonAndAnswersItThere()
    {
        var env = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = _xdg };
        using var d = BackgroundDaemon.Start(["-q", "--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--pause-timeout", "60"], ["sleep", "120"], env: env).Ready();
        using var all = new LineWatch(_xdg);
        all.Until(l => l.StartsWith("watching run ", StringComparison.Ordinal));
        using var first = PausedShell(d, "/volumes/1", out string s1, out string id1);
        using var second = PausedShell(d, "/volumes/2", out string s2, out string id2);
        Assert.That(s1, Is.Not.EqualTo(s2), "each shell is a session of its own");

        var shown = all.Until(l => l.Contains($"run:     {s1}")) + all.Until(l => l.Contains($"run:     {s2}"));
        Assert.That(shown, Does.Contain($"new: {id1}").And.Contain($"new: {id2}"), "both sessions' requests, on the daemon's one socket");

        using var pinned = new LineWatch(_xdg, "--run", s2);
        pinned.Until(l => l.Contains($"run:     {s2}"));
        pinned.Send($"a {id1}");
        Assert.That(pinned.Until(l => l.Contains(id1)), Does.Contain($"nothing waiting is called '{id1}'"), "watch --run sees its session only");

        all.Send($"a {id1}");
        all.Until(l => l.Contains($"approved {id1}"));
        all.Send($"d {id2} not this one");
        all.Until(l => l.Contains($"denied {id2}"));
        Assert.That(first.WaitForExit(), Is.EqualTo(0), first.Stderr);
        Assert.That(second.WaitForExit(), Is.EqualTo(0), second.Stderr);
        Assert.That(first.Stdout, Does.Contain("rc=0"));
        Assert.That(second.Stdout, Does.Contain("rc=126"));
        Assert.That(second.Stderr, Does.Contain("— not this one"));
        Assert.That(_staging.Requests.Select(r => $"{r.Method} {r.Path}"), Is.EqualTo(new[] { "DELETE /volumes/1" }));
        pinned.Until(l => l.Contains($"session {s2} has ended"));
        Assert.That(pinned.WaitForExit(), Is.True, "watch --run SESSION ends with its session, though the daemon lives on");
    }

    [Test]
    public void DoctorListsTheLiveDaemonAndItsSessions()
    {
        var env = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = _xdg };
        using var d = BackgroundDaemon.Start(["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--pause-timeout", "60"], ["sleep", "120"], env: env).Ready();
        string daemon = d.Id();
        using var shell = PausedShell(d, "/volumes/1", out string session, out _);
        var r = AgentShellRunner.Run(["doctor"], env: new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = _xdg, ["AGENTSHELL_DAEMON_SOCKET"] = d.Socket });
        Assert.That(r.Stdout, Does.Match(@"note  runs +0 run\(s\), 1 daemon\(s\), 1 attached session\(s\) live \(")
            .And.Contain(daemon).And.Contain(session), r.Stdout);
        Assert.That(r.Stdout, Does.Contain($"daemon socket {d.Socket} present"));
    }
}
