using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>The calling thread's own credentials, by raw system call. glibc's setresuid, setresgid
    /// and setgroups change every thread of the process (they signal each one): here only the thread
    /// that calls changes, for the span of one connect made as a tree task (<see cref="ThreadCredentials"/>).
    /// x86_64 numbers, as the rest of this folder.</summary>
    internal static partial class Credentials
    {
        private const int NR_setgroups = 116, NR_setresuid = 117, NR_setresgid = 119, NR_setfsuid = 122, NR_setfsgid = 123,
            NR_capget = 125, NR_capset = 126;
        private const uint LinuxCapabilityVersion3 = 0x20080522;

        /// <summary>struct __user_cap_data_struct, two of them for version 3 (bits 0–31, 32–63).</summary>
        [StructLayout(LayoutKind.Sequential)]
        private struct CapData
        {
            public uint Effective, Permitted, Inheritable;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct CapHeader
        {
            public uint Version;
            public int Pid;
        }

        [LibraryImport(Libc.Name, EntryPoint = "syscall", SetLastError = true)]
        private static unsafe partial long syscall_caps(long number, CapHeader* header, CapData* data);

        [LibraryImport(Libc.Name, EntryPoint = "syscall", SetLastError = true)]
        private static unsafe partial long syscall_groups(long number, long count, uint* groups);

        /// <summary>This thread's capability sets (effective, permitted, inheritable), 64 bits each; false on failure.</summary>
        internal static unsafe bool GetCapabilities(out ulong effective, out ulong permitted, out ulong inheritable)
        {
            var header = new CapHeader { Version = LinuxCapabilityVersion3, Pid = 0 };
            var data = stackalloc CapData[2];
            effective = permitted = inheritable = 0;
            if (syscall_caps(NR_capget, &header, data) != 0) return false;
            effective = data[0].Effective | (ulong)data[1].Effective << 32;
            permitted = data[0].Permitted | (ulong)data[1].Permitted << 32;
            inheritable = data[0].Inheritable | (ulong)data[1].Inheritable << 32;
            return true;
        }

        /// <summary>capset(2) of this thread: 0, or the errno.</summary>
        internal static unsafe Errno SetCapabilities(ulong effective, ulong permitted, ulong inheritable)
        {
            var header = new CapHeader { Version = LinuxCapabilityVersion3, Pid = 0 };
            var data = stackalloc CapData[2];
            data[0] = new CapData { Effective = (uint)effective, Permitted = (uint)permitted, Inheritable = (uint)inheritable };
            data[1] = new CapData { Effective = (uint)(effective >> 32), Permitted = (uint)(permitted >> 32), Inheritable = (uint)(inheritable >> 32) };
            return syscall_caps(NR_capset, &header, data) == 0 ? 0 : LastErrno;
        }

        /// <summary>setgroups(2) of this thread only: 0, or the errno.</summary>
        internal static unsafe Errno SetGroups(ReadOnlySpan<uint> groups)
        {
            fixed (uint* g = groups)
                return syscall_groups(NR_setgroups, groups.Length, g) == 0 ? 0 : LastErrno;
        }

        /// <summary>setresuid(-1, <paramref name="euid"/>, -1) of this thread only: 0, or the errno.
        /// The real and saved ids stay: a root thread can come back.</summary>
        internal static Errno SetEffectiveUid(uint euid) => Libc.syscall3(NR_setresuid, -1, euid, -1) == 0 ? 0 : LastErrno;

        /// <summary>setresgid(-1, <paramref name="egid"/>, -1) of this thread only: 0, or the errno.</summary>
        internal static Errno SetEffectiveGid(uint egid) => Libc.syscall3(NR_setresgid, -1, egid, -1) == 0 ? 0 : LastErrno;

        /// <summary>setfsuid(2): it reports no error; true when the thread's fsuid is
        /// <paramref name="fsuid"/> afterwards (a second call with an invalid id returns the current one).</summary>
        internal static bool SetFsUid(uint fsuid)
        {
            Libc.syscall3(NR_setfsuid, fsuid, 0, 0);
            return (uint)Libc.syscall3(NR_setfsuid, -1, 0, 0) == fsuid;
        }

        /// <summary>As <see cref="SetFsUid"/>, for the fsgid.</summary>
        internal static bool SetFsGid(uint fsgid)
        {
            Libc.syscall3(NR_setfsgid, fsgid, 0, 0);
            return (uint)Libc.syscall3(NR_setfsgid, -1, 0, 0) == fsgid;
        }
    }
}
