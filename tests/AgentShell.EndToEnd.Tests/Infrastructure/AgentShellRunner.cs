using System.Diagnostics;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the real `bin/agentshell` and captures what a person would see.</summary>
internal static class AgentShellRunner
{
    internal sealed record Result(int ExitCode, string Stdout, string Stderr);

    internal static Result Run(IEnumerable<string> args, TimeSpan? timeout = null, string? cwd = null, IDictionary<string, string>? env = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Repo.Setsid)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = cwd ?? Path.GetTempPath(),
        };
        // In a session of its own, like an unattended agent: no controlling terminal, so the pause
        // notice goes to stderr even when the tests themselves run in a terminal.
        psi.ArgumentList.Add("--wait");
        psi.ArgumentList.Add(Repo.AgentShell);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        if (stdin != null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"agentshell {string.Join(' ', args)} did not finish in time; stderr so far: {se.Result}");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, so.Result, se.Result);
    }

    /// <summary>`agentshell run --profile demo.json -- CMD...`.</summary>
    internal static Result Supervise(params string[] command) =>
        Run(new[] { "run", "--profile", Repo.DemoProfile, "--" }.Concat(command));
}
