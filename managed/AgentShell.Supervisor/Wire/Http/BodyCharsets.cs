using System.Text;

namespace AgentShell.Supervisor.Wire.Http;

/// <summary>The charset a request's Content-Type declares, and the body as a server that honours
/// it reads it (body-parser decodes any "utf-*" charset through iconv-lite: UTF-7 included, where
/// <c>+AHE-uery</c> is <c>query</c>). Only charsets whose reading is certain here are decoded: the
/// ASCII-compatible ones (a GraphQL document's keywords, names and JSON's structure are ASCII, so
/// they read alike) and UTF-16/32; any other is not read, and the caller fails closed.</summary>
internal static class BodyCharsets
{
    /// <summary>Spellings that read the structure of a JSON or GraphQL body as UTF-8 does.</summary>
    private static readonly string[] AsciiCompatible =
        ["utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252"];

    /// <summary>The charset parameter, lower-cased and unquoted; null when none is given. Two
    /// different ones (servers keep the first or the last) read as "ambiguous", which no charset is.</summary>
    public static string? Of(string? contentType)
    {
        if (contentType == null) return null;
        string? found = null;
        foreach (var p in contentType.Split(';').Skip(1))
        {
            int eq = p.IndexOf('=');
            if (eq < 0 || !p[..eq].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase)) continue;
            string v = p[(eq + 1)..].Trim().Trim('"').Trim().ToLowerInvariant();
            if (found != null && found != v) return "ambiguous (" + found + ", " + v + ")";
            found = v;
        }
        return found;
    }

    /// <summary>The body as <paramref name="charset"/> reads it; null for a charset not read here.</summary>
    public static string? Decode(string charset, ReadOnlySpan<byte> body)
    {
        if (Array.IndexOf(AsciiCompatible, charset) >= 0) return HttpIntent.Text(body);
        return charset switch
        {
            "utf-16" or "utf16" or "utf-32" or "utf32" => HttpIntent.Text(body), // by BOM or zero bytes, as Text finds it
            "utf-16le" or "ucs-2" or "ucs2" => NoBom(Encoding.Unicode.GetString(body)),
            "utf-16be" => NoBom(Encoding.BigEndianUnicode.GetString(body)),
            "utf-32le" => NoBom(Encoding.UTF32.GetString(body)),
            "utf-32be" => NoBom(new UTF32Encoding(true, false).GetString(body)),
            _ => null,
        };
    }

    private static string NoBom(string s) => s.TrimStart('\uFEFF');
}
