using System.Net.Security;
using AgentShell.Supervisor.Wire;
using AgentShell.Supervisor.Wire.Tls;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>The server name and application protocols are read from a real ClientHello (the one
/// .NET's own TLS client sends), whole or cut short.</summary>
[TestFixture]
public sealed class ClientHelloTests
{
    /// <summary>The bytes a TLS client sends first.</summary>
    internal static byte[] HelloOf(string targetHost, params string[] alpn)
    {
        var capture = new CaptureStream();
        using var ssl = new SslStream(capture);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            ApplicationProtocols = alpn.Length > 0 ? alpn.Select(a => new SslApplicationProtocol(a)).ToList() : null,
        };
        Assert.That(() => ssl.AuthenticateAsClient(options), Throws.InstanceOf<Exception>());
        return capture.Written.ToArray();
    }

    [Test]
    public void TheServerNameAndProtocolsOfAClientHelloAreRead()
    {
        var bytes = HelloOf("API.Prod.Example.com", "h2", "http/1.1");
        Assert.That(ClientHello.Looks(bytes), Is.True);
        Assert.That(ClientHello.TryParse(bytes, out var hello), Is.EqualTo(WireSniff.Yes));
        Assert.That(hello!.ServerName, Is.EqualTo("api.prod.example.com"));
        Assert.That(hello.Protocols, Is.EqualTo(new[] { "h2", "http/1.1" }));
    }

    [Test]
    public void AClientHelloToAnAddressHasNoServerName()
    {
        Assert.That(ClientHello.TryParse(HelloOf("127.0.0.2"), out var hello), Is.EqualTo(WireSniff.Yes));
        Assert.That((hello!.ServerName, hello.Protocols.Count), Is.EqualTo(((string?)null, 0)));
    }

    [Test]
    public void ACutShortClientHelloAsksForMore()
    {
        var bytes = HelloOf("api.prod.example.com");
        foreach (int n in new[] { 1, 5, 9, bytes.Length - 1 })
            Assert.That(ClientHello.TryParse(bytes.AsSpan(0, n), out _), Is.EqualTo(WireSniff.NeedMore), $"{n} bytes");
    }

    [TestCase(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 1, 0 }, TestName = "AServerHelloIsNoClientHello")]
    [TestCase(new byte[] { 0x17, 0x03, 0x03, 0x00, 0x01, 0x00 }, TestName = "ApplicationDataIsNoClientHello")]
    [TestCase(new byte[] { (byte)'G', (byte)'E', (byte)'T', (byte)' ' }, TestName = "AnHttpRequestIsNoClientHello")]
    public void WhatIsNoClientHelloIsSaidSo(byte[] bytes) =>
        Assert.That(ClientHello.TryParse(bytes, out _), Is.EqualTo(WireSniff.No));

    private sealed class CaptureStream : Stream
    {
        public MemoryStream Written { get; } = new();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("captured the ClientHello");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
    }
}
