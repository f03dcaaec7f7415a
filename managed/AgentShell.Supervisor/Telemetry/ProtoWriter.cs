using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>The protobuf wire format for the few OTLP messages agentshell sends (see
/// <see cref="OtlpMessages"/>): varints, fixed64, doubles, strings and nested messages. A nested
/// message is written into a buffer of its own (one per depth, reused) and copied into its parent
/// with its length once ended. Not thread-safe: one per thread.</summary>
internal sealed class ProtoWriter
{
    private const int Varint = 0, Fixed64Type = 1, Length = 2;
    private readonly List<ArrayBufferWriter<byte>> _levels;
    private int _depth;

    /// <summary>A writer whose outer buffer starts at <paramref name="initialSize"/> bytes.</summary>
    public ProtoWriter(int initialSize = 16 * 1024) => _levels = [new(initialSize)];

    private ArrayBufferWriter<byte> Current => _levels[_depth];

    /// <summary>The encoded message so far (valid once every <see cref="Begin"/> is ended).</summary>
    public ReadOnlySpan<byte> Written => _levels[0].WrittenSpan;

    /// <summary>The same, as memory (valid until the next <see cref="Reset"/>).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _levels[0].WrittenMemory;

    /// <summary>Starts over.</summary>
    public void Reset()
    {
        _depth = 0;
        _levels[0].ResetWrittenCount();
    }

    /// <summary>Starts nested message <paramref name="field"/>; close it with <see cref="End"/>.</summary>
    public void Begin(int field)
    {
        Tag(field, Length);
        _depth++;
        if (_levels.Count == _depth) _levels.Add(new ArrayBufferWriter<byte>(1024));
        Current.ResetWrittenCount();
    }

    /// <summary>Ends the innermost nested message.</summary>
    public void End()
    {
        var child = Current;
        _depth--;
        WriteVarint((ulong)child.WrittenCount);
        Current.Write(child.WrittenSpan);
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
    public void Raw(ReadOnlySpan<byte> encoded) => Current.Write(encoded);

    /// <summary>The bytes the buffer can hold before it grows.</summary>
    public int Capacity => _levels[0].Capacity;

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
        Tag(field, Length);
        int n = Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)n);
        Encoding.UTF8.GetBytes(value, Current.GetSpan(n));
        Current.Advance(n);
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
        BinaryPrimitives.WriteUInt64LittleEndian(Current.GetSpan(8), value);
        Current.Advance(8);
    }

    /// <summary>A double field, written even when zero (OTLP's optional sum, min, max).</summary>
    public void Double(int field, double value)
    {
        Tag(field, Fixed64Type);
        BinaryPrimitives.WriteDoubleLittleEndian(Current.GetSpan(8), value);
        Current.Advance(8);
    }

    /// <summary>A packed repeated fixed64 field.</summary>
    public void PackedFixed64(int field, ReadOnlySpan<long> values)
    {
        Tag(field, Length);
        WriteVarint((ulong)values.Length * 8);
        foreach (var v in values) { BinaryPrimitives.WriteInt64LittleEndian(Current.GetSpan(8), v); Current.Advance(8); }
    }

    /// <summary>A packed repeated double field.</summary>
    public void PackedDouble(int field, ReadOnlySpan<double> values)
    {
        Tag(field, Length);
        WriteVarint((ulong)values.Length * 8);
        foreach (var v in values) { BinaryPrimitives.WriteDoubleLittleEndian(Current.GetSpan(8), v); Current.Advance(8); }
    }

    private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong v)
    {
        var span = Current.GetSpan(10);
        int i = 0;
        while (v >= 0x80) { span[i++] = (byte)(v | 0x80); v >>= 7; }
        span[i++] = (byte)v;
        Current.Advance(i);
    }
}
