using System.Diagnostics;
using System.Net.Sockets;
using AgentShell.Supervisor.Wire;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>The relays' stream calls recv/send itself: it must behave as the NetworkStream it
/// replaces where the relays depend on it (a real loopback TCP pair, no mocks).</summary>
public sealed class RelayStreamTests
{
    [Test]
    public void BytesPassBothWaysAndTheEndOfTheStreamReadsAsZero()
    {
        var (near, far) = WireHarness.Pair();
        using var a = new RelayStream(near);
        using var b = new RelayStream(far);
        var big = new byte[300_000];
        new Random(7).NextBytes(big);
        var writer = Task.Run(() => { a.Write(big, 0, big.Length); near.Shutdown(SocketShutdown.Send); });
        var got = new MemoryStream();
        var buf = new byte[8192];
        int n;
        while ((n = b.Read(buf, 0, buf.Length)) > 0) got.Write(buf, 0, n);
        writer.GetAwaiter().GetResult();
        Assert.That(got.ToArray(), Is.EqualTo(big), "every byte, in order, then 0 at the peer's FIN");
        b.Write("back"u8);
        var back = new byte[4];
        a.ReadExactly(back);
        Assert.That(back, Is.EqualTo("back"u8.ToArray()));
    }

    [Test]
    public void DisposingFromAnotherThreadWakesABlockedRead()
    {
        // The relays end a connection by closing its streams while a thread is blocked reading.
        var (near, far) = WireHarness.Pair();
        using var keep = far;
        var s = new RelayStream(near);
        var started = new ManualResetEventSlim();
        var reader = Task.Run(() =>
        {
            started.Set();
            try { return s.Read(new byte[16]) == 0 ? "end of stream" : "data"; }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException) { return "failed"; }
        });
        started.Wait();
        Thread.Sleep(200); // the reader is in recv by now
        var clock = Stopwatch.StartNew();
        s.Dispose();
        Assert.That(reader.Wait(TimeSpan.FromSeconds(5)), Is.True, "the blocked read returned");
        Assert.That(reader.Result, Is.Not.EqualTo("data"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.Throws<ObjectDisposedException>(() => _ = s.Read(new byte[16]), "a read after the dispose does not reach another fd");
    }

    [Test]
    public void AReadWithATimeoutEndsAsNetworkStreamsDo()
    {
        // The dispatcher's sniff tells a silent client by this exception.
        var (near, far) = WireHarness.Pair();
        using var keep = far;
        using var s = new RelayStream(near) { ReadTimeout = 100 };
        var e = Assert.Throws<IOException>(() => _ = s.Read(new byte[16]));
        Assert.That(e!.InnerException, Is.TypeOf<SocketException>());
        Assert.That(((SocketException)e.InnerException!).SocketErrorCode, Is.AnyOf(SocketError.TimedOut, SocketError.WouldBlock));
        s.ReadTimeout = Timeout.Infinite;
        far.Send("x"u8);
        Assert.That(s.Read(new byte[16]), Is.EqualTo(1), "blocking again once the timeout is cleared");
    }

    [Test]
    public void AResetPeerIsAnIOException()
    {
        var (near, far) = WireHarness.Pair();
        using var s = new RelayStream(near);
        far.LingerState = new LingerOption(true, 0);
        far.Dispose(); // RST
        Thread.Sleep(50);
        var e = Assert.Throws<IOException>(() => _ = s.Read(new byte[16]));
        Assert.That(((SocketException)e!.InnerException!).SocketErrorCode, Is.EqualTo(SocketError.ConnectionReset));
    }

    [Test]
    public void ASocketAnAsyncCallLeftNonBlockingStillReadsAndWrites()
    {
        // .NET makes the fd non-blocking for good at a socket's first async call (its Blocking
        // property stays true): recv/send say EAGAIN and the socket's own path waits instead.
        var (near, far) = WireHarness.Pair();
        using var keep = far;
        near.SendAsync("a"u8.ToArray(), SocketFlags.None).GetAwaiter().GetResult();
        Assert.That(far.Receive(new byte[1]), Is.EqualTo(1));
        using var s = new RelayStream(near);
        var reader = Task.Run(() => s.Read(new byte[16]));
        Thread.Sleep(100);
        Assert.That(reader.IsCompleted, Is.False, "the read waits for data");
        far.Send("hello"u8);
        Assert.That(reader.Wait(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(reader.Result, Is.EqualTo(5));
        var big = new byte[4 << 20]; // more than the socket buffers hold: send says EAGAIN part way
        var drain = Task.Run(() =>
        {
            long total = 0;
            var buf = new byte[65536];
            while (total < big.Length) total += far.Receive(buf);
            return total;
        });
        s.Write(big);
        Assert.That(drain.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(drain.Result, Is.EqualTo(big.Length), "every byte was written");
    }
}
