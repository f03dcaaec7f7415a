using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

/// <summary>Signals sent to `agentshell run` (SIGTERM, SIGHUP, SIGINT, SIGQUIT) are passed to the
/// agent; the supervisor stays up until the agent is gone.</summary>
internal static class SignalForwarding
{
    /// <summary>Forwards to <paramref name="agentPid"/> until disposed; <paramref name="received"/> is
    /// told of each signal (the daemon exits 0 after a SIGTERM it passed on).</summary>
    public static IDisposable Start(int agentPid, Action<PosixSignal>? received = null)
    {
        var regs = new List<PosixSignalRegistration>();
        bool tty = Interop.Libc.isatty(0) == 1;
        foreach (var sig in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            regs.Add(PosixSignalRegistration.Create(sig, ctx =>
            {
                ctx.Cancel = true; // we stay up until the agent is gone
                received?.Invoke(ctx.Signal);
                // A terminal already delivers SIGINT/SIGQUIT to the agent (same process group);
                // forwarding would deliver it twice (two Ctrl-Cs quit some agents).
                if (tty && (ctx.Signal == PosixSignal.SIGINT || ctx.Signal == PosixSignal.SIGQUIT)) return;
                int num = ctx.Signal switch { PosixSignal.SIGTERM => 15, PosixSignal.SIGHUP => 1, PosixSignal.SIGINT => 2, _ => 3 };
                Interop.Process.kill(agentPid, num);
            }));
        }
        return new Registrations(regs);
    }

    private sealed class Registrations(List<PosixSignalRegistration> items) : IDisposable
    {
        public void Dispose() { foreach (var i in items) i.Dispose(); }
    }
}
