using System.Net;
using System.Net.Sockets;
using AgentShell.Supervisor.Wire.Tls;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>The stream under the wire's SslStreams: a zero-byte read (SslStream's wait for data)
/// returns at once instead of costing a blocking MSG_PEEK; every other read is the socket's.</summary>
[TestFixture]
public sealed class TlsTransportTests
{
    [Test]
    public void AZeroByteReadReturnsAtOnceAndTheNextReadGetsTheBytes()
    {
        var (near, far) = WireHarness.Pair();
        using var _ = far;
        using var t = new TlsTransport(new NetworkStream(near, ownsSocket: true));
        var zero = Task.Run(() => t.Read(Span<byte>.Empty));
        Assert.That(zero.Wait(TimeSpan.FromSeconds(5)), Is.True, "returned with nothing sent");
        var buf = new byte[16];
        var read = Task.Run(() => t.Read(buf));
        far.Send("hello"u8);
        Assert.Multiple(() =>
        {
            Assert.That(zero.Result, Is.Zero);
            Assert.That(read.Wait(TimeSpan.FromSeconds(5)) ? read.Result : -1, Is.EqualTo(5));
            Assert.That(buf[..5], Is.EqualTo("hello"u8.ToArray()));
        });
    }

    [Test]
    public void TheSocketsOwnStreamWaitsOnAZeroByteRead()
    {
        // The look-alike: what SslStream got before, a wait (one more recvmsg) until bytes come.
        var (near, far) = WireHarness.Pair();
        using var _ = far;
        using var s = new NetworkStream(near, ownsSocket: true);
        var zero = Task.Run(() => s.Read(Span<byte>.Empty));
        Assert.That(zero.Wait(TimeSpan.FromMilliseconds(300)), Is.False, "waits while nothing is sent");
        far.Send("x"u8);
        Assert.That(zero.Wait(TimeSpan.FromSeconds(5)) ? zero.Result : -1, Is.Zero);
    }
}
