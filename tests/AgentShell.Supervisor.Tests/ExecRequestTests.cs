using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor.Tests;

/// <summary>ExecRequest.TryStatOpenable stats, without making a string, the file that
/// OpenablePath names through /proc: the same file for absolute, relative (cwd or a directory fd)
/// and fd-only (fexecve) requests, and nothing where nothing is. Run against this process.</summary>
[TestFixture]
public sealed class ExecRequestTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-request-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private static ExecRequest Request(string filename, int dirFd = ProcessInfo.AtFdCwd, bool emptyPath = false)
    {
        var bytes = Encoding.UTF8.GetBytes(filename);
        return new ExecRequest(bytes, bytes.Length, Argv.FromStrings([filename]), Environment.ProcessId, dirFd, emptyPath);
    }

    private static void AssertSameAsOpenablePath(ExecRequest r, bool exists)
    {
        bool byBytes = r.TryStatOpenable(out var st);
        bool byString = Interop.Files.TryStat(r.OpenablePath(), out var expected);
        Assert.That(byBytes, Is.EqualTo(exists));
        Assert.That(byString, Is.EqualTo(exists));
        if (exists) Assert.That(st.Identity, Is.EqualTo(expected.Identity));
    }

    [Test]
    public void AnAbsolutePathIsStatedThroughTheProcessRoot()
    {
        AssertSameAsOpenablePath(Request("/bin/sh"), exists: true);
        AssertSameAsOpenablePath(Request("/nonexistent/agentshell-bench"), exists: false);
    }

    [Test]
    public void ARelativePathIsStatedThroughTheWorkingDirectory()
    {
        string name = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(_dir, "tool"));
        File.WriteAllText(Path.Combine(_dir, "tool"), "");
        AssertSameAsOpenablePath(Request(name), exists: true);
        AssertSameAsOpenablePath(Request(name + "-missing"), exists: false);
    }

    [Test]
    public void ARelativePathOfExecveatIsStatedThroughItsDirectoryFd()
    {
        File.WriteAllText(Path.Combine(_dir, "tool"), "");
        int fd = Interop.Files.Open(_dir, Interop.Files.O_RDONLY | Interop.Files.O_DIRECTORY | Interop.Files.O_CLOEXEC, out var errno);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"open: {errno}");
        try
        {
            AssertSameAsOpenablePath(Request("tool", fd), exists: true);
            AssertSameAsOpenablePath(Request("missing", fd), exists: false);
        }
        finally { Interop.Libc.close(fd); }
    }

    [Test]
    public void AnFexecveIsStatedThroughItsFd()
    {
        string file = Path.Combine(_dir, "tool");
        File.WriteAllText(file, "");
        using var h = File.OpenHandle(file);
        int fd = (int)h.DangerousGetHandle();
        var r = Request(file + " (what /proc names it)", fd, emptyPath: true);
        AssertSameAsOpenablePath(r, exists: true);
        Assert.That(r.TryStatOpenable(out var st) && Interop.Files.TryStat(file, out var real) && st.Identity == real.Identity, Is.True);
    }

    [Test]
    public void AStatOfAMissingFileAllocatesNothing()
    {
        var r = Request("/nonexistent/agentshell-bench");
        // Warm up past the JIT's tiering (its recompilation allocates on this thread too).
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 200; i++) r.TryStatOpenable(out _);
            Thread.Sleep(150);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) r.TryStatOpenable(out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
