using System.Text.Json;

namespace AgentShell.Core.Profiles;

internal static partial class ProfileReader
{
    internal static readonly string[] CredentialKeys = ["Name", "Sha256", "Prefix"];

    /// <summary>The environment a top-level <c>CredentialFiles</c> list belongs to.</summary>
    internal const string TopLevelCredentialEnvironment = "production";

    /// <summary><c>"Credentials": [{"Name": "railway-root", "Sha256": "&lt;64 hex digits&gt;"}]</c>, or a kind of
    /// key its issuer marks by prefix (<c>{"Name": "stripe-live-key", "Prefix": "sk_live_"}</c>).</summary>
    private static void ReadCredentials(ref Utf8JsonReader r, ProfileJson json, string path, ProfileEnvironment env)
    {
        if (r.TokenType == JsonTokenType.Null) return;
        if (r.TokenType != JsonTokenType.StartArray)
        {
            json.Error(path, r.TokenStartIndex, "'Credentials' must be an array of {\"Name\": ..., \"Sha256\": ...} (agentshell profiles fingerprint NAME prints one)");
            r.Skip();
            return;
        }
        for (int i = 0; r.Read() && r.TokenType != JsonTokenType.EndArray; i++)
        {
            string itemPath = ProfileJson.Child(path, i);
            var at = json.PositionOf(r.TokenStartIndex);
            if (!json.IsObject(ref r, itemPath, "each credential")) continue;
            Located? name = null;
            byte[]? digest = null;
            string? prefix = null;
            var seen = new ProfileJson.Keys();
            while (json.NextProperty(ref r, itemPath, ref seen, out string key, out var keyAt))
            {
                string? known = Known(key, CredentialKeys);
                string keyPath = ProfileJson.Child(itemPath, known ?? key);
                var valueAt = json.PositionOf(r.TokenStartIndex);
                switch (known)
                {
                    case "Name":
                        if (json.String(ref r, keyPath, known) is not string n) break;
                        if (n.Length > 0 && n.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) name = new Located(n, keyPath, valueAt);
                        else json.Error(keyPath, valueAt, $"credential name '{n}' must be letters, digits, '-', '_' or '.' (it is shown in decisions, never the secret)");
                        break;
                    case "Sha256":
                        if (json.String(ref r, keyPath, known) is not string hex) break;
                        if (hex.Length == 64 && hex.All(char.IsAsciiHexDigit)) digest = Convert.FromHexString(hex);
                        else json.Error(keyPath, valueAt, "'Sha256' must be the 64 hexadecimal digits of the secret's SHA-256, never the secret itself: run 'agentshell profiles fingerprint NAME' and paste what it prints");
                        break;
                    case "Prefix":
                        // A prefix says which kind of key, not which key: short ones would mark any token.
                        if (json.String(ref r, keyPath, known) is not string px) break;
                        if (px.Length is >= 5 and <= 64 && px.All(c => c is > ' ' and < '\x7f')) prefix = px;
                        else json.Error(keyPath, valueAt, "'Prefix' must be 5 to 64 printable ASCII characters without spaces: the start its issuer gives every key of that kind (sk_live_)");
                        break;
                    default: json.UnknownKey(ref r, itemPath, key, keyAt, CredentialKeys); break;
                }
            }
            if (name == null) json.Error(ProfileJson.Child(itemPath, "Name"), at, "each credential needs a 'Name' (shown in decisions instead of the secret)");
            else if ((digest == null) == (prefix == null))
                json.Error(ProfileJson.Child(itemPath, "Sha256"), at, "each credential needs a 'Sha256' (agentshell profiles fingerprint NAME prints it) or a 'Prefix' (a kind of key), not both");
            else if (digest != null) env.Credentials.Add((name.Value, digest));
            else env.CredentialPrefixes.Add((name.Value, prefix!));
        }
    }

    /// <summary>A top-level <c>CredentialFiles</c>: files whose values are production credentials.</summary>
    private static void ReadTopCredentialFiles(ref Utf8JsonReader r, ProfileJson json, string path, ProfileDocument doc)
    {
        var files = json.Strings(ref r, path, path);
        if (files.Count == 0) return;
        var env = doc.Environments.FirstOrDefault(e => e.Name.Equals(TopLevelCredentialEnvironment, StringComparison.OrdinalIgnoreCase));
        if (env == null) doc.Environments.Add(env = new ProfileEnvironment(TopLevelCredentialEnvironment));
        env.CredentialFiles.AddRange(files);
    }
}
