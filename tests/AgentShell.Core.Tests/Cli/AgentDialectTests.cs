using System.Text.Json;
using AgentShell.Cli.Hooks;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Tests.Cli;

/// <summary>Each agent's hook format: which calls are shell commands, what is read from them, and how
/// each verdict is spelled (the end-to-end HookTests run the built binary on the same formats).</summary>
public class AgentDialectTests
{
    private static JsonElement Json(string s) => JsonDocument.Parse(s.Replace('\'', '"')).RootElement;
    private static AgentDialect D(string name) => AgentDialect.Find(name)!;

    [Test]
    public void EveryDocumentedAgentHasADialect() =>
        Assert.That(AgentDialect.All.Select(d => d.Name), Is.EquivalentTo(new[] { "claude-code", "codex", "gemini", "cursor" }));

    [Test]
    public void ClaudeCodeReadsTheBashCommandAndItsWorkingDirectory()
    {
        var c = D("claude-code").Parse(Json("{'hook_event_name':'PreToolUse','tool_name':'Bash','tool_input':{'command':'ls -la'},'cwd':'/srv/app'}"));
        Assert.That((c?.Script, c?.WorkingDirectory), Is.EqualTo(("ls -la", "/srv/app")));
    }

    [TestCase("{'hook_event_name':'PreToolUse','tool_name':'Write','tool_input':{'file_path':'/x'}}")]
    [TestCase("{'hook_event_name':'PostToolUse','tool_name':'Bash','tool_input':{'command':'rm -rf /'}}")] // already ran: not ours
    [TestCase("{'tool_name':'mcp__db__query','tool_input':{'sql':'DROP TABLE t'}}")]
    public void ClaudeCodeLeavesOtherToolsAndEventsAlone(string input) =>
        Assert.That(D("claude-code").Parse(Json(input)), Is.Null);

    [TestCase("{'tool_input':{'command':'ls'}}")]                         // no tool name
    [TestCase("{'tool_name':'Bash'}")]                                    // no input
    [TestCase("{'tool_name':'Bash','tool_input':{'command':[]}}")]        // empty argv
    [TestCase("{'tool_name':'Bash','tool_input':{'command':['ls',1]}}")]  // not all strings
    [TestCase("{'tool_name':'Bash','tool_input':'ls'}")]
    [TestCase("{'tool_name':7,'tool_input':{'command':'ls'}}")]
    public void MalformedShellCallsAreErrorsNotPassThroughs(string input) =>
        Assert.Throws<HookInputException>(() => D("claude-code").Parse(Json(input)));

    [Test]
    public void CodexMayGiveTheCommandAsAnArgv()
    {
        var c = D("codex").Parse(Json("{'hook_event_name':'PreToolUse','tool_name':'Bash','tool_input':{'command':['bash','-lc','curl -X DELETE https://x']},'cwd':'/w'}"));
        Assert.That(c?.Argv, Is.EqualTo(new[] { "bash", "-lc", "curl -X DELETE https://x" }));
        Assert.That(c?.Script, Is.Null);
    }

    [Test]
    public void GeminiRunsTheCommandInItsDirPathUnderTheSessionDirectory()
    {
        var c = D("gemini").Parse(Json("{'hook_event_name':'BeforeTool','cwd':'/srv/app','tool_name':'run_shell_command','tool_input':{'command':'make','dir_path':'sub'}}"));
        Assert.That((c?.Script, c?.WorkingDirectory), Is.EqualTo(("make", "/srv/app/sub")));
        Assert.That(D("gemini").Parse(Json("{'hook_event_name':'BeforeTool','tool_name':'read_file','tool_input':{}}")), Is.Null);
    }

    [Test]
    public void CursorReadsTheCommandOfBeforeShellExecutionOnly()
    {
        var c = D("cursor").Parse(Json("{'hook_event_name':'beforeShellExecution','command':'npm test','cwd':'/p','workspace_roots':['/p']}"));
        Assert.That((c?.Script, c?.WorkingDirectory), Is.EqualTo(("npm test", "/p")));
        Assert.That(D("cursor").Parse(Json("{'hook_event_name':'beforeReadFile','file_path':'/p/.env'}")), Is.Null);
        Assert.Throws<HookInputException>(() => D("cursor").Parse(Json("{'hook_event_name':'beforeShellExecution','cwd':'/p'}")));
    }

    [TestCase("claude-code", PolicyAction.Block, "deny")]
    [TestCase("claude-code", PolicyAction.Pause, "ask")]
    [TestCase("codex", PolicyAction.Block, "deny")]
    [TestCase("codex", PolicyAction.Pause, "deny")]   // Codex runs the call on "ask": refuse instead
    public void PreToolUseAgentsSpellTheDecisionInHookSpecificOutput(string agent, PolicyAction action, string decision)
    {
        var a = D(agent).Answer(new HookVerdict(action, "agentshell: why"));
        Assert.That(a.ExitCode, Is.Zero);
        var o = Json(a.Stdout).GetProperty("hookSpecificOutput");
        Assert.That(o.GetProperty("hookEventName").GetString(), Is.EqualTo("PreToolUse"));
        Assert.That(o.GetProperty("permissionDecision").GetString(), Is.EqualTo(decision));
        Assert.That(o.GetProperty("permissionDecisionReason").GetString(), Does.StartWith("agentshell: why"));
    }

    [TestCase("claude-code", "")]
    [TestCase("codex", "")]              // Codex rejects an explicit allow as unsupported
    [TestCase("gemini", "{}")]
    [TestCase("cursor", "{\"permission\":\"allow\"}")]
    public void AnAllowIsSpelledAsEachAgentExpects(string agent, string stdout) =>
        Assert.That(D(agent).Answer(new HookVerdict(PolicyAction.Allow, "agentshell: allowed")), Is.EqualTo(new HookAnswer(stdout)));

    [Test]
    public void GeminiAndCursorRefuseInTheirOwnFields()
    {
        var g = Json(D("gemini").Answer(new HookVerdict(PolicyAction.Pause, "agentshell: hold")).Stdout);
        Assert.That(g.GetProperty("decision").GetString(), Is.EqualTo("deny"));
        Assert.That(g.GetProperty("reason").GetString(), Does.Contain("agentshell: hold").And.Contain("cannot ask"));
        var c = Json(D("cursor").Answer(new HookVerdict(PolicyAction.Block, "agentshell: no")).Stdout);
        Assert.That((c.GetProperty("permission").GetString(), c.GetProperty("agent_message").GetString()), Is.EqualTo(("deny", "agentshell: no")));
    }
}
