using System.Text.Json;
using AgentShell.Core.Model;

namespace AgentShell.Core.Config;

/// <summary>The defaults cloud CLIs read from their own files when a command does not name its
/// target: the AWS profile's region (<c>$AWS_CONFIG_FILE</c>, else <c>~/.aws/config</c>), gcloud's
/// active configuration's project (<c>$CLOUDSDK_CONFIG</c>, else <c>~/.config/gcloud</c>) and az's
/// default subscription (<c>$AZURE_CONFIG_DIR</c>, else <c>~/.azure</c>, <c>azureProfile.json</c>).
/// Each returns null when there is no such setting, and reports a file it could not read.</summary>
internal static class CloudConfig
{
    private static readonly PathMemo AwsConfig = new(".aws", "config"), GcloudDir = new(".config", "gcloud"), GcloudActive = new("active_config"),
        AzureDir = new(".azure"), AzureProfile = new("azureProfile.json"), AzureConfig = new("config");

    /// <summary>The <c>region</c> of AWS profile <paramref name="profile"/> in the shared config file.</summary>
    internal static string? AwsRegion(IExecContext ctx, string profile, List<Evidence> evidence)
    {
        var file = ctx.GetEnvironmentVariable("AWS_CONFIG_FILE") is { Length: > 0 } f ? f
            : ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? AwsConfig.Combine(home) : null;
        if (file == null) return null;
        var cf = ctx.ReadConfigFile(file);
        if (cf.Unaccountable) { evidence.Add(new(file, $"region: {cf.Problem}")); return null; }
        if (!cf.Exists) return null;
        var section = profile == "default" ? "default" : "profile " + profile;
        var region = cf.Parsed(Ini).GetValueOrDefault(section)?.GetValueOrDefault("region");
        if (region != null) evidence.Add(new(file, $"region {region} of profile {profile}"));
        return region;
    }

    private static readonly PathMemo AwsCredentials = new(".aws", "credentials");

