namespace AgentShell.Supervisor;

/// <summary>stdout or stderr written with write(2), without System.Console's terminal set-up.
/// Console's own streams send the terminal's keypad_xmit (ESC[?1h ESC=) to the tty on their first
/// write and never undo it: under a pty (an agent harness, `script`) those bytes landed in front
/// of the supervised command's own stdout. Errors are treated as Console treats them: a reader that
/// went away (EPIPE) or a closed fd drops the rest, any other error is an IOException.</summary>
public sealed class StandardStream(int fd) : Stream
{
    private bool _broken;

    /// <summary>Console.Out and Console.Error over fds 1 and 2 (UTF-8, no BOM, flushed each write, as
    /// Console's were). Console.In, ReadKey and the window size still use Console (watch).</summary>
    public static void Install()
    {
        Console.SetOut(new StreamWriter(new StandardStream(1), new System.Text.UTF8Encoding(false), 256) { AutoFlush = true });
        Console.SetError(new StreamWriter(new StandardStream(2), new System.Text.UTF8Encoding(false), 256) { AutoFlush = true });
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty && !_broken)
        {
            nint n = Interop.Files.WriteOnce(fd, buffer, out var errno);
            if (n > 0) { buffer = buffer[(int)n..]; continue; }
            if (errno == Errno.EAGAIN) { Interop.Libc.Nap(1_000_000); continue; } // a non-blocking fd another process set
            if (errno is Errno.EPIPE or Errno.EBADF) { _broken = true; return; } // no reader, or started with the fd closed
            throw new IOException($"write to fd {fd}: {errno}");
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Flush() { }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
