using System.Text.Json;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`check` and `pending` print what the audit log would record: a Bearer token and a URL
/// password never appear, in text or JSON, and pending's argv is the audit record's argv.</summary>
[TestFixture]
public sealed class RedactionTests
{
    private const string Token = "ghp_S3cretT0kenValue12345";
    private const string Password = "hunter2-Pa55";

    private static void AssertRedacted(string output)
    {
        Assert.That(output, Does.Not.Contain(Token).And.Not.Contain(Password));
        Assert.That(output, Does.Contain("Bearer ***").And.Contain("admin:***@"));
    }

    [Test]
    public void CheckRedactsABearerTokenAndAUrlPasswordInTextAndJson()
    {
        string[] argv = ["curl", "-H", $"Authorization: Bearer {Token}", "-X", "DELETE", $"http://admin:{Password}@127.0.0.2:8080/v/1"];
        var text = AgentShellRunner.Run(new[] { "check", "--profile", Repo.DemoProfile, "--" }.Concat(argv));
        Assert.That(text.ExitCode, Is.EqualTo(4), text.Stderr);
        AssertRedacted(text.Stdout);
        var json = AgentShellRunner.Run(new[] { "check", "--profile", Repo.DemoProfile, "--json", "--" }.Concat(argv));
        AssertRedacted(json.Stdout);
        Assert.That(JsonDocument.Parse(json.Stdout).RootElement.GetProperty("verdict").GetString(), Is.EqualTo("block"));
    }

    [Test]
    public void CheckShellRedactsTheStringAndEachCommand()
    {
        var r = AgentShellRunner.Run(["check", "--profile", Repo.DemoProfile, "--shell",
            $"curl -H 'Authorization: Bearer {Token}' -X DELETE http://admin:{Password}@127.0.0.2:8080/v/1 && echo done"]);
        Assert.That(r.ExitCode, Is.EqualTo(4), r.Stderr);
        AssertRedacted(r.Stdout);
    }

    [Test]
    public void PendingRedactsAsTheAuditLogDoes()
    {
        KernelSetUp.RequireInterception();
        using var staging = new LoopbackHttpServer("127.0.0.3");
        var audit = Path.Combine(Path.GetTempPath(), $"agentshell-audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            var curl = Repo.Which("curl");
            using var run = new BackgroundRun(["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--pause-timeout", "60", "--audit", audit],
                curl, "-sS", "-o", "/dev/null", "-H", $"Authorization: Bearer {Token}", "-X", "DELETE", $"http://admin:{Password}@127.0.0.3:{staging.Port}/volumes/9");
            string id = run.WaitForPause();

            var text = run.Client("pending");
            Assert.That(text.ExitCode, Is.EqualTo(0), text.Stderr);
            AssertRedacted(text.Stdout);
            Assert.That(text.Stdout, Does.Contain("(staging because host 127.0.0.3 in pause.json)"));
            var json = run.Client("pending", "--json");
            AssertRedacted(json.Stdout);
            var item = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
            var pendingArgv = item.GetProperty("argv").EnumerateArray().Select(e => e.GetString()).ToArray();

            Assert.That(run.Client("deny", id).ExitCode, Is.EqualTo(0));
            run.WaitForExit();
            var record = File.ReadLines(audit).Select(l => JsonDocument.Parse(l).RootElement)
                .Single(r => r.GetProperty("outcome").GetString() == "denied");
            var auditArgv = record.GetProperty("argv").EnumerateArray().Select(e => e.GetString()).ToArray();
            Assert.That(pendingArgv, Is.EqualTo(auditArgv), "one redactor: pending shows what the audit log records");
            Assert.That(staging.Requests, Is.Empty);
        }
        finally { File.Delete(audit); }
    }
}
