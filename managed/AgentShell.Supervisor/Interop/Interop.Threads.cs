using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>Background threads made with pthread_create that enter managed code at once (the
    /// runtime attaches a thread at its first call in, as it does any thread a native library makes).
    /// PERF: Thread.Start on NativeAOT spins (sched_yield and a zero-timeout wait, in a loop) until the
    /// new thread has run; on a loaded 2-vCPU machine that was ~45% of a run's main-thread CPU in
    /// perf (its receiving threads, the control socket's, the runtime's timer and socket threads).
    /// These return at once. Like a background Thread: not waited for at exit, and an exception that
    /// escapes <c>body</c> ends the process.</summary>
    internal static unsafe partial class Threads
    {
        [LibraryImport(Libc.Name)]
        private static partial int pthread_create(out nint thread, nint attr, delegate* unmanaged<nint, nint> start, nint arg);

        [LibraryImport(Libc.Name)]
        private static partial int pthread_detach(nint thread);

        private sealed record Start(string Name, Action Body);

        /// <summary>Runs <paramref name="body"/> on a new thread named <paramref name="name"/>; throws
        /// when the thread cannot be made (EAGAIN: out of threads or memory).</summary>
        internal static void StartBackground(string name, Action body)
        {
            var handle = GCHandle.Alloc(new Start(name, body));
            int e = pthread_create(out nint thread, 0, &Entry, GCHandle.ToIntPtr(handle));
            if (e != 0)
            {
                handle.Free();
                throw ThrowHelper.Syscall("pthread_create", (Errno)e);
            }
            pthread_detach(thread); // its resources go when it ends; nothing joins it
        }

        [UnmanagedCallersOnly]
        private static nint Entry(nint arg)
        {
            var handle = GCHandle.FromIntPtr(arg);
            var start = (Start)handle.Target!;
            handle.Free();
            var me = Thread.CurrentThread;
            me.IsBackground = true;
            me.Name = start.Name;
            start.Body();
            return 0;
        }
    }
}
