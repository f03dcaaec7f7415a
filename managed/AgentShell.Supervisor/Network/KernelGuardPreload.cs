namespace AgentShell.Supervisor.Network;

/// <summary>Root mode: the connect programs loaded on another thread while the run prepares
/// (profiles and their rule cases, the audit log), since loading them — the kernel's BTF parsed by
/// libbpf, every program verified — is most of a root run's start. It only loads: nothing is
/// attached or pinned until <see cref="RootMode"/> takes the programs, and nothing the tree could
/// reach exists before then; a run that stops earlier closes them (or its exit does).</summary>
public sealed class KernelGuardPreload : IDisposable
{
    private readonly string _objectPath;
    private readonly Task<(BpfInstaller? Installer, string Reason)> _load;
    private bool _taken;

    private KernelGuardPreload(string objectPath)
    {
        _objectPath = objectPath;
        _load = Task.Run(() => (BpfInstaller.TryLoad(objectPath, out string reason), reason));
    }

    /// <summary>Starts loading when the run may use the kernel guard (root, not --connect-guard
    /// seccomp); null otherwise.</summary>
    public static KernelGuardPreload? Start(ConnectGuardMode mode, string launcherPath, string? objectPath = null) =>
        mode == ConnectGuardMode.Seccomp || Interop.Process.GetEffectiveUid() != 0 ? null
            : new KernelGuardPreload(objectPath ?? KernelConnectGuard.DefaultObjectPath(launcherPath));

    /// <summary>The loaded programs for <paramref name="objectPath"/> (the caller owns them), or null
    /// and why not; null with an empty reason when this preload was for another object (load it then).</summary>
    internal BpfInstaller? Take(string objectPath, out string reason)
    {
        reason = "";
        if (_taken || objectPath != _objectPath) return null;
        _taken = true;
        (var installer, reason) = _load.GetAwaiter().GetResult();
        return installer;
    }

    /// <summary>Closes the programs unless a run took them.</summary>
    public void Dispose()
    {
        if (_taken) return;
        _taken = true;
        try { _load.GetAwaiter().GetResult().Installer?.Dispose(); }
        catch (Exception)
        {
            // Loading threw (libbpf missing): nothing was loaded, nothing to close.
        }
    }
}
