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

    private const int MaxPointerBytes = 8 * (MaxArgs + 1);

    // PERF: sized for a common exec and grown (doubling, then kept) for a larger one. At their
    // bounds from the start, a run's four readers (two per receiving thread) allocated 472 KiB,
    // most of start-up's, and brought a young collection before the agent's first exec.
    private byte[] _buf = new byte[4 * 1024];
    private int[] _spans = new int[2 * 256];
    private byte[] _ptrs = new byte[Page];
    private readonly byte[] _path = new byte[MaxPath];

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
    /// (execveat with AT_EMPTY_PATH) is replaced by <paramref name="resolved"/>, what /proc names the fd.
    /// <paramref name="root"/>: the tree's root held open, where the request's file is looked up.</summary>
    public ExecRequest Request(in Argv argv, string? resolved, int pid, int dirFd, TreeRootDirectory? root = null)
    {
        if (resolved != null)
        {
            int n = System.Text.Encoding.UTF8.GetBytes(resolved.AsSpan(0, Math.Min(resolved.Length, MaxPath / 4)), _path);
            _pathLen = n;
        }
        return new ExecRequest(_path, _pathLen, argv, pid, dirFd, emptyPath: resolved != null) { Root = root };
    }

    /// <summary>Reads the filename at <paramref name="pathAddress"/> and the argv at
    /// <paramref name="argvAddress"/>: <see cref="ReadFilename"/> then <see cref="ReadVector"/>, the
    /// same answers. PERF: the path and the first page of pointers come in one process_vm_readv.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: both iovecs are set before the call
    public unsafe ReadFailure ReadExec(int pid, ulong pathAddress, ulong argvAddress, out Argv argv)
    {
        argv = default;
        _pathLen = 0;
        int pathWant = Chunk(pathAddress, FirstChunk, _path.Length);
        int ptrWant = argvAddress == 0 ? 0 : Chunk(argvAddress, _ptrs.Length, _ptrs.Length) & ~7;
        int got;
        fixed (byte* path = _path)
        fixed (byte* ptrs = _ptrs)
        {
            var local = stackalloc Interop.ProcessMemory.iovec[2];
            var remote = stackalloc Interop.ProcessMemory.iovec[2];
            local[0] = new() { iov_base = path, iov_len = (nuint)pathWant };
            remote[0] = new() { iov_base = (void*)pathAddress, iov_len = (nuint)pathWant };
            local[1] = new() { iov_base = ptrs, iov_len = (nuint)ptrWant };
            remote[1] = new() { iov_base = (void*)argvAddress, iov_len = (nuint)ptrWant };
            got = Interop.ProcessMemory.ReadV(pid, local, remote, ptrWant > 0 ? 2 : 1, out _);
        }
        // Anything short of both whole (a fault, a path longer than the first chunk) is read again
        // the plain way, which says why it failed.
        int nul = got >= pathWant ? _path.AsSpan(0, pathWant).IndexOf((byte)0) : -1;
        if (nul < 0)
        {
            var f = ReadFilename(pid, pathAddress);
            return f != ReadFailure.None ? f : ReadVector(pid, argvAddress, out argv);
        }
        _pathLen = nul;
        if (argvAddress == 0) { argv = new Argv(_buf, _spans, 0); return ReadFailure.None; }
        return got == pathWant + ptrWant ? ReadVector(pid, argvAddress, ptrWant / 8, out argv) : ReadVector(pid, argvAddress, out argv);
    }

    /// <summary>Bytes to read at <paramref name="at"/>: at most <paramref name="chunk"/> and
    /// <paramref name="room"/>, never past the page end (the next page may be unmapped).</summary>
    private static int Chunk(ulong at, int chunk, int room) => (int)Math.Min((ulong)Math.Min(room, chunk), Page - (at % Page));

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
    public ReadFailure ReadVector(int pid, ulong address, out Argv argv) => ReadVector(pid, address, 0, out argv);

    /// <summary><see cref="ReadVector(int, ulong, out Argv)"/> with the first <paramref name="have"/>
    /// pointers already in <c>_ptrs</c>.</summary>
    private ReadFailure ReadVector(int pid, ulong address, int have, out Argv argv)
    {
        argv = default;
        if (address == 0) { argv = new Argv(_buf, _spans, 0); return ReadFailure.None; }
        // Pointer array: read page-bounded chunks until a NULL pointer.
        int count = 0;
        ulong at = address;
        if (have > 0)
        {
            for (int i = 0; i < have; i++)
            {
                if (BinaryPrimitives.ReadUInt64LittleEndian(_ptrs.AsSpan(i * 8)) == 0) { count = i; goto done; }
            }
            count = have;
            if (count > MaxArgs) return ReadFailure.TooLarge;
            at += (ulong)have * 8;
        }
        while (true)
        {
            if (_ptrs.Length - count * 8 < 8 && _ptrs.Length < MaxPointerBytes) Array.Resize(ref _ptrs, Math.Min(MaxPointerBytes, _ptrs.Length * 2));
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
            ulong p = BinaryPrimitives.ReadUInt64LittleEndian(_ptrs.AsSpan(i * 8));
            int len;
            if (i % Batch == 0) Prefetch(pid, i, Math.Min(Batch, count - i));
            // PERF: most strings are whole in their prefetched first chunk.
            if (_preLen[i % Batch] is var n and > 0 && _pre.AsSpan(_preAt[i % Batch], n).IndexOf((byte)0) is var nul and >= 0)
            {
                while (_buf.Length - pos <= nul)
                {
                    if (_buf.Length >= MaxArgBytes) return ReadFailure.TooLarge;
                    Array.Resize(ref _buf, Math.Min(MaxArgBytes, _buf.Length * 2));
                }
                _pre.AsSpan(_preAt[i % Batch], nul).CopyTo(_buf.AsSpan(pos));
                _spans[2 * i] = pos;
                _spans[2 * i + 1] = nul;
                pos += nul;
                continue;
            }
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

    private const int FirstChunk = 256, Batch = 64;
    private readonly byte[] _pre = new byte[Batch * FirstChunk];
    private readonly int[] _preAt = new int[Batch], _preLen = new int[Batch], _preRange = new int[Batch];

    /// <summary>The first chunk of strings <paramref name="first"/>..+<paramref name="n"/> in one
    /// process_vm_readv: string k's bytes are at <c>_preAt[k]</c> in <c>_pre</c>, <c>_preLen[k]</c>
    /// of them read (0: none; read again one by one, which says why it failed). PERF: one syscall
    /// for what took one per string. The kernel reads the elements in order and stops at the first
    /// it cannot read; none crosses a page end, so each is read whole or not at all.
    /// PERF: chunks that overlap or touch the one before (strings laid one after another, as an
    /// environment and an argv are) are read as one element: the kernel pins the pages of each
    /// element apart (mmap lock, page walk, pin and unpin), ~0.3 µs an element here, 14 µs for an
    /// environment of 45 variables that now takes one or two. The union is what the chunks cover,
    /// no byte more: no page is touched that a chunk would not have touched.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: 2 KiB of iovecs, the first set before the call, not zeroed first
    private unsafe void Prefetch(int pid, int first, int n)
    {
        var local = stackalloc Interop.ProcessMemory.iovec[Batch];
        var remote = stackalloc Interop.ProcessMemory.iovec[Batch];
        int got, ranges = 0, used = 0;
        ulong start = 0, end = 0;
        fixed (byte* pre = _pre)
        {
            for (int k = 0; k < n; k++)
            {
                ulong p = BinaryPrimitives.ReadUInt64LittleEndian(_ptrs.AsSpan((first + k) * 8));
                int want = Chunk(p, FirstChunk, FirstChunk);
                if (ranges > 0 && p >= start && p <= end)
                {
                    // Within or right after the element before: it grows to cover this chunk too.
                    if (p + (ulong)want > end)
                    {
                        int more = (int)(p + (ulong)want - end);
                        local[ranges - 1].iov_len += (nuint)more;
                        remote[ranges - 1].iov_len += (nuint)more;
                        used += more;
                        end = p + (ulong)want;
                    }
                }
                else
                {
                    local[ranges] = new() { iov_base = pre + used, iov_len = (nuint)want };
                    remote[ranges] = new() { iov_base = (void*)p, iov_len = (nuint)want };
                    start = p;
                    end = p + (ulong)want;
                    used += want;
                    ranges++;
                }
                _preAt[k] = (int)((byte*)local[ranges - 1].iov_base - pre) + (int)(p - start);
                _preRange[k] = ranges - 1;
            }
            got = Interop.ProcessMemory.ReadV(pid, local, remote, ranges, out _);
            // The local elements lie one after another from the start of _pre: its first `got` bytes are read.
            for (int k = 0; k < n; k++)
            {
                int rangeEnd = (int)((byte*)local[_preRange[k]].iov_base - pre) + (int)local[_preRange[k]].iov_len;
                int readEnd = Math.Min(rangeEnd, Math.Max(got, 0));
                _preLen[k] = Math.Max(readEnd - _preAt[k], 0);
            }
        }
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