    /// <summary>The section of AWS profile <paramref name="profile"/> (its secrets: <see cref="AwsSecretKeys"/>) in the shared
    /// credentials file (<c>$AWS_SHARED_CREDENTIALS_FILE</c>, else <c>~/.aws/credentials</c>), so that a
    /// production key there makes the command production as the same key in the environment would.</summary>
    internal static Dictionary<string, string>? AwsSecrets(IExecContext ctx, string profile)
    {
        // PERF: the section itself, not an iterator over it: most homes have no credentials file, and an iterator allocated anyway.
        var file = ctx.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } f ? f
            : ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? AwsCredentials.Combine(home) : null;
        if (file == null) return null;
        var cf = ctx.ReadConfigFile(file);
        if (!cf.Exists || cf.Unaccountable) return null;
        return cf.Parsed(Ini).GetValueOrDefault(profile);
    }

    /// <summary>The keys of a credentials file section that carry a secret.</summary>
    internal static readonly string[] AwsSecretKeys = ["aws_secret_access_key", "aws_session_token"];

    /// <summary>The project of gcloud's active configuration (or of <paramref name="configuration"/>).</summary>
    internal static string? GcloudProject(IExecContext ctx, string? configuration, List<Evidence> evidence, out bool unaccountable)
    {
        unaccountable = false;
        var dir = ctx.GetEnvironmentVariable("CLOUDSDK_CONFIG") is { Length: > 0 } d ? d
            : ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? GcloudDir.Combine(home) : null;
        if (dir == null) return null;
        var name = configuration ?? ctx.GetEnvironmentVariable("CLOUDSDK_ACTIVE_CONFIG_NAME");
        if (string.IsNullOrEmpty(name))
        {
            var active = ctx.ReadConfigFile(GcloudActive.Combine(dir));
            if (active.Unaccountable) { unaccountable = true; evidence.Add(new(active.Path, active.Problem)); return null; }
            name = active.Exists && active.Text.Trim() is { Length: > 0 } n ? n : "default";
        }
        var file = Path.Combine(dir, "configurations", "config_" + name);
        var cf = ctx.ReadConfigFile(file);
        if (cf.Unaccountable) { unaccountable = true; evidence.Add(new(file, cf.Problem)); return null; }
        var project = cf.Exists ? cf.Parsed(Ini).GetValueOrDefault("core")?.GetValueOrDefault("project") : null;
        if (project != null) evidence.Add(new(file, $"gcloud configuration {name}: project {project}"));
        return project;
    }

    /// <summary>az's default subscription (<c>isDefault</c> in <c>azureProfile.json</c>): its id and name.</summary>
    internal static (string Id, string? Name)? AzureSubscription(IExecContext ctx, List<Evidence> evidence, out bool unaccountable)
    {
        unaccountable = false;
        var dir = ctx.GetEnvironmentVariable("AZURE_CONFIG_DIR") is { Length: > 0 } d ? d
            : ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? AzureDir.Combine(home) : null;
        if (dir == null) return null;
        var file = AzureProfile.Combine(dir);
        var cf = ctx.ReadConfigFile(file);
        if (cf.Unaccountable) { unaccountable = true; evidence.Add(new(file, cf.Problem)); return null; }
        if (!cf.Exists) return null;
        var found = cf.Parsed(DefaultSubscription);
        if (found.Problem) { unaccountable = true; evidence.Add(new(file, "not the JSON az writes")); return null; }
        if (found.Id == null) return null;
        evidence.Add(new(file, $"default subscription {found.Name ?? found.Id}"));
        return (found.Id, found.Name);
    }

    /// <summary>az's default resource group: <c>[defaults] group</c> of <c>config</c> in az's directory.</summary>
    internal static string? AzureDefaultsGroup(IExecContext ctx, List<Evidence> evidence, out bool unaccountable)
    {
        unaccountable = false;
        var dir = ctx.GetEnvironmentVariable("AZURE_CONFIG_DIR") is { Length: > 0 } d ? d
            : ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? AzureDir.Combine(home) : null;
        if (dir == null) return null;
        var file = AzureConfig.Combine(dir);
        var cf = ctx.ReadConfigFile(file);
        if (cf.Unaccountable) { unaccountable = true; evidence.Add(new(file, cf.Problem)); return null; }
        if (!cf.Exists) return null;
        return cf.Parsed(Ini).TryGetValue("defaults", out var defaults) && defaults.TryGetValue("group", out var group) && group.Length > 0 ? group : null;
    }

    private sealed record Subscription(string? Id, string? Name, bool Problem);

    private static Subscription DefaultSubscription(ConfigFile f)
    {
        try
        {
            using var doc = JsonDocument.Parse(f.Text, new JsonDocumentOptions { AllowTrailingCommas = true });
            if (!doc.RootElement.TryGetProperty("subscriptions", out var subs) || subs.ValueKind != JsonValueKind.Array) return new(null, null, false);
            foreach (var s in subs.EnumerateArray())
            {
                if (s.ValueKind != JsonValueKind.Object || !s.TryGetProperty("isDefault", out var d) || d.ValueKind != JsonValueKind.True) continue;
                string? Str(string key) => s.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                return new(Str("id"), Str("name"), false);
            }
            return new(null, null, false);
        }
        catch (JsonException) { return new(null, null, true); }
    }

    /// <summary>An INI file: <c>[section]</c> then <c>key = value</c>; <c>#</c>/<c>;</c> comments.</summary>
    internal static Dictionary<string, Dictionary<string, string>> Ini(ConfigFile f)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var raw in f.Text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                var name = string.Join(' ', line[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                if (!sections.TryGetValue(name, out current)) sections[name] = current = new(StringComparer.Ordinal);
                continue;
            }
            int eq = line.IndexOf('=');
            if (current != null && eq > 0) current[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        return sections;
    }
}
