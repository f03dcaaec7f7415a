using System.Text;
using AgentShell.Supervisor.Wire.Http;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>Requests are parsed strictly: what a server could read differently from us is refused,
/// never forwarded (request smuggling past a decision).</summary>
[TestFixture]
public sealed class HttpRequestHeadTests
{
    private static HttpRequestHead Parse(string head) => HttpRequestHead.Parse(Encoding.Latin1.GetBytes(head));

    [Test]
    public void AnOrdinaryRequestIsReadWithItsFraming()
    {
        var h = Parse("POST /graphql/v2?x=1 HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n");
        Assert.That((h.Method, h.Target, h.Version, h.Framing, h.ContentLength, h.ExpectsContinue, h.KeepAlive),
            Is.EqualTo(("POST", "/graphql/v2?x=1", "HTTP/1.1", BodyFraming.Length, 12L, true, true)));
        Assert.That(h.Header("host"), Is.EqualTo("api.example.com"));
    }

    [TestCase("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false)]
    [TestCase("GET / HTTP/1.0\r\n\r\n", false)]
    [TestCase("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true)]
    public void KeepAliveFollowsTheVersionAndConnectionField(string head, bool keepAlive) =>
        Assert.That(Parse(head).KeepAlive, Is.EqualTo(keepAlive));

    [Test]
    public void ChunkedAndAnUpgradeAreRecognised()
    {
        var h = Parse("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n");
        Assert.That((h.Framing, h.Upgrade), Is.EqualTo((BodyFraming.Chunked, "websocket")));
        Assert.That(Parse("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n").Upgrade, Is.Null, "an Upgrade without Connection: upgrade is no upgrade");
    }

    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, TestName = "TwoDifferentContentLengthsAreRefused")]
    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, TestName = "ContentLengthWithTransferEncodingIsRefused")]
    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, TestName = "ACodingOtherThanChunkedIsRefused")]
    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 501, TestName = "ChunkedTwiceIsRefused")]
    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 5\r\n\r\n", 400, TestName = "WhitespaceBeforeAColonIsRefused")]
    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n Content-Length: 5\r\n\r\n", 400, TestName = "AFoldedLineIsRefused")]
    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", 400, TestName = "ASignedContentLengthIsRefused")]
    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", 400, TestName = "ABareCarriageReturnInAValueIsRefused")]
    [TestCase("POST / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n", 400, TestName = "ANulInAValueIsRefused")]
    [TestCase("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, TestName = "ChunkedInHttp10IsRefused")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, TestName = "TwoHostFieldsAreRefused")]
    [TestCase("GET / HTTP/1.1\r\n\r\n", 400, TestName = "AnHttp11RequestWithoutHostIsRefused")]
    [TestCase("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, TestName = "AnotherVersionIsRefused")]
    [TestCase("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, TestName = "TwoSpacesInTheRequestLineAreRefused")]
    [TestCase("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, TestName = "AMethodThatIsNoTokenIsRefused")]
    [TestCase("GET /a\u007fb HTTP/1.1\r\nHost: h\r\n\r\n", 400, TestName = "AControlCharacterInTheTargetIsRefused")]
    [TestCase("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n", 417, TestName = "AnUnknownExpectationIsRefused")]
    public void AmbiguousFramingIsRefused(string head, int status)
    {
        var e = Assert.Throws<HttpFramingException>(() => Parse(head))!;
        Assert.That(e.Status, Is.EqualTo(status), e.Message);
    }

    [Test]
    public void EqualContentLengthsAndLeadingEmptyLinesAreAccepted()
    {
        var h = Parse("\r\nPOST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n");
        Assert.That((h.Framing, h.ContentLength), Is.EqualTo((BodyFraming.Length, 5L)));
    }

    [TestCase("1a", 26L)]
    [TestCase("1A;name=value", 26L)]
    [TestCase("0", 0L)]
    public void ChunkSizesAreHexWithOptionalExtensions(string line, long size) =>
        Assert.That(HttpForward.ChunkSize(Encoding.ASCII.GetBytes(line)), Is.EqualTo(size));

    [TestCase("")]
    [TestCase("-1")]
    [TestCase("0x10")]
    [TestCase("1000000000000000")]
    public void AMalformedChunkSizeIsRefused(string line) =>
        Assert.Throws<HttpFramingException>(() => HttpForward.ChunkSize(Encoding.ASCII.GetBytes(line)));
}
