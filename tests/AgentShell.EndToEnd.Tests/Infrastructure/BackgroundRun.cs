using System.Diagnostics;
using System.Text;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>An `agentshell run` in the background with its own control socket, for tests that
/// answer its pauses from outside.</summary>
internal sealed class BackgroundRun : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new(), _err = new();

    internal string Socket { get; }

    internal BackgroundRun(IEnumerable<string> runOptions, params string[] command) : this(null, runOptions, command) { }

    internal BackgroundRun(string? socket, IEnumerable<string> runOptions, string[] command, IDictionary<string, string>? env = null)
    {
        Socket = socket ?? Path.Combine(Path.GetTempPath(), $"agentshell-test-{Guid.NewGuid():N}.sock");
        // setsid: no controlling terminal (see AgentShellRunner), so the pause notice is on stderr.
        var psi = new ProcessStartInfo(Repo.Setsid) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "--wait", Repo.AgentShell, "run", "--socket", Socket }.Concat(runOptions).Append("--").Concat(command)) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        _p = Process.Start(psi)!;
        _p.StandardInput.Close();
        _p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_out) _out.AppendLine(e.Data); };
        _p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_err) _err.AppendLine(e.Data); };
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    internal int Pid => _p.Id;
    internal string Stdout { get { lock (_out) return _out.ToString(); } }
    internal string Stderr { get { lock (_err) return _err.ToString(); } }

    /// <summary>Waits until stderr contains <paramref name="text"/>.</summary>
    internal void WaitForStderr(string text, int seconds = 20)
    {
        var sw = Stopwatch.StartNew();
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (sw.Elapsed.TotalSeconds > seconds || _p.HasExited && !Stderr.Contains(text, StringComparison.Ordinal))
                Assert.Fail($"'{text}' did not appear on agentshell's stderr; it has:\n{Stderr}\nstdout:\n{Stdout}");
            Thread.Sleep(50);
        }
    }

    /// <summary>The id of the (first) paused item, from the run's one-line notice.</summary>
    internal string WaitForPause()
    {
        WaitForStderr("— approve with: agentshell approve ");
        var line = Stderr.Split('\n').First(l => l.Contains("approve with: agentshell approve ", StringComparison.Ordinal));
        var after = line[(line.IndexOf("approve with: agentshell approve ", StringComparison.Ordinal) + 33)..];
        return after.Split(' ')[0];
    }

    /// <summary>Runs an `agentshell` client verb against this run's socket.</summary>
    internal AgentShellRunner.Result Client(params string[] args) =>
        AgentShellRunner.Run(args.Append("--socket").Append(Socket));

    internal int WaitForExit(int seconds = 30)
    {
        if (!_p.WaitForExit(seconds * 1000)) { _p.Kill(true); Assert.Fail($"the run did not end; stderr:\n{Stderr}"); }
        _p.WaitForExit();
        return _p.ExitCode;
    }

    public void Dispose()
    {
        if (!_p.HasExited) _p.Kill(entireProcessTree: true);
        _p.Dispose();
        File.Delete(Socket);
    }
}
