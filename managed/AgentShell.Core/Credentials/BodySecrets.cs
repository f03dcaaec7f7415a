using System.Text.Json;
using AgentShell.Core.Classification;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Credentials;

/// <summary>Secrets inside a request body an HTTP client sends: JSON string fields named like a
/// secret (<c>"token"</c>, <c>"apiKey"</c>, <c>"password"</c>, <c>"client_secret"</c>, at any depth,
/// GraphQL <c>variables</c> included) and <c>password=</c>-style form fields, in an inline body
/// (curl <c>-d</c>/<c>--data*</c>/<c>--json</c>, wget <c>--body-data</c>/<c>--post-data</c>, HTTPie
/// <c>--raw</c>) or a body file (curl <c>@file</c>, <c>@-</c> when the pipe's text is known, wget
/// <c>--body-file</c>/<c>--post-file</c>), and form fields and data items named like a secret (curl
/// <c>-F token=…</c>, HTTPie <c>apiKey=…</c>, <c>token:='"…"'</c>).</summary>
/// <remarks>Liberal as the rest of the scan: a value only matters when its hash is a listed
/// credential. A body that is not JSON is read for form fields only.</remarks>
public static class BodySecrets
{
    internal static void Find(ToolId id, ToolCall c, ref List<Model.Credential>? found)
    {
        if (id is not (ToolId.Curl or ToolId.Wget or ToolId.Httpie)) return; // PERF: the only tools with a body to read
        var args = c.Args;
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            string? next = i + 1 < args.Count ? args[i + 1] : null;
            var (value, isFile) = id switch
            {
                ToolId.Curl => CurlBody(a, next),
                ToolId.Wget => WgetBody(a, next),
                ToolId.Httpie => a.StartsWith("--raw=", StringComparison.Ordinal) ? (a[6..], false) : a == "--raw" ? (next, false) : (null, false),
                _ => (null, false),
            };
            // curl -F name=value / --form-string, HTTPie's data items (name=value, name:=json): a field named like a secret.
            if (value == null && Field(id, a, next) is (string field, string fieldValue))
            {
                if (IsSecretKey(field)) CredentialScan.Add(ref found, $"form field {field}", fieldValue.Trim('"'));
                continue;
            }
            if (value == null) continue;
            if (isFile)
            {
                // stdin under '-' or '@-': the pipe's text when it is known.
                if ((value == "-" ? c.StdinText : ToolHelp.ReadText(c.Context, value)) is not string text) continue;
                value = text;
            }
            Text(value, isFile ? "request body file" : "request body", ref found);
        }
    }

    private static (string, string)? Field(ToolId id, string a, string? next)
    {
        string? item = id switch
        {
            ToolId.Curl when a is "-F" or "--form" or "--form-string" => next,
            ToolId.Curl when a.StartsWith("--form=", StringComparison.Ordinal) || a.StartsWith("--form-string=", StringComparison.Ordinal) => a[(a.IndexOf('=') + 1)..],
            ToolId.Httpie when a.Length > 0 && a[0] != '-' && !a.Contains("://", StringComparison.Ordinal) => a,
            _ => null,
        };
        if (item == null) return null;
        int eq = item.IndexOf('=');
        if (eq <= 0) return null;
        // HTTPie: name:=json and name==query (a query parameter is read with the URL's); name=@file is a file's text.
        var name = item[..eq].TrimEnd(':');
        if (item.AsSpan(eq + 1).StartsWith("=") || item.AsSpan(eq + 1).StartsWith("@")) return null;
        return (name, item[(eq + 1)..]);
    }

    // curl's body options; an '@' value names a file (--data-raw and --json's '@' too: --json takes @file).
    private static (string?, bool) CurlBody(string a, string? next)
    {
        string? v = null;
        bool raw = false;
        if (a is "-d" or "--data" or "--data-ascii" or "--data-binary" or "--data-urlencode" or "--json") v = next;
        else if (a == "--data-raw") { v = next; raw = true; }
        else if (a.StartsWith("--data-raw=", StringComparison.Ordinal)) { v = a[11..]; raw = true; }
        else if (a.StartsWith("--data", StringComparison.Ordinal) && a.IndexOf('=') is int eq and > 6) v = a[(eq + 1)..];
        else if (a.StartsWith("--json=", StringComparison.Ordinal)) v = a[7..];
        else if (a.Length > 2 && a[0] == '-' && a[1] != '-' && a.IndexOf('d') is int d and > 0 && OnlyBooleansBefore(a, d))
            v = d + 1 < a.Length ? a[(d + 1)..] : next;
        if (v == null) return (null, false);
        // --data-urlencode name@file: the file's content is the value.
        int at = v.IndexOf('@');
        if (!raw && at == 0 && v.Length > 1) return (v[1..], true);
        return (v, false);
    }

    private static bool OnlyBooleansBefore(string cluster, int d)
    {
        for (int k = 1; k < d; k++) if (Curl.ShortWithArg.Contains(cluster[k])) return false;
        return true;
    }

    private static (string?, bool) WgetBody(string a, string? next)
    {
        foreach (var (name, file) in WgetOptions)
        {
            if (a == name) return (next, file);
            if (a.Length > name.Length && a.StartsWith(name, StringComparison.Ordinal) && a[name.Length] == '=') return (a[(name.Length + 1)..], file);
        }
        return (null, false);
    }

    private static readonly (string, bool)[] WgetOptions = [("--body-data", false), ("--post-data", false), ("--body-file", true), ("--post-file", true)];

    /// <summary>The secrets of one body's text: JSON fields, or form fields (<paramref name="add"/>
    /// gets each carrier's name and secret). The wire layer reads a request body with it.</summary>
    public static void Text(string body, string carrier, Action<string, string> add)
    {
        List<Model.Credential>? found = null;
        Text(body, carrier, ref found);
        if (found != null) foreach (var f in found) add(f.Carrier, f.Secret);
    }

    // PERF: the scan's list by reference, not a callback: a delegate over it was two allocations per decision.
    private static void Text(string body, string carrier, ref List<Model.Credential>? found)
    {
        var t = body.AsSpan().TrimStart();
        if (t.Length > 0 && t[0] is '{' or '[')
        {
            try
            {
                using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 64 });
                Walk(doc.RootElement, null, carrier, ref found);
                return;
            }
            catch (JsonException) { } // not JSON after all: read it as form fields
        }
        if (!body.Contains('=')) return;
        foreach (var pair in body.Split('&', ';', '\n'))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0 || !IsSecretKey(pair.AsSpan(0, eq).Trim()) || eq + 1 >= pair.Length) continue;
            var raw = pair[(eq + 1)..].Trim();
            CredentialScan.Add(ref found, $"{carrier} {pair[..eq].Trim()}", raw);
            // A form-encoded value as the server decodes it too ('+' may be a token's own character).
            if (HttpBody.Unescape(raw) is var decoded && decoded != raw) CredentialScan.Add(ref found, $"{carrier} {pair[..eq].Trim()}", decoded);
        }
    }

    private static void Walk(JsonElement e, string? key, string carrier, ref List<Model.Credential>? found)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) Walk(p.Value, p.Name, carrier, ref found); break;
            case JsonValueKind.Array: foreach (var x in e.EnumerateArray()) Walk(x, key, carrier, ref found); break;
            case JsonValueKind.String when key != null && IsSecretKey(key):
                CredentialScan.Add(ref found, $"{carrier} \"{key}\"", e.GetString()!);
                break;
        }
    }

    /// <summary>A field name that holds a secret: <c>token</c>, <c>apiKey</c>, <c>api_key</c>,
    /// <c>password</c>, <c>client_secret</c>, <c>accessToken</c>, <c>auth</c>, … (not <c>tokenizer</c>,
    /// <c>password_hint</c>).</summary>
    public static bool IsSecretKey(ReadOnlySpan<char> key)
    {
        Span<char> n = stackalloc char[Math.Min(key.Length, 64)];
        int len = 0;
        foreach (var ch in key)
        {
            if (ch is '_' or '-' or '.') continue;
            if (len == n.Length) return false;
            n[len++] = char.ToLowerInvariant(ch);
        }
        var s = n[..len];
        if (s is "auth" or "authorization" or "pass" or "pwd" or "bearer" or "credential" or "credentials") return true;
        foreach (var end in SecretEnds) if (s.EndsWith(end, StringComparison.Ordinal)) return true;
        return false;
    }

    private static readonly string[] SecretEnds = ["token", "password", "passwd", "secret", "apikey", "accesskey", "privatekey", "secretkey"];
}
