using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>posix_spawn (clone(CLONE_VM|CLONE_VFORK) in glibc: safe from a managed process)
    /// and waitpid. The supervisor does not use System.Diagnostics.Process, so it alone reaps.</summary>
    internal static partial class Spawn
    {
        // glibc sizes (x86_64): posix_spawnattr_t 336, posix_spawn_file_actions_t 80, sigset_t 128.
        private const int AttrSize = 512, ActionsSize = 256, SigsetSize = 128;
        private const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
        private const int O_RDWR = 2;

        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawn_file_actions_init(void* fa);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawn_file_actions_destroy(void* fa);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawn_file_actions_addopen(void* fa, int fd, byte* path, int oflag, uint mode);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawnattr_init(void* attr);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawnattr_destroy(void* attr);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawnattr_setflags(void* attr, short flags);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawnattr_setsigmask(void* attr, void* set);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawnattr_setsigdefault(void* attr, void* set);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int sigemptyset(void* set);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int sigaddset(void* set, int sig);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int posix_spawn(int* pid, byte* path, void* fa, void* attr, byte** argv, byte** envp);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int waitpid(int pid, int* status, int options);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int waitid(int idtype, int id, void* infop, int options);

        internal const int WNOHANG = 1;

        /// <summary>Spawns <paramref name="path"/> with <paramref name="argv"/> and this process's
        /// environment, fd <paramref name="passFd"/> duplicated to <paramref name="asFd"/>, every signal
        /// reset to default and unblocked (the runtime ignores SIGPIPE; the agent must not inherit that).</summary>
        internal static int Start(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, int passFd, int asFd) =>
            Start(path, argv, envp, passFd, asFd, -1, -1, detached: false);

        /// <summary>As above, with a second fd <paramref name="passFd2"/> duplicated to <paramref name="asFd2"/>.</summary>
        internal static int Start(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, int passFd, int asFd, int passFd2, int asFd2) =>
            Start(path, argv, envp, passFd, asFd, passFd2, asFd2, detached: false);

        /// <summary>Spawns <paramref name="path"/> in a session of its own with /dev/null as its
        /// stdin, stdout and stderr: a background job that holds no pipe of ours open and no terminal.</summary>
        internal static int StartDetached(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp) =>
            Start(path, argv, envp, -1, -1, -1, -1, detached: true);

        private static unsafe int Start(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, int passFd, int asFd, int passFd2, int asFd2, bool detached)
        {
            byte* fa = stackalloc byte[ActionsSize];
            byte* attr = stackalloc byte[AttrSize];
            byte* mask = stackalloc byte[SigsetSize];
            byte* defaults = stackalloc byte[SigsetSize];
            Check(posix_spawn_file_actions_init(fa), "posix_spawn_file_actions_init");
            Check(posix_spawnattr_init(attr), "posix_spawnattr_init");
            var handles = new List<nint>();
            try
            {
                if (detached)
                {
                    byte* devNull = (byte*)Utf8("/dev/null", handles);
                    for (int fd = 0; fd < 3; fd++) Check(posix_spawn_file_actions_addopen(fa, fd, devNull, O_RDWR, 0), "posix_spawn_file_actions_addopen");
                }
                else Check(posix_spawn_file_actions_adddup2(fa, passFd, asFd), "posix_spawn_file_actions_adddup2");
                if (!detached && passFd2 >= 0) Check(posix_spawn_file_actions_adddup2(fa, passFd2, asFd2), "posix_spawn_file_actions_adddup2");
                Check(sigemptyset(mask), "sigemptyset");
                Check(sigemptyset(defaults), "sigemptyset");
                for (int s = 1; s < 65; s++) if (s != 9 && s != 19) sigaddset(defaults, s);
                Check(posix_spawnattr_setsigmask(attr, mask), "posix_spawnattr_setsigmask");
                Check(posix_spawnattr_setsigdefault(attr, defaults), "posix_spawnattr_setsigdefault");
                Check(posix_spawnattr_setflags(attr, (short)(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (detached ? POSIX_SPAWN_SETSID : 0))), "posix_spawnattr_setflags");

                byte* cpath = (byte*)Utf8(path, handles);
                byte** cargv = (byte**)Marshal.AllocHGlobal(sizeof(nint) * (argv.Count + 1)); handles.Add((nint)cargv);
                for (int i = 0; i < argv.Count; i++) cargv[i] = (byte*)Utf8(argv[i], handles);
                cargv[argv.Count] = null;
                byte** cenv = (byte**)Marshal.AllocHGlobal(sizeof(nint) * (envp.Count + 1)); handles.Add((nint)cenv);
                for (int i = 0; i < envp.Count; i++) cenv[i] = (byte*)Utf8(envp[i], handles);
                cenv[envp.Count] = null;

                int pid;
                int rc = posix_spawn(&pid, cpath, fa, attr, cargv, cenv);
                if (rc != 0) throw ThrowHelper.Syscall($"posix_spawn({path})", (Errno)rc);
                return pid;
            }
            finally
            {
                posix_spawn_file_actions_destroy(fa);
                posix_spawnattr_destroy(attr);
                foreach (var h in handles) Marshal.FreeHGlobal(h);
            }
        }

        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int execvp(byte* file, byte** argv);
        [LibraryImport(Libc.Name, SetLastError = true)] private static unsafe partial int pthread_sigmask(int how, void* set, void* old);
        [LibraryImport(Libc.Name, SetLastError = true)] private static partial nint signal(int sig, nint handler);

        private const int SIG_SETMASK = 2, SIGPIPE = 13;

        /// <summary>execvp(3): replaces this process with <paramref name="argv"/>[0] found on PATH, keeping
        /// the environment, with no signal blocked and SIGPIPE back to its default (the runtime ignores
        /// it, and an exec keeps what is ignored). Returns only on failure, with the errno.</summary>
        internal static unsafe Errno ExecVp(IReadOnlyList<string> argv)
        {
            var handles = new List<nint>();
            try
            {
                byte* none = stackalloc byte[SigsetSize];
                Check(sigemptyset(none), "sigemptyset");
                signal(SIGPIPE, 0 /* SIG_DFL */);
                pthread_sigmask(SIG_SETMASK, none, null);
                byte** cargv = (byte**)Marshal.AllocHGlobal(sizeof(nint) * (argv.Count + 1)); handles.Add((nint)cargv);
                for (int i = 0; i < argv.Count; i++) cargv[i] = (byte*)Utf8(argv[i], handles);
                cargv[argv.Count] = null;
                execvp(cargv[0], cargv);
                return LastErrno;
            }
            finally
            {
                foreach (var h in handles) Marshal.FreeHGlobal(h);
            }
        }

        /// <summary>waitpid with EINTR retried. Returns the pid reaped, 0 (WNOHANG, none), or -1 with errno.</summary>
        internal static unsafe int Wait(int pid, out int status, int options, out Errno errno)
        {
            int st = 0;
            while (true)
            {
                int r = waitpid(pid, &st, options);
                if (r >= 0 || LastErrno != Errno.EINTR)
                {
                    errno = r < 0 ? LastErrno : 0;
                    status = st;
                    return r;
                }
            }
        }

        private const int P_ALL = 0, WEXITED = 4, WNOWAIT = 0x01000000, __WALL = 0x40000000;

        /// <summary>False only when this process has no child at all, live or zombie, of any kind
        /// (waitid ECHILD); reaps nothing. Any other answer (an error included) is true.</summary>
        internal static unsafe bool HasChildren()
        {
            byte* info = stackalloc byte[128]; // siginfo_t
            while (true)
            {
                if (waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0) return true;
                if (LastErrno != Errno.EINTR) return LastErrno != Errno.ECHILD;
            }
        }

        private static void Check(int rc, string call)
        {
            if (rc != 0) throw ThrowHelper.Syscall(call, (Errno)rc);
        }

        private static unsafe nint Utf8(string s, List<nint> handles)
        {
            int n = System.Text.Encoding.UTF8.GetByteCount(s);
            nint p = Marshal.AllocHGlobal(n + 1);
            handles.Add(p);
            var span = new Span<byte>((void*)p, n + 1);
            System.Text.Encoding.UTF8.GetBytes(s, span);
            span[n] = 0;
            return p;
        }
    }
}
