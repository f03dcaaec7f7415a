using AgentShell.Supervisor.Wire.Postgres;
using static AgentShell.Supervisor.Wire.Postgres.PgProtocol;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary><see cref="PgProtocol.Recognise"/>: what the dispatcher hands the relay.</summary>
public sealed class PgProtocolTests
{
    [TestCase(new byte[] { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f }, Opening.SslRequest)]
    [TestCase(new byte[] { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30 }, Opening.GssEncRequest)]
    [TestCase(new byte[] { 0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e }, Opening.CancelRequest)]
    [TestCase(new byte[] { 0, 0, 1, 12, 0x04, 0xd2, 0x16, 0x2e }, Opening.CancelRequest)]   // 3.2: a 256-byte key
    [TestCase(new byte[] { 0, 0, 0, 80, 0, 3, 0, 0 }, Opening.Startup)]
    [TestCase(new byte[] { 0, 0, 0, 80, 0, 3, 0, 2 }, Opening.Startup)]
    [TestCase(new byte[] { 0, 0, 0, 9, 0x04, 0xd2, 0x16, 0x2f }, Opening.None)]            // SSLRequest with a wrong length
    [TestCase(new byte[] { 0, 0, 1, 13, 0x04, 0xd2, 0x16, 0x2e }, Opening.None)]           // cancel key too long
    [TestCase(new byte[] { 0, 0, 0, 80, 0, 2, 0, 0 }, Opening.None)]                       // protocol 2
    [TestCase(new byte[] { 0, 0, 0, 80, 0, 3, 0, 9 }, Opening.None)]                       // a minor version the relay does not know
    [TestCase(new byte[] { 0, 0, 0x27, 0x11, 0, 3, 0, 0 }, Opening.None)]                  // longer than the server accepts
    [TestCase(new byte[] { 0x16, 3, 1, 0, 0xa5, 1, 0, 0 }, Opening.None)]                  // a TLS ClientHello
    [TestCase(new byte[] { (byte)'G', (byte)'E', (byte)'T', (byte)' ', (byte)'/', (byte)' ', (byte)'H', (byte)'T' }, Opening.None)]
    [TestCase(new byte[] { 0, 0, 0, 8, 0x04, 0xd2, 0x16 }, Opening.None)]                  // fewer than 8 bytes
    public void TheFirstEightBytesTellTheOpening(byte[] first, Opening expected) =>
        Assert.That(Recognise(first), Is.EqualTo(expected));
}
