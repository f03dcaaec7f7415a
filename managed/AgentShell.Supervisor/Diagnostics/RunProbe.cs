using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Diagnostics;

/// <summary>The whole path of `run`, once: the launcher puts <c>true</c> under the filter in a
/// child of its own, the supervisor takes the listener, decides the exec and waits for it to exit.
/// Connects are left to seccomp (no BPF is loaded) and the control socket is made in a private
/// temporary directory, so no `watch` sees it.</summary>
public static class RunProbe
{
    /// <summary>Runs <c>true</c> under supervision with <paramref name="launcher"/>.</summary>
    public static Probe SupervisedTrue(string launcher, Policy policy)
    {
        if (!File.Exists(launcher))
            return new(ProbeStatus.Fail, "supervised run", $"the launcher is missing: {launcher}", "run make (in the source tree) or make install, or set AGENTSHELL_LAUNCHER");
        string? program = new[] { "/usr/bin/true", "/bin/true" }.FirstOrDefault(File.Exists);
        if (program == null) return new(ProbeStatus.Note, "supervised run", "not tested: no /usr/bin/true to run");
        var dir = Directory.CreateTempSubdirectory("agentshell-doctor-");
        var log = new StringWriter();
        try
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var run = new SupervisedRun(new RunOptions
            {
                LauncherPath = launcher, Command = [program], Policy = policy, OwnsProcess = false, Log = log, Quiet = true,
                Threads = 1, ConnectGuard = ConnectGuardMode.Seccomp, Addresses = new NoAddresses(),
                SocketPath = Path.Combine(dir.FullName, "doctor.sock"),
            });
            int code = run.Run();
            return code == 0
                ? new(ProbeStatus.Ok, "supervised run", $"{launcher} ran {program} under the filter ({sw.ElapsedMilliseconds} ms)")
                : new(ProbeStatus.Fail, "supervised run", $"{launcher} could not run {program} under the filter (exit {code}){(log.ToString().Trim() is { Length: > 0 } l ? ": " + l : "")}",
                    "see the launcher's message above; `agentshell run -- true` shows the same");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return new(ProbeStatus.Fail, "supervised run", $"the supervisor failed: {e.Message}", "see the message; `agentshell run -- true` shows the same");
        }
        finally { dir.Delete(recursive: true); }
    }

    /// <summary>No address is production: <c>true</c> connects nowhere.</summary>
    private sealed class NoAddresses : IAddressEnvironments
    {
        public string EnvironmentOf(ReadOnlySpan<byte> address, int port) => "unknown";
    }
}
