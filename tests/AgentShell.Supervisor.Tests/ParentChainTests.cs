namespace AgentShell.Supervisor.Tests;

/// <summary>The audit record's chain with its ancestors remembered (<see cref="ParentChain"/>): the
/// same chain a fresh read of /proc gives, ancestors served from the table, an ancestor seen making
/// an exec read again, and an ancestor that exited noticed (its child's parent changed).</summary>
[TestFixture]
[NonParallelizable]
public sealed class ParentChainTests
{
    /// <summary>sh (top) -> sh (middle) -> sleep (leaf), each waiting; the middle sh execs
    /// /bin/sleep when sent SIGUSR1 (its child stays its child).</summary>
    private static (int Top, int Middle, int Leaf) Tree()
    {
        int top = Interop.Spawn.Start("/bin/sh", ["/bin/sh", "-c", "/bin/sh -c 'trap \"exec /bin/sleep 31\" USR1; /bin/sleep 30 & wait'; true"], [], 2, 2);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int p)) continue;
                try
                {
                    if (File.ReadAllText($"{dir}/comm").Trim() == "sleep" && ProcessInfo.DescendsFrom(p, top, ProcessInfo.StartTime(top))
                        && ProcessInfo.TryStat(p, out int middle, out _, out _))
                        return (top, middle, p);
                }
                catch (IOException) { } // gone while listed: not ours
            }
            Thread.Sleep(20);
        }
        Interop.Process.kill(top, 9);
        Interop.Spawn.Wait(top, out _, 0, out _);
        Assert.Fail("the sleep did not start");
        return default;
    }

    private static void End((int Top, int Middle, int Leaf) t)
    {
        Interop.Process.kill(t.Leaf, 9);
        Interop.Process.kill(t.Middle, 9);
        Interop.Process.kill(t.Top, 9);
        Interop.Spawn.Wait(t.Top, out _, 0, out _);
    }

    [Test]
    public void TheStatReadForAnExecsCheckNamesTheProcessAndItsParentIsStillWalked()
    {
        // Root mode reads the exec's own stat to stage the kernel's check; the record's chain takes
        // it (a name as /proc gave it then) and walks the real ancestors from the parent it names.
        var t = Tree();
        using var chains = new ParentChain();
        try
        {
            Assert.That(chains.Of(t.Leaf, t.Top, self: (t.Middle, "checked")),
                Is.EqualTo(new[] { $"sh({t.Top})", $"sh({t.Middle})", $"checked({t.Leaf})" }));
            // Given for another task than the thread group's leader it names, it is not used.
            Assert.That(chains.Of(t.Leaf, t.Top, tgid: t.Middle, self: (t.Top, "checked")),
                Is.EqualTo(new[] { $"sh({t.Top})", $"sh({t.Middle})" }));
        }
        finally { End(t); }
    }

    [Test]
    public void TheChainIsTheOneReadFromProcAndItsAncestorsAreRemembered()
    {
        var t = Tree();
        using var chains = new ParentChain();
        try
        {
            var expected = new[] { $"sh({t.Top})", $"sh({t.Middle})", $"sleep({t.Leaf})" };
            Assert.That(ProcessInfo.Chain(t.Leaf, t.Top), Is.EqualTo(expected));
            Assert.That(chains.Of(t.Leaf, t.Top), Is.EqualTo(expected));
            Assert.That(chains.Count, Is.EqualTo(2), "the two ancestors, not the process itself");
            Assert.That(chains.Of(t.Leaf, t.Top), Is.EqualTo(expected), "served from the table");
            Assert.That(chains.Count, Is.EqualTo(2));
        }
        finally { End(t); }
    }

    [Test]
    public void AnAncestorSeenMakingAnExecIsReadAgain()
    {
        var t = Tree();
        using var chains = new ParentChain();
        try
        {
            Assert.That(chains.Of(t.Leaf, t.Top)[1], Is.EqualTo($"sh({t.Middle})"));
            // The middle sh execs /bin/sleep (its name becomes "sleep").
            Interop.Process.kill(t.Middle, 10);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (File.ReadAllText($"/proc/{t.Middle}/comm").Trim() != "sleep" && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.That(File.ReadAllText($"/proc/{t.Middle}/comm").Trim(), Is.EqualTo("sleep"), "the middle exec'd");
            Assert.That(chains.Of(t.Leaf, t.Top)[1], Is.EqualTo($"sh({t.Middle})"), "remembered until its exec is seen");
            chains.ExecSeen(t.Middle);
            Assert.That(chains.Of(t.Leaf, t.Top), Is.EqualTo(new[] { $"sh({t.Top})", $"sleep({t.Middle})", $"sleep({t.Leaf})" }));
        }
        finally { End(t); }
    }

    [Test]
    public void AnAncestorThatExitedIsNoticedAndItsChildsNewParentRead()
    {
        var t = Tree();
        using var chains = new ParentChain();
        try
        {
            Assert.That(chains.Of(t.Leaf, t.Top), Has.Count.EqualTo(3));
            // The top exits: the middle sh is re-parented, and the table's parent for it is stale.
            Interop.Process.kill(t.Top, 9);
            Interop.Spawn.Wait(t.Top, out _, 0, out _);
            var fresh = ProcessInfo.Chain(t.Leaf, t.Top);
            Assert.That(fresh, Does.Not.Contain($"sh({t.Top})"));
            Assert.That(chains.Of(t.Leaf, t.Top), Is.EqualTo(fresh));
        }
        finally { End(t); }
    }

    [Test]
    public void DisposingClosesEveryPidfd()
    {
        var t = Tree();
        var chains = new ParentChain();
        try
        {
            int before = Directory.GetFiles("/proc/self/fd").Length;
            chains.Of(t.Leaf, t.Top);
            Assert.That(Directory.GetFiles("/proc/self/fd").Length, Is.EqualTo(before + 2));
            chains.Dispose();
            Assert.That(chains.Count, Is.Zero);
            Assert.That(Directory.GetFiles("/proc/self/fd").Length, Is.EqualTo(before));
            Assert.That(chains.Of(t.Leaf, t.Top), Has.Count.EqualTo(3), "read as before once disposed");
            Assert.That(Directory.GetFiles("/proc/self/fd").Length, Is.EqualTo(before), "nothing kept");
        }
        finally { End(t); }
    }
}
