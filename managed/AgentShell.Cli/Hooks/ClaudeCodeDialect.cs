using System.Text.Json;
using AgentShell.Core.Policy;

namespace AgentShell.Cli.Hooks;

/// <summary>Claude Code's <c>PreToolUse</c> hook (settings.json <c>hooks.PreToolUse</c>, matcher
/// <c>Bash</c>): input <c>{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":…},"cwd":…}</c>;
/// answer <c>hookSpecificOutput.permissionDecision</c> deny or ask with a reason, or nothing for an
/// allow (Claude Code's own permission rules then apply as usual).</summary>
internal sealed class ClaudeCodeDialect : AgentDialect
{
    internal override string Name => "claude-code";

    internal override HookCall? Parse(JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object) throw new HookInputException("the hook input is not a JSON object");
        string? evt = OptionalString(input, "hook_event_name");
        if (evt != null && evt != "PreToolUse") return null; // wired to another event: not ours to answer
        string tool = OptionalString(input, "tool_name") ?? throw new HookInputException("the hook input has no 'tool_name'");
        if (tool != "Bash") return null;
        if (!input.TryGetProperty("tool_input", out var ti)) throw new HookInputException("the Bash call has no 'tool_input'");
        return Command(ti, "command", OptionalString(input, "cwd"));
    }

    internal override HookAnswer Answer(HookVerdict v) => v.Action switch
    {
        PolicyAction.Allow => new(""),
        PolicyAction.Pause => new(PreToolUse("ask", v.Reason)),
        _ => new(PreToolUse("deny", v.Reason)),
    };
}
