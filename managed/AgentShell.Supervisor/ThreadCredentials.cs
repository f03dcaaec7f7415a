namespace AgentShell.Supervisor;

/// <summary>The calling thread takes a tree task's credentials for one operation made on its behalf
/// (a Unix connect: <see cref="UnixOnBehalf"/>), then its own back. Only this thread changes (raw
/// system calls, <see cref="Interop.Credentials"/>); the real and saved uid stay the supervisor's, so
/// a root supervisor can return. Returning cannot be allowed to fail: a receiving thread left with a
/// tree task's credentials would decide with them, so a failed return ends the process
/// (<see cref="Environment.FailFast(string)"/>; the tree then fails closed, as when the supervisor is killed).</summary>
internal ref struct ThreadCredentials
{
    private readonly TaskCredentials _self;
    private ulong _effective, _permitted, _inheritable;
    private int _steps;

    private ThreadCredentials(TaskCredentials self) => _self = self;

    /// <summary>Takes <paramref name="task"/>'s credentials: 0 when this thread now has them, else the
    /// errno (EPERM where the supervisor may not change its ids: it is not root), with nothing changed.</summary>
    public static Errno Enter(TaskCredentials task, TaskCredentials self, out ThreadCredentials switched)
    {
        switched = new ThreadCredentials(self);
        if (!Interop.Credentials.GetCapabilities(out switched._effective, out switched._permitted, out switched._inheritable)) return Errno.EPERM;
        const ulong SetGid = 1UL << 6, SetUid = 1UL << 7;
        if ((switched._effective & (SetGid | SetUid)) != (SetGid | SetUid)) return Errno.EPERM;
        Errno e;
        if ((e = Interop.Credentials.SetGroups(task.Groups)) != 0) return switched.Fail(e);
        switched._steps = 1;
        if ((e = Interop.Credentials.SetEffectiveGid(task.Egid)) != 0) return switched.Fail(e);
        switched._steps = 2;
        if (task.Fsgid != task.Egid && !Interop.Credentials.SetFsGid(task.Fsgid)) return switched.Fail(Errno.EPERM);
        if ((e = Interop.Credentials.SetEffectiveUid(task.Euid)) != 0) return switched.Fail(e);
        switched._steps = 3;
        if (task.Fsuid != task.Euid && !Interop.Credentials.SetFsUid(task.Fsuid)) return switched.Fail(Errno.EPERM);
        // Leaving euid 0 cleared the effective set, and a fsuid other than 0 the file capabilities:
        // the task's own effective set (within ours) in their place.
        if ((e = Interop.Credentials.SetCapabilities(task.Effective & switched._permitted, switched._permitted, switched._inheritable)) != 0)
            return switched.Fail(e);
        return 0;
    }

    private Errno Fail(Errno e)
    {
        Leave();
        return e;
    }

    /// <summary>Gives the thread its own credentials back, or ends the process.</summary>
    public void Leave()
    {
        // Capabilities first: setresgid and setgroups need CAP_SETGID again.
        Check(Interop.Credentials.SetCapabilities(_effective, _permitted, _inheritable), "capset");
        if (_steps >= 3) Check(Interop.Credentials.SetEffectiveUid(_self.Euid), "setresuid"); // and the fsuid with it
        if (_steps >= 2) Check(Interop.Credentials.SetEffectiveGid(_self.Egid), "setresgid");
        if (_steps >= 1) Check(Interop.Credentials.SetGroups(_self.Groups), "setgroups");
        // Back to euid 0 raised the effective set to the permitted: as it was before.
        Check(Interop.Credentials.SetCapabilities(_effective, _permitted, _inheritable), "capset");
        _steps = 0;
    }

    private static void Check(Errno e, string call)
    {
        if (e != 0) Environment.FailFast($"agentshell: a receiving thread could not take back its own credentials ({call}: {e}); stopping, the tree fails closed");
    }
}
