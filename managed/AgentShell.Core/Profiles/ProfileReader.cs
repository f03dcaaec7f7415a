using System.Text.Json;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Profiles;

// Why System.Text.Json and not Configuration binding: a profile is read once, token by token, with
// Utf8JsonReader straight into typed records, so every problem (a syntax error, an unknown key, a
// wrong type, a bad pattern, an unknown effect) carries the line and column of its token, and
// arrays are arrays. Microsoft.Extensions.Configuration.Json flattens a file into string keys
// ("Rules:0:Effects:1") with no positions, so the binder could say neither where a mistake is nor
// whether ["x"] was an array; it keeps the job it is built for, layering the settings sections
// (see SettingsLayers).

/// <summary>Reads one profile file into a <see cref="ProfileDocument"/> in one pass and checks
/// everything that can be checked within the file. Problems go to the error list, each with the
/// file, line, column, key path and fix; reading carries on so one run reports them all. A file
/// that is not JSON reports only its syntax error. Comments and trailing commas are allowed, as
/// they were when Configuration read the files.</summary>
internal static partial class ProfileReader
{
    internal static readonly string[] RootKeys = ["Description", "Environments", "CredentialFiles", "Rules", "Tools", "Network", "Pause", "Audit", "Telemetry"];
    // The name sources in EnvironmentSourceKind order, then Wire.
    internal static readonly string[] EnvironmentKeys = ["Hosts", "KubeContexts", "AwsProfiles", "GcpProjects", "AzureSubscriptions", "TerraformWorkspaces", "EnvVars", "Credentials", "CredentialFiles", "Apps", "Repositories", "Wire"];
    internal static readonly string[] WireKeys = ["Http", "Postgres", "PinnedHosts"];
    internal static readonly string[] NetworkKeys = ["UnknownClientToProduction", "Clients", "CommandServers"];
    internal static readonly string[] PauseKeys = ["TimeoutSeconds", "OnTimeout"];
    internal static readonly string[] AuditKeys = ["LogAllowsOfUnparsedTools"];
    internal static readonly string[] TelemetryKeys = ["Otlp"];
    internal static readonly string[] OtlpKeys = ["Endpoint", "Headers"];
    internal static readonly string[] ActionNames = ["allow", "pause", "block"];

    /// <summary>The key editors use to find the JSON Schema (<c>profiles/schema.json</c>); allowed at the top level.</summary>
    internal const string SchemaKey = "$schema";

    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads <paramref name="text"/> (the bytes of <paramref name="file"/>); null when the
    /// file is not a JSON object. Other problems are in <paramref name="errors"/> and the document
    /// holds what could be read. <paramref name="skipTests"/>: the rules' <c>Tests</c> are skipped
    /// unread (their JSON is still walked), for bytes a rule-test cache vouched for.</summary>
    internal static ProfileDocument? Read(string file, byte[] text, int layer, List<ProfileError> errors, bool skipTests = false)
    {
        int start = text.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        int before = errors.Count;
        var json = new ProfileJson(file, text, start, errors) { SkipTests = skipTests };
        var doc = new ProfileDocument { File = file, Layer = layer };
        var settings = new List<(string Section, int Start, int End)>();
        var r = new Utf8JsonReader(text.AsSpan(start), Options);
        // Names and strings become UTF-16 as they are read: bytes that are not UTF-8 would throw there.
        if (!System.Text.Unicode.Utf8.IsValid(text.AsSpan(start)))
        {
            int bad = FirstInvalidUtf8(text.AsSpan(start));
            json.Error("", bad, $"not a valid profile: not UTF-8 text (byte 0x{text[start + bad]:X2})");
            return null;
        }
        // `touch ~/.config/agentshell/prod.json`: the parser's "does not contain any JSON tokens" names no fix.
        if (text.AsSpan(start).Trim(" \t\r\n"u8).IsEmpty)
        {
            json.Error("", 0, "not a valid profile: the file is empty; write a profile ({ \"Environments\": { \"production\": { \"Hosts\": [...] } } }) or remove the file");
            return null;
        }
        try
        {
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            {
                json.Error("", r.TokenStartIndex, $"not a valid profile: the top level must be an object {{ ... }}, found {TopLevelKind(r.TokenType)}");
                return null;
            }
            bool isSchema = ReadRoot(ref r, json, doc, settings, start);
            r.Read(); // throws on anything after the top-level object
            if (isSchema)
            {
                // `profiles validate profiles/*.json` names the schema too: one clear line, not one per key.
                errors.RemoveRange(before, errors.Count - before);
                json.Error("", 0, "this is a JSON Schema, not a profile (profiles point at it with \"$schema\": \"./schema.json\")");
                return null;
            }
        }
        catch (JsonException e)
        {
            // A file that is not JSON reports that alone: what was read before the error is not the profile.
            errors.RemoveRange(before, errors.Count - before);
            long line = e.LineNumber ?? 0, column = e.BytePositionInLine ?? 0;
            string why = e.Message.Split(" Path:")[0].Split(" LineNumber:")[0];
            json.Error("", json.PositionAt(line, column), $"not a valid profile: invalid JSON at line {line + 1}, byte {column + 1}: {why}");
            return null;
        }
        if (settings.Count > 0) doc.Settings = SettingsLayers.Wrap(text, settings);
        return doc;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> text)
    {
        int at = 0;
        while (at < text.Length && System.Text.Rune.DecodeFromUtf8(text[at..], out _, out int n) == System.Buffers.OperationStatus.Done) at += n;
        return at;
    }

