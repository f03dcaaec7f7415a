using System.Diagnostics;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>What the attacks share: their C programs built once, a home of their own per test (so
/// ~/.config/agentshell and the audit log are the test's), and `agentshell run` in a guard mode.</summary>
internal static class Attacks
{
    private static readonly Lazy<string> s_bin = new(() => Directory.CreateTempSubdirectory("agentshell-adv-bin-").FullName);

    /// <summary>Builds tests/adversarial/native/NAME.c, or tests/DIR/NAME.c (once per test run), and returns the program.</summary>
    internal static string Program(string name, string dir = "adversarial/native")
    {
        var exe = Path.Combine(s_bin.Value, name);
        lock (s_bin)
        {
            if (File.Exists(exe)) return exe;
            var cc = Process.Start("gcc", ["-O2", "-Wall", "-pthread", "-o", exe, Path.Combine(Repo.Root, "tests", dir, name + ".c")])!;
            cc.WaitForExit();
            Assert.That(cc.ExitCode, Is.EqualTo(0), $"gcc {name}.c");
        }
        return exe;
    }

    /// <summary>Skips what this machine cannot run: the filter, and root mode's programs for "kernel".</summary>
    internal static void Require(string guard)
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
    }
}

/// <summary>A home directory of a test's own: HOME, XDG_CONFIG_HOME, and an audit log under a
/// directory named for agentshell (as the default one is).</summary>
internal sealed class TestHome : IDisposable
{
    internal TestHome()
    {
        Dir = Directory.CreateTempSubdirectory("agentshell-adv-home-").FullName;
        Directory.CreateDirectory(Path.Combine(Dir, "state", "agentshell"));
    }

    internal string Dir { get; }
    internal string Config => Path.Combine(Dir, ".config", "agentshell");
    internal string AuditLog => Path.Combine(Dir, "state", "agentshell", "audit.jsonl");
    internal string Cache => Path.Combine(Dir, ".cache", "agentshell");

    internal Dictionary<string, string> Env => new() { ["HOME"] = Dir, ["XDG_CONFIG_HOME"] = Path.Combine(Dir, ".config"), ["XDG_CACHE_HOME"] = Path.Combine(Dir, ".cache") };

    /// <summary>`agentshell run --connect-guard GUARD --audit LOG --profile demo.json --pause-timeout 1 -- COMMAND`:
    /// a torn read of a string being flipped ("DELET") is an unknown effect, paused; nobody answers
    /// here, so it times out into a refusal.</summary>
    internal AgentShellRunner.Result Run(string guard, params string[] command) =>
        AgentShellRunner.Run(["run", "--connect-guard", guard, "--audit", AuditLog, "--profile", Repo.DemoProfile, "--pause-timeout", "1", "--", .. command],
            TimeSpan.FromMinutes(5), Dir, Env);

    public void Dispose() => Directory.Delete(Dir, true);
}
