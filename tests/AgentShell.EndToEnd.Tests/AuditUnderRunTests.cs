using System.Text.Json;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The audit log as a run writes it: every non-allow and every parsed tool's exec, one JSON
/// object a line, secrets redacted, pauses recorded with who answered and after how long.</summary>
[TestFixture]
public sealed class AuditUnderRunTests
{
    [Test]
    public void ARunRecordsAllowsBlocksAndAnsweredPausesWithoutSecrets()
    {
        KernelSetUp.RequireInterception();
        using var prod = new LoopbackHttpServer("127.0.0.2");
        using var staging = new LoopbackHttpServer("127.0.0.3");
        var curl = Repo.Which("curl");
        var dir = Directory.CreateTempSubdirectory("agentshell-audit-").FullName;
        var audit = Path.Combine(dir, "audit.jsonl");
        const string secret = "s3cr3t-token-value";
        // A python agent: each command is its own exec (a bash -c string with a blocked command in
        // it would be refused as a whole).
        var agent = Path.Combine(dir, "agent.py");
        File.WriteAllText(agent, $$"""
            import subprocess
            subprocess.run(['ls', '/'], stdout=subprocess.DEVNULL)
            subprocess.run(['{{curl}}', '-sS', '-o', '/dev/null', '{{prod.Url("/ok")}}'])
            try:
                subprocess.run(['{{curl}}', '-sS', '-X', 'DELETE', '-H', 'Authorization: Bearer {{secret}}', '{{prod.Url("/volumes/1")}}'])
            except PermissionError:
                pass
            try:
                subprocess.run(['{{curl}}', '-sS', '-o', '/dev/null', '-X', 'DELETE', '{{staging.Url("/volumes/2")}}'])
            except PermissionError:
                pass
            """);
        using (var run = new BackgroundRun(["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--audit", audit],
            Repo.Python, agent))
        {
            string id = run.WaitForPause();
            run.Client("deny", id, "--reason", "no");
            run.WaitForExit();
        }
        var text = File.ReadAllText(audit);
        Assert.That(text, Does.Not.Contain(secret));
        var records = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var summary = records.Select(r => $"{r.GetProperty("outcome").GetString()} {r.GetProperty("ruleId").GetString()}").ToList();
        Assert.That(summary, Is.EqualTo(new[]
        {
            "allowed default.any:allow",                         // curl GET: a parsed tool
            "blocked demo.http:delete-on-production",            // curl DELETE to production
            "denied test.pause:destructive-on-staging",          // the pause, answered
        }), text);
        Assert.That(records.Any(r => r.GetRawText().Contains("\"ls\"")), Is.False, "allows of unparsed tools are sampled out");
        var denied = records[2];
        Assert.That(denied.GetProperty("approvedBy").GetString(), Does.Contain("pid"));
        Assert.That(denied.GetProperty("waitedMs").GetInt64(), Is.GreaterThanOrEqualTo(0));
        Assert.That(records.Select(r => r.GetProperty("runId").GetString()).Distinct().Count(), Is.EqualTo(1));

        var log = AgentShellRunner.Run(["log", "--file", audit, "--action", "block"]);
        Assert.That(log.ExitCode, Is.EqualTo(0), log.Stderr);
        Assert.That(log.Stdout, Does.Contain("demo.http:delete-on-production").And.Not.Contain("test.pause"));
        Directory.Delete(dir, true);
    }

