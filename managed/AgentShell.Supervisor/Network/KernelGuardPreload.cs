namespace AgentShell.Supervisor.Network;

/// <summary>Root mode: the connect programs claimed from the pool (<see cref="BpfPool"/>) or loaded
/// on another thread while the run prepares (profiles and their rule cases, the audit log), since
/// loading them — the kernel's BTF parsed by libbpf, every program verified — is most of a root
/// run's start. It only claims or loads: nothing is attached or pinned until <see cref="RootMode"/>
/// takes the programs, and nothing the tree could reach exists before then; a run that stops
/// earlier closes them (or its exit does). At its end it starts the pool's refill for the next run.</summary>
public sealed class KernelGuardPreload : IDisposable
{
    private readonly string _objectPath;
    private readonly string? _refiller;
    private readonly Task<(BpfInstaller? Installer, string Reason)> _load;
    private bool _taken, _disposed;

    private KernelGuardPreload(string objectPath, string? refiller)
    {
        _objectPath = objectPath;
        _refiller = refiller;
        // PERF: a thread of its own (Interop.Threads), not Task.Run: the thread pool's first work
        // starts its worker and gate threads, and Thread.Start spins until each has run.
        var done = new TaskCompletionSource<(BpfInstaller?, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _load = done.Task;
        Interop.Threads.StartBackground("bpf-preload", () =>
        {
            try { done.SetResult(Load(objectPath)); }
            catch (Exception e) { done.SetException(e); }
        });
    }

    /// <summary>Why a claimed pool entry was discarded (null when none was, or none was claimed).</summary>
    internal string? Discarded { get; private set; }

    /// <summary>Starts claiming or loading when the run may use the kernel guard (root, not
    /// --connect-guard seccomp); null otherwise. <paramref name="refiller"/>: the agentshell
    /// executable that refills the pool once this run is over (null: no refill).</summary>
    public static KernelGuardPreload? Start(ConnectGuardMode mode, string launcherPath, string? objectPath = null, string? refiller = null) =>
        mode == ConnectGuardMode.Seccomp || Interop.Process.GetEffectiveUid() != 0 ? null
            : new KernelGuardPreload(objectPath ?? KernelConnectGuard.DefaultObjectPath(launcherPath), refiller);

    /// <summary>The refill process's work (`agentshell __bpf-pool-refill OBJECT`): 0, or 1 with why on stderr.</summary>
    public static int RefillPool(string[] args) =>
        args is [BpfPool.RefillArgument, var objectPath] ? BpfPool.Refill(objectPath, Console.Error) : 1;

    /// <summary>True when <paramref name="args"/> are those of the refill process.</summary>
    public static bool IsRefill(string[] args) => args.Length > 0 && args[0] == BpfPool.RefillArgument;

    private (BpfInstaller?, string) Load(string objectPath)
    {
        if (BpfInstaller.Unavailable(objectPath, out string cgroupRoot) is string why) return (null, why);
        try
        {
            if (BpfPool.TryClaim(objectPath, out string? discarded) is { } claimed) return (BpfInstaller.OfClaimed(claimed, cgroupRoot), "");
            Discarded = discarded;
        }
        catch (DllNotFoundException)
        {
            // libbpf is missing: the load below says so.
        }
        return (BpfInstaller.TryLoad(objectPath, out string reason), reason);
    }

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

    /// <summary>Closes the programs unless a run took them; starts the pool's refill when root mode
    /// works here.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        bool usable = false;
        try
        {
            var (installer, _) = _load.GetAwaiter().GetResult();
            usable = installer != null;
            if (!_taken) installer?.Dispose();
        }
        catch (Exception)
        {
            // Loading threw (libbpf missing): nothing was loaded, nothing to close, no refill.
        }
        _taken = true;
        if (usable && _refiller != null) BpfPool.SpawnRefill(_refiller, _objectPath);
    }
}
