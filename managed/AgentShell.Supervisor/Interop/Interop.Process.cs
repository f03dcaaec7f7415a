using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>This process and its credentials; signals to other processes by pid.</summary>
    internal static partial class Process
    {
        internal const int PR_SET_DUMPABLE = 4;
        internal const int PR_SET_CHILD_SUBREAPER = 36;
        internal const int PR_SET_TIMERSLACK = 29;

        // Mono.Posix's Syscall.getuid/geteuid/getpgrp are plain libc calls (no MonoPosixHelper).
        /// <summary>The real uid.</summary>
        internal static uint GetUid() => Syscall.getuid();

        /// <summary>The effective uid (0: root).</summary>
        internal static uint GetEffectiveUid() => Syscall.geteuid();

        /// <summary>This process's process group.</summary>
        internal static int GetProcessGroup() => Syscall.getpgrp();

        [LibraryImport(Libc.Name, SetLastError = true)]
        internal static partial int kill(int pid, int sig);

        [LibraryImport(Libc.Name, EntryPoint = "prctl", SetLastError = true)]
        private static partial int prctl_(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

        /// <summary>prctl(<paramref name="option"/>, <paramref name="arg"/>, 0, 0, 0): 0, or the errno.</summary>
        internal static Errno Prctl(int option, nuint arg) => prctl_(option, arg, 0, 0, 0) == 0 ? 0 : LastErrno;

        // struct passwd (x86_64): pw_name is its first member.
        [StructLayout(LayoutKind.Sequential)]
        internal struct passwd
        {
            public nint pw_name;
            public nint pw_passwd;
            public uint pw_uid;
            public uint pw_gid;
            public nint pw_gecos;
            public nint pw_dir;
            public nint pw_shell;
        }

        [LibraryImport(Libc.Name, EntryPoint = "getpwuid_r")]
        private static unsafe partial int getpwuid_r_(uint uid, passwd* pwd, byte* buf, nuint buflen, passwd** result);

        /// <summary>The user name of <paramref name="uid"/> (getpwuid_r: /etc/passwd, or NSS); false
        /// when no user has it or the lookup fails.</summary>
        internal static bool TryGetUserName(uint uid, out string name) => TryGetPasswd(uid, p => p.pw_name, out name);

        /// <summary>The login shell of <paramref name="uid"/> (pw_shell); false when none is recorded.</summary>
        internal static bool TryGetLoginShell(uint uid, out string shell) => TryGetPasswd(uid, p => p.pw_shell, out shell);

        private static unsafe bool TryGetPasswd(uint uid, Func<passwd, nint> field, out string value)
        {
            value = "";
            for (int size = 1024; size <= 1 << 20; size *= 4)
            {
                byte[] buf = new byte[size];
                passwd pwd;
                passwd* result = null;
                int rc;
                fixed (byte* b = buf)
                {
                    // getpwuid_r returns the errno; EINTR (an NSS module's read) is retried.
                    do rc = getpwuid_r_(uid, &pwd, b, (nuint)size, &result);
                    while (rc == (int)Errno.EINTR);
                    if (rc == 0 && result != null)
                    {
                        value = Marshal.PtrToStringUTF8(field(pwd)) ?? "";
                        return value.Length > 0;
                    }
                }
                if (rc != (int)Errno.ERANGE) return false;
            }
            return false;
        }
    }
}
