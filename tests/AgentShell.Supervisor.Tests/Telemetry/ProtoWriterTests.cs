using System.Text;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

/// <summary>The one-buffer writer keeps a byte for each nested message's length and moves the body
/// along when the length needs more: the bytes must be the wire format's at every length boundary.</summary>
[TestFixture]
public sealed class ProtoWriterTests
{
    private static byte[] Varint(ulong v)
    {
        var b = new List<byte>();
        while (v >= 0x80) { b.Add((byte)(v | 0x80)); v >>= 7; }
        b.Add((byte)v);
        return [.. b];
    }

    // A length-delimited field as the wire format spells it: tag, length, body.
    private static byte[] Field(int field, byte[] body) => [.. Varint((ulong)(field << 3 | 2)), .. Varint((ulong)body.Length), .. body];

    [TestCase(1)]
    [TestCase(126)]
    [TestCase(127)]
    [TestCase(128)]
    [TestCase(16_381)]
    [TestCase(16_382)]
    [TestCase(16_383)]
    [TestCase(16_384)]
    [TestCase(2_097_152)]
    public void NestedMessagesOfEveryLengthBoundaryAreTheWireFormat(int n)
    {
        string text = new('x', n);
        // Two levels around a string, a sibling after them, into a buffer far too small: it grows too.
        var w = new ProtoWriter(16);
        w.UInt64(1, 150);
        w.Begin(2);
        w.Begin(3);
        w.String(4, text);
        w.End();
        w.Fixed64(5, 0x0102030405060708);
        w.End();
        w.String(6, "é✓");
        byte[] inner = Field(4, Encoding.UTF8.GetBytes(text));
        byte[] middle = [.. Field(3, inner), 5 << 3 | 1, 8, 7, 6, 5, 4, 3, 2, 1];
        byte[] expected = [8, 0x96, 0x01, .. Field(2, middle), .. Field(6, Encoding.UTF8.GetBytes("é✓"))];
        Assert.That(w.Written.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void AnEmptyNestedMessageAndAResetWriteTheSameAsNew()
    {
        var w = new ProtoWriter(16);
        w.Begin(1);
        w.String(2, new string('y', 300));
        w.End();
        w.Reset();
        w.Begin(7);
        w.End();
        w.Utf8(3, "key"u8);
        Assert.That(w.Written.ToArray(), Is.EqualTo(new byte[] { 7 << 3 | 2, 0, 3 << 3 | 2, 3, (byte)'k', (byte)'e', (byte)'y' }));
    }
}
