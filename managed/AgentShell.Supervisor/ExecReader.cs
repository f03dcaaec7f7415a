using System.Buffers.Binary;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor;

/// <summary>Why an exec's arguments could not be read. Any of these fails closed.</summary>
internal enum ReadFailure { None, Gone, Fault, TooLarge }

/// <summary>Reads the filename, argv and (on demand) envp of a trapped exec from the target's
/// memory with process_vm_readv. One instance per receiving thread: its buffers are reused, so a
/// read allocates nothing once they have grown.</summary>
internal sealed class ExecReader
{
    internal const int MaxPath = 4096;
    internal const int MaxArgBytes = 2 * 1024 * 1024;
    internal const int MaxArgs = 4096;
    private const int Page = 4096;

    private byte[] _buf = new byte[64 * 1024];
    private int[] _spans = new int[2 * 256];
    private readonly byte[] _ptrs = new byte[8 * (MaxArgs + 1)];
    private readonly byte[] _path = new byte[MaxPath];
    private const int Batch = 64, Window = 256;
    private readonly Interop.ProcessMemory.iovec[] _windows = new Interop.ProcessMemory.iovec[Batch];
    private readonly byte[] _window = new byte[Batch * Window];

    /// <summary>True when <paramref name="argv"/> is within what a read accepts (at most
    /// <see cref="MaxArgs"/> strings, their bytes and a terminating NUL within
    /// <see cref="MaxArgBytes"/>): the same bound for an argv that did not come from memory.</summary>
    public static bool WithinLimits(in Argv argv)
    {
        if (argv.Count > MaxArgs) return false;
        long bytes = 1;
        for (int i = 0; i < argv.Count; i++) bytes += argv[i].Length;
        return bytes <= MaxArgBytes;
    }

    /// <summary>Filename of the last read (bytes, no NUL).</summary>
    public ReadOnlySpan<byte> Filename => _path.AsSpan(0, _pathLen);
    private int _pathLen;

    /// <summary>The last read filename with <paramref name="argv"/>, as a request; an empty filename
    /// (execveat with AT_EMPTY_PATH) is replaced by <paramref name="resolved"/>, what /proc names the fd.</summary>
    public ExecRequest Request(in Argv argv, string? resolved, int pid, int dirFd)
    {
        if (resolved != null)
        {
            int n = System.Text.Encoding.UTF8.GetBytes(resolved.AsSpan(0, Math.Min(resolved.Length, MaxPath / 4)), _path);
            _pathLen = n;
        }
        return new ExecRequest(_path, _pathLen, argv, pid, dirFd, emptyPath: resolved != null);
    }

    /// <summary>Reads the NUL-terminated path at <paramref name="address"/>.</summary>
    public ReadFailure ReadFilename(int pid, ulong address)
    {
        _pathLen = 0;
        int n = ReadCString(pid, address, _path, out var failure);
        if (failure != ReadFailure.None) return failure;
        _pathLen = n;
        return ReadFailure.None;
    }

