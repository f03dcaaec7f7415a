using System.Text;

namespace AgentShell.Supervisor.Tests;

/// <summary>The check of a process's executable mappings before a connect is let through on its
/// exec's trust: every file-backed one must be found again under its name (device, inode) with a
/// change time before the run. Real files and this test process's own maps.</summary>
[TestFixture]
public sealed class ExecMappingsTests
{
    private static long Now => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>A maps line for <paramref name="path"/> as the kernel writes it (major:minor in hex).</summary>
    private static string Line(string path, string perms = "r-xp", string? name = null)
    {
        Assert.That(Interop.Files.TryStat(path, out var st), Is.True, path);
        ulong kdev = AgentShell.Supervisor.Network.ExecFiles.KernelDev(st.Dev);
        return $"7f0000000000-7f0000001000 {perms} 00001000 {kdev >> 20:x2}:{kdev & 0xfffff:x2} {st.Ino}                    {name ?? path}\n";
    }

    private static bool Check(string maps, long since) => ExecMappings.AllUnchanged(Encoding.UTF8.GetBytes(maps), since, (0, 0), out _);

    private string _dir = null!;

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("agentshell-maps-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, true);

    [Test]
    public void AProgramWithItsSystemLibrariesPasses()
    {
        using var p = System.Diagnostics.Process.Start("sleep", "10")!;
        try
        {
            Thread.Sleep(200); // its libraries are mapped
            Assert.That(ExecMappings.UnchangedSince(p.Id, Now, out var file), Is.True, file);
        }
        finally { p.Kill(); }
    }

    [Test]
    public void CodeInAMemfdFails()
    {
        // The .NET runtime's own double mapping of JIT code (/memfd:doublemapper (deleted)).
        if (!File.ReadAllText("/proc/self/maps").Contains("/memfd:")) Assert.Ignore("the runtime maps no code from a memfd here (W^X off)");
        Assert.That(ExecMappings.UnchangedSince(Environment.ProcessId, Now, out var file), Is.False);
        Assert.That(file, Does.Contain("/memfd:"));
    }

    [Test]
    public void AnUnchangedLibraryPasses()
    {
        string lib = Path.Combine(_dir, "lib.so");
        File.WriteAllBytes(lib, [1, 2, 3]);
        long since = Now + 100_000_000;
        string maps = "7ffc00000000-7ffc00002000 r-xp 00000000 00:00 0                          [vdso]\n" + Line(lib, "r--p") + Line(lib) + Line(lib, "rw-p");
        Assert.That(Check(maps, since), Is.True);
    }

    [Test]
    public void ALibraryChangedSinceTheRunBeganFails()
    {
        string lib = Path.Combine(_dir, "lib.so");
        File.WriteAllBytes(lib, [1, 2, 3]);
        long since = Now - 10_000_000_000;
        Assert.That(Check(Line(lib), since), Is.False);
        // Not read as code, it does not count.
        Assert.That(Check(Line(lib, "r--p"), since), Is.True);
    }

    [TestCase(" (deleted)")]
    [TestCase("-renamed")]
    public void AMappingNotFoundAgainUnderItsNameFails(string suffix)
    {
        string lib = Path.Combine(_dir, "lib.so");
        File.WriteAllBytes(lib, [1, 2, 3]);
        Assert.That(Check(Line(lib, name: lib + suffix), Now + 100_000_000), Is.False);
    }

    [Test]
    public void AnotherFileUnderTheMappingsNameFails()
    {
        string lib = Path.Combine(_dir, "lib.so"), other = Path.Combine(_dir, "other.so");
        File.WriteAllBytes(lib, [1, 2, 3]);
        File.WriteAllBytes(other, [1, 2, 3]);
        Assert.That(Check(Line(other, name: lib), Now + 100_000_000), Is.False);
    }

    [TestCase("7f0000000000-7f0000001000 r-xp 00001000 zz:01 12 /x\n")]
    [TestCase("7f0000000000-7f0000001000 r-xp 00001000 fe:01\n")]
    [TestCase("7f0000000000-7f0000001000 r-xp 00001000 fe:01 12 relative\n")]
    public void AnUnreadableLineFails(string maps) => Assert.That(Check(maps, Now), Is.False);

    [Test]
    public void TheProgramItselfIsNotCompared()
    {
        // Checked at its exec, and unwritable while it runs (ETXTBSY).
        string prog = Path.Combine(_dir, "prog");
        File.WriteAllBytes(prog, [1, 2, 3]);
        Assert.That(Interop.Files.TryStat(prog, out var st), Is.True);
        var id = (AgentShell.Supervisor.Network.ExecFiles.KernelDev(st.Dev), st.Ino);
        Assert.That(ExecMappings.AllUnchanged(Encoding.UTF8.GetBytes(Line(prog)), Now - 10_000_000_000, id, out _), Is.True);
    }

    [Test]
    public void AProcessThatIsGoneFails() => Assert.That(ExecMappings.UnchangedSince(int.MaxValue - 1, Now, out _), Is.False);
}
