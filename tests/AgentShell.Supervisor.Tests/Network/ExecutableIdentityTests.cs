using AgentShell.Supervisor.Network;
using Mono.Unix.Native;

namespace AgentShell.Supervisor.Tests.Network;

/// <summary>Tools recognised by what they are: real copies, links and look-alikes of the real
/// binaries on this machine, in a temporary directory.</summary>
[TestFixture]
public sealed class ExecutableIdentityTests
{
    private static ExecutableIdentity? s_system;
    private string _dir = "";
    private string _curl = "";

    // Built once: scanning PATH is the start-up cost, not what these tests measure.
    private static ExecutableIdentity Shared => s_system ??= new ExecutableIdentity();

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-exe-").FullName;
        _curl = Path.GetFullPath(File.ResolveLinkTarget(Repo.Which("curl"), true)?.FullName ?? Repo.Which("curl"));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Copy(string from, string name = "x")
    {
        string to = Path.Combine(_dir, name);
        File.Copy(from, to);
        return to;
    }

    [Test]
    public void FindsTheKnownToolsOnThisMachine()
    {
        Assert.That(Shared.Known.Select(k => k.Tool), Does.Contain("curl"));
        Assert.That(Shared.Known.Single(k => k.Tool == "curl").Path, Is.EqualTo(_curl));
        Assert.That(Shared.Known.Select(k => k.Tool), Does.Not.Contain("sudo").And.Not.Contain("bash"));
    }

    [Test]
    public void ARenamedCopyOfCurlIsCurl() => Assert.That(Shared.Identify(Copy(_curl)), Is.EqualTo("curl"));

    [Test]
    public void ASymlinkToCurlIsCurl()
    {
        string link = Path.Combine(_dir, "x");
        File.CreateSymbolicLink(link, _curl);
        var identity = new ExecutableIdentity();
        Assert.That(identity.Identify(link), Is.EqualTo("curl"));
        Assert.That(identity.CandidateHashes + identity.KnownHashes, Is.Zero, "recognised by inode, nothing hashed");
    }

    /// <summary>curl installed in a directory of the test's own (a link to the system's curl
    /// would change its ctime, and with it what every run started before counts as curl).</summary>
    private (string Bin, string Curl) InstalledCurl()
    {
        string bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        return (bin, Copy(_curl, Path.Combine("bin", "curl")));
    }

    [Test]
    public void AHardLinkToCurlIsCurl()
    {
        var (bin, curl) = InstalledCurl();
        string link = Path.Combine(_dir, "x");
        if (Syscall.link(curl, link) != 0) Assert.Ignore($"cannot hard-link {curl} into {_dir}: {Stdlib.GetLastError()}");
        var identity = new ExecutableIdentity(["curl"], [bin]);
        Assert.That(identity.Identify(link), Is.EqualTo("curl"));
        Assert.That(identity.CandidateHashes + identity.KnownHashes, Is.Zero, "recognised by inode, nothing hashed");
    }

    [Test]
    public void AKnownToolWrittenInPlaceIsNotThatToolNorTheModelOfACopy()
    {
        // A tree that can write the file writes another program into curl's inode (same inode, no
        // O_TRUNC): it must not be curl, nor may a copy of the new bytes be. Written here with its
        // own first bytes: no stat tells what was written, only that something was.
        var (bin, curl) = InstalledCurl();
        var identity = new ExecutableIdentity(["curl"], [bin]);
        Assert.That(identity.Identify(curl), Is.EqualTo("curl"), "the look-alike: as found at start");
        Assert.That(identity.Identify(Copy(curl, "y")), Is.EqualTo("curl"), "the look-alike: a copy of it");
        Thread.Sleep(10); // a coarse ctime could otherwise not move
        using (var f = new FileStream(curl, FileMode.Open, FileAccess.Write)) f.Write(File.ReadAllBytes(_curl).AsSpan(0, 4));
        Assert.That(identity.Identify(curl), Is.Null, "written since start");
        Assert.That(identity.IsTool(curl, "curl"), Is.False);
        Assert.That(identity.Identify(Copy(curl, "z")), Is.Null, "a copy compared with a model written since start");
    }

    [Test]
    public void AKnownToolLinkedSinceStartIsNoLongerKnown()
    {
        // The price of the check above: a new link (or a chmod, a chown) also sets the ctime, and
        // cannot be told from a write. The tool is then unknown for the rest of the run: paused,
        // never trusted on a guess.
        var (bin, curl) = InstalledCurl();
        var identity = new ExecutableIdentity(["curl"], [bin]);
        Thread.Sleep(10);
        if (Syscall.link(curl, Path.Combine(_dir, "x")) != 0) Assert.Ignore($"cannot hard-link {curl}: {Stdlib.GetLastError()}");
        Assert.That(identity.Identify(curl), Is.Null);
    }

