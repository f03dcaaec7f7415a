using System.Diagnostics;
using System.Text;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>A process of the built tool in the background, started with setsid (no controlling
/// terminal, so notices go to stderr), its output collected as it comes.</summary>
internal class BackgroundTool : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new(), _err = new();

    internal BackgroundTool(IEnumerable<string> prefix, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var all = prefix.Concat(args).ToList();
        var psi = new ProcessStartInfo(all[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in all.Skip(1)) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        _p = Process.Start(psi)!;
        _p.StandardInput.Close();
        _p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_out) _out.AppendLine(e.Data); };
        _p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_err) _err.AppendLine(e.Data); };
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    /// <summary>A tool run in a session of its own: not a descendant of anything but the tests.</summary>
    internal static IEnumerable<string> Setsid => [Repo.Setsid, "--wait", Repo.AgentShell];

    internal bool HasExited => _p.HasExited;
    internal string Stdout { get { lock (_out) return _out.ToString(); } }
    internal string Stderr { get { lock (_err) return _err.ToString(); } }

    /// <summary>Waits until <paramref name="text"/> is on stderr.</summary>
    internal void WaitForStderr(string text, int seconds = 20) => WaitFor(() => Stderr.Contains(text, StringComparison.Ordinal), $"'{text}' on stderr", seconds);

    /// <summary>Waits until <paramref name="text"/> is on stdout.</summary>
    internal void WaitForStdout(string text, int seconds = 20) => WaitFor(() => Stdout.Contains(text, StringComparison.Ordinal), $"'{text}' on stdout", seconds);

    internal void WaitFor(Func<bool> done, string what, int seconds = 20)
    {
        var sw = Stopwatch.StartNew();
        while (!done())
        {
            if (sw.Elapsed.TotalSeconds > seconds || _p.HasExited && !done())
                Assert.Fail($"{what} did not happen; stderr:\n{Stderr}\nstdout:\n{Stdout}");
            Thread.Sleep(50);
        }
    }

    internal int WaitForExit(int seconds = 30)
    {
        if (!_p.WaitForExit(seconds * 1000)) { _p.Kill(true); Assert.Fail($"it did not end; stderr:\n{Stderr}\nstdout:\n{Stdout}"); }
        _p.WaitForExit();
        return _p.ExitCode;
    }

    public virtual void Dispose()
    {
        if (!_p.HasExited) _p.Kill(entireProcessTree: true);
        _p.Dispose();
    }
}

/// <summary>`agentshell daemon` in the background on a socket of its own, in a directory of its own
/// (as a container's entrypoint; with <c>pid1</c>, as PID 1 of a new pid namespace).</summary>
internal sealed class BackgroundDaemon : BackgroundTool
{
    internal string Dir { get; }
    internal string Socket { get; }

    private BackgroundDaemon(string dir, string socket, IEnumerable<string> prefix, IEnumerable<string> args, IDictionary<string, string>? env)
        : base(prefix, args, env)
    {
        Dir = dir;
        Socket = socket;
    }

    /// <summary>Starts `agentshell daemon --socket DIR/daemon.sock OPTIONS -- COMMAND`.</summary>
    internal static BackgroundDaemon Start(IEnumerable<string> options, string[] command, bool pid1 = false, IDictionary<string, string>? env = null)
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-daemon-").FullName;
        var socket = Path.Combine(dir, "daemon.sock");
        IEnumerable<string> prefix = pid1 ? ["unshare", "--pid", "--fork", "--mount-proc", Repo.AgentShell] : Setsid;
        var args = new[] { "daemon", "--socket", socket }.Concat(options).Append("--").Concat(command);
        return new BackgroundDaemon(dir, socket, prefix, args, env);
    }

    /// <summary>Waits until the daemon listens (its start-up line; unless -q, which says nothing).</summary>
    internal BackgroundDaemon Ready()
    {
        WaitFor(() => File.Exists(Socket) && Pid() > 0, $"a daemon listening on {Socket}");
        return this;
    }

    /// <summary>The daemon's id, from its start-up line (not printed with -q).</summary>
    internal string Id()
    {
        WaitForStderr("agentshell: daemon ");
        return System.Text.RegularExpressions.Regex.Match(Stderr, "agentshell: daemon ([0-9a-f]+) supervises").Groups[1].Value;
    }

    /// <summary>The daemon's pid (as this test sees it), found by its socket: under unshare it is the
    /// forked child, not the process we started.</summary>
    internal int Pid()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string[] argv;
            try { argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0'); }
            catch (IOException) { continue; }
            if (argv.Length > 3 && argv[0] == Repo.AgentShell && argv[1] == "daemon" && argv.Contains(Socket)) return pid;
        }
        return -1;
    }

    /// <summary>`agentshell shell --socket S -- COMMAND` from the tests: a process in a session of its
    /// own, no descendant of the daemon.</summary>
    internal AgentShellRunner.Result Shell(params string[] command) =>
        AgentShellRunner.Run(new[] { "shell", "--socket", Socket, "--" }.Concat(command));

    /// <summary>The same, in the background.</summary>
    internal BackgroundTool StartShell(params string[] command) =>
        new(Setsid, new[] { "shell", "--socket", Socket, "--" }.Concat(command));

    public override void Dispose()
    {
        base.Dispose();
        // Under unshare, killing unshare leaves the daemon (PID 1 of the namespace) to us.
        if (Pid() is int p and > 0) Interop.Process.kill(p, 9);
        Directory.Delete(Dir, recursive: true);
    }
}
