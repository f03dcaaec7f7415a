namespace AgentShell.Supervisor;

/// <summary>What a run set up, once its agent is about to start (`agentshell run -v` prints it).</summary>
/// <param name="RunId">The run's id.</param>
/// <param name="ControlSocket">Where `pending`, `approve`, `deny` and `watch` reach it.</param>
/// <param name="ConnectGuard">Where connects are decided: <see cref="ConnectGuardMode.Kernel"/> or <see cref="ConnectGuardMode.Seccomp"/>.</param>
/// <param name="WhyNotKernel">Why connects are not decided in the kernel (null when they are).</param>
/// <param name="Protections">The protections in force, one phrase each.</param>
public sealed record RunStarted(string RunId, string ControlSocket, ConnectGuardMode ConnectGuard, string? WhyNotKernel, IReadOnlyList<string> Protections)
{
    /// <summary>The protections of a run: what the launcher's filter and the supervisor enforce.</summary>
    internal static IReadOnlyList<string> Of(bool kernelGuard, bool ownsProcess)
    {
        var p = new List<string>
        {
            "every execve/execveat of the tree stops in the supervisor (seccomp user notification, WAIT_KILLABLE_RECV)",
            kernelGuard
                ? "IPv4/IPv6 connects and UDP sends decided in the kernel by eBPF cgroup programs, pinned to outlive the supervisor; a connect that needs a person waits at the supervisor's gate"
                : "every connect stops in the supervisor, which makes an allowed one on the process's behalf to the address it checked",
            // The launcher's filter (native/launcher/filter.c): all it refuses outright, as README's "How it works" lists it.
            "io_uring_setup, bpf, foreign syscall ABIs, setting the clock, userfaultfd, prctl(PR_SET_MM) and SCTP sockets refused; clone3 answered ENOSYS",
            "signals, ptrace and memory access aimed at the supervisor refused",
            "the control socket refuses the tree (SO_PEERCRED and a connect check), and so do its `agentshell approve|deny|watch`",
        };
        if (ownsProcess) p.Add("the supervisor is non-dumpable and the tree's subreaper");
        return p;
    }
}
