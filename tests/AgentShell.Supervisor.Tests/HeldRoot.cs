using AgentShell.Core.Model;

namespace AgentShell.Supervisor.Tests;

/// <summary>This test process's root held open, as the supervisor holds a tree's (its root is the tree's here).</summary>
internal static class HeldRoot
{
    public static TreeRootDirectory OfThisProcess()
    {
        var tree = TreeRoot.Of(Environment.ProcessId);
        Assert.That(tree, Is.Not.Null, "/proc/self/ns/mnt and /proc/self/root/ must be readable");
        return TreeRootDirectory.Open(Environment.ProcessId, tree!) ?? throw new AssertionException("the root of this process could not be held open");
    }
}
