using System.Globalization;
using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

/// <summary>agentshell-launch as its parent drives it (the protocol is in the launcher's header
/// comment): spawn it with one end of a socket pair as fd 3, receive the listener it installed,
/// say "go", then read whether its exec of the command worked. `daemon` and `shell` are each the
/// launcher's parent; `SupervisedRun` still speaks the same protocol inline (left as it is while
/// the launcher's hand-off changes elsewhere), and should use this once both agree again.</summary>
internal static class LauncherHandOff
{
    /// <summary>Spawns the launcher for <paramref name="command"/> with this process's environment.
    /// Returns its pid and our end of the socket pair (close-on-exec).</summary>
    /// <param name="launcherPath">agentshell-launch.</param>
    /// <param name="supervisorPid">The process that decides (its pid as the tree sees it): the filter
    /// refuses signals, ptrace and memory access aimed at it.</param>
    /// <param name="kernelConnect">Root mode: inet connects are left to the kernel's programs.</param>
    /// <param name="command">The command and its arguments.</param>
    public static (int Pid, int Sock) Spawn(string launcherPath, int supervisorPid, bool kernelConnect, IReadOnlyList<string> command)
    {
        var (ours, theirs) = Interop.Sockets.SocketPair();
        var argv = new List<string> { launcherPath, "--sock-fd", "3", "--supervisor-pid", supervisorPid.ToString(CultureInfo.InvariantCulture) };
        if (kernelConnect) argv.Add("--kernel-connect");
        argv.Add("--");
        argv.AddRange(command);
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry kv in Environment.GetEnvironmentVariables())
            env.Add($"{kv.Key}={kv.Value}");
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

    /// <summary>The listener the launcher sends, or -1 when it failed before installing the filter
    /// (it printed why and exits).</summary>
    public static int ReceiveListener(int sock)
    {
        int n = Interop.Sockets.ReceiveFd(sock, out _, out int listener);
        if (n == 0 || listener < 0)
        {
            if (listener >= 0) Interop.Libc.close(listener);
            return -1;
        }
        return listener;
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
