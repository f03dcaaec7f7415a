using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A profile directory the user cannot read may hold the definition of production: the
/// tool refuses to decide without it (exit 2, the directory named), never runs as if it were empty.</summary>
[TestFixture]
public sealed class ProfileDirectoryTests
{
    [Test]
    public void AnUnreadableSystemProfileDirectoryStopsEverythingWithAClearError()
    {
        if (Interop.Process.GetEffectiveUid() != 0) Assert.Ignore("needs root to run the tool as another user (setpriv)");
        var setpriv = Repo.Which("setpriv");
        var tmp = Directory.CreateTempSubdirectory("agentshell-profdir-").FullName;
        try
        {
            File.SetUnixFileMode(tmp, (UnixFileMode)0x1ff); // 777: nobody may use it as HOME
            string system = Path.Combine(tmp, "etc-agentshell");
            Directory.CreateDirectory(system);
            File.WriteAllText(Path.Combine(system, "team.json"), "{}");
            File.SetUnixFileMode(system, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // 0700, root's
            string made = Path.Combine(tmp, "made");
            var psi = new ProcessStartInfo(setpriv) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = tmp };
            foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", Repo.AgentShell, "run", "--connect-guard", "seccomp", "--", "/bin/sh", "-c", $"touch {made}" })
                psi.ArgumentList.Add(a);
            psi.Environment["AGENTSHELL_SYSTEM_PROFILES_DIR"] = system;
            // The shipped profiles from a place nobody can read whatever the clone's own mode
            // (mktemp -d makes it 0700): only the system directory is to be unreadable here.
            string shipped = Path.Combine(tmp, "shipped");
            Directory.CreateDirectory(shipped);
            File.Copy(Path.Combine(Repo.Root, "profiles", "default.json"), Path.Combine(shipped, "default.json"));
            psi.Environment["AGENTSHELL_PROFILES_DIR"] = shipped;
            foreach (var v in new[] { "HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR" }) psi.Environment[v] = tmp;
            using var p = Process.Start(psi)!;
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.That(p.ExitCode, Is.EqualTo(2), stderr);
            Assert.That(stderr, Does.Contain($"{system}").And.Contain("the profile directory cannot be read").And.Contain("nothing was run"));
            Assert.That(stderr, Does.Not.Contain("internal error"));
            Assert.That(File.Exists(made), Is.False);
        }
        finally { Directory.Delete(tmp, recursive: true); }
    }

    // README: "pass the others with --profile". A new user types the shipped profile's name; the
    // working directory holds no such file. Nothing runs, and the error gives the path to pass.
    [TestCase("run", "aws")]
    [TestCase("check", "railway.json")]
    public void AShippedProfilesBareNameIsRefusedWithItsPath(string verb, string name)
    {
        var tmp = Directory.CreateTempSubdirectory("agentshell-profname-").FullName;
        try
        {
            string made = Path.Combine(tmp, "made");
            var r = AgentShellRunner.Run([verb, "--profile", name, "--", "/bin/touch", made], cwd: tmp);
            string shipped = Path.Combine(Repo.Root, "profiles", name.EndsWith(".json") ? name : name + ".json");
            Assert.That(r.ExitCode, Is.EqualTo(2), r.Stderr);
            Assert.That(r.Stderr, Does.Contain($"{Path.Combine(tmp, name)}: file not found").And.Contain($"pass --profile {shipped}"));
            Assert.That(File.Exists(made), Is.False);
        }
        finally { Directory.Delete(tmp, recursive: true); }
    }

    [Test]
    public void AMissingProfileOfNoShippedNameIsJustNotFound()
    {
        var r = AgentShellRunner.Run(["check", "--profile", "no-such-profile", "--", "true"], cwd: Path.GetTempPath());
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stderr, Does.Contain("no-such-profile: file not found").And.Not.Contain("shipped"));
    }
}
