using System.Text;

namespace AgentShell.Supervisor.Tests;

/// <summary>TaskCredentials reads what the kernel checks a connect with; ThreadCredentials gives one
/// thread a task's credentials and takes its own back (UnixOnBehalfAs). On real threads: the status
/// file each reads is the kernel's.</summary>
[TestFixture]
public sealed class ThreadCredentialsTests
{
    private const string Status = "Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t7\nUid:\t1000\t1001\t1002\t1003\nGid:\t50\t51\t52\t53\n"
        + "FDSize:\t64\nGroups:\t27 4 100 \nNStgid:\t7\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000006\nCapBnd:\t000001ffffffffff\n";

    [Test]
    public void TheEffectiveAndFilesystemIdsTheGroupsAndTheEffectiveSetAreRead()
    {
        var c = TaskCredentials.Parse(Encoding.ASCII.GetBytes(Status))!;
        Assert.That((c.Euid, c.Fsuid, c.Egid, c.Fsgid, c.Effective), Is.EqualTo((1001u, 1003u, 51u, 53u, 6UL)));
        Assert.That(c.Groups, Is.EqualTo(new uint[] { 4, 27, 100 }), "sorted, as the kernel keeps them");
    }

    [TestCase("Uid:\t1000\t1001\t1002\t1003\n", "Uid:\t1000\t1001\n", TestName = "AnIdMissing")]
    [TestCase("Groups:\t27 4 100 \n", "Groups:\t27 x 100 \n", TestName = "AGroupThatIsNoNumber")]
    [TestCase("CapEff:\t0000000000000006\n", "", TestName = "NoEffectiveSet")]
    [TestCase("Groups:\t27 4 100 \n", "", TestName = "NoGroupsLine")]
    public void AStatusThatCannotBeReadWholeIsNull(string field, string replacement) =>
        Assert.That(TaskCredentials.Parse(Encoding.ASCII.GetBytes(Status.Replace(field, replacement))), Is.Null);

    [Test]
    public void NoGroupsAtAllIsAnEmptyList() =>
        Assert.That(TaskCredentials.Parse(Encoding.ASCII.GetBytes(Status.Replace("Groups:\t27 4 100 \n", "Groups:\t\n")))!.Groups, Is.Empty);

    [Test]
    public void OnlyTheCapabilitiesThatPassPermissionsCount()
    {
        var a = TaskCredentials.Parse(Encoding.ASCII.GetBytes(Status))!;
        var ptraceToo = TaskCredentials.Parse(Encoding.ASCII.GetBytes(Status.Replace("CapEff:\t0000000000000006", "CapEff:\t0000000000080006")))!;
        var noOverride = TaskCredentials.Parse(Encoding.ASCII.GetBytes(Status.Replace("CapEff:\t0000000000000006", "CapEff:\t0000000000000004")))!;
        var otherGroups = TaskCredentials.Parse(Encoding.ASCII.GetBytes(Status.Replace("Groups:\t27 4 100 ", "Groups:\t4 27")))!;
        Assert.That(a.ChecksAs(ptraceToo), Is.True, "CAP_SYS_PTRACE is no part of a connect's checks");
        Assert.That(a.ChecksAs(noOverride), Is.False);
        Assert.That(a.ChecksAs(otherGroups), Is.False);
    }

    [Test]
    public void TheSupervisorsOwnAreItsThreads()
    {
        Assert.That(TaskCredentials.Self!.ChecksAs(TaskCredentials.Of(Environment.ProcessId)!), Is.True);
        Assert.That(TaskCredentials.Self!.ChecksAs(TaskCredentials.OfTask(Environment.ProcessId)!), Is.True, "same user namespace: its capabilities count");
    }

    /// <summary>A process in a user namespace of its own keeps its ids and loses the DAC capabilities
    /// (they hold only over its namespace's files).</summary>
    [Test]
    public void ATaskInAnotherUserNamespaceHasNoCapabilityThatPassesPermissions()
    {
        var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/unshare", ["-Ur", "sleep", "5"]))!;
        try
        {
            TaskCredentials? c = null;
            for (int i = 0; i < 50 && (c == null || c.Effective == TaskCredentials.Of(p.Id)?.Effective); i++)
            {
                Thread.Sleep(20);
                c = TaskCredentials.OfTask(p.Id);
            }
            Assert.That(c, Is.Not.Null);
            Assert.That(TaskCredentials.Of(p.Id)!.Effective & TaskCredentials.DacCapabilities, Is.EqualTo(TaskCredentials.DacCapabilities), "root in its namespace: the bits are set");
            Assert.That(c!.Effective & TaskCredentials.DacCapabilities, Is.Zero);
            Assert.That(c.Euid, Is.EqualTo(TaskCredentials.Of(p.Id)!.Euid));
        }
        finally { p.Kill(); p.WaitForExit(); }
    }

    /// <summary>A thread takes uid/gid 65534 with no groups and no capabilities, sees them in its own
    /// status, and has its own back afterwards; the other threads never change.</summary>
    [Test]
    public void AThreadTakesATasksCredentialsAndGivesThemBack()
    {
        if (Mono.Unix.Native.Syscall.geteuid() != 0) Assert.Ignore("taking another user's credentials needs root");
        var self = TaskCredentials.Self!;
        var nobody = TaskCredentials.Parse(Encoding.ASCII.GetBytes(Status.Replace("1000\t1001\t1002\t1003", "65534\t65534\t65534\t65534")
            .Replace("50\t51\t52\t53", "65534\t65534\t65534\t65534").Replace("Groups:\t27 4 100 ", "Groups:\t").Replace("CapEff:\t0000000000000006", "CapEff:\t0000000000000000")))!;
        TaskCredentials? during = null, after = null, beside = null;
        Errno entered = Errno.EINVAL;
        var t = new Thread(() =>
        {
            entered = ThreadCredentials.Enter(nobody, self, out var switched);
            if (entered != 0) return;
            try
            {
                during = ThreadOwn();
                beside = TaskCredentials.Of(Environment.ProcessId); // the main thread
            }
            finally { switched.Leave(); }
            after = ThreadOwn();
        });
        t.Start();
        t.Join();
        Assert.That(entered, Is.EqualTo((Errno)0));
        Assert.That((during!.Euid, during.Fsuid, during.Egid, during.Fsgid, during.Groups.Length, during.Effective), Is.EqualTo((65534u, 65534u, 65534u, 65534u, 0, 0UL)));
        Assert.That(after!.ChecksAs(self) && after.Effective == self.Effective, Is.True, "its own credentials back, the whole effective set too");
        Assert.That(beside!.ChecksAs(self), Is.True, "the other threads kept theirs");
    }

    private static TaskCredentials ThreadOwn() => TaskCredentials.Parse(File.ReadAllBytes("/proc/thread-self/status"))!;
}
