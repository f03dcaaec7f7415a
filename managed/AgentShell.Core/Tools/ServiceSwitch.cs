using System.Text.Json;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>A writing HTTP request that takes a whole service out of use without a destructive verb:
/// a switch endpoint turned on (<c>POST /v1/maintenance {"enabled": true}</c>, <c>PUT /read-only
/// {"value": "on"}</c>, <c>POST /maintenance/enable</c>), or a service-level resource turned off
/// (<c>PATCH /v2/services/api {"enabled": false}</c>). Terminate. A feature flag, webhook or rule
/// turned off (<c>/flags/new-checkout {"enabled": false}</c>) stays a write: only the switch
/// names and service collections below count.</summary>
public static class ServiceSwitch
{
    // The last path segment (normalized) of an endpoint whose "on" takes the service out of use.
    private static readonly HashSet<string> Switches = new(StringComparer.Ordinal)
    {
        "maintenance", "maintenancemode", "readonly", "readonlymode", "lockdown", "killswitch",
    };

    // A trailing verb that turns the switch before it on (/maintenance/enable).
    private static readonly HashSet<string> OnVerbs = new(StringComparer.Ordinal) { "enable", "on", "start", "activate" };

    // Body keys that carry the switch's state, and the string values that mean "on".
    private static readonly HashSet<string> StateKeys = new(StringComparer.Ordinal)
    {
        "enabled", "enable", "active", "on", "value", "state", "status", "mode", "maintenance", "maintenancemode", "readonly",
    };
    private static readonly HashSet<string> OnValues = new(StringComparer.Ordinal) { "on", "true", "enabled", "enable", "active", "1", "readonly" };

    // Collections whose member is a whole service: disabling one stops it.
    private static readonly HashSet<string> Services = new(StringComparer.Ordinal)
    {
        "services", "service", "apps", "app", "sites", "site", "instances", "clusters", "databases", "servers", "environments", "zones",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> SwitchesSpan = Switches.GetAlternateLookup<ReadOnlySpan<char>>(),
        OnVerbsSpan = OnVerbs.GetAlternateLookup<ReadOnlySpan<char>>(), ServicesSpan = Services.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Terminate when the request to <paramref name="path"/> with <paramref name="body"/>
    /// (may be null) takes a service out of use, else null.</summary>
    public static Effect? Of(string? path, string? body, string token, List<Evidence> evidence)
    {
        if (string.IsNullOrEmpty(path) || path.Length < 4) return null;
        int q = path.AsSpan().IndexOfAny('?', '#');
        var p = (q >= 0 ? path.AsSpan(0, q) : path.AsSpan()).TrimEnd('/');
        int slash = p.LastIndexOf('/');
        if (slash < 0) return null;
        // PERF: the two last segments are normalized into stack buffers and looked up as spans: no string per request.
        Span<char> lastBuf = stackalloc char[32], prevBuf = stackalloc char[32];
        var last = Normalize(p[(slash + 1)..], lastBuf);
        int prevSlash = slash > 0 ? p[..slash].LastIndexOf('/') : -1;
        var prev = prevSlash >= 0 ? Normalize(p[(prevSlash + 1)..slash], prevBuf) : default;
        if (OnVerbsSpan.Contains(last) && SwitchesSpan.Contains(prev))
        {
            evidence.Add(new(token, $"turns {prev} on (the service is out of use)"));
            return Effect.Terminate;
        }
        bool isSwitch = SwitchesSpan.Contains(last), isService = ServicesSpan.Contains(prev);
        // PERF: a body is parsed only for a switch endpoint or a service resource.
        if (!isSwitch && !isService || body == null || body.Length < 2) return null;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body); } catch (JsonException) { return null; }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            foreach (var prop in root.EnumerateObject())
            {
                var key = SoftDelete.Normalize(prop.Name);
                var v = prop.Value;
                if (isSwitch && StateKeys.Contains(key) && (v.ValueKind == JsonValueKind.True
                    || v.ValueKind == JsonValueKind.String && OnValues.Contains(SoftDelete.Normalize(v.GetString()!))
                    || v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n == 1))
                {
                    evidence.Add(new(token, $"turns {last} on (the service is out of use)"));
                    return Effect.Terminate;
                }
                if (isService && key is "enabled" or "active" && v.ValueKind == JsonValueKind.False)
                {
                    evidence.Add(new(token, $"sets {prop.Name} false on a {prev} resource (the service stops)"));
                    return Effect.Terminate;
                }
            }
        }
        return null;
    }

    // Lower case without '_', '-' and blanks into buf (read-only, read_only and readOnly are one name); empty when longer.
    private static ReadOnlySpan<char> Normalize(ReadOnlySpan<char> s, Span<char> buf)
    {
        int n = 0;
        foreach (var ch in s)
        {
            if (ch is '_' or '-' or ' ') continue;
            if (n == buf.Length) return default;
            buf[n++] = char.ToLowerInvariant(ch);
        }
        return buf[..n];
    }
}
