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

    /// <summary>Builds tests/adversarial/native/NAME.c as a plugin (a shared library a program dlopens
    /// by path), without stack protector or CET notes: its routines may run from a copy.</summary>
    internal static string Plugin(string name)
    {
        var so = Path.Combine(s_bin.Value, name + ".so");
        lock (s_bin)
        {
            if (File.Exists(so)) return so;
            var cc = Process.Start("gcc", ["-O2", "-Wall", "-shared", "-fPIC", "-fno-stack-protector", "-fcf-protection=none", "-o", so,
                Path.Combine(Repo.Root, "tests", "adversarial", "native", name + ".c")])!;
            cc.WaitForExit();
            Assert.That(cc.ExitCode, Is.EqualTo(0), $"gcc -shared {name}.c");
        }
        return so;
    }

    /// <summary>Builds tests/adversarial/native/NAME.c as a shared library standing in for one that
    /// <paramref name="program"/> loads: a stub for every function the program binds from it, under
    /// the program's symbol version (nm's answer), so the loader maps it and runs its constructor.</summary>
    /// <paramref name="soname"/>: its DT_SONAME (the loader finds a library by the name it is needed
    /// as, whatever its own SONAME says).
    internal static string Library(string name, string program, string soname = "libcurl.so.4")
    {
        var so = Path.Combine(s_bin.Value, soname == "libcurl.so.4" ? name + ".so" : $"{name}-{soname}");
        lock (s_bin)
        {
            if (File.Exists(so)) return so;
            var nm = Process.Start(new ProcessStartInfo("nm", ["-D", "--undefined-only", program]) { RedirectStandardOutput = true })!;
            var bound = nm.StandardOutput.ReadToEnd().Split('\n').Select(l => l.Trim().Split(' ')).Where(f => f.Length == 2 && f[0] == "U" && f[1].Contains("@CURL"))
                .Select(f => f[1].Split('@')).ToArray();
            nm.WaitForExit();
            Assert.That(bound, Is.Not.Empty, $"nm {program}: no libcurl symbols");
            string src = Path.Combine(s_bin.Value, name + "-stubs.c"), map = Path.Combine(s_bin.Value, name + ".map");
            File.WriteAllText(src, File.ReadAllText(Path.Combine(Repo.Root, "tests", "adversarial", "native", name + ".c")) +
                string.Concat(bound.Select(b => $"void {b[0]}(void) {{}}\n")));
            File.WriteAllText(map, $"{bound[0][1]} {{ global: {string.Concat(bound.Select(b => b[0] + "; "))} local: *; }};\n");
            var cc = Process.Start("gcc", ["-O2", "-Wall", "-shared", "-fPIC", "-I", Path.Combine(Repo.Root, "tests", "adversarial", "native"), "-o", so, src, "-Wl,-soname," + soname, "-Wl,--version-script=" + map])!;
            cc.WaitForExit();
            Assert.That(cc.ExitCode, Is.EqualTo(0), $"gcc -shared {name}.c");
        }
        return so;
    }

    /// <summary>What a run that requested /before with an untouched tool, then let a library's
    /// constructor try a DELETE on the tool's trust, must show: no request but GETs reached
    /// <paramref name="prod"/>, /before did, and the tool was refused as an unknown client, for
    /// the reason that names <paramref name="why"/>, in the line of its own rule the tool was told.</summary>
    internal static void AssertTheLibraryGotNoTrust(Infrastructure.LoopbackHttpServer prod, Infrastructure.AgentShellRunner.Result r, string why, string? orSaid = null)
    {
        Thread.Sleep(100); // a request still in flight
        Assert.That(prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stderr);
        Assert.That(prod.Requests.Select(q => q.Path), Has.Member("/before"), $"the untouched tool went through first\n{r.Stderr}");
        var told = r.Stderr.Split('\n').FirstOrDefault(l => l.StartsWith("agentshell: blocked", StringComparison.Ordinal) && l.Contains("[rule supervisor:library-changed]"));
        if (orSaid == null || told?.Contains(orSaid, StringComparison.Ordinal) != true)
            Assert.That(told, Does.Contain(why).And.Match("(made or )?changed (in|during) the run"), $"the refusal names the library or path and why\n{r.Stderr}");
        Assert.That(r.Stderr, Does.Not.Contain("[rule network:unknown-client-to-production]"), "said under its own rule, not as any unknown client");
    }

    /// <summary>For TrustAtExecFixture.RunInOwnMounts: an overlay on /etc whose upper layer is a tmpfs
    /// at $1, so that a root tree may write /etc in a mount namespace of the test's own.</summary>
    internal const string OverlayOnEtc =
        "mkdir -p \"$1\" && mount -t tmpfs tmpfs \"$1\" && mkdir \"$1/up\" \"$1/work\" && " +
        "mount -t overlay overlay -o lowerdir=/etc,upperdir=\"$1/up\",workdir=\"$1/work\" /etc && shift 1";

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