    /// <summary>Reads the NULL-terminated pointer array at <paramref name="address"/> and each
    /// string it points to, within the bounds (4096 args, 2 MiB in all).</summary>
    public ReadFailure ReadVector(int pid, ulong address, out Argv argv)
    {
        argv = default;
        if (address == 0) { argv = new Argv(_buf, _spans, 0); return ReadFailure.None; }
        // Pointer array: read page-bounded chunks until a NULL pointer.
        int count = 0;
        ulong at = address;
        while (true)
        {
            int want = (int)Math.Min((ulong)(_ptrs.Length - count * 8), Page - (at % Page));
            want -= want % 8;
            if (want <= 0) return ReadFailure.TooLarge;
            int got = Interop.ProcessMemory.Read(pid, at, _ptrs.AsSpan(count * 8, want), out var e);
            if (got <= 0) return got == 0 || e == Errno.ESRCH ? ReadFailure.Gone : ReadFailure.Fault;
            int end = count + got / 8;
            for (int i = count; i < end; i++)
            {
                if (BinaryPrimitives.ReadUInt64LittleEndian(_ptrs.AsSpan(i * 8)) == 0) { count = i; goto done; }
            }
            count = end;
            if (count > MaxArgs) return ReadFailure.TooLarge;
            at += (ulong)got;
        }
    done:
        if (_spans.Length < 2 * count) _spans = new int[Math.Max(2 * count, _spans.Length * 2)];
        int pos = 0;
        for (int i = 0; i < count; i++)
        {
            // PERF: most strings end within their first window, and up to Batch of those windows
            // are read in one call (an environment of 50 variables took 50 calls).
            int whole = ReadWindows(pid, i, count, ref pos);
            if (whole > 0) { i += whole - 1; continue; }
            // This one is longer than its window, or the batch could not be read: alone, as it always was.
            ulong p = BinaryPrimitives.ReadUInt64LittleEndian(_ptrs.AsSpan(i * 8));
            int len;
            while (true)
            {
                len = ReadCString(pid, p, _buf.AsSpan(pos), out var failure);
                if (failure == ReadFailure.None) break;
                if (failure != ReadFailure.TooLarge) return failure;
                if (_buf.Length >= MaxArgBytes) return ReadFailure.TooLarge;
                Array.Resize(ref _buf, Math.Min(MaxArgBytes, _buf.Length * 2));
            }
            _spans[2 * i] = pos;
            _spans[2 * i + 1] = len;
            pos += len;
        }
        argv = new Argv(_buf, _spans, count);
        return ReadFailure.None;
    }

    /// <summary>Reads the first window (up to <see cref="Window"/> bytes, never past its page) of the
    /// strings <paramref name="from"/>.. (up to <see cref="Batch"/>) in one process_vm_readv, and keeps
    /// those that end in it, in order, until one does not: how many were kept (0: read the string at
    /// <paramref name="from"/> alone; a failure is then reported by that read).</summary>
    private unsafe int ReadWindows(int pid, int from, int count, ref int pos)
    {
        int n = Math.Min(Batch, count - from), total = 0;
        for (int k = 0; k < n; k++)
        {
            ulong p = BinaryPrimitives.ReadUInt64LittleEndian(_ptrs.AsSpan((from + k) * 8));
            int w = (int)Math.Min((ulong)Window, Page - (p % Page));
            _windows[k] = new Interop.ProcessMemory.iovec { iov_base = (void*)p, iov_len = (nuint)w };
            total += w;
        }
        int got = Interop.ProcessMemory.ReadMany(pid, _windows.AsSpan(0, n), _window.AsSpan(0, total), out _);
        int off = 0, kept = 0;
        for (int k = 0; k < n; k++)
        {
            int w = (int)_windows[k].iov_len;
            if (off + w > got) break; // not read: the windows after an unmapped one are not either
            int len = _window.AsSpan(off, w).IndexOf((byte)0);
            if (len < 0 || len >= _buf.Length - pos) break;
            _window.AsSpan(off, len).CopyTo(_buf.AsSpan(pos));
            _spans[2 * (from + k)] = pos;
            _spans[2 * (from + k) + 1] = len;
            pos += len;
            off += w;
            kept++;
        }
        return kept;
    }

    /// <summary>Reads a C string into <paramref name="dest"/>; TooLarge when no NUL fits.</summary>
    private static int ReadCString(int pid, ulong address, Span<byte> dest, out ReadFailure failure)
    {
        int total = 0;
        // PERF: the first read is short (most args are short); later ones run to the page end,
        // so a read never crosses into a page that may be unmapped.
        int chunk = 256;
        while (true)
        {
            int room = dest.Length - total;
            if (room <= 0) { failure = ReadFailure.TooLarge; return 0; }
            ulong at = address + (ulong)total;
            int want = (int)Math.Min((ulong)Math.Min(room, chunk), Page - (at % Page));
            int got = Interop.ProcessMemory.Read(pid, at, dest.Slice(total, want), out var e);
            if (got <= 0) { failure = got == 0 || e == Errno.ESRCH ? ReadFailure.Gone : ReadFailure.Fault; return 0; }
            int nul = dest.Slice(total, got).IndexOf((byte)0);
            if (nul >= 0) { failure = ReadFailure.None; return total + nul; }
            total += got;
            chunk = Page;
        }
    }
}
