using System.Buffers.Binary;
using System.Net;

namespace AgentShell.Supervisor.Network;

/// <summary>An IPv4 or IPv6 address as two big-endian halves; IPv4 is held v4-mapped
/// (<c>::ffff:a.b.c.d</c>), so a v4-mapped IPv6 address and its IPv4 address are one key.</summary>
internal readonly record struct Address16(ulong Hi, ulong Lo)
{
    private const ulong V4MappedLo = 0x0000_FFFF_0000_0000;

    /// <summary>From 4 (IPv4) or 16 (IPv6) network-order bytes.</summary>
    internal static Address16 From(ReadOnlySpan<byte> b) => b.Length == 4
        ? new Address16(0, V4MappedLo | BinaryPrimitives.ReadUInt32BigEndian(b))
        : new Address16(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]));

    /// <summary>A mask of the first <paramref name="bits"/> bits (0..128).</summary>
    internal static Address16 Mask(int bits) => new(
        bits <= 0 ? 0 : bits >= 64 ? ulong.MaxValue : ulong.MaxValue << (64 - bits),
        bits <= 64 ? 0 : bits >= 128 ? ulong.MaxValue : ulong.MaxValue << (128 - bits));

    internal Address16 And(Address16 m) => new(Hi & m.Hi, Lo & m.Lo);

    internal bool IsV4Mapped => Hi == 0 && (Lo & 0xFFFF_FFFF_0000_0000) == V4MappedLo;

    /// <summary>127.0.0.0/8 or ::1.</summary>
    internal bool IsLoopback => IsV4Mapped ? (Lo & 0xFF00_0000) == 0x7F00_0000 : Hi == 0 && Lo == 1;

    /// <summary>As an <see cref="IPAddress"/>; a v4-mapped address as plain IPv4.</summary>
    internal IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(b, Hi);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], Lo);
        return IsV4Mapped ? new IPAddress(b[12..]) : new IPAddress(b);
    }

    /// <summary>::ffff:0.0.0.0, IPv4's unspecified address seen from an IPv6 socket.</summary>
    internal static readonly Address16 V4Unspecified = new(0, V4MappedLo);

    /// <summary>127.254.0.0/16: root mode's gate, where held connects wait.</summary>
    internal bool IsGate => IsV4Mapped && ((uint)Lo & KernelConnectGuard.GateMask) == KernelConnectGuard.GateNetwork;
}
