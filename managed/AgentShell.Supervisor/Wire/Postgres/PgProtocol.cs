using System.Buffers.Binary;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>PostgreSQL protocol v3 constants (protocol.sgml, "Message Formats") and the check the
/// wire dispatcher uses on a connection's first 8 bytes.</summary>
public static class PgProtocol
{
    /// <summary>StartupMessage protocol 3.0 (major 3 in the high 16 bits).</summary>
    public const int Version30 = 3 << 16;
    /// <summary>Highest minor version the relay understands (3.2: PostgreSQL 18, longer cancel keys).</summary>
    public const int MaxMinor = 2;
    /// <summary>SSLRequest code.</summary>
    public const int SslRequestCode = 80877103;
    /// <summary>GSSENCRequest code.</summary>
    public const int GssEncRequestCode = 80877104;
    /// <summary>CancelRequest code.</summary>
    public const int CancelRequestCode = 80877102;
    /// <summary>Largest startup packet the server accepts (MAX_STARTUP_PACKET_LENGTH).</summary>
    public const int MaxStartupLength = 10000;
    /// <summary>Largest CancelRequest: 12 bytes of header and pid, and a key of at most 256 bytes (3.2).</summary>
    public const int MaxCancelLength = 12 + 256;

    /// <summary>What a connection's first 8 bytes (length, code) open.</summary>
    public enum Opening : byte
    {
        /// <summary>Not PostgreSQL.</summary>
        None,
        /// <summary>SSLRequest.</summary>
        SslRequest,
        /// <summary>GSSENCRequest.</summary>
        GssEncRequest,
        /// <summary>CancelRequest.</summary>
        CancelRequest,
        /// <summary>StartupMessage of protocol 3.x.</summary>
        Startup,
    }

    /// <summary>Recognises a PostgreSQL opening from the first 8 bytes of a connection (fewer → None).
    /// For the wire dispatcher: a length word that fits the code, and a known code.</summary>
    public static Opening Recognise(ReadOnlySpan<byte> first)
    {
        if (first.Length < 8) return Opening.None;
        int length = BinaryPrimitives.ReadInt32BigEndian(first);
        int code = BinaryPrimitives.ReadInt32BigEndian(first[4..]);
        return code switch
        {
            SslRequestCode when length == 8 => Opening.SslRequest,
            GssEncRequestCode when length == 8 => Opening.GssEncRequest,
            CancelRequestCode when length is >= 16 and <= MaxCancelLength => Opening.CancelRequest,
            _ when (code >> 16) == 3 && (code & 0xffff) <= MaxMinor && length is > 8 and <= MaxStartupLength => Opening.Startup,
            _ => Opening.None,
        };
    }
}
