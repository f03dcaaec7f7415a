using System.Text.Json;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Config;

/// <summary>HTTPie's and xh's <c>config.json</c>: its <c>default_options</c> are arguments put in
/// front of every command line. HTTPie looks in <c>$HTTPIE_CONFIG_DIR</c>, else
/// <c>$XDG_CONFIG_HOME/httpie</c>, else <c>~/.httpie</c> when it exists, else
/// <c>~/.config/httpie</c>; xh in <c>$XH_CONFIG_DIR</c>, else <c>$XDG_CONFIG_HOME/xh</c>, else
/// <c>~/.config/xh</c>. A file that cannot be read or is not the expected JSON is not accounted
/// for (unknown).</summary>
internal static class HttpieConfig
{
    /// <summary>Default options and a problem, for one config file.</summary>
    internal sealed record Parsed(IReadOnlyList<string> Options, string? Problem);

    /// <summary>The arguments with the default options in front (the same list when there are none).</summary>
    internal static IReadOnlyList<string> Fold(string tool, ToolCall call, ConfigFacts facts)
    {
        var ctx = call.Context;
        bool xh = tool is "xh" or "xhs";
        string? home = ctx.GetEnvironmentVariable("HOME");
        string? dir = ctx.GetEnvironmentVariable(xh ? "XH_CONFIG_DIR" : "HTTPIE_CONFIG_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            string name = xh ? "xh" : "httpie";
            if (ctx.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg) dir = Path.Combine(xdg, name);
            else if (home != null)
            {
                dir = Path.Combine(home, ".config", name);
                if (!xh && ctx.ReadConfigFile(Path.Combine(home, ".httpie", "config.json")).Exists) dir = Path.Combine(home, ".httpie");
            }
        }
        if (dir == null) return call.Args;
        var file = Path.Combine(dir, "config.json");
        var f = ctx.ReadConfigFile(file);
        if (!f.Exists) return call.Args;
        if (f.Unaccountable) { facts.Unknown(file, $"default options from {f.Problem} (unknown)"); return call.Args; }
        var parsed = f.Parsed(Parse);
        if (parsed.Problem != null) facts.Unknown(file, $"{file}: {parsed.Problem} (unknown)");
        if (parsed.Options.Count == 0) return call.Args;
        facts.Note(file, $"default_options from {file}: {string.Join(' ', parsed.Options)}");
        return [.. parsed.Options, .. call.Args];
    }

    internal static Parsed Parse(ConfigFile f)
    {
        try
        {
            using var doc = JsonDocument.Parse(f.Text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return new([], "not a JSON object");
            if (!doc.RootElement.TryGetProperty("default_options", out var o) || o.ValueKind == JsonValueKind.Null) return new([], null);
            if (o.ValueKind != JsonValueKind.Array) return new([], "default_options is not a list");
            var options = new List<string>();
            foreach (var e in o.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.String) return new(options, "default_options holds something other than strings");
                options.Add(e.GetString()!);
            }
            return new(options, null);
        }
        catch (JsonException) { return new([], "not valid JSON"); }
    }
}
