using System.Text.Json;
using AgentShell.Core.Policy;

namespace AgentShell.Cli.Hooks;

/// <summary>Gemini CLI's <c>BeforeTool</c> hook (settings.json <c>hooks.BeforeTool</c>, matcher
/// <c>run_shell_command</c>): input <c>{"tool_name":"run_shell_command","tool_input":{"command":…,"dir_path":…},"cwd":…}</c>;
/// answer <c>{"decision":"deny","reason":…}</c> (the reason goes to the agent) or <c>{}</c>. BeforeTool
/// has no "ask": a pause is refused with why.</summary>
internal sealed class GeminiDialect : AgentDialect
{
    internal override string Name => "gemini";

    internal override HookCall? Parse(JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object) throw new HookInputException("the hook input is not a JSON object");
        string? evt = OptionalString(input, "hook_event_name");
        if (evt != null && evt != "BeforeTool") return null;
        string tool = OptionalString(input, "tool_name") ?? throw new HookInputException("the hook input has no 'tool_name'");
        if (tool != "run_shell_command") return null;
        if (!input.TryGetProperty("tool_input", out var ti)) throw new HookInputException("the shell call has no 'tool_input'");
        string? cwd = OptionalString(input, "cwd");
        // The tool runs in dir_path (older releases: directory), relative to the session's cwd.
        if ((OptionalString(ti, "dir_path") ?? OptionalString(ti, "directory")) is { Length: > 0 } dir)
            cwd = cwd != null ? Path.GetFullPath(Path.Combine(cwd, dir)) : dir;
        return Command(ti, "command", cwd);
    }

    internal override HookAnswer Answer(HookVerdict v) => v.Action switch
    {
        PolicyAction.Allow => new("{}"),
        PolicyAction.Pause => Deny(CannotAsk(v.Reason)),
        _ => Deny(v.Reason),
    };

    // Gemini CLI parses stdout as JSON after exit 0: an empty object means "no decision".
    internal override HookAnswer PassThrough => new("{}");

    private static HookAnswer Deny(string reason) => new(Json(w =>
    {
        w.WriteString("decision", "deny");
        w.WriteString("reason", reason);
        w.WriteString("systemMessage", reason);
    }));
}
