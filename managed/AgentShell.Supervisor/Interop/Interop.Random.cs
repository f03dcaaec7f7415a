using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    internal static partial class Random
    {
        [LibraryImport(Libc.Name, EntryPoint = "getrandom", SetLastError = true)]
        private static unsafe partial nint getrandom(byte* buf, nuint buflen, uint flags);

        /// <summary>Fills <paramref name="dest"/> from the kernel's random pool (getrandom(2), blocking
        /// only before the pool is first seeded). Used for ids instead of RandomNumberGenerator, which
        /// loads OpenSSL into the supervisor: ~4 MiB of resident memory and start-up time.</summary>
        internal static unsafe void Fill(Span<byte> dest)
        {
            fixed (byte* p = dest)
            {
                int done = 0;
                while (done < dest.Length)
                {
                    nint n = getrandom(p + done, (nuint)(dest.Length - done), 0);
                    if (n < 0)
                    {
                        var e = LastErrno;
                        if (e == Errno.EINTR) continue;
                        throw ThrowHelper.Syscall("getrandom", e);
                    }
                    done += (int)n;
                }
            }
        }
    }
}
