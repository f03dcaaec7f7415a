namespace AgentShell.Supervisor;

/// <summary>What the launcher set up for the tree, as the supervisor finds it once the listener
/// arrives from the process that installed the filter (the tree's init, or the launcher itself).</summary>
/// <param name="Root">The tree's mount namespace and root (null: not compared).</param>
/// <param name="OwnPidNamespace">The tree has a pid namespace of its own.</param>
/// <param name="CanSeal">The supervisor can still reach the tree's non-dumpable processes (as root,
/// or as the owner of the tree's user namespace): trusted tools can be made non-dumpable.</param>
/// <param name="Roots">Tasks the kernel's tree map starts from (root mode), besides the launcher.</param>
/// <param name="Unprotected">Why agentshell's files are not read-only for the tree; null when they are.</param>
internal sealed record TreeSetUp(TreeRoot? Root, bool OwnPidNamespace, bool CanSeal, IReadOnlyList<int> Roots, string? Unprotected)
{
    /// <summary>The tree's tasks, listed completely (its orphans come back into it), or null.</summary>
    public TreeTasks? Tasks { get; init; }

    /// <summary>A tree set up by no launcher of ours (tests hosting the supervisor): nothing compared.</summary>
    internal static TreeSetUp None { get; } = new(null, false, Interop.Process.GetEffectiveUid() == 0, [], null);

    /// <summary>What <paramref name="filterPid"/> (the process that sent the listener) shows about
    /// the tree; <paramref name="note"/> is the launcher's reason for not protecting, if any.</summary>
    internal static TreeSetUp Of(int filterPid, string? note, bool protectionAsked)
    {
        if (filterPid <= 0) return None with { Unprotected = protectionAsked ? note ?? "the launcher's process could not be identified" : null };
        bool ownPids = !SameNamespace(filterPid, "pid");
        // The tree's user namespace, made by the launcher as us, is one we hold every capability in.
        bool ownUsers = !SameNamespace(filterPid, "user");
        bool root = Interop.Process.GetEffectiveUid() == 0;
        return new TreeSetUp(TreeRoot.Of(filterPid), ownPids, root || ownUsers, [filterPid],
            protectionAsked ? (string.IsNullOrEmpty(note) ? null : note) : null);
    }

    /// <summary>False only when both namespaces can be read and differ (the conservative answer:
    /// no relaxed signal checks, no trust that needs sealing).</summary>
    private static bool SameNamespace(int pid, string kind) =>
        !(Interop.Files.TryStat($"/proc/{pid}/ns/{kind}", out var theirs) && Interop.Files.TryStat($"/proc/self/ns/{kind}", out var ours))
        || theirs.Identity == ours.Identity;
}
