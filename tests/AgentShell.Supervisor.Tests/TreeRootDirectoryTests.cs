using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor.Tests;

/// <summary>TreeRootDirectory: an exec's absolute path looked up under the tree's root held open
/// finds what /proc/PID/root/PATH finds (the same file, nothing where nothing is), and once retired
/// every lookup goes through /proc again. Run against this process (its root is the tree's here).</summary>
[TestFixture]
public sealed class TreeRootDirectoryTests
{
    private string _dir = "";
    private TreeRootDirectory _root = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-root-dir-").FullName;
        _root = HeldRoot.OfThisProcess();
    }

    [TearDown]
    public void TearDown()
    {
        _root.Dispose();
        Directory.Delete(_dir, true);
    }

    private ExecRequest Request(string filename)
    {
        var bytes = Encoding.UTF8.GetBytes(filename);
        return new ExecRequest(bytes, bytes.Length, Argv.FromStrings([filename]), Environment.ProcessId) { Root = _root };
    }

    /// <summary>Opens and stats <paramref name="r"/> as the decision does, and checks both against
    /// the /proc path: the same file, or the same errno.</summary>
    private static void AssertSameAsProc(ExecRequest r, bool exists)
    {
        var statErr = r.StatOpenable(out var st);
        int fd = r.OpenOpenable(Interop.Files.ReadOnlyNoWait, out var openErr);
        try
        {
            bool byProc = Interop.Files.TryStat(r.OpenablePath(), out var expected);
            Assert.That(byProc, Is.EqualTo(exists));
            if (exists)
            {
                Assert.That(statErr, Is.EqualTo((Errno)0));
                Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"open: {openErr}");
                Assert.That(Interop.Files.TryFStat(fd, out var opened), Is.True);
                Assert.That(st.Identity, Is.EqualTo(expected.Identity));
                Assert.That(opened.Identity, Is.EqualTo(expected.Identity));
            }
            else
            {
                Assert.That(statErr, Is.EqualTo(Errno.ENOENT));
                Assert.That(fd, Is.EqualTo(-1));
                Assert.That(openErr, Is.EqualTo(Errno.ENOENT));
            }
        }
        finally { if (fd >= 0) Interop.Libc.close(fd); }
    }

    [Test]
    public void AnAbsolutePathFindsUnderTheHeldRootWhatProcFinds()
    {
        File.WriteAllText(Path.Combine(_dir, "tool"), "");
        File.CreateSymbolicLink(Path.Combine(_dir, "link"), "/bin/sh");
        Assert.That(_root.TryOpen("/bin/sh"u8, Interop.Files.ReadOnlyNoWait, out int fd, out _), Is.True, "held and not retired");
        Interop.Libc.close(fd);
        AssertSameAsProc(Request("/bin/sh"), exists: true);
        AssertSameAsProc(Request(Path.Combine(_dir, "tool")), exists: true);
        AssertSameAsProc(Request("//" + _dir.TrimStart('/') + "//tool"), exists: true);
        AssertSameAsProc(Request(Path.Combine(_dir, "link")), exists: true); // an absolute symlink, followed alike
        AssertSameAsProc(Request("/nonexistent/agentshell-bench"), exists: false);
        AssertSameAsProc(Request(Path.Combine(_dir, "missing")), exists: false);
    }

    [Test]
    public void ARetiredRootIsNotUsedAndLookupsGoThroughProc()
    {
        File.WriteAllText(Path.Combine(_dir, "tool"), "");
        _root.Retire();
        Assert.That(_root.InUse, Is.False);
        Assert.That(_root.TryOpen("/bin/sh"u8, Interop.Files.ReadOnlyNoWait, out _, out _), Is.False);
        Assert.That(_root.TryStat("/bin/sh"u8, out _, out _), Is.False);
        AssertSameAsProc(Request(Path.Combine(_dir, "tool")), exists: true);
        AssertSameAsProc(Request(Path.Combine(_dir, "missing")), exists: false);
    }

    [Test]
    public void ARootThatIsNotTheProcesssIsNotHeld()
    {
        // The tree's root is compared by identity: a process whose root is elsewhere is not used.
        Assert.That(Interop.Files.TryStat(_dir, out var elsewhere), Is.True);
        var tree = TreeRoot.Of(Environment.ProcessId)! with { Root = elsewhere.Identity };
        Assert.That(TreeRootDirectory.Open(Environment.ProcessId, tree), Is.Null);
    }

    [Test]
    public void ItsWatchKeyIsTheKeyOfTheProcesssRoot()
    {
        using var watches = new MissingFileWatches();
        Assert.That(_root.WatchKey, Is.Not.Null);
        // The key a watch is made under for this process (statx of /proc/PID/root/) is the held root's.
        var forMe = watches.For(Environment.ProcessId);
        Assert.That(forMe, Is.Not.Null);
        using var held = new MissingFileWatches(_root);
        Assert.That(held.For(Environment.ProcessId), Is.Not.Null);
        Assert.That(held.Count, Is.EqualTo(1));
        // While in use, a task's root needs no look: even one whose /proc entry is gone gets the watch.
        Assert.That(held.For(int.MaxValue - 7), Is.SameAs(held.For(Environment.ProcessId)));
        _root.Retire();
        Assert.That(held.For(int.MaxValue - 7), Is.Null, "retired: looked at, and there is nothing to look at");
        Assert.That(held.For(Environment.ProcessId), Is.Not.Null);
    }

    [Test]
    public void TheTreeRootHoldsEveryProcessWithoutALookOnlyWhileItsDirectoryIsInUse()
    {
        // A root whose namespace is deliberately not this process's: a look says "not held".
        var real = TreeRoot.Of(Environment.ProcessId)!;
        Assert.That(Interop.Files.TryStat(_dir, out var elsewhere), Is.True);
        var other = real with { MountNamespace = elsewhere.Identity };
        Assert.That(other.Holds(Environment.ProcessId), Is.False, "looked at: another namespace");
        Assert.That(real.Holds(Environment.ProcessId), Is.True, "looked at: this one");
        Assert.That((other with { Directory = _root }).Holds(Environment.ProcessId), Is.True, "in use: nobody has left, no look");
        Assert.That((real with { Directory = _root }).Holds(Environment.ProcessId), Is.True);
        _root.Retire();
        Assert.That((other with { Directory = _root }).Holds(Environment.ProcessId), Is.False, "retired: looked at again");
        Assert.That((real with { Directory = _root }).Holds(Environment.ProcessId), Is.True);
        Assert.That((real with { Directory = _root }).Holds(int.MaxValue - 7), Is.False, "a process that cannot be read is not held");
    }
}
