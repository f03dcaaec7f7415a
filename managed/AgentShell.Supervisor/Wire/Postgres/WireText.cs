using System.Text;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>How the bytes of a client's statement split into characters, as far as the server's
/// lexer cares: which bytes below 0x80 are ASCII characters.</summary>
internal enum LexEncoding : byte
{
    /// <summary>Every byte below 0x80 is an ASCII character (UTF8, SQL_ASCII, the single-byte and
    /// EUC encodings, MULE_INTERNAL).</summary>
    AsciiSafe,
    /// <summary>SJIS, SHIFT_JIS_2004: 0xA1–0xDF stand alone, other high bytes lead a two-byte character.</summary>
    ShiftJis,
    /// <summary>BIG5, GBK, UHC, JOHAB: every high byte leads a two-byte character.</summary>
    DoubleByte,
    /// <summary>GB18030: a high byte leads two bytes, or four when a digit follows it.</summary>
    Gb18030,
}

/// <summary>Turns statement bytes into text that <see cref="AgentShell.Core.Tools.SqlScanner"/>
/// lexes as the server does. The server's lexer works on bytes (every byte at or above 0x80 is an
/// identifier character), after converting the client's encoding; so each byte becomes one
/// character (Latin-1: injective, so dollar-quote tags compare as bytes), and in the client-only
/// multibyte encodings — where the second byte of a character may be <c>\</c> or a letter — such
/// trailing bytes become non-ASCII characters instead of the ASCII they look like.</summary>
internal static class WireText
{
    /// <summary>The lexing class of a <c>client_encoding</c> the server reported; null when unknown.</summary>
    internal static LexEncoding? Classify(string name) => name.ToUpperInvariant() switch
    {
        "UTF8" or "SQL_ASCII" or "MULE_INTERNAL" or "KOI8R" or "KOI8U" or "EUC_JP" or "EUC_CN" or "EUC_KR" or "EUC_TW"
            or "EUC_JIS_2004" => LexEncoding.AsciiSafe,
        var n when n.StartsWith("LATIN", StringComparison.Ordinal) || n.StartsWith("WIN", StringComparison.Ordinal)
            || n.StartsWith("ISO_8859_", StringComparison.Ordinal) => LexEncoding.AsciiSafe,
        "SJIS" or "SHIFT_JIS_2004" => LexEncoding.ShiftJis,
        "BIG5" or "GBK" or "UHC" or "JOHAB" => LexEncoding.DoubleByte,
        "GB18030" => LexEncoding.Gb18030,
        _ => null,
    };

    /// <summary>True when <paramref name="bytes"/> lex the same in every encoding (no high byte).</summary>
    internal static bool IsAscii(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExceptInRange((byte)0, (byte)0x7f);

    /// <summary>The text to scan for <paramref name="bytes"/> read in <paramref name="encoding"/>.</summary>
    internal static string Decode(ReadOnlySpan<byte> bytes, LexEncoding encoding)
    {
        if (encoding == LexEncoding.AsciiSafe || IsAscii(bytes)) return Encoding.Latin1.GetString(bytes);
        var sb = new StringBuilder(bytes.Length);
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            int len = b < 0x80 ? 1 : encoding switch
            {
                LexEncoding.ShiftJis => b is >= 0xa1 and <= 0xdf ? 1 : 2,
                LexEncoding.Gb18030 => i + 1 < bytes.Length && bytes[i + 1] is >= 0x30 and <= 0x39 ? 4 : 2,
                _ => 2,
            };
            sb.Append((char)b);
            for (int k = 1; k < len && i + 1 < bytes.Length; k++)
            {
                byte t = bytes[++i];
                sb.Append(t < 0x80 ? (char)(0x100 + t) : (char)t); // an ASCII-looking trailing byte is not ASCII
            }
        }
        return sb.ToString();
    }

    /// <summary>True when <paramref name="scanned"/> has no character at or above 0x80: <see cref="Display"/> returns it unchanged.</summary>
    internal static bool IsPlain(string scanned) => !scanned.AsSpan().ContainsAnyExceptInRange('\0', '\u007f');

    /// <summary>A statement's scanned text made readable again: the bytes it stands for, decoded as
    /// UTF-8 when the client's encoding is UTF8 (else shown as Latin-1).</summary>
    internal static string Display(string scanned, bool utf8)
    {
        if (IsPlain(scanned)) return scanned;
        bool cut = scanned.EndsWith('…'); // the scanner's mark of a shortened statement
        if (cut) scanned = scanned[..^1];
        var bytes = new byte[scanned.Length];
        for (int i = 0; i < scanned.Length; i++) bytes[i] = scanned[i] is var c && c >= 0x100 ? (byte)(c - 0x100) : (byte)scanned[i];
        return (utf8 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes)) + (cut ? "…" : "");
    }
}
