using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Tests.Network;

/// <summary>Root mode's programs loaded ahead of the run: only a user who could use them loads
/// them, the run takes what was loaded for its object, and an untaken load leaves nothing behind.</summary>
[TestFixture]
public sealed class KernelGuardPreloadTests
{
    private static string ObjectPath => Path.Combine(Repo.Root, "bin", "agentshell-connect.bpf.o");

    private static void RequireRootMode()
    {
        if (Interop.Process.GetEffectiveUid() != 0) Assert.Ignore("root mode needs root");
        if (!File.Exists(ObjectPath)) Assert.Ignore($"{ObjectPath} is not built (make)");
        if (BpfInstaller.CgroupV2Root() == null) Assert.Ignore("no cgroup v2 hierarchy here");
    }

    [Test]
    public void NothingIsLoadedForASeccompRun() =>
        Assert.That(KernelGuardPreload.Start(ConnectGuardMode.Seccomp, Repo.Launcher, ObjectPath), Is.Null);

    [Test]
    public void TheRunTakesTheProgramsLoadedForItsObjectOnce()
    {
        RequireRootMode();
        using var preload = KernelGuardPreload.Start(ConnectGuardMode.Auto, Repo.Launcher, ObjectPath)!;
        using var installer = preload.Take(ObjectPath, out string reason);
        Assert.That(installer, Is.Not.Null, reason);
        Assert.That(installer!.Object, Is.Not.EqualTo(0));
        Assert.That(preload.Take(ObjectPath, out reason), Is.Null, "a second run cannot take the same programs");
        Assert.That(reason, Is.Empty, "so it loads its own");
    }

    [Test]
    public void AnotherObjectIsNotServedFromThePreload()
    {
        RequireRootMode();
        using var preload = KernelGuardPreload.Start(ConnectGuardMode.Auto, Repo.Launcher, ObjectPath)!;
        Assert.That(preload.Take("/nonexistent/other.bpf.o", out string reason), Is.Null);
        Assert.That(reason, Is.Empty, "the run loads the object it names itself");
    }

    [Test]
    public void AnUntakenPreloadPinsNothing()
    {
        RequireRootMode();
        // Ours only: other runs on this machine come and go in the pin directory meanwhile.
        string[] Pins() => Directory.Exists(BpfInstaller.PinRoot) ? Directory.GetDirectories(BpfInstaller.PinRoot, $"{Environment.ProcessId}-*") : [];
        var preload = KernelGuardPreload.Start(ConnectGuardMode.Auto, Repo.Launcher, ObjectPath)!;
        preload.Dispose();
        Assert.That(Pins(), Is.Empty);
        Assert.That(preload.Take(ObjectPath, out _), Is.Null, "closed programs are never handed to a run");
    }
}