    [TestCase(0)]
    [TestCase(1000)]
    [TestCase(-1)]
    public void ACopyWithOneByteChangedIsNotCurl(int at)
    {
        string x = Copy(_curl);
        var bytes = File.ReadAllBytes(x);
        int i = at >= 0 ? at : bytes.Length - 1;
        bytes[i] ^= 0x01;
        File.WriteAllBytes(x, bytes);
        Assert.That(new FileInfo(x).Length, Is.EqualTo(new FileInfo(_curl).Length));
        var identity = new ExecutableIdentity();
        Assert.That(identity.Identify(x), Is.Null);
        Assert.That(identity.CandidateHashes, Is.EqualTo(1), "same size: hashed and compared");
    }

    [Test]
    public void AnUnrelatedBinaryIsNothing()
    {
        Assert.That(Shared.Identify(Copy("/bin/true")), Is.Null);
        Assert.That(Shared.Identify("/bin/true"), Is.Null);
    }

    [Test]
    public void KnownBinariesAreHashedOnlyWhenACandidateHasTheirSize()
    {
        var identity = new ExecutableIdentity();
        Assert.That(identity.KnownHashes, Is.Zero);
        string x = Copy(_curl);
        Assert.That(identity.Identify(x), Is.EqualTo("curl"));
        int sameSizeAsCurl = identity.Known.Count(k => new FileInfo(k.Path).Length == new FileInfo(_curl).Length);
        Assert.That(identity.KnownHashes, Is.LessThanOrEqualTo(sameSizeAsCurl));
        Assert.That(identity.KnownHashes, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void AFileIsHashedEachTimeItIsAskedAbout()
    {
        var identity = new ExecutableIdentity();
        string x = Copy(_curl);
        Assert.That(identity.Identify(x), Is.EqualTo("curl"));
        Assert.That(identity.Identify($"/proc/self/root{x}"), Is.EqualTo("curl"));
        Assert.That(identity.CandidateHashes, Is.EqualTo(2));

        // Rewritten in place with other bytes of the same size.
        var bytes = File.ReadAllBytes(x);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(x, bytes);
        Assert.That(identity.Identify(x), Is.Null);
        Assert.That(identity.CandidateHashes, Is.EqualTo(3));
    }

    [Test]
    public void ACopyRewrittenThroughAMappingWrittenBeforeItWasAskedAboutIsAskedAboutAgain()
    {
        // Pages of a shared writable mapping already written before the look are written again
        // without a fault: the file's bytes change, its size, mtime and ctime do not.
        var curl = File.ReadAllBytes(_curl);
        var other = (byte[])curl.Clone();
        for (int i = 0; i < other.Length; i += 4096) other[i] ^= 0x5A;
        string x = Path.Combine(_dir, "x");
        File.WriteAllBytes(x, other);
        var identity = new ExecutableIdentity();
        Stat before, after;
        using (var map = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(x, FileMode.Open, null, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.ReadWrite))
        using (var view = map.CreateViewAccessor(0, other.Length))
        {
            for (int i = 0; i < other.Length; i += 4096) view.Write(i, other[i]); // every page written once: the last fault
            Assert.That(Syscall.stat(x, out before), Is.Zero);
            Assert.That(identity.Identify(x), Is.Null, "not curl yet");
            view.WriteArray(0, curl, 0, curl.Length);
            Assert.That(Syscall.stat(x, out after), Is.Zero);
        }
        Assert.That((after.st_ino, after.st_size, after.st_mtime, after.st_mtime_nsec, after.st_ctime, after.st_ctime_nsec),
            Is.EqualTo((before.st_ino, before.st_size, before.st_mtime, before.st_mtime_nsec, before.st_ctime, before.st_ctime_nsec)),
            "the same version of the file by every stat field");
        Assert.That(File.ReadAllBytes(x), Is.EqualTo(curl));
        Assert.That(identity.Identify(x), Is.EqualTo("curl"));
        Assert.That(identity.CandidateHashes, Is.EqualTo(2));
    }

    [Test]
    public void ADeletedFileIsNothingButAnOpenDeletedCopyIsStillCurl()
    {
        var identity = new ExecutableIdentity();
        string x = Copy(_curl);
        using (var open = File.OpenHandle(x))
        {
            File.Delete(x);
            Assert.That(identity.Identify(x), Is.Null);
            // fexecve of an unlinked file arrives as execveat(fd, "", AT_EMPTY_PATH): /proc/PID/fd/N.
            Assert.That(identity.Identify($"/proc/self/fd/{open.DangerousGetHandle()}"), Is.EqualTo("curl"));
        }
    }

    [Test]
    public void ThingsThatAreNotRegularFilesAreNothing()
    {
        string fifo = Path.Combine(_dir, "fifo");
        Assert.That(Syscall.mkfifo(fifo, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(Shared.Identify(fifo), Is.Null);
            Assert.That(Shared.Identify(_dir), Is.Null);
            Assert.That(Shared.Identify("/dev/null"), Is.Null);
            Assert.That(Shared.Identify(""), Is.Null);
            Assert.That(Shared.Identify("relative/nowhere"), Is.Null);
            Assert.That(Shared.Identify("/proc/999999999/root/usr/bin/curl"), Is.Null);
        });
    }

    [Test]
    public void ACopyOfAScriptToolIsRecognisedByContent()
    {
        // The Debian wrapper that /usr/bin/psql, pg_restore and dropdb link to is a Perl script.
        string psql = "/usr/bin/psql";
        if (!File.Exists(psql)) Assert.Ignore("psql is not installed");
        string target = File.ResolveLinkTarget(psql, true)?.FullName ?? psql;
        Assert.That(Shared.Identify(Copy(target)), Is.EqualTo("psql"));
    }

    private const string PyenvShim = "#!/usr/bin/env bash\nset -e\n[ -n \"$PYENV_DEBUG\" ] && set -x\n\nprogram=\"${0##*/}\"\n\n" +
        "export PYENV_ROOT=\"/root/.pyenv\"\nexec \"/root/.pyenv/libexec/pyenv\" exec \"$program\" \"$@\"\n";

    [Test]
    public void AVersionManagersShimIsItsToolByInodeButAnIdenticalShimIsNotThatTool()
    {
        // pyenv installs the same shim under every name: python3's shim is byte for byte aws's.
        string shims = Directory.CreateDirectory(Path.Combine(_dir, "shims")).FullName;
        foreach (var name in new[] { "aws", "python3" }) File.WriteAllText(Path.Combine(shims, name), PyenvShim);
        var identity = new ExecutableIdentity(["aws"], [shims]);
        Assert.That(identity.Identify(Path.Combine(shims, "aws")), Is.EqualTo("aws"), "the installed shim itself");
        Assert.That(identity.Identify(Path.Combine(shims, "python3")), Is.Null, "another shim runs python3, not aws");
        Assert.That(identity.Identify(Copy(Path.Combine(shims, "aws"))), Is.Null, "a copy runs `pyenv exec x`, not aws");
    }

    [Test]
    public void AShellScriptToolThatDoesNotRunAsItsNameIsStillRecognisedByContent()
    {
        // The look-alike: a shell wrapper that names its program itself (as asdf's shims do) is that
        // program wherever it is copied.
        string bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "aws"), "#!/usr/bin/env bash\n# usage: $0 ARGS\nexec /opt/asdf/bin/asdf exec \"aws\" \"$@\"\n");
        var identity = new ExecutableIdentity(["aws"], [bin]);
        Assert.That(identity.Identify(Copy(Path.Combine(bin, "aws"))), Is.EqualTo("aws"));
    }

    [Test]
    public void ProgramPutAtAKnownToolsPathSinceStartIsNotItsModel()
    {
        // The tool found at start is the model of a copy; a file put at its path since (a tree
        // that can write the directory) is another file, and neither it nor a copy of it is the tool.
        string bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        string aws = Path.Combine(bin, "aws");
        File.WriteAllText(aws, "#!/bin/sh\n# the real one\nexec /opt/aws/bin/aws \"$@\"\n");
        var identity = new ExecutableIdentity(["aws"], [bin]);
        string evil = "#!/bin/sh\n# not it, same size\ncurl -X DELETE \"$@\" # \n";
        evil = evil.PadRight((int)new FileInfo(aws).Length, '#')[..(int)new FileInfo(aws).Length];
        Assert.That(identity.Identify(Copy(aws)), Is.EqualTo("aws"), "the look-alike: a copy of the file found at start");
        File.Move(aws, aws + ".old"); // kept: its inode number is not given to a new file
        File.WriteAllText(aws, evil);
        Assert.That(identity.Identify(Copy(aws, "y")), Is.Null, "a copy of what was put there since");
        Assert.That(identity.Identify(aws), Is.Null, "what was put there since");
    }
}
