using System.Text.Json;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>.devcontainer/ as a dev container tool uses it, without a container engine: the settings
/// a newcomer's copy depends on, and the image's entrypoint started the way the devcontainer CLI
/// starts it when <c>overrideCommand</c> is false.</summary>
[TestFixture]
public sealed class DevcontainerTests
{
    private static string DevcontainerDir => Path.Combine(Repo.Root, ".devcontainer");

    private static JsonElement Config()
    {
        // devcontainer.json is JSONC: comments and trailing commas are allowed.
        var text = File.ReadAllBytes(Path.Combine(DevcontainerDir, "devcontainer.json"));
        return JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement.Clone();
    }

    /// <summary>The JSON array of a Dockerfile instruction (exec form), e.g. ENTRYPOINT or CMD.</summary>
    private static string[] Instruction(string name)
    {
        var line = File.ReadAllLines(Path.Combine(DevcontainerDir, "Dockerfile")).Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return JsonSerializer.Deserialize<string[]>(line[(name.Length + 1)..])!;
    }

    [Test]
    public void TheConfigKeepsTheEntrypointAndItsTerminalsRunTheInstalledTool()
    {
        var c = Config();
        Assert.That(c.GetProperty("overrideCommand").GetBoolean(), Is.False, "true replaces the daemon with a sleep loop: no terminal could attach");
        Assert.That(c.GetProperty("runArgs").EnumerateArray().Select(a => a.GetString()), Does.Contain("--cap-add=SYS_PTRACE"));
        var entrypoint = Instruction("ENTRYPOINT");
        Assert.That(entrypoint[1..], Is.EqualTo(new[] { "daemon", "--" }));
        Assert.That(Instruction("CMD"), Is.EqualTo(new[] { "sleep", "infinity" }));
        Assert.That(File.ReadAllText(Path.Combine(DevcontainerDir, "Dockerfile")), Does.Contain("make install PREFIX=/usr/local"));
        Assert.That(entrypoint[0], Is.EqualTo("/usr/local/bin/agentshell"));

        var settings = c.GetProperty("customizations").GetProperty("vscode").GetProperty("settings");
        var profiles = settings.GetProperty("terminal.integrated.profiles.linux");
        string byDefault = settings.GetProperty("terminal.integrated.defaultProfile.linux").GetString()!;
        var terminal = profiles.GetProperty(byDefault);
        Assert.That(terminal.GetProperty("path").GetString(), Is.EqualTo(entrypoint[0]));
        Assert.That(terminal.GetProperty("args").EnumerateArray().Select(a => a.GetString()), Is.EqualTo(new[] { "shell" }), "the default terminal is supervised");
        Assert.That(profiles.GetProperty("agentshell approvals").GetProperty("args").EnumerateArray().Select(a => a.GetString()), Is.EqualTo(new[] { "watch" }));
    }

    [Test]
    public void ProfilesForEtcAgentshellAreNotBoundFromInsideTheWorkspace()
    {
        // The workspace is mounted read-write: a profile bound read-only into /etc/agentshell from
        // ${localWorkspaceFolder}/… stays writable at /workspaces/…, and the next start loads what
        // the agent wrote there. The config's mount, live or shown in a comment, must come from elsewhere.
        var text = File.ReadAllText(Path.Combine(DevcontainerDir, "devcontainer.json"));
        var mounts = System.Text.RegularExpressions.Regex.Matches(text, @"source=([^,""]+),target=/etc/agentshell");
        Assert.That(mounts, Is.Not.Empty, "the config shows how to add profiles the agent cannot edit");
        foreach (System.Text.RegularExpressions.Match m in mounts)
            Assert.That(m.Groups[1].Value, Does.Not.Contain("localWorkspaceFolder").And.Not.Contain("containerWorkspaceFolder"));
    }

    [Test]
    public void TheDevcontainerCliWrapperExecsTheEntrypointWhichSupervisesAttachedShellsAndStopsCleanly()
    {
        KernelSetUp.RequireInterception();
        if (Interop.Process.GetEffectiveUid() != 0) Assert.Ignore("a new pid namespace and nsenter need root here");
        using var prod = new LoopbackHttpServer("127.0.0.2");
        var dir = Directory.CreateTempSubdirectory("agentshell-devc-").FullName;
        string socket = Path.Combine(dir, "daemon.sock");
        try
        {
            // devcontainers/cli (singleContainer.ts), overrideCommand false: `docker run --entrypoint
            // /bin/sh IMAGE -c SCRIPT - ENTRYPOINT... CMD...`; the script execs the image's own.
            const string wrapper = "echo Container started\ntrap \"exit 0\" 15\nexec \"$@\"\nwhile sleep 1 & wait $!; do :; done";
            var entrypoint = Instruction("ENTRYPOINT");
            var image = new[] { Repo.AgentShell, entrypoint[1], "--socket", socket, "-q", "--profile", Repo.DemoProfile }
                .Concat(entrypoint[2..]).Concat(Instruction("CMD"));
            using var container = new BackgroundTool(["unshare", "--pid", "--fork", "--mount-proc", "/bin/sh", "-c", wrapper, "-"], image);
            container.WaitForStdout("Container started");
            container.WaitFor(() => File.Exists(socket) && DaemonPid(socket) > 0, "the daemon listening");
            int pid = DaemonPid(socket);
            string nspid = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
            Assert.That(nspid.Split('\t', StringSplitOptions.RemoveEmptyEntries)[^1], Is.EqualTo("1"), "the daemon is the container's PID 1 (init), not a child of sh");

            // A terminal of the dev container (`docker exec`: the container's pid and mount
            // namespaces) running `agentshell shell`, attached to that daemon.
            AgentShellRunner.Result Exec(params string[] command)
            {
                using var t = new BackgroundTool([Repo.Setsid, "--wait", "nsenter", "-t", pid.ToString(), "-p", "-m", Repo.AgentShell],
                    new[] { "shell", "--socket", socket, "--" }.Concat(command));
                int code = t.WaitForExit();
                return new AgentShellRunner.Result(code, t.Stdout, t.Stderr);
            }
            var r = Exec("curl", "-sS", "-X", "DELETE", prod.Url("/volumes/1"));
            Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
            Assert.That(r.Stderr, Does.Contain("agentshell: blocked curl DELETE"));
            var read = Exec("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}\\n", prod.Url("/volumes/1"));
            Assert.That((read.ExitCode, read.Stdout.Trim()), Is.EqualTo((0, "200")), read.Stderr);

            // `docker stop`: SIGTERM to PID 1; the daemon passes it to `sleep` and exits 0.
            Interop.Process.kill(pid, 15);
            Assert.That(container.WaitForExit(), Is.EqualTo(0), container.Stderr);
            Assert.That(prod.Requests.Select(q => q.Method), Is.EqualTo(new[] { "GET" }));
        }
        finally
        {
            if (DaemonPid(socket) is int p and > 0) Interop.Process.kill(p, 9);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int DaemonPid(string socket)
    {
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
            string[] argv;
            try { argv = File.ReadAllText(Path.Combine(d, "cmdline")).Split('\0'); }
            catch (IOException) { continue; }
            if (argv.Length > 3 && argv[0] == Repo.AgentShell && argv[1] == "daemon" && argv.Contains(socket)) return pid;
        }
        return -1;
    }
}