    private static string TopLevelKind(JsonTokenType t) => t switch
    {
        JsonTokenType.StartArray => "Array", JsonTokenType.String => "String", JsonTokenType.Number => "Number",
        JsonTokenType.True => "True", JsonTokenType.False => "False", _ => "Null",
    };

    /// <summary>The canonical spelling of <paramref name="key"/> among <paramref name="valid"/> (keys
    /// are not case-sensitive), or null.</summary>
    internal static string? Known(string key, string[] valid)
    {
        foreach (var v in valid) if (v.Equals(key, StringComparison.OrdinalIgnoreCase)) return v;
        return null;
    }

    // True when the file is a JSON Schema (its $schema names a meta-schema) rather than a profile.
    private static bool ReadRoot(ref Utf8JsonReader r, ProfileJson json, ProfileDocument doc, List<(string, int, int)> settings, int start)
    {
        bool isSchema = false;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, "", ref seen, out string key, out var at))
        {
            if (key == SchemaKey)
            {
                isSchema |= json.String(ref r, key, key) is string uri && uri.Contains("json-schema.org/", StringComparison.OrdinalIgnoreCase);
                continue;
            }
            string? known = Known(key, RootKeys);
            int sectionStart = start + (int)r.TokenStartIndex;
            switch (known)
            {
                case "Description": doc.Description = json.String(ref r, known, known); break;
                case "Environments": ReadEnvironments(ref r, json, known, doc); break;
                case "CredentialFiles": ReadTopCredentialFiles(ref r, json, known, doc); break;
                case "Rules": ReadRules(ref r, json, known, doc); break;
                case "Tools": ReadTools(ref r, json, known, doc); break;
                case "Network": ReadNetwork(ref r, json, known, doc); break;
                case "Pause": ReadPause(ref r, json, known); break;
                case "Audit": ReadAudit(ref r, json, known); break;
                case "Telemetry": ReadTelemetry(ref r, json, known); break;
                default: json.UnknownKey(ref r, "", key, at, RootKeys); break;
            }
            if (known is "Network" or "Pause" or "Audit" or "Telemetry" && r.TokenType == JsonTokenType.EndObject)
                settings.Add((known, sectionStart, start + (int)r.BytesConsumed));
        }
        return isSchema;
    }

    private static void ReadEnvironments(ref Utf8JsonReader r, ProfileJson json, string path, ProfileDocument doc)
    {
        if (!json.IsObject(ref r, path, "'Environments'")) return;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string name, out var at))
        {
            string envPath = ProfileJson.Child(path, name);
            if (!json.IsObject(ref r, envPath, $"environment '{name}'")) continue;
            if (!IsName(name) || name.Equals("unknown", StringComparison.OrdinalIgnoreCase) || name.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                json.Error(envPath, at, $"'{name}' cannot name an environment: use letters, digits, '-' and '_' ('unknown' and 'none' are built in)");
                r.Skip();
                continue;
            }
            var env = new ProfileEnvironment(name) { Declared = new Located(name, envPath, at) };
            var keys = new ProfileJson.Keys();
            while (json.NextProperty(ref r, envPath, ref keys, out string key, out var keyAt))
            {
                string? known = Known(key, EnvironmentKeys);
                string keyPath = ProfileJson.Child(envPath, known ?? key);
                switch (known)
                {
                    case null: json.UnknownKey(ref r, envPath, key, keyAt, EnvironmentKeys); break;
                    case "Hosts":
                        foreach (var h in json.Strings(ref r, keyPath, known))
                        {
                            if (HostPattern.TryParse(h.Value, out var p, out var err)) env.Hosts.Add(p);
                            else json.Error(h.Path, h.At, $"{err} in host pattern '{h.Value}' (write a name, '*.domain', an IP, a CIDR like 10.0.0.0/8 or [2001:db8::]/32, optionally :port)");
                        }
                        break;
                    case "Wire": ReadWire(ref r, json, keyPath, env); break;
                    case "Repositories": ReadRepositories(ref r, json, keyPath, env); break;
                    case "Credentials": ReadCredentials(ref r, json, keyPath, env); break;
                    case "CredentialFiles": env.CredentialFiles.AddRange(json.Strings(ref r, keyPath, known)); break;
                    case "EnvVars":
                        foreach (var (variable, value) in json.StringMap(ref r, keyPath, known))
                        {
                            if (GlobPattern.TryParseName(value.Value, out var g, out var err)) env.EnvVars.Add((variable, g));
                            else json.Error(value.Path, value.At, $"{err} in value pattern '{value.Value}'");
                        }
                        break;
                    default:
                        var kind = (EnvironmentSourceKind)Array.IndexOf(EnvironmentKeys, known); // same order as the enum
                        foreach (var n in json.Strings(ref r, keyPath, known))
                        {
                            if (GlobPattern.TryParseName(n.Value, out var g, out var err)) env.Names.Add((kind, g));
                            else json.Error(n.Path, n.At, $"{err} in pattern '{n.Value}'");
                        }
                        break;
                }
            }
            doc.Environments.Add(env);
        }
    }

    private static void ReadWire(ref Utf8JsonReader r, ProfileJson json, string path, ProfileEnvironment env)
    {
        if (!json.IsObject(ref r, path, "'Wire'")) return;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var at))
        {
            string? known = Known(key, WireKeys);
            string keyPath = ProfileJson.Child(path, known ?? key);
            switch (known)
            {
                case "Http": env.WireHttp = json.Bool(ref r, keyPath, known); break;
                case "Postgres": env.WirePostgres = json.Bool(ref r, keyPath, known); break;
                case "PinnedHosts":
                    foreach (var h in json.Strings(ref r, keyPath, known))
                    {
                        if (HostPattern.TryParse(h.Value, out var p, out var err)) env.WirePinnedHosts.Add(p);
                        else json.Error(h.Path, h.At, $"{err} in host pattern '{h.Value}' (write a name, '*.domain', an IP or a CIDR, optionally :port)");
                    }
                    break;
                default: json.UnknownKey(ref r, path, key, at, WireKeys); break;
            }
        }
    }

    private static void ReadNetwork(ref Utf8JsonReader r, ProfileJson json, string path, ProfileDocument doc)
    {
        if (!json.IsObject(ref r, path, "'Network'")) return;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var at))
        {
            string? known = Known(key, NetworkKeys);
            string keyPath = ProfileJson.Child(path, known ?? key);
            if (known == "UnknownClientToProduction")
            {
                long valueAt = r.TokenStartIndex;
                if (json.String(ref r, keyPath, known) is string text && !TryParseAction(text, out _))
                    json.Error(keyPath, valueAt, $"unknown action '{text}'{Suggest.Hint(text, ActionNames)}");
            }
            else if (known == "Clients")
            {
                if (!json.IsObject(ref r, keyPath, "'Network.Clients'")) continue;
                var envs = new ProfileJson.Keys();
                while (json.NextProperty(ref r, keyPath, ref envs, out string env, out var envAt))
                {
                    string envPath = ProfileJson.Child(keyPath, env);
                    doc.EnvironmentReferences.Add(new Located(env, envPath, envAt));
                    var list = new List<string>();
                    foreach (var exe in json.Strings(ref r, envPath, env))
                    {
                        if (exe.Value.StartsWith('/')) list.Add(exe.Value);
                        else json.Error(exe.Path, exe.At, $"'{exe.Value}' must be an absolute executable path such as /usr/bin/psql");
                    }
                    doc.NetworkClients.Add((env, list));
                }
            }
            else if (known == "CommandServers")
            {
                foreach (var p in json.Strings(ref r, keyPath, known))
                {
                    if (p.Value.StartsWith('/') || p.Value.StartsWith('$')) doc.CommandServers.Add(p.Value);
                    else json.Error(p.Path, p.At, $"'{p.Value}' must be an absolute socket path such as /run/docker.sock (or start with $HOME, $XDG_RUNTIME_DIR, $TMUX_TMPDIR)");
                }
            }
            else json.UnknownKey(ref r, path, key, at, NetworkKeys);
        }
    }

    private static void ReadPause(ref Utf8JsonReader r, ProfileJson json, string path)
    {
        if (!json.IsObject(ref r, path, "'Pause'")) return;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var at))
        {
            string? known = Known(key, PauseKeys);
            string keyPath = ProfileJson.Child(path, known ?? key);
            if (known == "TimeoutSeconds") json.Int(ref r, keyPath, known, 1, 86400);
            else if (known == "OnTimeout")
            {
                long valueAt = r.TokenStartIndex;
                if (json.String(ref r, keyPath, known) is string text && !text.Equals("block", StringComparison.OrdinalIgnoreCase) && !text.Equals("allow", StringComparison.OrdinalIgnoreCase))
                    json.Error(keyPath, valueAt, $"'OnTimeout' must be 'block' or 'allow', found '{text}'");
            }
            else json.UnknownKey(ref r, path, key, at, PauseKeys);
        }
    }

    private static void ReadAudit(ref Utf8JsonReader r, ProfileJson json, string path)
    {
        if (!json.IsObject(ref r, path, "'Audit'")) return;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var at))
        {
            if (Known(key, AuditKeys) is string known) json.Bool(ref r, ProfileJson.Child(path, known), known);
            else json.UnknownKey(ref r, path, key, at, AuditKeys);
        }
    }

    // Telemetry.Otlp: where decisions are exported. The endpoint is checked here (an absolute http or
    // https URL without user:password, which would be printed); header values are never echoed in errors.
    private static void ReadTelemetry(ref Utf8JsonReader r, ProfileJson json, string path)
    {
        if (!json.IsObject(ref r, path, "'Telemetry'")) return;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var at))
        {
            if (Known(key, TelemetryKeys) is not string known) { json.UnknownKey(ref r, path, key, at, TelemetryKeys); continue; }
            string otlp = ProfileJson.Child(path, known);
            if (!json.IsObject(ref r, otlp, "'Telemetry.Otlp'")) continue;
            var keys = new ProfileJson.Keys();
            while (json.NextProperty(ref r, otlp, ref keys, out string k, out var kAt))
            {
                string? o = Known(k, OtlpKeys);
                string keyPath = ProfileJson.Child(otlp, o ?? k);
                if (o == "Endpoint")
                {
                    long valueAt = r.TokenStartIndex;
                    if (json.String(ref r, keyPath, o) is string url && TelemetrySettings.CheckEndpoint(url) is string why)
                        json.Error(keyPath, valueAt, why);
                }
                else if (o == "Headers")
                {
                    foreach (var (name, value) in json.StringMap(ref r, keyPath, o))
                        if (!TelemetrySettings.IsHeaderName(name))
                            json.Error(value.Path, value.At, $"'{name}' is not a valid HTTP header name");
                }
                else json.UnknownKey(ref r, otlp, k, kAt, OtlpKeys);
            }
        }
    }

    /// <summary>Parses allow / pause / block (case-insensitive).</summary>
    internal static bool TryParseAction(string text, out PolicyAction action)
    {
        for (int i = 0; i < ActionNames.Length; i++)
        {
            if (text.Equals(ActionNames[i], StringComparison.OrdinalIgnoreCase)) { action = (PolicyAction)i; return true; }
        }
        action = PolicyAction.Block;
        return false;
    }

    private static bool IsName(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
