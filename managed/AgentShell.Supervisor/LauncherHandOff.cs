using System.Globalization;
using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

/// <summary>agentshell-launch as its parent drives it (the protocol is in the launcher's header
/// comment): spawn it with one end of a socket pair as fd 3, receive the listener it installed,
/// say "go", then read whether its exec of the command worked. `daemon` and `shell` are each the
/// launcher's parent; `SupervisedRun` speaks the same protocol inline (it also passes the paths to
/// protect) and takes the listener with <see cref="TakeListener"/>.</summary>
internal static class LauncherHandOff
{
    /// <summary>Spawns the launcher for <paramref name="command"/> with this process's environment.
    /// Returns its pid and our end of the socket pair (close-on-exec).</summary>
    /// <param name="launcherPath">agentshell-launch.</param>
    /// <param name="supervisorPid">The process that decides (its pid as the tree sees it): the filter
    /// refuses signals, ptrace and memory access aimed at it.</param>
    /// <param name="kernelConnect">Root mode: inet connects are left to the kernel's programs.</param>
    /// <param name="command">The command and its arguments.</param>
    /// <param name="protection">What the launcher makes read-only for the tree, in namespaces of its
    /// own; null: nothing, and no namespaces.</param>
    /// <param name="variables">Set in the tree's environment over ours (the CA bundle's).</param>
    public static (int Pid, int Sock) Spawn(string launcherPath, int supervisorPid, bool kernelConnect, IReadOnlyList<string> command,
        TreeProtection? protection = null, IReadOnlyDictionary<string, string>? variables = null)
    {
        var (ours, theirs) = Interop.Sockets.SocketPair();
        // The launcher's message carries its pid (SCM_CREDENTIALS): the listener is taken from it.
        Interop.Sockets.PassCredentials(ours);
        var argv = new List<string> { launcherPath, "--sock-fd", "3", "--supervisor-pid", supervisorPid.ToString(CultureInfo.InvariantCulture) };
        if (kernelConnect) argv.Add("--kernel-connect");
        foreach (var p in protection?.Paths ?? []) { argv.Add("--protect"); argv.Add(p); }
        if (protection?.Required == true) argv.Add("--require-protection");
        argv.Add("--");
        argv.AddRange(command);
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry kv in Environment.GetEnvironmentVariables())
            if (variables == null || !variables.ContainsKey((string)kv.Key)) env.Add($"{kv.Key}={kv.Value}");
        foreach (var (k, v) in variables ?? new Dictionary<string, string>()) env.Add($"{k}={v}");
        try
        {
            return (Interop.Spawn.Start(launcherPath, argv, env, theirs, 3), ours);
        }
        catch
        {
            Interop.Libc.close(ours);
            throw;
        }
        finally
        {
            Interop.Libc.close(theirs);
        }
    }

    /// <summary>The listener the launcher announces, or -1 when it failed before installing the
    /// filter (it printed why and exits).</summary>
    public static int ReceiveListener(int sock) => ReceiveListener(sock, out _, out _);

    /// <summary>The launcher's message: "L", the listener's fd number in the process that installed
    /// the filter (4 bytes), then why the paths are not protected (nothing when they are, or when
    /// none were asked). The sender's pid comes with it (SCM_CREDENTIALS, the socket set up with
    /// PassCredentials), and the listener is taken from that process with pidfd_getfd.
    /// -1 when the launcher failed before installing the filter.</summary>
    public static int ReceiveListener(int sock, out int filterPid, out string? note)
    {
        note = null;
        Span<byte> message = stackalloc byte[512];
        int n = Interop.Sockets.ReceiveFd(sock, message, out int stray, out filterPid);
        if (stray >= 0) Interop.Libc.close(stray); // the launcher sends none
        if (n < 5 || message[0] != (byte)'L' || filterPid <= 0) return -1;
        note = n > 5 ? System.Text.Encoding.UTF8.GetString(message[5..n]) : null;
        return TakeListener(filterPid, System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(message[1..5]));
    }

    /// <summary>The listener, taken from the process that installed the filter (pidfd_getfd).</summary>
    public static int TakeListener(int pid, int fd)
    {
        int pidfd = Interop.Pidfd.Open(pid, out var e);
        if (pidfd < 0) throw ThrowHelper.Syscall($"pidfd_open(launcher {pid})", e);
        try
        {
            int listener = Interop.Pidfd.GetFd(pidfd, fd, out e);
            return listener >= 0 ? listener : throw ThrowHelper.Syscall($"pidfd_getfd(launcher {pid}, listener fd {fd})", e);
        }
        finally { Interop.Libc.close(pidfd); }
    }

    /// <summary>Tells the launcher that supervision is in place: it execs the command.</summary>
    public static unsafe void SendGo(int sock)
    {
        byte g = (byte)'G';
        if (Interop.Libc.write(sock, &g, 1) != 1) throw ThrowHelper.Syscall("write(go)", Interop.LastErrno);
    }

    /// <summary>0 when the command's exec succeeded (EOF: the close-on-exec socket closed), else its errno.</summary>
    public static unsafe int ReadExecResult(int sock)
    {
        int err = 0;
        nint n;
        while ((n = Interop.Libc.read(sock, (byte*)&err, sizeof(int))) < 0 && Interop.LastErrno == Errno.EINTR) { }
        return n == sizeof(int) ? err : 0;
    }

    /// <summary>The exit code for a failed exec of <paramref name="command"/> (126 not executable,
    /// 127 not found, as a shell says), after saying why.</summary>
    public static int ExecFailed(int errno, string command, TextWriter log)
    {
        log.WriteLine($"agentshell: cannot run '{command}': {Marshal.GetPInvokeErrorMessage(errno)}");
        return errno is 13 or 1 ? 126 : 127;
    }

    /// <summary>A wait status as an exit code: the code, or 128+signal when killed; 125 when unknown.</summary>
    public static int ExitCode(int status)
    {
        if (status < 0) return 125;
        int sig = status & 0x7f;
        return sig == 0 ? (status >> 8) & 0xff : 128 + sig;
    }
}

/// <summary>What a tree's launcher makes read-only for it (<see cref="ProtectedPaths"/>), and whether
/// it must refuse to start the command when it cannot.</summary>
internal sealed record TreeProtection(IReadOnlyList<string> Paths, bool Required)
{
    /// <summary>Null when nothing is to be protected: the tree gets no namespaces.</summary>
    public static TreeProtection? Of(IReadOnlyList<string> paths, bool required) =>
        paths.Count > 0 || required ? new TreeProtection(paths, required) : null;
}

/// <summary>What the daemon tells a shell before it starts a tree (hello's answer): what the tree's
/// launcher must protect, and the daemon's CA for the tree's TLS clients to trust (null: TLS to
/// production is not terminated), with whether libpq's channel binding must be turned off for it.</summary>
internal sealed record ShellSetUp(TreeProtection? Protection, string? CaPem, bool ChannelBindingOff);
