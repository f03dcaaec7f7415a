using AgentShell.Core.Audit;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>chroot from the tree (rule <see cref="SupervisorRules.Chroot"/>): refused in the tree's
/// own mount namespace, where a thread could chroot while a sibling thread execs a trusted tool,
/// which would then load another root's libraries and configuration; allowed in a mount namespace
/// a tree process made for itself (its tools are not trusted: <see cref="TreeRoot"/>). A tree
/// whose mount namespace is not known (no launcher namespaces) refuses every chroot.
/// <para>The calls that give a process another root or mount namespace (an allowed chroot,
/// pivot_root, unshare or clone with CLONE_NEWNS, setns) retire the tree's root directory
/// (<see cref="TreeRootDirectory"/>) before they are answered: execs are looked up through each
/// process's own root from then on. Nothing of them is refused here.</para></summary>
internal sealed class RootChanges(TreeRoot? tree, BlockNotifier notifier, TreeRootDirectory? directory = null)
{
    /// <summary>pivot_root, setns, or unshare/clone with CLONE_NEWNS (the filter sends no others).</summary>
    public Verdict Leaving()
    {
        directory?.Retire();
        return Verdict.Continue;
    }

    /// <summary>chroot(path).</summary>
    public Verdict Chroot(ref seccomp_notif n, DeferredAudit audit)
    {
        int pid = (int)n.pid;
        if (tree != null && Interop.Files.TryStat($"/proc/{pid}/ns/mnt", out var ns) && ns.Identity != tree.MountNamespace)
            return Leaving();
        var rule = SupervisorRules.Chroot;
        notifier.Write(pid, rule.Refusal("chroot"));
        audit.Note(rule.Decision, pid, default, null, AuditSyscall.Chroot, AuditOutcome.Blocked);
        return Verdict.Refuse;
    }
}
