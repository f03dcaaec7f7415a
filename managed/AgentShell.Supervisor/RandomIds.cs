using System.Buffers.Binary;

namespace AgentShell.Supervisor;

/// <summary>Random ids (runs, sessions, gated connects, DNS queries) from getrandom(2).</summary>
internal static class RandomIds
{
    /// <summary><paramref name="bytes"/> random bytes as lower-case hex.</summary>
    public static string Hex(int bytes)
    {
        Span<byte> b = stackalloc byte[bytes];
        Interop.Random.Fill(b);
        return Convert.ToHexStringLower(b);
    }

    /// <summary>A random 64-bit value.</summary>
    public static ulong UInt64()
    {
        Span<byte> b = stackalloc byte[8];
        Interop.Random.Fill(b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    /// <summary>A random 16-bit value.</summary>
    public static ushort UInt16()
    {
        Span<byte> b = stackalloc byte[2];
        Interop.Random.Fill(b);
        return BinaryPrimitives.ReadUInt16LittleEndian(b);
    }
}