    [TestCase("seccomp")]
    [TestCase("kernel")]
    public void AVerifiedExecsRecordNamesItsWorkingDirectoryAndItsWholeChain(string guard)
    {
        // seccomp: each curl is seized and checked at its exec; its record's working directory and
        // chain are read then, after the answer, and the line written once it is let go. kernel: the
        // kernel checks it; the stat read to stage that check (its parent) serves its chain. Both:
        // its ancestors (the same shell twice) come from what the first record read.
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        var curl = Repo.Which("curl");
        var dir = Directory.CreateTempSubdirectory("agentshell-audit-cwd-").FullName;
        var work = Directory.CreateDirectory(Path.Combine(dir, "work")).FullName;
        var audit = Path.Combine(dir, "audit.jsonl");
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--audit", audit, "--", "/bin/sh", "-c", $"cd {work} && {curl} --version >/dev/null && {curl} --version >/dev/null; true"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        var records = File.ReadAllLines(audit).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("argv")[0].GetString() == curl).ToList();
        Assert.That(records, Has.Count.EqualTo(2), File.ReadAllText(audit));
        foreach (var rec in records)
        {
            Assert.That(rec.GetProperty("cwd").GetString(), Is.EqualTo(work));
            var chain = rec.GetProperty("pidChain").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.That(chain, Has.Count.EqualTo(2), string.Join(" ", chain));
            Assert.That(chain[0], Does.StartWith("sh("));
            // The process itself is named as /proc names it after the answer: before its exec commits
            // (the forked sh) or after (curl).
            Assert.That(chain[1], Does.EndWith($"({rec.GetProperty("pid").GetInt32()})"));
        }
        Assert.That(records[0].GetProperty("pidChain")[0].GetString(), Is.EqualTo(records[1].GetProperty("pidChain")[0].GetString()), "the same shell");
        Directory.Delete(dir, true);
    }

    [Test]
    public void TheSupervisorsOwnRefusalsAreRecordedWithTheirRuleIds()
    {
        KernelSetUp.RequireInterception();
        var dir = Directory.CreateTempSubdirectory("agentshell-audit-").FullName;
        var audit = Path.Combine(dir, "audit.jsonl");
        // kill(0, …) from the supervisor's own process group would reach it: refused, and recorded.
        var r = AgentShellRunner.Run(["run", "--audit", audit, "--", Repo.Python, "-c",
            "import os, signal\ntry:\n    os.kill(0, signal.SIGUSR1)\nexcept PermissionError:\n    print('refused')"]);
        Assert.That(r.Stdout, Does.Contain("refused"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule supervisor:protect-self]"));
        var records = File.ReadAllLines(audit).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var refusal = records.Single(x => x.GetProperty("ruleId").GetString() == "supervisor:protect-self");
        Assert.That(refusal.GetProperty("action").GetString(), Is.EqualTo("block"));
        Assert.That(refusal.GetProperty("syscall").GetString(), Is.EqualTo("signal"));
        // The look-alike: a signal to the agent's own child is neither refused nor recorded.
        var ok = AgentShellRunner.Run(["run", "--audit", audit, "--", Repo.Python, "-c",
            "import subprocess, signal\nc = subprocess.Popen(['sleep', '30'])\nc.send_signal(signal.SIGTERM)\nprint(c.wait())"]);
        Assert.That(ok.Stdout.Trim(), Is.EqualTo("-15"), ok.Stderr);
        Assert.That(File.ReadAllLines(audit).Count(l => l.Contains("supervisor:protect-self")), Is.EqualTo(1));
        Directory.Delete(dir, true);
    }

    [Test]
    public void AProfileCanAskForAllowsOfUnparsedToolsToo()
    {
        KernelSetUp.RequireInterception();
        var dir = Directory.CreateTempSubdirectory("agentshell-audit-").FullName;
        var audit = Path.Combine(dir, "audit.jsonl");
        var profile = Path.Combine(dir, "all.json");
        File.WriteAllText(profile, """{ "Description": "test: record everything", "Audit": { "LogAllowsOfUnparsedTools": true } }""");
        var quiet = AgentShellRunner.Run(["run", "--audit", audit, "--", "ls", "/"]);
        Assert.That(quiet.ExitCode, Is.EqualTo(0), quiet.Stderr);
        Assert.That(File.Exists(audit) ? File.ReadAllText(audit) : "", Does.Not.Contain("\"ls\""), "sampled out by default");
        var all = AgentShellRunner.Run(["run", "--profile", profile, "--audit", audit, "--", "ls", "/"]);
        Assert.That(all.ExitCode, Is.EqualTo(0), all.Stderr);
        Assert.That(File.ReadAllText(audit), Does.Contain("\"argv\":[\"ls\",\"/\"]").And.Contain("\"outcome\":\"allowed\""));
        Directory.Delete(dir, true);
    }
}
