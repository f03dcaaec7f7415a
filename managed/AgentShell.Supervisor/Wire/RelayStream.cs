using System.Net.Sockets;

namespace AgentShell.Supervisor.Wire;

/// <summary>The wire layer's stream over a connected TCP socket: a <see cref="NetworkStream"/>
/// (owning the socket) whose blocking reads and writes call recv/send directly. PERF: the relays
/// make two reads and two writes per round trip; .NET's socket layer costs about 1 µs of each.
/// Whatever the direct call cannot finish as a plain blocking call (a read with a timeout set, a
/// socket left non-blocking) goes through the <see cref="Socket"/> as NetworkStream's own calls do
/// (not through NetworkStream's span overloads: for a derived type they call back into these), so
/// errors, timeouts and a dispose from another thread behave as there.</summary>
internal sealed class RelayStream(Socket socket) : NetworkStream(socket, ownsSocket: true)
{
    private readonly SafeSocketHandle _handle = socket.SafeHandle;
    private bool _timed;

    public override int ReadTimeout
    {
        get => base.ReadTimeout;
        set
        {
            base.ReadTimeout = value;
            _timed = value != Timeout.Infinite;
        }
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        // A read bounded by SO_RCVTIMEO reports its timeout as NetworkStream does.
        if (_timed || buffer.IsEmpty) return SocketRead(buffer);
        int n = Interop.SocketIo.Receive(_handle, buffer);
        if (n >= 0) return n;
        // Not a plain blocking read after all (EAGAIN), or an error: the socket's own path reads
        // again or reports it in its own terms (nothing was consumed).
        return n == -(int)Errno.EAGAIN ? SocketRead(buffer) : throw Failed("read data from", n);
    }

    private int SocketRead(Span<byte> buffer)
    {
        try { return Socket.Receive(buffer, SocketFlags.None); }
        catch (SocketException e) { throw new IOException($"Unable to read data from the transport connection: {e.Message}.", e); }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(new ReadOnlySpan<byte>(buffer, offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = Interop.SocketIo.Send(_handle, buffer);
            if (n < 0)
            {
                if (n != -(int)Errno.EAGAIN) throw Failed("write data to", n);
                try { Socket.Send(buffer, SocketFlags.None); } // blocking: sends all of it
                catch (SocketException e) { throw new IOException($"Unable to write data to the transport connection: {e.Message}.", e); }
                return;
            }
            buffer = buffer[n..];
        }
    }

    private static IOException Failed(string what, int negErrno)
    {
        var e = new SocketException((int)((Errno)(-negErrno) switch
        {
            Errno.ECONNRESET => SocketError.ConnectionReset,
            Errno.EPIPE => SocketError.Shutdown,
            Errno.EBADF => SocketError.OperationAborted,
            (Errno)103 => SocketError.ConnectionAborted, // ECONNABORTED
            (Errno)107 => SocketError.NotConnected, // ENOTCONN
            (Errno)110 => SocketError.TimedOut, // ETIMEDOUT
            _ => SocketError.SocketError,
        }));
        return new IOException($"Unable to {what} the transport connection: {e.Message} (errno {-negErrno}).", e);
    }
}
