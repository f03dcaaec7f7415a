using System.Diagnostics;

namespace AgentShell.Tests.Shared;

/// <summary>Runs a command with a test-controlled <c>/etc/hosts</c>: a private mount namespace in
/// which a temporary hosts file is bind-mounted over <c>/etc/hosts</c>, so names the test writes
/// resolve through the real system resolver (glibc <c>files</c>) for that command and its
/// children only. The machine's <c>/etc/hosts</c> is never touched (<c>unshare --mount</c> makes
/// the new namespace's mounts private). Needs root (or CAP_SYS_ADMIN).</summary>
internal sealed class HostsOverride : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agentshell-hosts-").FullName;

    /// <summary>The temporary hosts file.</summary>
    internal string HostsFile { get; }

    /// <summary>Writes a hosts file with <paramref name="entries"/> (address, name) after the
    /// usual loopback lines.</summary>
    internal HostsOverride(params (string Address, string Name)[] entries)
    {
        HostsFile = Path.Combine(_dir, "hosts");
        var lines = new List<string> { "127.0.0.1 localhost", "::1 localhost ip6-localhost" };
        lines.AddRange(entries.Select(e => $"{e.Address} {e.Name}"));
        File.WriteAllLines(HostsFile, lines);
    }

    /// <summary>The argv prefix that runs the argv appended to it with this hosts file:
    /// <c>unshare --mount sh -c 'mount --bind HOSTS /etc/hosts &amp;&amp; exec "$0" "$@"' CMD ARGS...</c>.</summary>
    internal string[] Prefix => Command(HostsFile);

    /// <summary>The argv prefix for any hosts file.</summary>
    internal static string[] Command(string hostsFile) =>
        ["unshare", "--mount", "sh", "-c", $"mount --bind {ShellQuote(hostsFile)} /etc/hosts && exec \"$0\" \"$@\""];

    /// <summary>Runs <paramref name="argv"/> under <see cref="Prefix"/>; exit code and output.</summary>
    internal (int ExitCode, string Stdout, string Stderr) Run(params string[] argv)
    {
        var all = Prefix.Concat(argv).ToArray();
        var psi = new ProcessStartInfo(all[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in all.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{string.Join(' ', all)} did not finish in 30 s");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Why this machine cannot run commands with a private hosts file, or null when it can
    /// (probed by running <c>true</c> under <see cref="Prefix"/>).</summary>
    internal string? Unavailable()
    {
        if (!File.Exists("/usr/bin/unshare") && !File.Exists("/bin/unshare")) return "unshare(1) is not installed";
        if (AgentShell.Supervisor.Interop.Process.GetEffectiveUid() != 0) return "mounting over /etc/hosts in a private mount namespace needs root";
        var (code, _, err) = Run("true");
        return code == 0 ? null : $"unshare --mount / mount --bind is not permitted here: {err.Trim()}";
    }

    private static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
