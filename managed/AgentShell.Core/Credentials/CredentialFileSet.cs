using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AgentShell.Core.Credentials;

/// <summary>The profiles' <c>CredentialFiles</c> (<c>.env.production</c>, <c>~/.railway/config.json</c>):
/// every value in them is a credential of their environment. They are read when the policy is
/// built and again whenever one changes (its size or modification time), checked each time a
/// command carries a credential, so a token written there during the run is recognised; a value
/// read once stays recognised after its file changes, goes or becomes unreadable.</summary>
/// <remarks>Values are taken liberally (a wrong guess only adds a fingerprint nothing sends): in a
/// JSON file every string, elsewhere the value of each <c>KEY=value</c> or <c>key: value</c> line
/// (or the whole line), each also without a <c>Bearer</c>/<c>Token</c> scheme, and a URL's
/// password. Values shorter than <see cref="MinLength"/> characters (flags, ports, names like
/// <c>true</c>) are left out.</remarks>
internal sealed class CredentialFileSet
{
    internal const int MinLength = 6;
    private const int MaxBytes = 256 * 1024;

    private readonly (string Path, string Display, int EnvId, string Env)[] _files;
    private readonly (long Ticks, long Size)[] _seen;
    private readonly CredentialEntry[][] _perFile;
    private readonly Lock _gate = new();
    private CredentialEntry[] _all = [];

    /// <param name="files">Absolute path, the path as the profile wrote it, environment id and name.</param>
    internal CredentialFileSet(IReadOnlyList<(string Path, string Display, int EnvId, string Env)> files)
    {
        _files = [.. files];
        _seen = new (long, long)[_files.Length];
        _perFile = new CredentialEntry[_files.Length][];
        for (int i = 0; i < _files.Length; i++) { _seen[i] = (-1, -1); _perFile[i] = []; }
        Entries();
    }

    /// <summary>The entries of every file as they are now (re-read where one changed).</summary>
    internal CredentialEntry[] Entries()
    {
        lock (_gate)
        {
            bool changed = false;
            for (int i = 0; i < _files.Length; i++)
            {
                var stamp = Stamp(_files[i].Path);
                if (stamp == _seen[i]) continue;
                _seen[i] = stamp;
                // A value once read stays a credential of its environment: reading a token and then
                // deleting, rewriting or chmod-ing its file must not turn the token into nobody's.
                if (stamp.Ticks >= 0) _perFile[i] = Keep(_perFile[i], Read(_files[i]));
                changed = true;
            }
            if (changed) _all = [.. _perFile.SelectMany(e => e)];
            return _all;
        }
    }

    private static (long Ticks, long Size) Stamp(string path)
    {
        try
        {
            var f = new FileInfo(path);
            return f.Exists ? (f.LastWriteTimeUtc.Ticks, f.Length) : (-1, -1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (-2, -2); } // unreadable now: values read before are kept, asked again next time
    }

    // Bounded: a file rewritten over and over cannot grow the set without end; the newest are kept.
    private const int MaxKeptPerFile = 16 * 1024;

    private static CredentialEntry[] Keep(CredentialEntry[] known, CredentialEntry[] read)
    {
        var all = new List<CredentialEntry>(read);
        foreach (var e in known)
            if (all.Count < MaxKeptPerFile && !all.Any(x => x.Digest.AsSpan().SequenceEqual(e.Digest))) all.Add(e);
        return [.. all];
    }

    private static CredentialEntry[] Read((string Path, string Display, int EnvId, string Env) file)
    {
        byte[] bytes;
        try
        {
            using var fs = File.OpenRead(file.Path);
            var buf = new byte[MaxBytes];
            int n = fs.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false);
            bytes = buf[..n];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
        var entries = new List<CredentialEntry>();
        foreach (var (key, value) in Values(Encoding.UTF8.GetString(bytes)))
        {
            string name = key == null ? file.Display : $"{file.Display}:{key}";
            foreach (var secret in Candidates(value))
            {
                var digest = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
                if (!entries.Any(e => e.Digest.AsSpan().SequenceEqual(digest))) entries.Add(new CredentialEntry(name, file.EnvId, file.Env, digest));
            }
        }
        return [.. entries];
    }

    /// <summary>(key, value) pairs of a credential file: JSON strings by property name, else lines.</summary>
    internal static IEnumerable<(string? Key, string Value)> Values(string text)
    {
        var t = text.AsSpan().TrimStart();
        if (t.Length > 0 && t[0] is '{' or '[')
        {
            var json = new List<(string?, string)>();
            try
            {
                using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
                Walk(doc.RootElement, null, json);
                return json;
            }
            catch (JsonException) { } // not JSON after all: read it as lines
        }
        return Lines(text);
    }

    private static void Walk(JsonElement e, string? key, List<(string?, string)> into)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) Walk(p.Value, p.Name, into); break;
            case JsonValueKind.Array: foreach (var x in e.EnumerateArray()) Walk(x, key, into); break;
            case JsonValueKind.String: into.Add((key, e.GetString()!)); break;
        }
    }

    private static IEnumerable<(string?, string)> Lines(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var l = raw.Trim();
            if (l.Length == 0 || l[0] is '#' or ';' or '[') continue;
            if (l.StartsWith("export ", StringComparison.Ordinal)) l = l[7..].TrimStart();
            int sep = l.IndexOfAny(['=', ':']);
            // "key = value" / "KEY=value" / "key: value"; a URL's "https:" is no separator.
            if (sep > 0 && !l.AsSpan(sep).StartsWith("://"))
                yield return (l[..sep].Trim(), Unquote(l[(sep + 1)..].Trim()));
            else yield return (null, Unquote(l));
        }
    }

    private static string Unquote(string v) =>
        v.Length >= 2 && (v[0] == '"' && v[^1] == '"' || v[0] == '\'' && v[^1] == '\'') ? v[1..^1] : v;

    /// <summary>The secrets one value may be sent as: itself, without an auth scheme, a URL's password.</summary>
    internal static IEnumerable<string> Candidates(string value)
    {
        var v = value.Trim();
        if (v.Length >= MinLength) yield return v;
        int space = v.IndexOf(' ');
        if (space > 0 && v[..space] is "Bearer" or "bearer" or "Token" or "token" && v[(space + 1)..].Trim() is { Length: >= MinLength } rest)
            yield return rest;
        int scheme = v.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            int end = v.IndexOfAny(['/', '?', '#'], scheme + 3);
            var authority = end < 0 ? v[(scheme + 3)..] : v[(scheme + 3)..end];
            int at = authority.LastIndexOf('@');
            int colon = at > 0 ? authority.IndexOf(':') : -1;
            if (colon >= 0 && colon < at)
            {
                var pw = authority[(colon + 1)..at];
                try { pw = Uri.UnescapeDataString(pw); }
                catch (UriFormatException) { } // not percent-encoded: the text as written
                if (pw.Length > 0) yield return pw;
            }
        }
    }
}
