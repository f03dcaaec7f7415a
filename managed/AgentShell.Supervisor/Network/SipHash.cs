using System.Buffers.Binary;
using System.Numerics;

namespace AgentShell.Supervisor.Network;

/// <summary>SipHash-2-4 with one key: the keyed hash root mode's kernel program compares a committed
/// exec's argv and environment with (native/bpf/agentshell-siphash.h; a test checks both agree).</summary>
internal sealed class SipHash(ulong k0, ulong k1)
{
    /// <summary>The hash of <paramref name="message"/>.</summary>
    public ulong Hash(ReadOnlySpan<byte> message)
    {
        ulong v0 = k0 ^ 0x736f6d6570736575UL, v1 = k1 ^ 0x646f72616e646f6dUL;
        ulong v2 = k0 ^ 0x6c7967656e657261UL, v3 = k1 ^ 0x7465646279746573UL;
        int full = message.Length & ~7;
        for (int i = 0; i < full; i += 8) Word(ref v0, ref v1, ref v2, ref v3, BinaryPrimitives.ReadUInt64LittleEndian(message[i..]));
        ulong tail = 0;
        for (int i = message.Length - 1; i >= full; i--) tail = (tail << 8) | message[i];
        Word(ref v0, ref v1, ref v2, ref v3, ((ulong)message.Length << 56) | tail);
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Word(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3, ulong m)
    {
        v3 ^= m;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= m;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }
}
