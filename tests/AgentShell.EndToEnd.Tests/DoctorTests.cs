using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`agentshell doctor` on this machine: one line per check, exit 0 when `run` can work,
/// and exit 1 with the fix when it cannot (nested in a run, a broken profile, no launcher).</summary>
[TestFixture]
public sealed class DoctorTests
{
    private static readonly string[] Subjects =
        ["kernel", "seccomp", "nesting", "pidfd", "supervised run", "ptrace", "namespaces", "cgroup v2", "bpf", "profiles", "sockets", "audit", "connect guard", "runs", "telemetry"];

    [Test]
    public void OnThisMachineEveryCheckHasALineAndRunCanWork()
    {
        KernelSetUp.RequireInterception();
        var sw = Stopwatch.StartNew();
        var r = AgentShellRunner.Run(["doctor"]);
        sw.Stop();
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stdout + r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var s in Subjects)
            Assert.That(lines.Count(l => l.Length > 6 && l[6..].StartsWith(s + " ", StringComparison.Ordinal)), Is.EqualTo(1), $"one line for {s}:\n{r.Stdout}");
        Assert.That(r.Stdout, Does.Contain("ok    seccomp         user notification with WAIT_KILLABLE_RECV"));
        Assert.That(r.Stdout, Does.Contain("ok    nesting         no seccomp listener supervises this process"));
        Assert.That(r.Stdout, Does.Contain("ok    pidfd "));
        Assert.That(r.Stdout, Does.Match(@"ok    supervised run  \S+agentshell-launch ran \S+true under the filter"));
        Assert.That(r.Stdout, Does.Contain("ok    profiles        "));
        Assert.That(r.Stdout, Does.Not.Contain("FAIL"));
        Assert.That(lines[^1], Does.StartWith("agentshell run can work here"));
        if (Interop.Process.GetEffectiveUid() == 0 && r.Stdout.Contains("ok    bpf", StringComparison.Ordinal))
        {
            Assert.That(r.Stdout, Does.Contain("tp_btf/sched_process_exec").And.Contain("cgroup/connect4 (connect4, connect_unix)"));
            var bpf = lines.Single(l => l.StartsWith("ok    bpf ", StringComparison.Ordinal));
            Assert.That(System.Text.RegularExpressions.Regex.Matches(bpf, "cgroup/connect4").Count, Is.EqualTo(1), $"each attach point named once: {bpf}");
            Assert.That(r.Stdout, Does.Contain("run would decide connects in the kernel"));
        }
        TestContext.Out.WriteLine($"doctor took {sw.ElapsedMilliseconds} ms (process start included)");
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "doctor is quick (well under a second on an idle machine)");
    }

    [Test]
    public void InsideASupervisedRunDoctorReportsTheNestingAndExitsOne()
    {
        KernelSetUp.RequireInterception();
        var r = AgentShellRunner.Run(["run", "-q", "--connect-guard", "seccomp", "--", Repo.AgentShell, "doctor"]);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.Stdout + r.Stderr);
        Assert.That(r.Stdout, Does.Contain("FAIL  nesting         a seccomp listener already supervises this process").And.Contain("fix: run agentshell outside"));
        Assert.That(r.Stdout, Does.Contain("note  supervised run  not tried"));
        Assert.That(r.Stdout, Does.Contain("agentshell run cannot work here: 1 check(s) failed"));
    }

    [Test]
    public void ABrokenProfileFailsWithWhereAndHowToFixIt()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"agentshell-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(bad, """{ "Rulez": [] }""");
        try
        {
            var r = AgentShellRunner.Run(["doctor", "--profile", bad]);
            Assert.That(r.ExitCode, Is.EqualTo(1), r.Stdout + r.Stderr);
            Assert.That(r.Stdout, Does.Match(@"FAIL  profiles        invalid: .*Rulez.* — fix: .*agentshell profiles validate"));
        }
        finally { File.Delete(bad); }
    }

    [Test]
    public void AMissingLauncherFailsTheSupervisedRunWithTheFix()
    {
        KernelSetUp.RequireInterception();
        var r = AgentShellRunner.Run(["doctor"], env: new Dictionary<string, string> { ["AGENTSHELL_LAUNCHER"] = "/nonexistent/agentshell-launch" });
        Assert.That(r.ExitCode, Is.EqualTo(1), r.Stdout + r.Stderr);
        Assert.That(r.Stdout, Does.Contain("FAIL  supervised run  the launcher is missing: /nonexistent/agentshell-launch — fix: run make"));
    }
}
