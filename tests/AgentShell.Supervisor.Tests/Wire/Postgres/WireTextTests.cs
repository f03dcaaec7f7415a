using AgentShell.Supervisor.Wire.Postgres;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary><see cref="WireText"/>: bytes read as the server's lexer reads them.</summary>
public sealed class WireTextTests
{
    [TestCase("UTF8", "AsciiSafe")]
    [TestCase("SQL_ASCII", "AsciiSafe")]
    [TestCase("LATIN1", "AsciiSafe")]
    [TestCase("WIN1252", "AsciiSafe")]
    [TestCase("EUC_JP", "AsciiSafe")]
    [TestCase("SJIS", "ShiftJis")]
    [TestCase("SHIFT_JIS_2004", "ShiftJis")]
    [TestCase("BIG5", "DoubleByte")]
    [TestCase("GBK", "DoubleByte")]
    [TestCase("UHC", "DoubleByte")]
    [TestCase("JOHAB", "DoubleByte")]
    [TestCase("GB18030", "Gb18030")]
    public void ClientEncodingsByHowTheirBytesSplit(string name, string expected) =>
        Assert.That(WireText.Classify(name).ToString(), Is.EqualTo(expected));

    [Test]
    public void AnEncodingNotKnownHasNoClass() => Assert.That(WireText.Classify("EBCDIC"), Is.Null);

    [Test]
    public void EveryByteIsOneCharacterSoDollarTagsCompareAsBytes()
    {
        string s = WireText.Decode([0x24, 0xc3, 0xa9, 0x24, 0x41, 0x24, 0xc3, 0xa9, 0x24], LexEncoding.AsciiSafe);
        Assert.That(s, Is.EqualTo("$\u00c3\u00a9$A$\u00c3\u00a9$"));
    }

    [TestCase("ShiftJis", new byte[] { 0x81, 0x5c, 0x27 }, "\u0081\u015c'")]     // 0x5C trails 0x81: not a backslash
    [TestCase("ShiftJis", new byte[] { 0xb1, 0x5c, 0x27 }, "\u00b1\\'")]         // half-width katakana stands alone
    [TestCase("DoubleByte", new byte[] { 0xa4, 0x5c, 0x27 }, "\u00a4\u015c'")]
    [TestCase("Gb18030", new byte[] { 0x81, 0x30, 0x81, 0x30, 0x5c }, "\u0081\u0130\u0081\u0130\\")]
    [TestCase("Gb18030", new byte[] { 0x81, 0x5c, 0x5c }, "\u0081\u015c\\")]
    public void TrailingBytesOfAMultibyteCharacterAreNotAscii(string encoding, byte[] bytes, string expected) =>
        Assert.That(WireText.Decode(bytes, Enum.Parse<LexEncoding>(encoding)), Is.EqualTo(expected));

    [Test]
    public void DisplayGivesBackTheClientsText()
    {
        string scanned = WireText.Decode("SELECT 'café'"u8, LexEncoding.AsciiSafe);
        Assert.Multiple(() =>
        {
            Assert.That(WireText.Display(scanned, utf8: true), Is.EqualTo("SELECT 'café'"));
            Assert.That(WireText.Display("SELECT 1", utf8: true), Is.EqualTo("SELECT 1"));
            Assert.That(WireText.Display(WireText.Decode([0x61, 0xc3, 0xa9], LexEncoding.AsciiSafe) + "…", utf8: true), Is.EqualTo("aé…"));
        });
    }
}
