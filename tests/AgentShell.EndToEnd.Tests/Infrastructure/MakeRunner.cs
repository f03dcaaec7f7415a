using System.Diagnostics;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the repository's `make` with the given arguments and captures its output.</summary>
internal static class MakeRunner
{
    internal static AgentShellRunner.Result Run(IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(Repo.Which("make"), ["-C", Repo.Root, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout)) { p.Kill(true); Assert.Fail($"make {string.Join(' ', args)} did not finish"); }
        p.WaitForExit();
        return new AgentShellRunner.Result(p.ExitCode, so.Result, se.Result);
    }
}
