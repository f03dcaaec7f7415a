using System.Diagnostics;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor.Tests;

/// <summary>CommandServerClis: whether a running tmux/screen keeps its exemption. Real processes:
/// /bin/sleep stands in for the CLI (its identity is passed as tmux's), started with the
/// environment, arguments and home each case needs; the run began just before each look. Its
/// exec-time answer is the one <see cref="CommandServerClis.AtExec"/> gives the exec decided (the
/// sealing itself is the adversarial tests': tests/adversarial/CommandServerCliTrustTests).</summary>
[TestFixture]
public sealed class CommandServerClisTests
{
    private string _home = "";
    private readonly List<Process> _started = [];

    [SetUp]
    public void SetUp() => _home = Directory.CreateTempSubdirectory("agentshell-clis-").FullName;

    [TearDown]
    public void TearDown()
    {
        foreach (var p in _started) { try { p.Kill(); p.WaitForExit(); } catch (InvalidOperationException) { } p.Dispose(); }
        Directory.Delete(_home, true);
    }

    private int Start(string program, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(program, ["30"]) { UseShellExecute = false };
        psi.Environment.Clear();
        psi.Environment["HOME"] = _home;
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        _started.Add(p);
        // Until it sleeps in its main: the loader has mapped all it will (a CLI connects from its main).
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < until && File.ReadAllText($"/proc/{p.Id}/wchan") != "hrtimer_nanosleep") Thread.Sleep(10);
        Assert.That(File.ReadAllText($"/proc/{p.Id}/wchan"), Is.EqualTo("hrtimer_nanosleep"), "sleep never reached its sleep");
        return p.Id;
    }

    /// <summary>What /bin/sleep 30 with <paramref name="env"/> commits, as the exec's check expects it.</summary>
    private static CommittedExec Exec(params string[] env)
    {
        var name = "/bin/sleep"u8.ToArray();
        var request = new ExecRequest(name, name.Length, Argv.FromStrings(["sleep", "30"]), Environment.ProcessId);
        return CommittedExec.For(request, Argv.FromStrings(env), out _) ?? throw new InvalidOperationException("/bin/sleep is not readable");
    }

    /// <summary>Starts the stand-in and keeps the answer its exec was given, as the supervisor does at its exec stop.</summary>
    private int Answered(CommandServerClis clis, Dictionary<string, string> env)
    {
        int pid = Start("/bin/sleep", env);
        clis.Answered(pid, clis.AtExec(Exec([.. env.Select(kv => $"{kv.Key}={kv.Value}")])) ?? throw new InvalidOperationException("not the CLI"));
        return pid;
    }

    private static CommandServerClis AsTmux(string program, long sinceNs)
    {
        Assert.That(Interop.Files.TryStat(program, out var st), Is.True, program);
        return new CommandServerClis([st.Identity], [], sinceNs);
    }

    /// <summary>A run beginning now, as the supervisor marks it: less 50 ms, as a file's times come
    /// from the kernel's coarse clock (a tick behind at most).</summary>
    private static long RunStart => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100 - 50_000_000;

    [Test]
    public void TheCliKeepsItsExemptionWithAConfigFromBeforeTheRun()
    {
        File.WriteAllText(Path.Combine(_home, ".tmux.conf"), "set -g history-limit 5000\n");
        Thread.Sleep(80); // older than the run's start less its 50 ms
        var clis = AsTmux("/bin/sleep", RunStart);
        Assert.That(clis.Withdrawn(Answered(clis, [])), Is.EqualTo(""));
        // Not the CLI at all: no exemption to speak of, and no answer at its exec.
        Assert.That(AsTmux("/bin/true", RunStart).Withdrawn(Start("/bin/sleep", [])), Is.Null);
        Assert.That(AsTmux("/bin/true", RunStart).AtExec(Exec()), Is.Null);
    }

    /// <summary>A CLI whose commands were judged for a server inside the tree (none outside was
    /// listed at its exec: ExecDecider left out what is unknown only outside) is not exempt to reach
    /// one outside that appears later; judged as usual, it is.</summary>
    [Test]
    public void ACliJudgedForAServerInsideTheTreeIsNotExempt()
    {
        var clis = AsTmux("/bin/sleep", RunStart);
        var inside = Exec();
        inside.JudgedForTreeServer = true;
        Assert.That(clis.AtExec(inside), Does.Contain("judged for a server inside the tree"));
        Assert.That(clis.AtExec(Exec()), Is.EqualTo(""));
    }

    /// <summary>KNOWN-GAPS 5a: decided on the environment the exec commits, whatever the process
    /// later makes of its own environment block (a library can rename its variable there).</summary>
    [TestCase("LD_PRELOAD", "tmux was started with LD_PRELOAD set")]
    [TestCase("LD_AUDIT", "tmux was started with LD_AUDIT set")]
    [TestCase("LD_LIBRARY_PATH", "tmux was started with LD_LIBRARY_PATH set")]
    [TestCase("GCONV_PATH", "tmux was started with GCONV_PATH set")]
    public void AForeignCodeVariableAtItsExecWithdrawsIt(string name, string why)
    {
        var clis = AsTmux("/bin/sleep", RunStart);
        // A value that loads nothing new (LD_PRELOAD of an empty name is ignored by ld.so): the variable alone counts.
        Assert.That(clis.Withdrawn(Answered(clis, new() { [name] = name is "LD_PRELOAD" or "LD_AUDIT" ? " " : _home })), Does.StartWith(why));
        // The look-alike: a variable of that family left empty loads nothing.
        Assert.That(clis.Withdrawn(Answered(clis, new() { [name] = "" })), Is.EqualTo(""));
    }

    /// <summary>A process whose exec was not answered (let go unparsed, older than the run), one
    /// that could not be sealed, and one that exec'd again since: not exempt.</summary>
    [Test]
    public void WithoutAnExecTimeAnswerForItsCurrentProgramItIsNotExempt()
    {
        var clis = AsTmux("/bin/sleep", RunStart);
        Assert.That(clis.Withdrawn(Start("/bin/sleep", [])), Does.Contain("its exec's answer is unknown"));
        int unsealed = Start("/bin/sleep", []);
        clis.Answered(unsealed, CommandServerClis.Unsealed("the tree could not be held still"));
        Assert.That(clis.Withdrawn(unsealed), Does.Contain("could not be made unreachable").And.Contain("the tree could not be held still"));
        int again = Answered(clis, []);
        Assert.That(clis.Withdrawn(again), Is.EqualTo(""));
        clis.ExecLetGo(again, 0);
        Assert.That(clis.Withdrawn(again), Does.Contain("its exec's answer is unknown"));
    }

    [TestCase(".tmux.conf", null)]
    [TestCase(".config/tmux/tmux.conf", null)]
    [TestCase("xdg/tmux/tmux.conf", "xdg")]
    public void AConfigMadeInTheRunWithdrawsIt(string relative, string? xdg)
    {
        var clis = AsTmux("/bin/sleep", RunStart);
        string conf = Path.Combine(_home, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(conf)!);
        File.WriteAllText(conf, "run-shell 'curl -X DELETE http://127.0.0.2/volumes/1'\n");
        var env = xdg == null ? new Dictionary<string, string>() : new() { ["XDG_CONFIG_HOME"] = Path.Combine(_home, xdg) };
        Assert.That(clis.Withdrawn(Answered(clis, env)), Is.EqualTo($"tmux's configuration {conf} was made or changed during the run"));
    }

    [Test]
    public void AConfigLinkRepointedInTheRunWithdrawsIt()
    {
        string old = Path.Combine(_home, "old.conf"), link = Path.Combine(_home, ".tmux.conf");
        File.WriteAllText(old, "set -g history-limit 5000\n");
        Thread.Sleep(80); // older than the run's start less its 50 ms
        var clis = AsTmux("/bin/sleep", RunStart);
        File.CreateSymbolicLink(link, old);
        Assert.That(clis.Withdrawn(Answered(clis, [])), Does.Contain(link).And.Contain("during the run"));
    }
}
