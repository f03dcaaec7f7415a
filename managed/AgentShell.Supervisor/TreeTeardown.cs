namespace AgentShell.Supervisor;

/// <summary>Once the agent has exited: what is left of its tree is killed.</summary>
internal static class TreeTeardown
{
    /// <summary>Kills what is left of the tree: children re-parented to us (we are their subreaper).
    /// <paramref name="reap"/>: this thread also reaps them (no other thread is reaping any more).</summary>
    public static void KillOrphans(bool reap = false)
    {
        int self = Environment.ProcessId;
        for (int round = 0; round < 50; round++)
        {
            while (reap && Interop.Spawn.Wait(-1, out _, Interop.Spawn.WNOHANG, out _) > 0) { }
            // PERF: every process left of the tree is a child of ours (we are its subreaper), so
            // with no child at all there is nothing to kill and no reason to read every
            // /proc/PID/stat of the machine (hundreds on a busy one: a tenth of a run's CPU).
            if (!Interop.Spawn.HasChildren()) return;
            bool any = false;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out int pid) && ProcessInfo.TryStat(pid, out int ppid, out _, out _) && ppid == self)
                {
                    Interop.Process.kill(pid, 9);
                    any = true;
                }
            }
            if (!any) return;
            Thread.Sleep(20);
        }
    }

    /// <summary>Root mode: the kernel follows every fork, so its tree map names what is left even of
    /// processes that left our reach (a double fork racing the teardown). Kill those; if any
    /// survives, keep the programs pinned so it stays guarded after we exit. <paramref name="launcher"/>
    /// (when not 0): the launcher, which reported the tree's end and is left to exit on its own.</summary>
    public static void KillKernelTree(Network.KernelConnectGuard kernel, TextWriter log, int launcher = 0)
    {
        if (TryKillKernelTree(kernel, launcher)) return;
        kernel.KeepPinned = true;
        log.WriteLine("agentshell: processes of the tree survived the teardown; their connects stay guarded by the pinned programs");
    }

    /// <summary>SIGKILLs every task in the kernel's tree map, for up to a second; true once none is left.</summary>
    public static bool TryKillKernelTree(Network.KernelConnectGuard kernel, int launcher = 0)
    {
        for (int round = 0; round < 50; round++)
        {
            var left = kernel.TreeTasks().Where(t => t != launcher && Directory.Exists($"/proc/{t}")).ToList();
            if (left.Count == 0) return true;
            foreach (int tid in left)
            {
                // Through a pidfd taken first, then checked against the tree: a pid that was freed
                // and reused by another process in between is never signalled.
                int pidfd = Interop.Pidfd.OpenTask(tid);
                if (pidfd < 0) continue;
                if (kernel.InTree(tid)) Interop.Pidfd.SendSignal(pidfd, 9);
                Interop.Libc.close(pidfd);
            }
            Thread.Sleep(20);
        }
        return false;
    }
}
