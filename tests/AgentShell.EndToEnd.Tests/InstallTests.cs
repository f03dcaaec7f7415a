using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`make install` into a staging directory (DESTDIR) and the installed tool used as a new
/// user would: by name from PATH, from an unrelated directory, with no AGENTSHELL_* variables.</summary>
[TestFixture]
public sealed class InstallTests
{
    private const string Prefix = "/usr/local";
    private string _staging = null!;

    private string Root => _staging + Prefix;

    [OneTimeSetUp]
    public void Install()
    {
        _staging = Directory.CreateTempSubdirectory("agentshell-install-").FullName;
        var r = Make("install", _staging);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stdout + r.Stderr);
    }

    [OneTimeTearDown]
    public void RemoveStaging()
    {
        if (_staging != null) Directory.Delete(_staging, recursive: true);
    }

    // `make install` builds first when the sources are newer than bin/ (a NativeAOT publish).
    private static AgentShellRunner.Result Make(string target, string destdir) =>
        MakeRunner.Run([target, $"PREFIX={Prefix}", $"DESTDIR={destdir}"], TimeSpan.FromMinutes(10));

    /// <summary>Runs the installed `agentshell` found by name on PATH, in a fresh directory, with an
    /// environment that names nothing of AgentShell's (no AGENTSHELL_*, a HOME of its own).</summary>
    private AgentShellRunner.Result Installed(params string[] args)
    {
        var cwd = Directory.CreateTempSubdirectory("agentshell-elsewhere-").FullName;
        try
        {
            var psi = new ProcessStartInfo(Repo.Setsid) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = cwd };
            psi.Environment.Clear();
            psi.Environment["PATH"] = $"{Root}/bin:/usr/bin:/bin";
            psi.Environment["HOME"] = cwd;
            psi.ArgumentList.Add("--wait");
            psi.ArgumentList.Add("agentshell"); // found on PATH, as a user types it
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(60))) { p.Kill(true); Assert.Fail($"agentshell {string.Join(' ', args)} did not finish"); }
            p.WaitForExit();
            return new AgentShellRunner.Result(p.ExitCode, so.Result, se.Result);
        }
        finally { Directory.Delete(cwd, recursive: true); }
    }

    private static string[] Names(string dir) => Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Test]
    public void TheLayoutIsStandardAndNothingIsLooseBesideTheExecutable()
    {
        Assert.That(Names($"{Root}/bin"), Is.EqualTo(new[] { "agentshell" }), "one self-contained executable, no .so or .dbg beside it");
        Assert.That(Names($"{Root}/libexec/agentshell"), Is.EqualTo(new[] { "agentshell-connect.bpf.o", "agentshell-launch" }));
        var shipped = Directory.GetFiles(Path.Combine(Repo.Root, "profiles"), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.That(Names($"{Root}/share/agentshell/profiles"), Is.EqualTo(shipped));
        var manifest = File.ReadAllLines($"{Root}/share/agentshell/installed-files");
        var files = Directory.GetFiles(_staging, "*", SearchOption.AllDirectories).Select(f => f[_staging.Length..])
            .Where(f => !f.EndsWith("/installed-files", StringComparison.Ordinal));
        Assert.That(manifest, Is.EquivalentTo(files), "the manifest lists every installed file, by its path without DESTDIR");
    }

    [Test]
    public void TheInstalledToolRunsWithoutAnyVariableFromAnotherDirectory()
    {
        var r = Installed("--version");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.StartWith("agentshell "));
        r = Installed("check", "--json", "--", "ls");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("missing"));
    }

    [Test]
    public void TheInstalledToolBlocksADeleteToProductionAndLetsAGetThrough()
    {
        KernelSetUp.RequireInterception();
        var curl = Repo.Which("curl");
        using var prod = new LoopbackHttpServer("127.0.0.2");
        string demo = $"{Root}/share/agentshell/profiles/demo.json";

        var blocked = Installed("run", "--profile", demo, "--", curl, "-sS", "-X", "DELETE", prod.Url("/volumes/1"));
        Assert.That(blocked.ExitCode, Is.EqualTo(126), blocked.Stderr);
        Assert.That(blocked.Stderr, Does.Contain($"agentshell: blocked curl DELETE {prod.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"));
        Assert.That(blocked.Stderr, Does.Contain($"{Root}/share/agentshell/profiles/default.json"), "the shipped default profile is found beside the install");
        Assert.That(prod.Requests, Is.Empty);

        var allowed = Installed("run", "--profile", demo, "--", curl, "-sS", prod.Url("/volumes/1"));
        Assert.That(allowed.ExitCode, Is.EqualTo(0), allowed.Stderr);
        Assert.That(allowed.Stdout, Is.EqualTo("ok\n"));
        Assert.That(prod.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "GET /volumes/1" }));
    }

    [Test]
    public void AMissingLauncherIsNamedWhereTheInstallPutsIt()
    {
        // A partial uninstall or a package that dropped libexec: the fix must name the installed path,
        // not the build tree's bin/ (which an installed user does not have).
        string launcher = $"{Root}/libexec/agentshell/agentshell-launch";
        File.Move(launcher, launcher + ".away");
        try
        {
            var doctor = Installed("doctor");
            Assert.That(doctor.ExitCode, Is.EqualTo(1), doctor.Stdout + doctor.Stderr);
            Assert.That(doctor.Stdout, Does.Contain($"FAIL  supervised run  the launcher is missing: {launcher}"));
            var run = Installed("run", "--", "true");
            Assert.That(run.ExitCode, Is.EqualTo(125), run.Stderr);
            Assert.That(run.Stderr, Does.Contain($"launcher not found at {launcher}"));
        }
        finally { File.Move(launcher + ".away", launcher); }
    }

    [Test]
    public void UninstallRemovesExactlyWhatWasInstalled()
    {
        var staging = Directory.CreateTempSubdirectory("agentshell-uninstall-").FullName;
        try
        {
            Assert.That(Make("install", staging).ExitCode, Is.EqualTo(0));
            // Something of the user's in the same tree: not ours, so it stays (and so does its directory).
            string mine = $"{staging}{Prefix}/share/agentshell/profiles/mine.json";
            File.WriteAllText(mine, "{}");
            string neighbour = $"{staging}{Prefix}/bin/other-tool";
            File.WriteAllText(neighbour, "");

            var r = Make("uninstall", staging);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Stdout + r.Stderr);
            var left = Directory.GetFiles(staging, "*", SearchOption.AllDirectories);
            Assert.That(left, Is.EquivalentTo(new[] { mine, neighbour }));
            Assert.That(Directory.Exists($"{staging}{Prefix}/libexec/agentshell"), Is.False, "an emptied directory of ours is removed");

            r = Make("uninstall", staging);
            Assert.That(r.ExitCode, Is.Not.EqualTo(0), "a second uninstall finds no manifest and says so");
            Assert.That(r.Stderr, Does.Contain("nothing to uninstall"));
        }
        finally { Directory.Delete(staging, recursive: true); }
    }
}
