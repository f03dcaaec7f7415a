using System.Globalization;
using System.Text;

namespace AgentShell.Supervisor.Diagnostics;

/// <summary>AGENTSHELL_TRACE_STARTUP=1: one line on stderr per phase of start-up and exit,
/// <c>agentshell-trace PHASE mono=µs thread-cpu=µs process-cpu=µs gc0=N allocated-kib=N</c>
/// (CLOCK_MONOTONIC, so a harness can subtract its own spawn time; CPU of this thread and of the
/// whole process; young collections so far and bytes allocated). For
/// measuring where a run's or a check's milliseconds go (issue 16); off, a mark is one branch.</summary>
public static class StartupTrace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("AGENTSHELL_TRACE_STARTUP") == "1";

    /// <summary>Marks the end of <paramref name="phase"/>.</summary>
    public static void Mark(string phase)
    {
        if (On) Write(phase);
    }

    private static unsafe void Write(string phase)
    {
        long mono = Interop.Clock.Microseconds(Interop.Clock.CLOCK_MONOTONIC);
        long thread = Interop.Clock.Microseconds(Interop.Clock.CLOCK_THREAD_CPUTIME_ID);
        long process = Interop.Clock.Microseconds(Interop.Clock.CLOCK_PROCESS_CPUTIME_ID);
        // write(2) directly: Console would add its own start-up to what is measured.
        byte[] line = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"agentshell-trace {phase} mono={mono} thread-cpu={thread} process-cpu={process} gc0={GC.CollectionCount(0)} allocated-kib={GC.GetTotalAllocatedBytes() / 1024}\n"));
        fixed (byte* p = line) Interop.Libc.write(2, p, line.Length);
    }
}
