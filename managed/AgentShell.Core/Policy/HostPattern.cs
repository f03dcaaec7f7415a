using System.Net;
using System.Net.Sockets;

namespace AgentShell.Core.Policy;

/// <summary>One entry of an environment's <c>Hosts</c>: an exact name, a <c>*.</c> glob, an IP
/// literal or a CIDR, optionally with <c>:port</c>. Names match case-insensitively and ignore a
/// trailing dot.</summary>
public sealed class HostPattern
{
    private readonly string? _exact;      // lower-case, no trailing dot
    private readonly string? _suffix;     // ".example.com" for "*.example.com"
    private readonly byte[]? _network;    // address bytes for literal / CIDR
    private readonly int _prefixBits;
    private readonly int? _port;

    /// <summary>The text it was parsed from.</summary>
    public string Text { get; }

    private HostPattern(string text, string? exact, string? suffix, byte[]? network, int prefixBits, int? port)
    {
        Text = text; _exact = exact; _suffix = suffix; _network = network; _prefixBits = prefixBits; _port = port;
    }

    /// <summary>Parses a pattern; returns false with a reason when it is not valid.</summary>
    public static bool TryParse(string text, out HostPattern pattern, out string error)
    {
        pattern = null!;
        error = "";
        string s = text.Trim();
        if (s.Length == 0) { error = "empty host pattern"; return false; }
        int? port = null;
        // [v6]:port or [v6]/bits
        if (s[0] == '[')
        {
            int close = s.IndexOf(']');
            if (close < 0) { error = "missing ']'"; return false; }
            string inner = s[1..close], after = s[(close + 1)..];
            if (after.StartsWith('/')) { inner += after; after = ""; }
            if (after.StartsWith(':'))
            {
                if (!int.TryParse(after[1..], out int p) || p is < 1 or > 65535) { error = $"bad port '{after[1..]}'"; return false; }
                port = p;
            }
            else if (after.Length > 0) { error = $"unexpected '{after}' after ']'"; return false; }
            s = inner;
        }
        else if (s.Count(c => c == ':') == 1)
        {
            int colon = s.IndexOf(':');
            if (!int.TryParse(s[(colon + 1)..], out int p) || p is < 1 or > 65535) { error = $"bad port '{s[(colon + 1)..]}'"; return false; }
            port = p;
            s = s[..colon];
        }

        int slash = s.IndexOf('/');
        string addrPart = slash >= 0 ? s[..slash] : s;
        if (IPAddress.TryParse(addrPart, out var ip))
        {
            var bytes = Normalize(ip).GetAddressBytes();
            int bits = bytes.Length * 8;
            if (slash >= 0 && (!int.TryParse(s[(slash + 1)..], out bits) || bits < 0 || bits > bytes.Length * 8))
            {
                error = $"bad CIDR prefix '{s[(slash + 1)..]}'";
                return false;
            }
            pattern = new HostPattern(text, null, null, bytes, bits, port);
            return true;
        }
        if (slash >= 0) { error = $"'{addrPart}' is not an IP address, so it cannot take a /prefix"; return false; }

        string name = s.TrimEnd('.').ToLowerInvariant();
        bool glob = name.StartsWith("*.", StringComparison.Ordinal);
        string labels = glob ? name[2..] : name;
        if (labels.Contains('*')) { error = "'*' is only allowed as a leading '*.' label"; return false; }
        if (labels.Length == 0 || labels.StartsWith('.') || labels.Contains("..")) { error = glob ? "a glob must be '*.' followed by a domain" : "empty label in host name"; return false; }
        foreach (char c in labels)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')) { error = $"'{c}' is not valid in a host name"; return false; }
        }
        pattern = glob ? new HostPattern(text, null, name[1..], null, 0, port) : new HostPattern(text, name, null, null, 0, port);
        return true;
    }

    /// <summary>True when <paramref name="host"/> (name or address literal) and port match.</summary>
    public bool Matches(string host, int? port)
    {
        if (_port is int want && port != want) return false;
        if (_network != null)
        {
            Span<byte> bytes = stackalloc byte[16];
            int n = AddressBytes(host, bytes);
            return n > 0 && Matches(bytes[..n]);
        }
        ReadOnlySpan<char> h = host.AsSpan().TrimEnd('.');
        if (_exact != null) return h.Equals(_exact, StringComparison.OrdinalIgnoreCase);
        return h.Length > _suffix!.Length && h.EndsWith(_suffix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True when an address falls in this literal/CIDR (port not checked).</summary>
    public bool Matches(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        return Normalize(address).TryWriteBytes(bytes, out int n) && Matches(bytes[..n]);
    }

    /// <summary>True when address bytes (4 or 16, IPv4-mapped already unmapped) fall in this literal/CIDR.</summary>
    internal bool Matches(ReadOnlySpan<byte> bytes)
    {
        if (_network == null || bytes.Length != _network.Length) return false;
        int full = _prefixBits / 8, rem = _prefixBits % 8;
        if (!bytes[..full].SequenceEqual(_network.AsSpan(0, full))) return false;
        if (rem == 0) return true;
        int mask = 0xFF << (8 - rem) & 0xFF;
        return (bytes[full] & mask) == (_network[full] & mask);
    }

    /// <summary>Writes the address bytes of an IP literal host (IPv4-mapped IPv6 unmapped); 0 when not an address.</summary>
    internal static int AddressBytes(ReadOnlySpan<char> host, Span<byte> into)
    {
        if (host.IsEmpty || !(char.IsAsciiDigit(host[0]) || host.Contains(':')) || !IPAddress.TryParse(host, out var ip)) return 0;
        return Normalize(ip).TryWriteBytes(into, out int n) ? n : 0;
    }

    /// <summary>True when the pattern is a name (needs DNS to match addresses).</summary>
    public bool IsName => _network == null;

    /// <summary>The port the pattern requires, if any.</summary>
    public int? Port => _port;

    /// <summary>Lower-case name without trailing dot for an exact-name pattern (not a <c>*.</c>
    /// glob, not an address), else null.</summary>
    public string? ExactName => _exact;

    /// <summary>For an IP literal or CIDR: writes the network's address bytes into
    /// <paramref name="into"/> (4 for IPv4, IPv4-mapped literals included; 16 for IPv6) and returns
    /// the prefix length (32 or 128 for a literal); -1 for a name pattern.</summary>
    public int CopyNetwork(Span<byte> into, out int length)
    {
        length = 0;
        if (_network == null) return -1;
        _network.CopyTo(into);
        length = _network.Length;
        return _prefixBits;
    }

    /// <summary>".example.com" for "*.example.com", else null.</summary>
    internal string? Suffix => _suffix;

    /// <summary>Prefix length of an address literal (full length) or CIDR; 0 for names.</summary>
    internal int PrefixBits => _network == null ? 0 : _prefixBits;

    private static IPAddress Normalize(IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
}
