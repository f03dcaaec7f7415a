using System.Diagnostics;
using System.Text.Json;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Audit;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`agentshell log` run for real (the built bin/agentshell) over a file written by <see cref="AuditLog"/>.</summary>
[TestFixture]
[NonParallelizable]
public sealed class AuditLogCliTests
{
    private static string Cli => Repo.AgentShell;
    private string _dir = "";
    private string _file = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-log-").FullName;
        _file = Path.Combine(_dir, "audit.jsonl");
        using var log = new AuditLog(_file);
        log.Append(Record("run-a", AuditAction.Block, AuditOutcome.Blocked, ["psql", "postgresql://app:SECRET1@db.prod/x", "-c", "DROP TABLE t"]), parsedTool: true);
        log.Append(Record("run-a", AuditAction.Allow, AuditOutcome.Allowed, ["curl", "-H", "Authorization: Bearer SECRET2xyz", "https://api.x.io"]), parsedTool: true);
        log.Append(Record("run-b", AuditAction.Pause, AuditOutcome.Denied, ["kubectl", "delete", "ns", "prod"]), parsedTool: true);
        File.AppendAllText(_file, "{not json\n");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static AuditRecord Record(string run, string action, string outcome, string[] argv) => new()
    {
        Time = DateTimeOffset.UtcNow, RunId = run, Syscall = AuditSyscall.Execve, Pid = 7, Argv = argv,
        Tool = argv[0], RuleId = $"rule-{action}", Environment = "production", Action = action, Outcome = outcome,
    };

    [Test]
    public void JsonPrintsTheStoredLinesWithoutSecretsAndCountsMalformed()
    {
        var r = RunProcess(Cli, ["log", "--file", _file, "--json"]);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.Zero, r.Stderr);
            Assert.That(lines, Has.Length.EqualTo(3));
            Assert.That(lines.Select(l => AuditJson.TryParse(l, out _, out _)), Is.All.True);
            Assert.That(r.Stdout, Does.Not.Contain("SECRET"));
            Assert.That(r.Stderr, Does.Contain("skipped 1 malformed line"));
        });
    }

    [Test]
    public void TableShowsRuleOutcomeAndCommand()
    {
        var r = RunProcess(Cli, ["log", "--file", _file]);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.Zero, r.Stderr);
            Assert.That(lines[0], Does.StartWith("TIME"));
            Assert.That(lines, Has.Length.EqualTo(4));
            Assert.That(lines[1], Does.Contain("blocked").And.Contain("rule-block").And.Contain("DROP TABLE t"));
            Assert.That(lines[3], Does.Contain("denied").And.Contain("kubectl delete ns prod"));
            Assert.That(r.Stdout, Does.Not.Contain("SECRET"));
        });
    }

    [TestCase("--action", "block", "rule-block")]
    [TestCase("--outcome", "denied", "rule-pause")]
    [TestCase("--run", "run-b", "rule-pause")]
    public void FiltersSelectRecords(string option, string value, string onlyRule)
    {
        var r = RunProcess(Cli, ["log", "--file", _file, "--json", option, value]);
        var rules = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("ruleId").GetString());
        Assert.That(rules, Is.EqualTo(new[] { onlyRule }));
    }

    [Test]
    public void SinceLeavesOutOlderRecords()
    {
        File.AppendAllText(_file, "{\"v\":1,\"time\":\"2020-01-01T00:00:00Z\",\"ruleId\":\"old\",\"action\":\"block\",\"outcome\":\"blocked\"}\n");
        var all = RunProcess(Cli, ["log", "--file", _file, "--json"]);
        var recent = RunProcess(Cli, ["log", "--file", _file, "--json", "--since", "1h"]);
        Assert.That(all.Stdout, Does.Contain("\"old\""));
        Assert.That(recent.Stdout, Does.Not.Contain("\"old\""));
    }

    [TestCase("--since", "yesterday")]
    [TestCase("--action", "approve")]
    [TestCase("--outcome", "maybe")]
    [TestCase("--no-such-option", "x")]
    public void UsageErrorsExit2(string option, string value)
    {
        var r = RunProcess(Cli, ["log", "--file", _file, option, value]);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stdout, Is.Empty);
    }

    [Test]
    public void MissingFileExits1AndSaysWhereItLooked()
    {
        string missing = Path.Combine(_dir, "none.jsonl");
        var r = RunProcess(Cli, ["log", "--file", missing]);
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain(missing));
    }

    [Test]
    public void FollowPrintsNewRecordsAndStopsOnASignal()
    {
        var psi = new ProcessStartInfo(Cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "log", "--file", _file, "--follow", "--run", "run-c" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        // The header comes after the existing lines were read: what is appended now is seen by following.
        var header = p.StandardOutput.ReadLineAsync();
        Assert.That(header.Wait(TimeSpan.FromSeconds(15)) && header.Result!.StartsWith("TIME", StringComparison.Ordinal), Is.True, "no header");
        using (var log = new AuditLog(_file))
            log.Append(Record("run-c", AuditAction.Block, AuditOutcome.Blocked, ["rm", "-rf", "/srv/data"]), parsedTool: true);
        var first = p.StandardOutput.ReadLineAsync();
        bool arrived = first.Wait(TimeSpan.FromSeconds(15));
        Interop.Process.kill(p.Id, 2);    // SIGINT, as Ctrl-C
        bool exited = p.WaitForExit(10_000);
        if (!exited) p.Kill();
        Assert.Multiple(() =>
        {
            Assert.That(arrived, Is.True, "no line within 15 s");
            Assert.That(first.Result, Does.Contain("/srv/data"));
            Assert.That(exited, Is.True, "log --follow did not stop on SIGINT");
            Assert.That(p.ExitCode, Is.Zero);
            Assert.That(stderr.Result, Does.Contain("skipped 1 malformed line"));
        });
    }

    private sealed record Result(int ExitCode, string Stdout, string Stderr);

    private static Result RunProcess(string file, string[] args, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
