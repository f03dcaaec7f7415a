using System.Text.RegularExpressions;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Pause and approve with the real filter: a held exec waits for a person, who answers
/// from outside the tree. 127.0.0.3 (staging) deletes pause under tests/…/profiles/pause.json.</summary>
[TestFixture]
public sealed class PauseTests
{
    private LoopbackHttpServer _staging = null!;
    private string _curl = null!;
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _curl = Repo.Which("curl");
        _staging = new LoopbackHttpServer("127.0.0.3");
        _tmp = Directory.CreateTempSubdirectory("agentshell-pause-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        _staging.Dispose();
        Directory.Delete(_tmp, true);
    }

    private static string[] Options(int timeout = 30) => ["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--pause-timeout", timeout.ToString()];

    private string DeleteCmd => $"{_curl} -sS -o /dev/null -w 'status=%{{http_code}}\\n' -X DELETE {_staging.Url("/volumes/9")}";

    [Test]
    public void APausedDeleteWaitsThenRunsWhenApproved()
    {
        using var run = new BackgroundRun(Options(), "bash", "-c", $"{DeleteCmd}; echo rc=$?");
        string id = run.WaitForPause();
        Thread.Sleep(300);
        Assert.That(_staging.Requests, Is.Empty, "nothing is sent while the request waits");
        var pending = run.Client("pending", "--json");
        Assert.That(pending.Stdout, Does.Contain($"\"id\":\"{id}\"").And.Contain("\"rule\":\"test.pause:destructive-on-staging\"").And.Contain("\"environment\":\"staging\""));
        // Readable as the audit log is: a timestamp's '+' as itself, not \u002B.
        Assert.That(pending.Stdout, Does.Match(@"""\d{4}-\d\d-\d\dT[0-9:.]+\+00:00""").And.Not.Contain("\\u002B"), pending.Stdout);
        var ok = run.Client("approve", id);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Stderr);
        Assert.That(run.WaitForExit(), Is.EqualTo(0));
        Assert.That(run.Stdout, Does.Contain("status=200").And.Contain("rc=0"));
        Assert.That(_staging.Requests.Select(r => r.Method), Is.EqualTo(new[] { "DELETE" }));
    }

    [Test]
    public void ADeniedDeleteFailsWithTheReasonAndNothingIsSent()
    {
        using var run = new BackgroundRun(Options(), "bash", "-c", $"{DeleteCmd}; echo rc=$?");
        string id = run.WaitForPause();
        var r = run.Client("deny", id, "--reason", "not during business hours");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        run.WaitForExit();
        Assert.That(run.Stdout, Does.Contain("rc=126"));
        Assert.That(run.Stderr, Does.Match(@"agentshell: denied by \S+ \(pid \d+\) after \d+s: curl DELETE .*\(staging\) \[rule test.pause:destructive-on-staging\] — not during business hours"));
        Assert.That(_staging.Requests, Is.Empty);
    }

    [Test]
    public void AnUnansweredPauseTimesOutAsABlock()
    {
        using var run = new BackgroundRun(Options(timeout: 2), "bash", "-c", $"{DeleteCmd}; echo rc=$?");
        run.WaitForPause();
        run.WaitForExit();
        Assert.That(run.Stdout, Does.Contain("rc=126"));
        Assert.That(run.Stderr, Does.Contain("agentshell: no answer in 2s: curl DELETE"));
        Assert.That(_staging.Requests, Is.Empty);
    }

    [Test]
    public void OtherProcessesKeepRunningWhileOneIsHeld()
    {
        var marks = Path.Combine(_tmp, "marks");
        using var run = new BackgroundRun(Options(), "bash", "-c",
            $"( {DeleteCmd}; echo held-done >> {marks} ) & sleep 0.3; for i in 1 2 3; do /bin/echo other-$i >> {marks}; done; wait");
        string id = run.WaitForPause();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!(File.Exists(marks) && File.ReadAllText(marks).Contains("other-3")) && sw.Elapsed.TotalSeconds < 10) Thread.Sleep(50);
        Assert.That(File.ReadAllText(marks), Is.EqualTo("other-1\nother-2\nother-3\n"), "execs of other processes were decided while one was held");
        run.Client("approve", id);
        run.WaitForExit();
        Assert.That(File.ReadAllText(marks), Does.EndWith("held-done\n"));
    }

    [Test]
    public void APathSearchRetryJoinsTheAnsweredItemInsteadOfAskingAgain()
    {
        // dash tries every PATH directory: after a deny of d1/curl it execs d2/curl with the same argv.
        var d1 = Directory.CreateDirectory(Path.Combine(_tmp, "d1")).FullName;
        var d2 = Directory.CreateDirectory(Path.Combine(_tmp, "d2")).FullName;
        File.CreateSymbolicLink(Path.Combine(d1, "curl"), _curl);
        File.CreateSymbolicLink(Path.Combine(d2, "curl"), _curl);
        using var run = new BackgroundRun(Options(), "env", $"PATH={d1}:{d2}:/usr/bin:/bin", "dash", "-c",
            $"curl -sS -X DELETE {_staging.Url("/volumes/9")}; echo rc=$?");
        string id = run.WaitForPause();
        run.Client("deny", id);
        run.WaitForExit();
        Assert.That(Regex.Matches(run.Stderr, "agentshell: paused ").Count, Is.EqualTo(1), run.Stderr);
        Assert.That(Regex.Matches(run.Stderr, "agentshell: denied by ").Count, Is.EqualTo(1), run.Stderr);
        Assert.That(run.Stdout, Does.Contain("rc=126"));
        Assert.That(_staging.Requests, Is.Empty);
    }

    [Test]
    public void ADirectoryWithoutTheProgramIsAnsweredEnoentNotPaused()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_tmp, "empty")).FullName;
        using var run = new BackgroundRun(Options(), "env", $"PATH={empty}:/usr/bin:/bin", "dash", "-c",
            $"curl -sS -o /dev/null -X DELETE {_staging.Url("/volumes/9")}; echo rc=$?");
        string id = run.WaitForPause();
        var pending = run.Client("pending", "--json");
        Assert.That(pending.Stdout, Does.Contain("\"argv\":[\"curl\"").And.Not.Contain(empty));
        run.Client("approve", id);
        Assert.That(run.WaitForExit(), Is.EqualTo(0));
        Assert.That(Regex.Matches(run.Stderr, "agentshell: paused ").Count, Is.EqualTo(1));
    }

    [Test]
    public void ApproveForRunAllowsTheIdenticalCommandAgainWithoutAsking()
    {
        var go = Path.Combine(_tmp, "go");
        using var run = new BackgroundRun(Options(), "bash", "-c", $"{DeleteCmd}; {DeleteCmd}; echo done");
        string id = run.WaitForPause();
        var r = run.Client("approve", id, "--for-run");
        Assert.That(r.Stdout, Does.Contain("for the rest of the run"));
        run.WaitForExit();
        Assert.That(Regex.Matches(run.Stderr, "agentshell: paused ").Count, Is.EqualTo(1));
        Assert.That(_staging.Requests.Select(q => q.Method), Is.EqualTo(new[] { "DELETE", "DELETE" }));
    }

    [Test]
    public void ApproveOnceAsksAgainForTheSecondRun()
    {
        using var run = new BackgroundRun(Options(timeout: 2), "bash", "-c", $"{DeleteCmd}; {DeleteCmd}; echo done");
        string id = run.WaitForPause();
        run.Client("approve", id);
        run.WaitForExit();
        Assert.That(Regex.Matches(run.Stderr, "agentshell: paused ").Count, Is.EqualTo(2), "the second identical command was asked about again");
        Assert.That(_staging.Requests.Count, Is.EqualTo(1), "and, unanswered, timed out");
    }

    [Test]
    public void UnknownIdsAndAnsweredItemsAreClearErrors()
    {
        using var run = new BackgroundRun(Options(), "bash", "-c", $"{DeleteCmd}; sleep 3");
        string id = run.WaitForPause();
        var bad = run.Client("approve", "zzz");
        Assert.That(bad.ExitCode, Is.EqualTo(1));
        Assert.That(bad.Stderr, Does.Contain("no pending item 'zzz'"));
        run.Client("approve", id);
        var again = run.Client("deny", id);
        Assert.That(again.ExitCode, Is.EqualTo(1));
        Assert.That(again.Stderr, Does.Contain($"item {id} was already answered (approved by"));
        run.WaitForExit();
    }

    [Test]
    public void QuietRunsPrintNoPauseNoticeButStillPause()
    {
        using var run = new BackgroundRun([.. Options(timeout: 1), "--quiet"], "bash", "-c", $"{DeleteCmd}; echo rc=$?");
        run.WaitForExit();
        Assert.That(run.Stderr, Does.Not.Contain("agentshell: paused"));
        Assert.That(run.Stderr, Does.Contain("no answer in 1s"));
        Assert.That(_staging.Requests, Is.Empty);
    }
}
