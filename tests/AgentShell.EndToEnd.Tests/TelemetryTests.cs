using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Issue 17 end to end: the built agentshell exports decisions, pauses and metrics over
/// OTLP/HTTP to a real receiver on loopback that decodes the protobuf; a receiver that is down or
/// slow changes no decision and no local record; a bad endpoint is a start-up error.</summary>
[TestFixture]
public sealed class TelemetryTests
{
    private const string Secret = "s3cr3t-otlp-token";
    private const string ApiKey = "k-api-key-4711";
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-otel-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private string TelemetryProfile(string endpoint)
    {
        var p = Path.Combine(_dir, "telemetry.json");
        File.WriteAllText(p, $$"""
            { "Description": "test: export to a loopback receiver",
              "Telemetry": { "Otlp": { "Endpoint": "{{endpoint}}", "Headers": { "x-api-key": "{{ApiKey}}" } } } }
            """);
        return p;
    }

    // A python agent: a GET to production (allowed, a parsed tool) and a DELETE carrying a bearer token (blocked).
    private string BlockedDeleteAgent(LoopbackHttpServer prod)
    {
        var curl = Repo.Which("curl");
        var agent = Path.Combine(_dir, "agent.py");
        File.WriteAllText(agent, $$"""
            import subprocess
            subprocess.run(['{{curl}}', '-sS', '-o', '/dev/null', '{{prod.Url("/ok")}}'])
            r = subprocess.run(['{{curl}}', '-sS', '-X', 'DELETE', '-H', 'Authorization: Bearer {{Secret}}', '{{prod.Url("/volumes/1")}}'])
            print('refused' if r.returncode == 126 else 'ran %d' % r.returncode)
            """);
        return agent;
    }

    private static List<string> AuditSummary(string audit) => File.ReadAllLines(audit)
        .Select(l => JsonDocument.Parse(l).RootElement)
        .Select(r => $"{r.GetProperty("outcome").GetString()} {r.GetProperty("ruleId").GetString()}").ToList();

