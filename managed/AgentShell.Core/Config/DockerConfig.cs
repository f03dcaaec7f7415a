using System.Text.Json;
using AgentShell.Core.Model;

namespace AgentShell.Core.Config;

/// <summary>docker's current context when neither <c>--context</c>/<c>-H</c> nor <c>DOCKER_CONTEXT</c>/
/// <c>DOCKER_HOST</c> names one: <c>currentContext</c> of <c>config.json</c> in <c>--config DIR</c>, else
/// <c>$DOCKER_CONFIG</c>, else <c>~/.docker</c> (what <c>docker context use NAME</c> writes).</summary>
internal static class DockerConfig
{
    private static readonly PathMemo UserDir = new(".docker"), File = new("config.json");

    private sealed record Current(string? Context, bool Problem);

    /// <summary>The context's name, "unknown" when the file cannot be read or is not JSON, or null.</summary>
    internal static string? CurrentContext(IExecContext ctx, string? configDir)
    {
        var dir = configDir ?? (ctx.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } d ? d
            : ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? UserDir.Combine(home) : null);
        if (dir == null) return null;
        var cf = ctx.ReadConfigFile(File.Combine(dir));
        if (cf.Unaccountable) return "unknown";
        if (!cf.Exists) return null;
        var found = cf.Parsed(Parse);
        return found.Problem ? "unknown" : found.Context;
    }

    private static Current Parse(ConfigFile f)
    {
        try
        {
            using var doc = JsonDocument.Parse(f.Text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("currentContext", out var c) && c.ValueKind == JsonValueKind.String
                ? new(c.GetString(), false) : new(null, false);
        }
        catch (JsonException) { return new(null, true); }
    }
}
