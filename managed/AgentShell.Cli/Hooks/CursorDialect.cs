using System.Text.Json;
using AgentShell.Core.Policy;

namespace AgentShell.Cli.Hooks;

/// <summary>Cursor's <c>beforeShellExecution</c> hook (<c>hooks.json</c>): input
/// <c>{"hook_event_name":"beforeShellExecution","command":…,"cwd":…}</c>; answer
/// <c>{"permission":"allow"|"ask"|"deny","user_message":…,"agent_message":…}</c>.</summary>
internal sealed class CursorDialect : AgentDialect
{
    internal override string Name => "cursor";

    internal override HookCall? Parse(JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object) throw new HookInputException("the hook input is not a JSON object");
        string? evt = OptionalString(input, "hook_event_name");
        if (evt != null && evt != "beforeShellExecution") return null;
        if (!input.TryGetProperty("command", out _)) throw new HookInputException("the beforeShellExecution input has no 'command'");
        return Command(input, "command", OptionalString(input, "cwd"));
    }

    internal override HookAnswer Answer(HookVerdict v) => new(Json(w =>
    {
        w.WriteString("permission", v.Action switch { PolicyAction.Allow => "allow", PolicyAction.Pause => "ask", _ => "deny" });
        if (v.Action == PolicyAction.Allow) return;
        w.WriteString("user_message", v.Reason);
        w.WriteString("agent_message", v.Reason);
    }));

    internal override HookAnswer PassThrough => new("{}");
}
