using System.Globalization;
using AgentShell.Core.Policy;
using Microsoft.Extensions.Configuration;

namespace AgentShell.Core.Profiles;

/// <summary>Layers the settings sections (<c>Pause</c>, <c>Audit</c>, <c>Network</c>, <c>Telemetry</c>) of the
/// profiles with Microsoft.Extensions.Configuration.Json: each file's sections, as written and
/// already checked by <see cref="ProfileReader"/>, are one JSON source in layer order, so a later
/// file overrides an earlier one key by key, and the provider that answers a key names the file
/// that set it (<c>profiles show</c>). <c>Network.Clients</c> add up across layers instead
/// (Configuration would merge the lists by index), so the loader merges them.</summary>
internal static class SettingsLayers
{
    internal const string TimeoutSeconds = "Pause:TimeoutSeconds", OnTimeout = "Pause:OnTimeout",
        UnknownClientToProduction = "Network:UnknownClientToProduction", LogAllowsOfUnparsedTools = "Audit:LogAllowsOfUnparsedTools",
        OtlpEndpoint = "Telemetry:Otlp:Endpoint", OtlpHeaders = "Telemetry:Otlp:Headers";

    /// <summary>Wraps the sections of one file (byte ranges of <paramref name="text"/>) in one object:
    /// <c>{"Pause": ..., "Network": ...}</c>, the sections' text unchanged.</summary>
    internal static byte[] Wrap(byte[] text, List<(string Section, int Start, int End)> sections)
    {
        using var o = new MemoryStream();
        o.WriteByte((byte)'{');
        for (int i = 0; i < sections.Count; i++)
        {
            var (name, start, end) = sections[i];
            if (i > 0) o.WriteByte((byte)',');
            o.Write(System.Text.Encoding.UTF8.GetBytes($"\"{name}\":"));
            o.Write(text, start, end - start);
        }
        o.WriteByte((byte)'}');
        return o.ToArray();
    }

    /// <summary>Sets the layered settings and their sources on <paramref name="parts"/>.</summary>
    internal static void Apply(IReadOnlyList<ProfileDocument> documents, PolicyParts parts)
    {
        var builder = new ConfigurationBuilder();
        var files = new List<string>();
        foreach (var d in documents)
        {
            if (d.Settings == null) continue;
            builder.AddJsonStream(new MemoryStream(d.Settings));
            files.Add(d.File);
        }
        if (files.Count == 0) return; // PERF: no builder work when no profile sets anything
        var providers = builder.Build().Providers.ToArray();

        // The reader has checked every value, so a value that does not convert here means the two
        // readers disagree: refuse the profiles rather than fall back to a default.
        if (Value(TimeoutSeconds) is string timeout)
            parts.Pause = new PauseSettings { TimeoutSeconds = int.Parse(timeout, CultureInfo.InvariantCulture), OnTimeout = parts.Pause.OnTimeout };
        if (Value(OnTimeout) is string onTimeout)
            parts.Pause = new PauseSettings { TimeoutSeconds = parts.Pause.TimeoutSeconds, OnTimeout = Action(onTimeout) is PolicyAction.Allow ? PolicyAction.Allow : PolicyAction.Block };
        if (Value(UnknownClientToProduction) is string network)
            parts.Network = new NetworkSettings { UnknownClientToProduction = Action(network), Clients = parts.Network.Clients, CommandServers = parts.Network.CommandServers };
        if (Value(LogAllowsOfUnparsedTools) is string all)
            parts.Audit = new AuditSettings { LogAllowsOfUnparsedTools = bool.Parse(all) };

        if (Value(OtlpEndpoint) is string endpoint)
            parts.Telemetry = new TelemetrySettings { Endpoint = endpoint, Headers = Headers() };

        // Headers layer key by key like the rest; Configuration keys are case-insensitive, as HTTP names are.
        Dictionary<string, string> Headers()
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < providers.Length; i++)
                foreach (var name in providers[i].GetChildKeys([], OtlpHeaders))
                    if (providers[i].TryGet(OtlpHeaders + ":" + name, out var v) && v != null) headers[name] = v;
            return headers;
        }

        string? Value(string key)
        {
            for (int i = providers.Length - 1; i >= 0; i--)
            {
                if (!providers[i].TryGet(key, out var v) || string.IsNullOrEmpty(v)) continue;
                parts.SettingSources[key] = files[i];
                return v;
            }
            return null;
        }
    }

    private static PolicyAction Action(string text) =>
        ProfileReader.TryParseAction(text, out var a) ? a : throw new FormatException($"'{text}' is not an action");
}
