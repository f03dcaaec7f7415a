using System.Text.Json;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`agentshell hook AGENT`: the agent's hook JSON in on stdin, its answer out on stdout,
/// through the built binary. Always exit 0 with the decision in JSON (the channel every agent
/// documents); a refusal for anything the hook cannot decide.</summary>
[TestFixture]
public sealed class HookTests
{
    private const string Token = "ghp_S3cretT0kenValue12345";
    private const string Delete = "curl -X DELETE https://backboard.railway.app/volumes/1";
    private const string Pause = "psql -h db.example.net -c 'DROP TABLE t'";
    private const string Allowed = "curl https://backboard.railway.app/volumes/1";

    private static string ClaudeInput(string command, string tool = "Bash") => JsonSerializerLike(new()
    {
        ["session_id"] = "s-1", ["transcript_path"] = "/tmp/t.jsonl", ["cwd"] = Path.GetTempPath(), ["permission_mode"] = "default",
        ["hook_event_name"] = "PreToolUse", ["tool_name"] = tool, ["tool_use_id"] = "toolu_1",
        ["tool_input"] = tool == "Bash" ? new Dictionary<string, object> { ["command"] = command, ["description"] = "d" } : new Dictionary<string, object> { ["file_path"] = command },
    });

    // System.Text.Json reflection is fine in the test host; the helper keeps inputs readable.
    private static string JsonSerializerLike(Dictionary<string, object> o) => JsonSerializer.Serialize(o);

    private static AgentShellRunner.Result Hook(string agent, string input, params string[] more) =>
        AgentShellRunner.Run(new[] { "hook", agent, "--profile", Repo.DemoProfile }.Concat(more), stdin: input);

    private static JsonElement Decision(AgentShellRunner.Result r)
    {
        Assert.That(r.ExitCode, Is.EqualTo(0), "a hook answers with exit 0 and JSON: " + r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("hookSpecificOutput");
    }

    [Test]
    public void ClaudeCodeDeniesADeleteToProductionWithTheRuleAndWhyItIsProduction()
    {
        var o = Decision(Hook("claude-code", ClaudeInput(Delete)));
        Assert.That(o.GetProperty("hookEventName").GetString(), Is.EqualTo("PreToolUse"));
        Assert.That(o.GetProperty("permissionDecision").GetString(), Is.EqualTo("deny"));
        Assert.That(o.GetProperty("permissionDecisionReason").GetString(), Does.Contain("[rule demo.http:delete-on-production]")
            .And.Contain("production because host backboard.railway.app in demo.json").And.Contain("ask a person to run it"));
    }

    [Test]
    public void ClaudeCodeAsksAPersonAboutWhatAPauseRuleHolds()
    {
        var o = Decision(Hook("claude-code", ClaudeInput(Pause)));
        Assert.That(o.GetProperty("permissionDecision").GetString(), Is.EqualTo("ask"));
        Assert.That(o.GetProperty("permissionDecisionReason").GetString(), Does.Contain("[rule default.any:destructive-on-unknown]"));
    }

    [Test]
    public void ClaudeCodeAllowIsNoOutputSoItsOwnPermissionRulesStillApply()
    {
        var r = Hook("claude-code", ClaudeInput(Allowed));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Is.Empty);
    }

    [Test]
    public void AnotherToolPassesThroughWithoutADecision()
    {
        var r = Hook("claude-code", ClaudeInput("/etc/passwd", tool: "Read"));
        Assert.That((r.ExitCode, r.Stdout), Is.EqualTo((0, "")), r.Stderr);
    }