    [Test]
    public void ABlockedCurlDeleteArrivesAsALogRecordWithTheRightAttributesAndTheSecretRedacted()
    {
        KernelSetUp.RequireInterception();
        using var receiver = new OtlpReceiver();
        using var prod = new LoopbackHttpServer("127.0.0.2");
        var profile = TelemetryProfile(receiver.Endpoint);
        var audit = Path.Combine(_dir, "audit.jsonl");
        var r = AgentShellRunner.Run(["run", "--profile", Repo.DemoProfile, "--profile", profile, "--audit", audit, "--", Repo.Python, BlockedDeleteAgent(prod)],
            env: new Dictionary<string, string> { ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=ci,team=platform%20tools" });
        Assert.That(r.Stdout, Does.Contain("refused"), r.Stderr);
        Assert.That(prod.Requests.Count(q => q.Method == "DELETE"), Is.Zero, "the DELETE never left");

        var log = receiver.WaitForLog(l => Equals(l.Attributes.GetValueOrDefault("agentshell.rule_id"), "demo.http:delete-on-production"));
        var a = log.Attributes;
        Assert.That(log.EventName, Is.EqualTo("agentshell.decision"));
        Assert.That(a["agentshell.action"], Is.EqualTo("block"));
        Assert.That(a["agentshell.effect"], Is.EqualTo("delete"));
        Assert.That(a["agentshell.environment"], Is.EqualTo("production"));
        Assert.That(a["agentshell.tool"], Is.EqualTo("curl"));
        Assert.That((long)a["process.pid"], Is.GreaterThan(1));
        var cmd = (string)a["process.command_line"];
        Assert.That(cmd, Does.Contain("DELETE").And.Contain("/volumes/1").And.Contain("***").And.Not.Contain(Secret));
        Assert.That(log.Body, Does.Contain("blocked").And.Contain("demo.http:delete-on-production").And.Not.Contain(Secret));
        var record = File.ReadAllLines(audit).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(x => x.GetProperty("ruleId").GetString() == "demo.http:delete-on-production");
        string runId = record.GetProperty("runId").GetString()!;
        Assert.That(a["agentshell.run_id"], Is.EqualTo(runId));
        Assert.That(a["agentshell.session_id"], Is.EqualTo(runId));
        Assert.That(a.ContainsKey("agentshell.pending_id"), Is.False, "a block was never pending");

        var res = log.Resource;
        Assert.That(res["service.name"], Is.EqualTo("agentshell"));
        Assert.That(res["host.name"], Is.EqualTo(Environment.MachineName));
        Assert.That(res["agentshell.run_id"], Is.EqualTo(runId));
        Assert.That(res["deployment.environment"], Is.EqualTo("ci"));
        Assert.That(res["team"], Is.EqualTo("platform tools"));
        Assert.That((List<object>)res["agentshell.profile.sha256"], Does.Contain(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(profile)))));

        Assert.That(receiver.Headers.All(h => h.GetValueOrDefault("x-api-key") == ApiKey), Is.True, "the profile's headers are sent");
        Assert.That(r.Stderr, Does.Not.Contain(ApiKey), "headers are never printed");
        foreach (var l in receiver.Logs)
            Assert.That(l.Body + string.Join(' ', l.Attributes.Values), Does.Not.Contain(Secret));

        // Metrics: the final flush at the end of the run.
        var decisions = WaitForMetric(receiver, "agentshell.decisions");
        Assert.That(decisions.Kind, Is.EqualTo("sum"));
        var blocked = decisions.Points.Single(p => Equals(p.Attributes["agentshell.action"], "block") && Equals(p.Attributes["agentshell.environment"], "production"));
        Assert.That(blocked.Attributes["agentshell.effect"], Is.EqualTo("delete"));
        Assert.That(blocked.Value, Is.EqualTo(1));
        var latency = WaitForMetric(receiver, "agentshell.decision.latency");
        Assert.That(latency.Kind, Is.EqualTo("histogram"));
        Assert.That(latency.Points.Single().Count, Is.GreaterThanOrEqualTo(2), "one per notification answered (at least the two curl execs)");
        Assert.That(latency.Points.Single().Buckets.Sum(), Is.EqualTo(latency.Points.Single().Count));
        Assert.That(WaitForMetric(receiver, "agentshell.pauses.open").Points.Single().Value, Is.Zero);
    }

