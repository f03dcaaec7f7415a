using System.Text.Json;
using AgentShell.Core.Policy;

namespace AgentShell.Cli.Hooks;

/// <summary>Codex's <c>PreToolUse</c> hook (<c>~/.codex/hooks.json</c>, matcher <c>Bash</c>): the
/// Claude Code input shape (shell calls are <c>tool_name</c> "Bash" with <c>tool_input.command</c>,
/// a string or an argv). Codex accepts only <c>deny</c>: an <c>allow</c> or <c>ask</c> decision
/// fails the hook and the call runs. So an allow prints nothing and a pause is refused with why.</summary>
internal sealed class CodexDialect : AgentDialect
{
    internal override string Name => "codex";

    internal override HookCall? Parse(JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object) throw new HookInputException("the hook input is not a JSON object");
        string? evt = OptionalString(input, "hook_event_name");
        if (evt != null && evt != "PreToolUse") return null;
        string tool = OptionalString(input, "tool_name") ?? throw new HookInputException("the hook input has no 'tool_name'");
        if (tool is not ("Bash" or "shell" or "local_shell" or "exec_command")) return null;
        if (!input.TryGetProperty("tool_input", out var ti)) throw new HookInputException("the shell call has no 'tool_input'");
        return Command(ti, "command", OptionalString(input, "cwd"));
    }

    internal override HookAnswer Answer(HookVerdict v) => v.Action switch
    {
        PolicyAction.Allow => new(""),
        PolicyAction.Pause => new(PreToolUse("deny", CannotAsk(v.Reason))),
        _ => new(PreToolUse("deny", v.Reason)),
    };
}
