namespace AgentShell.Supervisor.Tests;

/// <summary>The seize that lets a refused exec commit (ExecTracer.Ending), against real processes:
/// the task is continued only while seized with PTRACE_O_EXITKILL, so that if the supervisor (the
/// tracing thread) dies before the task reaches its exec event, the task dies with it instead of
/// running the refused image.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ExecTracerEndingTests
{
    [Test]
    public void ATaskSeizedToEndDiesWithItsTracer()
    {
        if (Environment.UserName != "root" && File.ReadAllText("/proc/sys/kernel/yama/ptrace_scope").Trim() != "0")
            Assert.Ignore("ptrace of a child is not allowed here (yama ptrace_scope)");
        // Spawned outside System.Diagnostics.Process (see VerifiedExecsTests): the runtime's SIGCHLD
        // handler must not take the seized child's reports.
        int pid = Interop.Spawn.Start("/bin/sleep", ["/bin/sleep", "30"], [], 2, 2);
        try
        {
            Errno seized = Errno.EINVAL;
            bool ends = false;
            // The tracer is a thread: it seizes, and ends as a supervisor killed before the exec stop would.
            var t = new Thread(() =>
            {
                var tracer = new ExecTracer();
                seized = tracer.SeizeToEnd(pid);
                ends = tracer.Ends;
            });
            t.Start();
            t.Join();
            Assert.That(seized, Is.EqualTo((Errno)0));
            Assert.That(ends, Is.True);
            // The tracer's thread group sees its tracee's stops too: the interrupt's stop may be
            // reported here before the tracer's thread has gone from the kernel (Join returns first).
            int status;
            do Assert.That(Interop.Spawn.Wait(pid, out status, 0, out _), Is.EqualTo(pid));
            while ((status & 0xff) == 0x7f);
            Assert.That(status & 0x7f, Is.EqualTo(9), "killed by SIGKILL when its tracer went (PTRACE_O_EXITKILL)");
        }
        finally
        {
            Interop.Process.kill(pid, 9);
            Interop.Spawn.Wait(pid, out _, 1, out _);
        }
    }
}
