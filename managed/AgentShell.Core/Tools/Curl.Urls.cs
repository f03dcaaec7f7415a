using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

public static partial class Curl
{
    /// <summary>Most URLs one glob expands to before the rest is left unknown.</summary>
    private const int MaxGlob = 64;

    /// <summary>The target curl would reach for <paramref name="url"/>: the scheme given, else
    /// <c>--proto-default</c>, else curl's guess from the host name (<c>ftp.x</c> → ftp,
    /// <c>dict.x</c> → dict, ldap, imap, smtp, pop3; otherwise http).</summary>
    internal static bool TryTarget(string url, string? protoDefault, out Target target)
    {
        if (!UrlParser.TryParse(url, "http", out target)) return false;
        if (UrlParser.SchemeLength(url) > 0) return true;
        string scheme = protoDefault ?? GuessScheme(target.Host!);
        if (scheme != "http") target = new Target { Kind = target.Kind, Scheme = scheme, Host = target.Host, Port = target.Port, Path = target.Path };
        return true;
    }

    /// <summary>A scheme-less word that curl cannot send anywhere: a path such as <c>./get.sh</c> or
    /// <c>../x</c> (host "." or "..", which do not resolve) or <c>/x</c> (no host). The script path
    /// a <c>#!/usr/bin/curl</c> script passes to curl is one.</summary>
    internal static bool NamesNoHost(string url)
    {
        if (UrlParser.SchemeLength(url) > 0) return false;
        int end = url.AsSpan().IndexOfAny('/', '?', '#');
        var host = end < 0 ? url.AsSpan() : url.AsSpan(0, end);
        return end >= 0 && (host.IsEmpty || host is "." or "..");
    }

    private static string GuessScheme(string host)
    {
        foreach (var s in (ReadOnlySpan<string>)["ftp", "dict", "ldap", "imap", "smtp", "pop3"])
        {
            if (host.Length > s.Length && host.StartsWith(s, StringComparison.OrdinalIgnoreCase) && host[s.Length] == '.') return s;
        }
        return "http";
    }

    /// <summary>What a non-HTTP scheme does: downloads over file-transfer and mail-reading
    /// protocols read; anything they upload, or any command or body sent with them, and every
    /// protocol that carries bytes of the caller's choosing (gopher, telnet, dict, smtp, mqtt,
    /// ldap, rtsp, smb, websockets, …) is unknown. Null for HTTP(S), which the method decides.</summary>
    private static Effect? SchemeEffect(string scheme, Request r) => scheme switch
    {
        "http" or "https" => null,
        "ftp" or "ftps" or "sftp" or "scp" or "tftp" or "file" or "imap" or "imaps" or "pop3" or "pop3s"
            => r.Upload || r.HasData || r.Commands || r.Method != null ? Effect.Unknown : Effect.Read,
        _ => Effect.Unknown,
    };

    /// <summary>The URLs curl's globbing makes of <paramref name="url"/>: <c>{a,b}</c> sets and
    /// <c>[1-3]</c>/<c>[a-c]</c> ranges (an IPv6 literal in brackets is kept). <paramref name="cut"/>
    /// when there were more than <see cref="MaxGlob"/>.</summary>
    internal static List<string> Glob(string url, out bool cut)
    {
        cut = false;
        if (url.AsSpan().IndexOfAny('{', '[') < 0) return [url];
        var result = new List<string> { "" };
        var literal = new StringBuilder();
        for (int i = 0; i < url.Length; i++)
        {
            char c = url[i];
            if (c == '\\' && i + 1 < url.Length && url[i + 1] is '{' or '}' or '[' or ']' or ',') { literal.Append(url[++i]); continue; }
            List<string>? choices = null;
            int end = -1;
            if (c == '{') { end = url.IndexOf('}', i + 1); if (end > i) choices = [.. url[(i + 1)..end].Split(',')]; }
            else if (c == '[') { end = url.IndexOf(']', i + 1); if (end > i) choices = Range(url[(i + 1)..end]); }
            if (choices == null) { literal.Append(c); continue; }
            var prefix = literal.ToString();
            literal.Clear();
            var next = new List<string>();
            foreach (var head in result)
            {
                foreach (var choice in choices)
                {
                    if (next.Count >= MaxGlob) { cut = true; break; }
                    next.Add(head + prefix + choice);
                }
            }
            result = next;
            i = end;
        }
        for (int k = 0; k < result.Count; k++) result[k] += literal.ToString();
        return result;
    }

    // "1-3", "01-10", "a-c", with ":step"; anything else (an IPv6 literal) stays as written.
    private static List<string>? Range(string spec)
    {
        int step = 1;
        int colon = spec.LastIndexOf(':');
        if (colon > 0 && int.TryParse(spec[(colon + 1)..], out var st) && st > 0) { step = st; spec = spec[..colon]; }
        int dash = spec.IndexOf('-');
        if (dash <= 0 || dash == spec.Length - 1) return null;
        string a = spec[..dash], b = spec[(dash + 1)..];
        var r = new List<string>();
        if (a.Length == 1 && b.Length == 1 && char.IsAsciiLetter(a[0]) && char.IsAsciiLetter(b[0]))
        {
            for (char ch = a[0]; ch <= b[0] && r.Count <= MaxGlob; ch = (char)(ch + step)) r.Add(ch.ToString());
            return r;
        }
        if (!long.TryParse(a, out var from) || !long.TryParse(b, out var to)) return null;
        for (long n = from; n <= to && r.Count <= MaxGlob; n += step) r.Add(n.ToString().PadLeft(a.Length, '0'));
        return r;
    }
}
