using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    internal static partial class ProcessMemory
    {
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct iovec
        {
            public void* iov_base;
            public nuint iov_len;
        }

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static unsafe partial nint process_vm_readv(int pid, iovec* local, nuint liovcnt, iovec* remote, nuint riovcnt, nuint flags);

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static unsafe partial nint process_vm_writev(int pid, iovec* local, nuint liovcnt, iovec* remote, nuint riovcnt, nuint flags);

        /// <summary>Writes <paramref name="data"/> at <paramref name="address"/> of <paramref name="pid"/>
        /// (what a syscall performed on its behalf returns through memory, e.g. sendmmsg's msg_len):
        /// bytes written, or -1 with errno.</summary>
        internal static unsafe int Write(int pid, ulong address, ReadOnlySpan<byte> data, out Errno errno)
        {
            fixed (byte* p = data)
            {
                var local = new iovec { iov_base = p, iov_len = (nuint)data.Length };
                var remote = new iovec { iov_base = (void*)address, iov_len = (nuint)data.Length };
                nint r = process_vm_writev(pid, &local, 1, &remote, 1, 0);
                errno = r < 0 ? LastErrno : 0;
                return (int)r;
            }
        }

        /// <summary>Reads the windows <paramref name="remote"/> of <paramref name="pid"/> (each within one
        /// page, so each is read whole or not at all) one after another into <paramref name="dest"/>, in
        /// one call: bytes read (short when a window is unmapped: the windows before it are whole),
        /// or -1 with errno.</summary>
        internal static unsafe int ReadMany(int pid, ReadOnlySpan<iovec> remote, Span<byte> dest, out Errno errno)
        {
            fixed (byte* p = dest)
            fixed (iovec* r = remote)
            {
                var local = new iovec { iov_base = p, iov_len = (nuint)dest.Length };
                nint n = process_vm_readv(pid, &local, 1, r, (nuint)remote.Length, 0);
                errno = n < 0 ? LastErrno : 0;
                return (int)n;
            }
        }

        /// <summary>Reads up to <paramref name="dest"/>.Length bytes at <paramref name="address"/> of
        /// <paramref name="pid"/>. Returns bytes read (a read that crosses into an unmapped page is
        /// short, not an error), or -1 with errno.</summary>
        internal static unsafe int Read(int pid, ulong address, Span<byte> dest, out Errno errno)
        {
            fixed (byte* p = dest)
            {
                var local = new iovec { iov_base = p, iov_len = (nuint)dest.Length };
                var remote = new iovec { iov_base = (void*)address, iov_len = (nuint)dest.Length };
                nint r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
                errno = r < 0 ? LastErrno : 0;
                return (int)r;
            }
        }
    }
}
