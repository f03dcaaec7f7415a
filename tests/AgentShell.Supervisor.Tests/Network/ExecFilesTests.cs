using AgentShell.Supervisor.Network;
using Mono.Unix.Native;

namespace AgentShell.Supervisor.Tests.Network;

/// <summary>The "#!" line the decider reads from the file an exec names.</summary>
[TestFixture]
public sealed class ExecFilesTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-execfiles-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Script(string content)
    {
        string path = Path.Combine(_dir, "s");
        File.WriteAllText(path, content);
        return path;
    }

    [TestCase("#!/usr/bin/curl -XDELETE\nhttps://prod\n", "/usr/bin/curl", "-XDELETE")]
    [TestCase("#! /usr/bin/env  python3 -u \n", "/usr/bin/env", "python3 -u")]
    [TestCase("#!/bin/sh", "/bin/sh", null)]
    public void TheInterpreterAndItsOneArgumentAreRead(string content, string interpreter, string? argument)
    {
        Assert.That(ExecFiles.Shebang(Script(content)), Is.EqualTo((interpreter, argument)));
    }

    [TestCase("echo hi\n")]
    [TestCase("#!\n")]
    [TestCase("#")]
    [TestCase("")]
    public void AFileThatIsNotAScriptHasNone(string content)
    {
        Assert.That(ExecFiles.Shebang(Script(content)), Is.Null);
    }

    [Test]
    public void AFifoAsTheProgramReturnsNullPromptly()
    {
        // A FIFO with no writer: a blocking open(2) waits for one forever (it hung the decider).
        string fifo = Path.Combine(_dir, "f");
        Assert.That(Syscall.mkfifo(fifo, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR | FilePermissions.S_IXUSR), Is.Zero);
        var shebang = Task.Run(() => ExecFiles.Shebang(fifo));
        bool done = shebang.Wait(TimeSpan.FromSeconds(10));
        if (!done) using (File.OpenWrite(fifo)) { } // releases the reader blocked in open(2)
        Assert.That(done, Is.True, "Shebang blocked on a FIFO");
        Assert.That(shebang.Result, Is.Null);
    }

    [Test]
    public void AFifoWithAScriptInItIsNotRead()
    {
        // A writer is there and the pipe holds a "#!" line: still not a file the kernel would run.
        string fifo = Path.Combine(_dir, "f");
        Assert.That(Syscall.mkfifo(fifo, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR), Is.Zero);
        int writer = Syscall.open(fifo, OpenFlags.O_RDWR | OpenFlags.O_NONBLOCK);
        Assert.That(writer, Is.GreaterThanOrEqualTo(0));
        try
        {
            var line = "#!/usr/bin/curl -XDELETE\n"u8;
            Assert.That((int)Interop.Files.WriteOnce(writer, line, out _), Is.EqualTo(line.Length));
            Assert.That(ExecFiles.Shebang(fifo), Is.Null);
        }
        finally { Syscall.close(writer); }
    }

    [Test]
    public void ADeviceOrADirectoryHasNone()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ExecFiles.Shebang("/dev/zero"), Is.Null);
            Assert.That(ExecFiles.Shebang(_dir), Is.Null);
            Assert.That(ExecFiles.Shebang(Path.Combine(_dir, "missing")), Is.Null);
        });
    }
}
