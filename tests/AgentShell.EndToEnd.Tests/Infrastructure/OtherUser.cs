using System.Diagnostics;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>Runs agentshell as another user (setpriv, as root), with HOME and the XDG directories in
/// <paramref name="dir"/>, which that user must be able to write (the caller makes it so).</summary>
internal sealed class OtherUser(string dir, params string[] user)
{
    /// <summary>setpriv's options for uid/gid 65534 and no supplementary groups.</summary>
    public static readonly string[] NobodyIds = ["--reuid=65534", "--regid=65534", "--clear-groups"];

    public static OtherUser Nobody(string dir) => new(dir, NobodyIds);

    /// <summary>bin/agentshell when the user can reach it; else a world-readable copy of bin/ and
    /// profiles/ (the binary finds its launcher and default profile beside itself; a clone made by
    /// mktemp -d is 0700).</summary>
    public string AgentShell()
    {
        if (Run(null, "/usr/bin/test", "-x", Repo.AgentShell, "-a", "-x", Repo.Launcher, "-a", "-r", Repo.DemoProfile).ExitCode == 0)
            return Repo.AgentShell;
        string copy = Path.Combine(dir, "install");
        foreach (var sub in new[] { "bin", "profiles" })
        {
            Directory.CreateDirectory(Path.Combine(copy, sub));
            foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, sub)))
            {
                string to = Path.Combine(copy, sub, Path.GetFileName(f));
                if (File.Exists(to)) continue;
                File.Copy(f, to);
                File.SetUnixFileMode(to, (UnixFileMode)0x1ed); // 755
            }
            File.SetUnixFileMode(Path.Combine(copy, sub), (UnixFileMode)0x1ed);
        }
        File.SetUnixFileMode(copy, (UnixFileMode)0x1ed);
        return Path.Combine(copy, "bin", "agentshell");
    }

    /// <summary>Runs <paramref name="command"/> as the user; fails the test after 30 s.</summary>
    public AgentShellRunner.Result Run(Dictionary<string, string>? env, params string[] command)
    {
        var psi = new ProcessStartInfo(Repo.Which("setpriv"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = dir,
        };
        foreach (var a in user.Concat(command)) psi.ArgumentList.Add(a);
        foreach (var v in new[] { "HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR" }) psi.Environment[v] = dir;
        // Apart from the runtime directory, as on a real system: a run creates the user's profile
        // directory (0755, to protect it) and its socket directory (0700) under the same name.
        psi.Environment["XDG_CONFIG_HOME"] = Path.Combine(dir, "config");
        // This machine's /etc/agentshell is not the test's: none unless the test gives one.
        psi.Environment["AGENTSHELL_SYSTEM_PROFILES_DIR"] = Path.Combine(dir, "no-system-profiles");
        foreach (var (k, v) in env ?? []) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{string.Join(' ', command)} as {string.Join(' ', user)} did not finish in time");
        }
        p.WaitForExit();
        return new AgentShellRunner.Result(p.ExitCode, so.Result, se.Result);
    }
}