    [TestCase("{\"tool_name\":\"Bash\",")]                         // truncated
    [TestCase("not json at all")]
    [TestCase("[\"Bash\"]")]                                       // not an object
    [TestCase("{\"tool_name\":\"Bash\",\"tool_input\":{}}")]        // no command
    [TestCase("{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":42}}")]
    [TestCase("")]                                                 // nothing on stdin
    [TestCase("{\"tool_name\":\"Read\",\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"curl -X DELETE https://backboard.railway.app/v\"}}")] // a key twice
    public void MalformedInputIsDeniedWithTheErrorNeverAllowed(string input)
    {
        var o = Decision(Hook("claude-code", input));
        Assert.That(o.GetProperty("permissionDecision").GetString(), Is.EqualTo("deny"));
        Assert.That(o.GetProperty("permissionDecisionReason").GetString(), Does.Contain("invalid claude-code hook input"));
    }

    [Test]
    public void AHookThatCannotDecideInTimeDeniesBeforeTheAgentGivesUpOnIt()
    {
        // stdin left open: the hook never gets its whole input, as if deciding hung.
        var psi = new System.Diagnostics.ProcessStartInfo(Repo.AgentShell, ["hook", "claude-code", "--timeout", "1", "--profile", Repo.DemoProfile])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardInput.Write("{\"tool_name\":\"Bash\",");
        p.StandardInput.Flush();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(20_000), Is.True);
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(p.ExitCode, Is.EqualTo(0), p.StandardError.ReadToEnd());
        var o = JsonDocument.Parse(stdout).RootElement.GetProperty("hookSpecificOutput");
        Assert.That(o.GetProperty("permissionDecision").GetString(), Is.EqualTo("deny"));
        Assert.That(o.GetProperty("permissionDecisionReason").GetString(), Does.Contain("no decision after 1 s"));
        p.StandardInput.Close();
    }

    [Test]
    public void AProfileErrorDeniesEvenAHarmlessCommand()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"agentshell-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(bad, """{ "Rulez": [] }""");
        try
        {
            var o = Decision(AgentShellRunner.Run(["hook", "claude-code", "--profile", bad], stdin: ClaudeInput("ls")));
            Assert.That(o.GetProperty("permissionDecision").GetString(), Is.EqualTo("deny"));
            Assert.That(o.GetProperty("permissionDecisionReason").GetString(), Does.Contain("invalid profile").And.Contain("Rulez"));
        }
        finally { File.Delete(bad); }
    }

    [Test]
    public void AnUnknownAgentExitsTwoWithTheReasonOnStderrWhichAgentsTreatAsABlock()
    {
        var r = AgentShellRunner.Run(["hook", "claude", "--profile", Repo.DemoProfile], stdin: ClaudeInput(Allowed));
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stderr, Does.Contain("unknown agent 'claude'").And.Contain("claude-code"));
    }

    [Test]
    public void AiderHasNoHookAndIsToldToRunUnderTheKernelGuard()
    {
        var r = AgentShellRunner.Run(["hook", "aider"], stdin: "{}");
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stdout, Is.Empty);
        Assert.That(r.Stderr.TrimEnd(), Does.Not.Contain("\n"), "one line");
        Assert.That(r.Stderr, Does.Contain("unknown agent 'aider'").And.Contain("agentshell run -- aider"));
    }

    /// <summary>The hook's verdict is check --shell's, case by case (exit 0 allow, 3 pause, 4 block).</summary>
    [TestCase(Delete)]
    [TestCase(Pause)]
    [TestCase(Allowed)]
    [TestCase("echo 'DROP TABLE x' && curl -X DELETE http://127.0.0.2:8080/v/1; kubectl get pods")]
    [TestCase("bash -c \"curl -XDELETE https://backboard.railway.app/v/2\"")]
    [TestCase("echo 'DELETE FROM users' | psql -h db.example.net")]
    [TestCase("git status && ls -la")]
    public void TheHookDecidesExactlyAsCheckShellDoes(string command)
    {
        var check = AgentShellRunner.Run(["check", "--profile", Repo.DemoProfile, "--shell", command]);
        string expected = check.ExitCode switch { 0 => "", 3 => "ask", 4 => "deny", _ => throw new AssertionException($"check exited {check.ExitCode}: {check.Stderr}") };
        var r = Hook("claude-code", ClaudeInput(command));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        string got = r.Stdout.Length == 0 ? "" : JsonDocument.Parse(r.Stdout).RootElement.GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString()!;
        Assert.That(got, Is.EqualTo(expected), check.Stdout);
    }

    [Test]
    public void ASecretInTheCommandNeverAppearsInTheAnswer()
    {
        var r = Hook("claude-code", ClaudeInput($"curl -H 'Authorization: Bearer {Token}' -X DELETE https://admin:hunter2pw@backboard.railway.app/v/1"));
        Assert.That(Decision(r).GetProperty("permissionDecision").GetString(), Is.EqualTo("deny"));
        Assert.That(r.Stdout + r.Stderr, Does.Not.Contain(Token).And.Not.Contain("hunter2pw"));
    }

    [Test]
    public void CodexCannotAskSoAPauseIsDeniedAndAnAllowIsSilent()
    {
        string Input(string c) => JsonSerializerLike(new() { ["session_id"] = "s", ["turn_id"] = "t", ["hook_event_name"] = "PreToolUse", ["tool_name"] = "Bash", ["tool_use_id"] = "c1", ["cwd"] = "/tmp", ["tool_input"] = new Dictionary<string, object> { ["command"] = c } });
        var pause = Decision(Hook("codex", Input(Pause)));
        Assert.That(pause.GetProperty("permissionDecision").GetString(), Is.EqualTo("deny"));
        Assert.That(pause.GetProperty("permissionDecisionReason").GetString(), Does.Contain("needs a person's approval").And.Contain("cannot ask"));
        Assert.That(Decision(Hook("codex", Input(Delete))).GetProperty("permissionDecision").GetString(), Is.EqualTo("deny"));
        var allow = Hook("codex", Input(Allowed));
        Assert.That((allow.ExitCode, allow.Stdout), Is.EqualTo((0, "")));
    }

    [Test]
    public void GeminiBeforeToolDeniesWithAReasonAndAllowsWithAnEmptyObject()
    {
        string Input(string c) => JsonSerializerLike(new() { ["session_id"] = "s", ["cwd"] = "/tmp", ["hook_event_name"] = "BeforeTool", ["timestamp"] = "2026-12-04T00:00:00Z", ["tool_name"] = "run_shell_command", ["tool_input"] = new Dictionary<string, object> { ["command"] = c, ["description"] = "d" } });
        foreach (var c in new[] { Delete, Pause })
        {
            var r = Hook("gemini", Input(c));
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
            var o = JsonDocument.Parse(r.Stdout).RootElement;
            Assert.That(o.GetProperty("decision").GetString(), Is.EqualTo("deny"), c);
            Assert.That(o.GetProperty("reason").GetString(), Does.StartWith("agentshell: "));
        }
        var allow = Hook("gemini", Input(Allowed));
        Assert.That((allow.ExitCode, allow.Stdout.Trim()), Is.EqualTo((0, "{}")));
        var other = Hook("gemini", JsonSerializerLike(new() { ["hook_event_name"] = "BeforeTool", ["tool_name"] = "read_file", ["tool_input"] = new Dictionary<string, object> { ["path"] = "x" } }));
        Assert.That((other.ExitCode, other.Stdout.Trim()), Is.EqualTo((0, "{}")));
    }

    [TestCase(Delete, "deny")]
    [TestCase(Pause, "ask")]
    [TestCase(Allowed, "allow")]
    public void CursorBeforeShellExecutionAnswersWithPermission(string command, string permission)
    {
        var input = JsonSerializerLike(new() { ["hook_event_name"] = "beforeShellExecution", ["conversation_id"] = "c", ["generation_id"] = "g", ["workspace_roots"] = new[] { "/tmp" }, ["command"] = command, ["cwd"] = "/tmp" });
        var r = Hook("cursor", input);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        var o = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.That(o.GetProperty("permission").GetString(), Is.EqualTo(permission));
        if (permission != "allow") Assert.That(o.GetProperty("agent_message").GetString(), Does.StartWith("agentshell: "));
    }
}
