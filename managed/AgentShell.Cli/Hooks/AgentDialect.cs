using System.Text.Json;
using AgentShell.Core.Policy;

namespace AgentShell.Cli.Hooks;

/// <summary>A shell command an agent is about to run, as its pre-tool hook describes it: a shell
/// string (decided as <c>check --shell</c> decides it) or an argv (as <c>check -- CMD</c>).</summary>
internal sealed record HookCall(string? Script, IReadOnlyList<string>? Argv, string? WorkingDirectory);

/// <summary>What the hook answers: the decision's action and the line that explains it.</summary>
internal sealed record HookVerdict(PolicyAction Action, string Reason);

/// <summary>What the hook process prints on stdout and exits with.</summary>
internal sealed record HookAnswer(string Stdout, int ExitCode = 0);

/// <summary>The agent sent something its documented hook input does not allow: never an allow.</summary>
internal sealed class HookInputException(string message) : Exception(message);

/// <summary>One agent's pre-tool hook format: which calls are shell commands, and how allow, ask
/// and deny are spelled. A refusal (block, or an input or profile error) is always a deny on
/// stdout with exit 0, the channel each agent documents for a decision; see README "Agent hooks".</summary>
internal abstract class AgentDialect
{
    /// <summary>The name given on the command line (<c>agentshell hook NAME</c>).</summary>
    internal abstract string Name { get; }

    /// <summary>The shell command in <paramref name="input"/>, or null when the call is not one
    /// (another tool or event: the hook passes it through). Throws <see cref="HookInputException"/>.</summary>
    internal abstract HookCall? Parse(JsonElement input);

    /// <summary>The answer for a decision.</summary>
    internal abstract HookAnswer Answer(HookVerdict verdict);

    /// <summary>The answer for a call that is not a shell command.</summary>
    internal virtual HookAnswer PassThrough => new("");

    /// <summary>Every dialect, by name.</summary>
    internal static IReadOnlyList<AgentDialect> All { get; } = [new ClaudeCodeDialect(), new CodexDialect(), new GeminiDialect(), new CursorDialect()];

    /// <summary>The dialect called <paramref name="name"/>, or null.</summary>
    internal static AgentDialect? Find(string name) => All.FirstOrDefault(d => d.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    // Helpers for the dialects' parsers.

    /// <summary>A string property, null when absent; throws when present with another type.</summary>
    protected static string? OptionalString(JsonElement o, string name)
    {
        if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw new HookInputException($"'{name}' is not a string");
        return v.GetString();
    }

    /// <summary>The command of a shell tool: a string, or an array of strings (an argv).</summary>
    protected static HookCall Command(JsonElement toolInput, string field, string? cwd)
    {
        if (toolInput.ValueKind != JsonValueKind.Object) throw new HookInputException("'tool_input' is not an object");
        if (!toolInput.TryGetProperty(field, out var c)) throw new HookInputException($"the shell call has no '{field}'");
        return c.ValueKind switch
        {
            JsonValueKind.String => new HookCall(c.GetString()!, null, cwd),
            JsonValueKind.Array when c.GetArrayLength() > 0 && c.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                new HookCall(null, c.EnumerateArray().Select(e => e.GetString()!).ToArray(), cwd),
            _ => throw new HookInputException($"'{field}' is neither a string nor a non-empty array of strings"),
        };
    }

    /// <summary>Serialises one JSON object built by <paramref name="body"/> (no HTML escaping: the
    /// reason is read by a person and a model).</summary>
    protected static string Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, AgentShell.Core.Audit.AuditJson.WriterOptions))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Claude Code's and Codex's PreToolUse answer.</summary>
    protected static string PreToolUse(string decision, string reason) => Json(w =>
    {
        w.WriteStartObject("hookSpecificOutput");
        w.WriteString("hookEventName", "PreToolUse");
        w.WriteString("permissionDecision", decision);
        w.WriteString("permissionDecisionReason", reason);
        w.WriteEndObject();
    });

    /// <summary>A pause, told to an agent whose hooks cannot ask a person: it is refused, saying why.</summary>
    protected string CannotAsk(string reason) =>
        $"{reason} — {Name} hooks cannot ask a person, so it is refused here; a person can run it, or approve it when the agent runs under `agentshell run`";
}
