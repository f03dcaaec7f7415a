using System.Buffers.Binary;
using AgentShell.Supervisor.Wire;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>The dispatcher's view of PostgreSQL: which first bytes hand a connection to the relay,
/// which wait for more, and which are left to the other protocols or today's decision.</summary>
public sealed class PostgresDispatchTests
{
    private static readonly PostgresProtocol Pg = new();

    private static byte[] Opening(int length, int code)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(b, length);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), code);
        return b;
    }

    [TestCase(8, 80877103, TestName = "AnSslRequestIsPostgres")]
    [TestCase(8, 80877104, TestName = "AGssEncRequestIsPostgres")]
    [TestCase(16, 80877102, TestName = "ACancelRequestIsPostgres")]
    [TestCase(41, 196608, TestName = "AStartupOfProtocol30IsPostgres")]
    [TestCase(41, 196610, TestName = "AStartupOfProtocol32IsPostgres")]
    public void PostgresOpeningsAreRecognisedFromEightBytes(int length, int code) =>
        Assert.That(Pg.Recognise(Opening(length, code)), Is.EqualTo(WireSniff.Yes));

    [TestCase(9, 80877103, TestName = "AnSslRequestOfTheWrongLengthIsNotPostgres")]
    [TestCase(41, 131072, TestName = "AStartupOfProtocol2IsNotPostgres")]
    [TestCase(20000, 196608, TestName = "AStartupLongerThanTheServerAcceptsIsNotPostgres")]
    public void LookAlikesAreNotPostgres(int length, int code) =>
        Assert.That(Pg.Recognise(Opening(length, code)), Is.EqualTo(WireSniff.No));

    [Test]
    public void FewerThanEightBytesWaitOnlyWhileTheyCouldStillBeALengthWord()
    {
        Assert.That(Pg.Recognise([]), Is.EqualTo(WireSniff.NeedMore));
        Assert.That(Pg.Recognise([0, 0, 0]), Is.EqualTo(WireSniff.NeedMore));
        Assert.That(Pg.Recognise([0, 0, 0, 8, 4, 0xd2]), Is.EqualTo(WireSniff.NeedMore));
        Assert.That(Pg.Recognise("GET"u8), Is.EqualTo(WireSniff.No), "HTTP");
        Assert.That(Pg.Recognise([0x16, 3, 1]), Is.EqualTo(WireSniff.No), "a TLS record");
        Assert.That(Pg.Recognise([0, 0x80, 0]), Is.EqualTo(WireSniff.No), "a length no startup has");
    }

    [Test]
    public void EveryOpeningIsClaimedByPostgresAloneAndHttpByHttpAlone()
    {
        var protocols = WireProtocols.Create();
        Assert.That(protocols.Select(p => p.Name), Is.EquivalentTo(new[] { WireProtocolName.Http, WireProtocolName.Postgres }));
        var sslRequest = Opening(8, 80877103);
        Assert.That(protocols.Where(p => p.Recognise(sslRequest) == WireSniff.Yes).Select(p => p.Name), Is.EqualTo(new[] { WireProtocolName.Postgres }));
        var get = "GET / HTTP/1.1\r\n"u8.ToArray();
        Assert.That(protocols.Where(p => p.Recognise(get) == WireSniff.Yes).Select(p => p.Name), Is.EqualTo(new[] { WireProtocolName.Http }));
    }
}
