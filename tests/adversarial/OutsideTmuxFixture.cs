namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A real tmux server started by the test, outside the run (as an agent's terminal has one),
/// with a pane "pane" running sh, beside the production stand-in; and a renamed copy of tmux.</summary>
public abstract class OutsideTmuxFixture(string guard) : ProductionFixture(guard)
{
    private protected string _server = "";
    private protected string _socket = "";
    private protected string _dir = "";
    private protected string _copy = "";

    [SetUp]
    public void StartOutsideServer()
    {
        if (!File.Exists("/usr/bin/tmux")) Assert.Ignore("tmux is not installed here");
        _dir = Directory.CreateTempSubdirectory("agentshell-adv-cmdsrv-").FullName;
        _copy = Path.Combine(_dir, "mytool");
        File.Copy("/usr/bin/tmux", _copy);
        File.SetUnixFileMode(_copy, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        _server = $"agentshell-adv-{Environment.ProcessId}-{Guid.NewGuid():N}";
        Tmux("-L", _server, "new-session", "-d", "-s", "pane", "sh");
        _socket = Directory.GetDirectories(Path.GetTempPath(), "tmux-*").Select(d => Path.Combine(d, _server)).First(File.Exists);
    }

    [TearDown]
    public void StopOutsideServer()
    {
        if (_server != "") System.Diagnostics.Process.Start("/usr/bin/tmux", ["-L", _server, "kill-server"])?.WaitForExit();
        if (_socket != "") File.Delete(_socket); // a killed server leaves its socket file
        if (_socket != "") File.Delete(_socket + "-inner");
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static void Tmux(params string[] args)
    {
        var p = System.Diagnostics.Process.Start("/usr/bin/tmux", args)!;
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, "tmux " + string.Join(' ', args));
    }

    /// <summary>Waits up to <paramref name="seconds"/> for the outside pane to have made <paramref name="file"/>.</summary>
    private protected static bool Appears(string file, double seconds)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!File.Exists(file) && DateTime.UtcNow < until) Thread.Sleep(100);
        return File.Exists(file);
    }
}
