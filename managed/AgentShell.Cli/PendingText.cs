using System.Text;
using System.Text.Json;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Cli;

/// <summary>Pending items as a person sees them (`pending`, `watch`): what, from which process,
/// aimed where and why that is production. Commands and texts are redacted exactly as the audit
/// log redacts them; the control socket carries them whole (approving is by id).</summary>
internal static class PendingText
{
    internal static string Render(JsonElement i, DateTimeOffset now, bool color, bool selected = false)
    {
        string b = color ? "\e[1m" : "", r = color ? "\e[0m" : "", red = color ? "\e[31m" : "";
        var created = i.GetProperty("created").GetDateTimeOffset();
        var deadline = i.GetProperty("deadline").GetDateTimeOffset();
        long waited = (long)(now - created).TotalSeconds, left = Math.Max(0, (long)(deadline - now).TotalSeconds);
        var chain = string.Join(" → ", i.GetProperty("chain").EnumerateArray().Select(e => Shown(e.GetString())));
        var sb = new StringBuilder();
        sb.Append(selected ? "> " : "  ").Append(b).Append(i.Str("id")).Append(r)
          .Append($"  {red}{Shown(i.Str("summary"))}{r} ({i.Str("environment")})  [rule {i.Str("rule")}]  waiting {waited}s, {left}s left\n");
        if (i.Str("run") is string run) sb.Append($"     run:     {run}\n");
        sb.Append($"     process: {chain}\n");
        if (i.Str("cwd") is string cwd) sb.Append($"     cwd:     {Shown(cwd)}\n");
        if (i.Str("program") is string program)
        {
            // The process chose this argv (it may rewrite /proc/PID/cmdline); the program it cannot.
            sb.Append($"     program: {Shown(program)}\n");
            sb.Append($"     argv:    {ShellQuote.Inert(Command(i))}  (as the process shows it; it can rewrite this)\n");
        }
        else sb.Append($"     command: {ShellQuote.Inert(Command(i))}\n");
        if (i.Str("target") is string target)
            sb.Append($"     target:  {Shown(target)} ({(i.Str("matched") is string m ? $"{i.Str("environment")} because {m}" : i.Str("environment"))})\n");
        if (i.Str("explanation") is { Length: > 0 } ex) sb.Append($"     why:     {Shown(ex)}\n");
        return sb.ToString();
    }

    /// <summary>A text of the item as a person is shown it: redacted, and with every character a
    /// terminal acts on written as an escape (the tree chooses its argv, cwd and process names).</summary>
    private static string Shown(string? text) => ShellQuote.Inert(DecisionText.Text(text));

    /// <summary>The item's argv, redacted and quoted for a shell.</summary>
    private static string Command(JsonElement i) =>
        i.TryGetProperty("argv", out var a) && a.ValueKind == JsonValueKind.Array
            ? ShellQuote.JoinShown(Redactor.RedactArgv(a.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()))
            : DecisionText.Text(i.Str("command"));

    /// <summary>A JSON array of items with every text a secret can hide in redacted.</summary>
    internal static string RedactAll(JsonElement items)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, AuditJson.WriterOptions))
        {
            w.WriteStartArray();
            foreach (var i in items.EnumerateArray()) WriteRedacted(w, i);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes <paramref name="item"/> with argv, command, cwd, chain, summary, target,
    /// reason and explanation redacted; other fields as they are.</summary>
    internal static void WriteRedacted(Utf8JsonWriter w, JsonElement item)
    {
        w.WriteStartObject();
        foreach (var p in item.EnumerateObject())
        {
            switch (p.Name)
            {
                case "argv" when p.Value.ValueKind == JsonValueKind.Array:
                    w.WriteStartArray(p.Name);
                    foreach (var a in Redactor.RedactArgv(p.Value.EnumerateArray().Select(e => e.GetString() ?? "").ToArray())) w.WriteStringValue(a);
                    w.WriteEndArray();
                    break;
                case "chain" when p.Value.ValueKind == JsonValueKind.Array:
                    w.WriteStartArray(p.Name);
                    foreach (var c in p.Value.EnumerateArray()) w.WriteStringValue(DecisionText.Text(c.GetString()));
                    w.WriteEndArray();
                    break;
                case "command" when p.Value.ValueKind == JsonValueKind.String:
                    w.WriteString(p.Name, Command(item));
                    break;
                case "cwd" or "summary" or "target" or "reason" or "explanation" when p.Value.ValueKind == JsonValueKind.String:
                    w.WriteString(p.Name, DecisionText.Text(p.Value.GetString()));
                    break;
                default:
                    p.WriteTo(w);
                    break;
            }
        }
        w.WriteEndObject();
    }
}
