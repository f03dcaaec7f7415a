using System.Diagnostics;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary>The real psql, run by a test against the relay.</summary>
internal static class Psql
{
    internal readonly record struct Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs <c>psql CONNINFO ARGS</c> without ~/.psqlrc, with <paramref name="env"/> added.</summary>
    internal static Result Run(string connInfo, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Repo.Which("psql")) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("-X");
        psi.ArgumentList.Add(connInfo);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        if (stdin != null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); Assert.Fail("psql did not finish in 60 s"); }
        return new Result(p.ExitCode, o.Result, e.Result);
    }
}
