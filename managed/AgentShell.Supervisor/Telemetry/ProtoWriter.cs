using System.Buffers.Binary;
using System.Text;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>The protobuf wire format for the few OTLP messages agentshell sends (see
/// <see cref="OtlpMessages"/>): varints, fixed64, doubles, strings and nested messages, written
/// forward into one buffer. A nested message's length is not known until it ends: one byte is
/// kept for it at <see cref="Begin"/>, and <see cref="End"/> moves the body along in the rare case
/// (128 bytes or more) that the length needs more. Not thread-safe: one per thread.</summary>
/// <remarks>PERF: the previous writer wrote each nested message into a buffer of its own and copied
/// it into its parent, so a decision's attribute value was copied three times, each write through
/// ArrayBufferWriter's checks: encoding was ~2.5 µs of the export thread's ~3.7 µs per record (perf
/// record of the supervisor, 40,000 exported decisions).</remarks>
internal sealed class ProtoWriter
{
    private const int Varint = 0, Fixed64Type = 1, Length = 2;
    private byte[] _buf;
    private int _pos;
    // Where each open nested message's body starts (its length byte is the one before).
    private int[] _open = new int[8];
    private int _depth;

    /// <summary>A writer whose buffer starts at <paramref name="initialSize"/> bytes.</summary>
    public ProtoWriter(int initialSize = 16 * 1024) => _buf = new byte[Math.Max(initialSize, 16)];

    /// <summary>The encoded message so far (valid once every <see cref="Begin"/> is ended).</summary>
    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _pos);

    /// <summary>The same, as memory (valid until the next <see cref="Reset"/>).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buf.AsMemory(0, _pos);

    /// <summary>Starts over.</summary>
    public void Reset()
    {
        _depth = 0;
        _pos = 0;
    }

    /// <summary>Starts nested message <paramref name="field"/>; close it with <see cref="End"/>.</summary>
    public void Begin(int field)
    {
        Tag(field, Length);
        Ensure(1);
        _pos++; // the length's first byte, written by End
        if (_depth == _open.Length) Array.Resize(ref _open, _depth * 2);
        _open[_depth++] = _pos;
    }

    /// <summary>Ends the innermost nested message.</summary>
    public void End()
    {
        int start = _open[--_depth];
        int length = _pos - start;
        int extra = VarintLength((ulong)length) - 1;
        if (extra > 0)
        {
            Ensure(extra);
            _buf.AsSpan(start, length).CopyTo(_buf.AsSpan(start + extra)); // overlapping: a memmove
            _pos += extra;
        }
        WriteVarintAt(start - 1, (ulong)length);
    }

    /// <summary>The tag and length of a length-delimited field <paramref name="field"/> whose
    /// body (written next, e.g. with <see cref="Raw"/>) takes <paramref name="length"/> bytes.</summary>
    public void Header(int field, int length)
    {
        Tag(field, Length);
        WriteVarint((ulong)length);
    }

    /// <summary>How many bytes <see cref="Header"/> writes.</summary>
    public static int HeaderLength(int field, int length) => VarintLength((ulong)((field << 3) | Length)) + VarintLength((ulong)length);

    /// <summary>Bytes already encoded (fields, or a message's body after its <see cref="Header"/>).</summary>
    public void Raw(ReadOnlySpan<byte> encoded)
    {
        Ensure(encoded.Length);
        encoded.CopyTo(_buf.AsSpan(_pos));
        _pos += encoded.Length;
    }

    /// <summary><paramref name="n"/> bytes at the end, for the caller to fill (valid until the next write).</summary>
    public Span<byte> Reserve(int n)
    {
        Ensure(n);
        _pos += n;
        return _buf.AsSpan(_pos - n, n);
    }

    /// <summary>Bytes already written, to fill in later (valid until the next write).</summary>
    public Span<byte> At(int offset, int length) => _buf.AsSpan(0, _pos).Slice(offset, length);

    /// <summary>Appends <paramref name="value"/>'s UTF-8 (no tag, no length); how many bytes.</summary>
    public int AppendUtf8(ReadOnlySpan<char> value)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(value.Length));
        int n = Encoding.UTF8.GetBytes(value, _buf.AsSpan(_pos));
        _pos += n;
        return n;
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="at"/> as a varint of five bytes
    /// whatever its value (a length known only after what follows it was written).</summary>
    public void PaddedVarintAt(int at, int value)
    {
        var span = At(at, 5);
        uint v = (uint)value;
        for (int i = 0; i < 4; i++, v >>= 7) span[i] = (byte)(v | 0x80);
        span[4] = (byte)(v & 0x7f);
    }

    /// <summary>The bytes the buffer can hold before it grows.</summary>
    public int Capacity => _buf.Length;

    private static int VarintLength(ulong v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    /// <summary>A string field (proto3: an empty string is not written).</summary>
    public void String(int field, string? value) => String(field, value.AsSpan());

    /// <summary>A string field from characters (proto3: an empty one is not written).</summary>
    public void String(int field, ReadOnlySpan<char> value)
    {
        if (value.IsEmpty) return;
        int n = Encoding.UTF8.GetByteCount(value);
        Tag(field, Length);
        WriteVarint((ulong)n);
        Ensure(n);
        _pos += Encoding.UTF8.GetBytes(value, _buf.AsSpan(_pos));
    }

    /// <summary>A string field already in UTF-8 (a key spelt as a <c>u8</c> literal); an empty one is not written.</summary>
    public void Utf8(int field, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) return;
        Tag(field, Length);
        WriteVarint((ulong)value.Length);
        Raw(value);
    }

    /// <summary>A varint field (int64, uint32, enum, bool); zero is not written unless
    /// <paramref name="always"/> (a member of a oneof, whose presence is its meaning).</summary>
    public void UInt64(int field, ulong value, bool always = false)
    {
        if (value == 0 && !always) return;
        Tag(field, Varint);
        WriteVarint(value);
    }

    /// <summary>An int64 field (two's complement varint).</summary>
    public void Int64(int field, long value, bool always = false) => UInt64(field, unchecked((ulong)value), always);

    /// <summary>A fixed64 or sfixed64 field; zero is not written unless <paramref name="always"/>.</summary>
    public void Fixed64(int field, ulong value, bool always = false)
    {
        if (value == 0 && !always) return;
        Tag(field, Fixed64Type);
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buf.AsSpan(_pos), value);
        _pos += 8;
    }

    /// <summary>A double field, written even when zero (OTLP's optional sum, min, max).</summary>
    public void Double(int field, double value)
    {
        Tag(field, Fixed64Type);
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buf.AsSpan(_pos), value);
        _pos += 8;
    }

    /// <summary>A packed repeated fixed64 field.</summary>
    public void PackedFixed64(int field, ReadOnlySpan<long> values)
    {
        Tag(field, Length);
        WriteVarint((ulong)values.Length * 8);
        Ensure(values.Length * 8);
        foreach (var v in values) { BinaryPrimitives.WriteInt64LittleEndian(_buf.AsSpan(_pos), v); _pos += 8; }
    }

    /// <summary>A packed repeated double field.</summary>
    public void PackedDouble(int field, ReadOnlySpan<double> values)
    {
        Tag(field, Length);
        WriteVarint((ulong)values.Length * 8);
        Ensure(values.Length * 8);
        foreach (var v in values) { BinaryPrimitives.WriteDoubleLittleEndian(_buf.AsSpan(_pos), v); _pos += 8; }
    }

    private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong v)
    {
        Ensure(10);
        var b = _buf;
        int i = _pos;
        while (v >= 0x80) { b[i++] = (byte)(v | 0x80); v >>= 7; }
        b[i++] = (byte)v;
        _pos = i;
    }

    // The length of a nested message, into the bytes kept for it (VarintLength(v) of them).
    private void WriteVarintAt(int at, ulong v)
    {
        while (v >= 0x80) { _buf[at++] = (byte)(v | 0x80); v >>= 7; }
        _buf[at] = (byte)v;
    }

    private void Ensure(int n)
    {
        if (_buf.Length - _pos < n) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _pos + n));
    }
}
