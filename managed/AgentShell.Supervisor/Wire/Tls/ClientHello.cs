using System.Buffers.Binary;
using System.Text;

namespace AgentShell.Supervisor.Wire.Tls;

/// <summary>What a TLS ClientHello asks for: the server name (SNI) and the application protocols
/// offered (ALPN). Read from the first bytes of a connection, across as many TLS records as the
/// handshake message spans (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301).</summary>
internal sealed class ClientHello
{
    /// <summary>The largest ClientHello read (a post-quantum key share with GREASE is ~2 KB).</summary>
    internal const int MaxBytes = 64 * 1024;

    /// <summary>The host name asked for, lower-cased, or null.</summary>
    public string? ServerName { get; private init; }

    /// <summary>ALPN protocol names offered, in the client's order (empty when none were).</summary>
    public IReadOnlyList<string> Protocols { get; private init; } = [];

    /// <summary>True when <paramref name="first"/> starts like a TLS handshake record.</summary>
    public static bool Looks(ReadOnlySpan<byte> first) =>
        first.Length >= 1 && first[0] == 22 && (first.Length < 2 || first[1] == 3) && (first.Length < 6 || first[5] == 1);

    /// <summary>Parses the ClientHello at the start of <paramref name="data"/>. NeedMore when the
    /// message is not complete yet; No when the bytes are not a ClientHello.</summary>
    public static WireSniff TryParse(ReadOnlySpan<byte> data, out ClientHello? hello)
    {
        hello = null;
        // Reassemble the handshake message from the records' fragments.
        byte[]? joined = null;
        int have = 0, need = -1;
        int at = 0;
        while (need < 0 || have < need)
        {
            if (data.Length - at >= 1 && data[at] != 22 || data.Length - at >= 2 && data[at + 1] != 3) return WireSniff.No;
            if (data.Length - at < 5) return data.Length >= MaxBytes ? WireSniff.No : WireSniff.NeedMore;
            int len = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 3)..]);
            if (len == 0 || len > 16384 + 256) return WireSniff.No;
            if (data.Length - at - 5 < len) return at + 5 + len > MaxBytes ? WireSniff.No : WireSniff.NeedMore;
            var fragment = data.Slice(at + 5, len);
            joined ??= new byte[data.Length]; // the fragments never add up to more than the data
            fragment.CopyTo(joined.AsSpan(have));
            have += len;
            at += 5 + len;
            if (need < 0 && have >= 4)
            {
                if (joined[0] != 1) return WireSniff.No; // not a client_hello
                need = 4 + (joined[1] << 16 | joined[2] << 8 | joined[3]);
                if (need > MaxBytes) return WireSniff.No;
            }
        }
        return Parse(joined.AsSpan(4, need - 4), out hello) ? WireSniff.Yes : WireSniff.No;
    }

    private static bool Parse(ReadOnlySpan<byte> b, out ClientHello? hello)
    {
        hello = null;
        try
        {
            int p = 2 + 32; // legacy_version, random
            p += 1 + b[p];                                        // legacy_session_id
            p += 2 + BinaryPrimitives.ReadUInt16BigEndian(b[p..]); // cipher_suites
            p += 1 + b[p];                                        // legacy_compression_methods
            string? name = null;
            var protocols = new List<string>();
            if (p < b.Length)
            {
                int end = p + 2 + BinaryPrimitives.ReadUInt16BigEndian(b[p..]);
                if (end > b.Length) return false;
                p += 2;
                while (p + 4 <= end)
                {
                    int type = BinaryPrimitives.ReadUInt16BigEndian(b[p..]);
                    int len = BinaryPrimitives.ReadUInt16BigEndian(b[(p + 2)..]);
                    var ext = b.Slice(p + 4, len);
                    p += 4 + len;
                    if (type == 0) name = ServerNameOf(ext);
                    else if (type == 16) ProtocolsOf(ext, protocols);
                }
            }
            hello = new ClientHello { ServerName = name, Protocols = protocols };
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // a length that runs past the message: not a ClientHello we can read
        }
    }

    private static string? ServerNameOf(ReadOnlySpan<byte> ext)
    {
        int end = 2 + BinaryPrimitives.ReadUInt16BigEndian(ext);
        for (int p = 2; p + 3 <= end;)
        {
            int kind = ext[p], len = BinaryPrimitives.ReadUInt16BigEndian(ext[(p + 1)..]);
            var value = ext.Slice(p + 3, len);
            p += 3 + len;
            // host_name: ASCII (A-labels) only; anything else is no name we could mint for.
            if (kind == 0 && len > 0 && !value.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e))
                return Encoding.ASCII.GetString(value).TrimEnd('.').ToLowerInvariant();
        }
        return null;
    }

    private static void ProtocolsOf(ReadOnlySpan<byte> ext, List<string> into)
    {
        int end = 2 + BinaryPrimitives.ReadUInt16BigEndian(ext);
        for (int p = 2; p + 1 <= end;)
        {
            int len = ext[p];
            into.Add(Encoding.ASCII.GetString(ext.Slice(p + 1, len)));
            p += 1 + len;
        }
    }
}