    private static OtlpReceiver.Metric WaitForMetric(OtlpReceiver receiver, string name)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (receiver.Metrics.LastOrDefault(m => m.Name == name) is { } m) return m;
            Thread.Sleep(50);
        }
        Assert.Fail($"metric {name} did not arrive; got: {string.Join(", ", receiver.Metrics.Select(m => m.Name).Distinct())}");
        return null!;
    }

    [Test]
    public void APauseArrivesOpenedAndAnswered()
    {
        KernelSetUp.RequireInterception();
        using var receiver = new OtlpReceiver();
        using var staging = new LoopbackHttpServer("127.0.0.3");
        var curl = Repo.Which("curl");
        var profile = TelemetryProfile(receiver.Endpoint);
        var audit = Path.Combine(_dir, "audit.jsonl");
        string id;
        using (var run = new BackgroundRun(["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--profile", profile, "--audit", audit],
            curl, "-sS", "-o", "/dev/null", "-X", "DELETE", staging.Url("/volumes/2")))
        {
            id = run.WaitForPause();
            var opened = receiver.WaitForLog(l => l.EventName == "agentshell.pause.opened");
            Assert.That(opened.Attributes["agentshell.pending_id"], Is.EqualTo(id));
            Assert.That(opened.Attributes["agentshell.action"], Is.EqualTo("pause"));
            Assert.That(opened.Attributes["agentshell.environment"], Is.EqualTo("staging"));
            Assert.That((string)opened.Attributes["process.command_line"], Does.Contain("DELETE"));
            Thread.Sleep(300);
            var approve = run.Client("approve", id);
            Assert.That(approve.ExitCode, Is.EqualTo(0), approve.Stderr);
            Assert.That(run.WaitForExit(), Is.EqualTo(0), run.Stderr);
        }
        var answered = receiver.WaitForLog(l => l.EventName == "agentshell.pause.answered");
        Assert.That(answered.Attributes["agentshell.pending_id"], Is.EqualTo(id));
        Assert.That(answered.Attributes["agentshell.outcome"], Is.EqualTo("approved"));
        Assert.That((string)answered.Attributes["agentshell.answered_by"], Does.Contain("pid"));
        Assert.That((long)answered.Attributes["agentshell.wait_ms"], Is.GreaterThanOrEqualTo(300));
        // The audit record of the answered pause is exported too, with its pending id.
        var decision = receiver.WaitForLog(l => l.EventName == "agentshell.decision" && Equals(l.Attributes.GetValueOrDefault("agentshell.pending_id"), id));
        Assert.That(decision.Attributes["agentshell.outcome"], Is.EqualTo("approved"));
        Assert.That(AuditSummary(audit), Does.Contain("approved test.pause:destructive-on-staging"));
        var wait = WaitForMetric(receiver, "agentshell.pause.wait");
        Assert.That(wait.Points.Single(p => Equals(p.Attributes["agentshell.outcome"], "approved")).Count, Is.EqualTo(1));
        Assert.That(wait.Unit, Is.EqualTo("ms"));
    }

    [Test]
    public void AReceiverThatIsDownOrSlowChangesNoDecisionAndNoLocalRecord()
    {
        KernelSetUp.RequireInterception();
        using var prod = new LoopbackHttpServer("127.0.0.2");
        var agent = BlockedDeleteAgent(prod);
        AgentShellRunner.Result Run(string? endpoint, string audit)
        {
            var args = new List<string> { "run", "--profile", Repo.DemoProfile, "--audit", audit };
            if (endpoint != null) args.AddRange(["--profile", TelemetryProfile(endpoint)]);
            return AgentShellRunner.Run([.. args, "--", Repo.Python, agent]);
        }
        var off = Run(null, Path.Combine(_dir, "off.jsonl"));
        Assert.That(off.Stdout, Does.Contain("refused"), off.Stderr);
        var expected = AuditSummary(Path.Combine(_dir, "off.jsonl"));
        Assert.That(expected, Is.EqualTo(new[] { "allowed default.any:allow", "blocked demo.http:delete-on-production" }));

        // Down: nothing listens on the port.
        int closed;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closed = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var down = Run($"http://127.0.0.1:{closed}", Path.Combine(_dir, "down.jsonl"));
        Assert.That(down.ExitCode, Is.EqualTo(off.ExitCode), down.Stderr);
        Assert.That(down.Stdout, Is.EqualTo(off.Stdout));
        Assert.That(AuditSummary(Path.Combine(_dir, "down.jsonl")), Is.EqualTo(expected));
        Assert.That(down.Stderr.Split('\n').Count(l => l.Contains("telemetry export to")), Is.EqualTo(1), "reported once: " + down.Stderr);
        Assert.That(down.Stderr, Does.Contain("the local audit log are not affected").And.Not.Contain(ApiKey));

        // Slow: every answer takes 8 s, longer than the whole run.
        using var slow = new OtlpReceiver { Delay = TimeSpan.FromSeconds(8) };
        var sw = Stopwatch.StartNew();
        var late = Run(slow.Endpoint, Path.Combine(_dir, "slow.jsonl"));
        sw.Stop();
        Assert.That(late.ExitCode, Is.EqualTo(off.ExitCode), late.Stderr);
        Assert.That(late.Stdout, Is.EqualTo(off.Stdout));
        Assert.That(AuditSummary(Path.Combine(_dir, "slow.jsonl")), Is.EqualTo(expected));
        // The end of the run waits for the export at most the final-flush bound (3 s), not for the receiver.
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(7.5)), late.Stderr);
    }

    [Test]
    public void ABadEndpointUrlIsAClearStartUpError()
    {
        var marker = Path.Combine(_dir, "ran");
        var bad = AgentShellRunner.Run(["run", "--", "touch", marker],
            env: new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "collector:4318" });
        Assert.That(bad.ExitCode, Is.EqualTo(2), bad.Stderr);
        Assert.That(bad.Stderr, Does.Contain("agentshell: telemetry: OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' is not an OTLP/HTTP endpoint")
            .And.Contain("nothing was run"));
        var grpc = AgentShellRunner.Run(["run", "--", "touch", marker],
            env: new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317", ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc" });
        Assert.That(grpc.ExitCode, Is.EqualTo(2), grpc.Stderr);
        Assert.That(grpc.Stderr, Does.Contain("OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported"));
        var profile = Path.Combine(_dir, "bad.json");
        File.WriteAllText(profile, """
            { "Description": "test: a bad endpoint",
              "Telemetry": { "Otlp": { "Endpoint": "https://user:hunter2@collector:4318" } } }
            """);
        var fromProfile = AgentShellRunner.Run(["run", "--profile", profile, "--", "touch", marker]);
        Assert.That(fromProfile.ExitCode, Is.EqualTo(2), fromProfile.Stderr);
        Assert.That(fromProfile.Stderr, Does.Contain("bad.json:2:40: Telemetry.Otlp.Endpoint: ").And.Contain("must not carry user:password").And.Not.Contain("hunter2"));
        Assert.That(File.Exists(marker), Is.False, "nothing ran");
        // The look-alike: a good endpoint starts the run (nothing listens; the command still runs).
        // The audit log in a directory of its own: its directory is read-only inside the tree.
        var auditDir = Directory.CreateDirectory(Path.Combine(_dir, "audit")).FullName;
        var good = AgentShellRunner.Run(["run", "--audit", Path.Combine(auditDir, "a.jsonl"), "--", "touch", marker],
            env: new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" });
        Assert.That(good.ExitCode, Is.EqualTo(0), good.Stderr);
        Assert.That(File.Exists(marker), Is.True);
    }

    [Test]
    public void DoctorShowsALiveExportersStateAndRefusesABadConfiguration()
    {
        KernelSetUp.RequireInterception();
        using var staging = new LoopbackHttpServer("127.0.0.3");
        int closed;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closed = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        using (var run = new BackgroundRun(["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--profile", TelemetryProfile($"http://127.0.0.1:{closed}"),
            "--audit", Path.Combine(_dir, "audit.jsonl")], Repo.Which("curl"), "-sS", "-o", "/dev/null", "-X", "DELETE", staging.Url("/volumes/2")))
        {
            string id = run.WaitForPause();
            run.WaitForStderr("telemetry export to");
            var doctor = AgentShellRunner.Run(["doctor"]);
            var line = doctor.Stdout.Split('\n').Single(l => l.StartsWith("note  telemetry ", StringComparison.Ordinal));
            Assert.That(line, Does.Contain($"-> http://127.0.0.1:{closed}/v1/logs: last success never, last failure ").And.Contain("0 exported, 1 failed, 0 dropped")
                .And.Not.Contain(ApiKey), doctor.Stdout);
            run.Client("deny", id);
            run.WaitForExit();
        }
        var bad = AgentShellRunner.Run(["doctor"], env: new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc", ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://c:4317" });
        Assert.That(bad.ExitCode, Is.EqualTo(1), bad.Stdout);
        Assert.That(bad.Stdout, Does.Contain("FAIL  telemetry       run would refuse to start: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported"));
    }
}
