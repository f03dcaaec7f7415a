using AgentShell.Core.Audit;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Tests;

/// <summary>The seize of an exec's task, against real processes: a task whose notification is no
/// longer valid once it is seized may be another process that took a dead task's tid, and is let
/// go untouched, never checked or killed.</summary>
[TestFixture]
[NonParallelizable]
public sealed class VerifiedExecsTests
{
    private static VerifiedExecs Verified()
    {
        var log = TextWriter.Null;
        var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json")]);
        var trust = new TrustLedger(policy, null, null, null, log);
        return new VerifiedExecs(null, trust, new BlockNotifier(), new AuditRecorder(null, "test", 0x3fff_fff0, log), log);
    }

    private static CommittedExec Expected(int pid)
    {
        var name = "/bin/true"u8.ToArray();
        var request = new ExecRequest(name, name.Length, Argv.FromStrings(["true"]), pid);
        return CommittedExec.For(request, Argv.FromStrings(["A=1"]), out _) ?? throw new InvalidOperationException("/bin/true is not readable");
    }

    private static string Status(int pid, string field) =>
        File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":")).Split(':', 2)[1].Trim();

    [Test]
    public void TheBuildUnderTestVerifiesExecsDecidedOnTheirArguments()
    {
        // Only the bench's own build (BenchNoVerify, published apart) compiles the check out; the
        // normal build's constants must not carry it (Directory.Build.props).
        Assert.That(ExecNotifications.VerifiesCommittedExecs, Is.True);
    }

    [Test]
    public void ATaskSeizedAfterItsNotificationWentIsLetGoUntouched()
    {
        if (Environment.UserName != "root" && File.ReadAllText("/proc/sys/kernel/yama/ptrace_scope").Trim() != "0")
            Assert.Ignore("ptrace of a child is not allowed here (yama ptrace_scope)");
        // Spawned outside System.Diagnostics.Process: the runtime's SIGCHLD handler waits on the
        // children Process started, and a wait from another thread of this process takes the
        // seized child's stop report from the tracer thread (which then waits forever).
        int pid = Interop.Spawn.Start("/bin/sleep", ["/bin/sleep", "30"], [], 2, 2);
        try
        {
            var tracer = new ExecTracer();
            // -1 is no listener: no notification of it is valid, as after the asking task died and
            // its tid went to this process.
            int refused = Verified().Prepare(tracer, pid, Expected(pid), false, null, listener: -1, notifId: 1);
            Assert.That(refused, Is.EqualTo(1), "the exec is refused (EPERM): its answer reaches no one");
            Assert.That(tracer.Active, Is.False, "nothing is left for the check after the answer");
            Assert.That(Status(pid, "State")[0], Is.Not.EqualTo('Z'), "the process that holds the tid now is not killed");
            Assert.That(Status(pid, "TracerPid"), Is.EqualTo("0"), "nor left traced");
            Assert.That(Status(pid, "State")[0], Is.Not.AnyOf('t', 'T'), "nor left stopped");
        }
        finally
        {
            Interop.Process.kill(pid, 9);
            Interop.Spawn.Wait(pid, out _, 0, out _);
        }
    }
}
