using System.Text.Json;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Daemon;

/// <summary>`agentshell shell [-- CMD]`, run by `docker exec`, an IDE terminal or an agent's
/// launcher: starts CMD (default: the user's shell) under the launcher's filter, as `run` does, and
/// hands the new tree's listener to the daemon, which decides for it. This process stays the tree's
/// parent: it passes the terminal, signals and exit status through, and reaps (and at the end
/// kills) the tree's orphans. A process already in one of the daemon's trees just runs CMD: it is
/// supervised as it is.</summary>
public sealed class AttachedShell
{
    private readonly string _launcherPath, _socketPath;
    private readonly IReadOnlyList<string> _command;
    private readonly TextWriter _log;
    private int _childPid;
    private volatile bool _done;

    /// <summary>Prepares a shell; <paramref name="command"/> empty means the user's shell.</summary>
    public AttachedShell(string launcherPath, string daemonSocketPath, IReadOnlyList<string> command, TextWriter log)
    {
        _launcherPath = launcherPath;
        _socketPath = daemonSocketPath;
        _command = command.Count > 0 ? command : [UserShell()];
        _log = log;
    }

    /// <summary>The user's shell: $SHELL, else the login shell of our uid, else /bin/sh.</summary>
    public static string UserShell()
    {
        if (Environment.GetEnvironmentVariable("SHELL") is { Length: > 0 } s) return s;
        if (Interop.Process.TryGetLoginShell(Interop.Process.GetUid(), out string login)) return login;
        return "/bin/sh";
    }

    /// <summary>Runs CMD to completion under the daemon. Returns its exit code (128+signal when
    /// killed), 126/127 when it cannot be run, 125 when the daemon cannot supervise it (nothing ran).</summary>
    public int Run()
    {
        if (!File.Exists(_launcherPath)) { _log.WriteLine($"agentshell: launcher not found at {_launcherPath} (run make)"); return 125; }
        int fd = Interop.UnixSockets.Connect(_socketPath, out var ce);
        if (fd < 0)
        {
            _log.WriteLine($"agentshell: no agentshell daemon is listening on {_socketPath} ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage((int)ce)}); start one with 'agentshell daemon -- CMD', or pass --socket PATH");
            return 125;
        }
        using var daemon = new FdHandle(fd);
        if (!Interop.UnixSockets.TryPeerCred(fd, out int daemonPid, out uint uid) || uid != Interop.Process.GetUid() && uid != 0)
        {
            _log.WriteLine($"agentshell: refused: {_socketPath} is served by uid {uid}, neither yours nor root's");
            return 125;
        }
        var buffer = new byte[DaemonProtocol.MaxMessage];
        if (Request(fd, buffer, w => w.WriteString("op", DaemonProtocol.Hello), default) is not JsonElement hello) return 125;
        if (hello.Str("session") is string mine)
        {
            // Already in tree `mine` of this daemon (whose pid namespace may hide the daemon from
            // us): its filter decides for whatever we exec.
            var xe = Interop.Spawn.ExecVp(_command);
            return LauncherHandOff.ExecFailed((int)xe, _command[0], _log);
        }
        if (daemonPid <= 0)
        {
            _log.WriteLine($"agentshell: the daemon on {_socketPath} runs in another pid namespace; run agentshell shell inside its container (docker exec)");
            return 125;
        }
        TreeProtection? protection = null;
        if (hello.TryGetProperty("protect", out var paths) && paths.ValueKind == JsonValueKind.Array)
            protection = TreeProtection.Of([.. paths.EnumerateArray().Select(p => p.GetString() ?? "")],
                hello.TryGetProperty("require_protection", out var req) && req.ValueKind == JsonValueKind.True);
        // The daemon's CA, in bundles made from this shell's environment (a bundle the person named
        // is extended, as `run` does), in a directory of ours removed when the shell ends.
        string? caDir = null;
        Dictionary<string, string>? variables = null;
        if (hello.Str("ca_pem") is string pem)
        {
            caDir = Path.Combine(SocketPaths.Directory(), $"shell-{RandomIds.Hex(4)}.ca");
            variables = Wire.Tls.CaBundle.Plan(caDir, Environment.GetEnvironmentVariable, _log);
            try { Wire.Tls.CaBundle.Fill(caDir, variables, pem, Environment.GetEnvironmentVariable); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Its clients then fail TLS to production, or meet the argv decision: nothing is let through for it.
                _log.WriteLine($"agentshell: the CA bundle for the tree could not be written: {e.Message}");
                variables = null;
            }
            if (variables != null && hello.TryGetProperty("channel_binding_off", out var cb) && cb.ValueKind == JsonValueKind.True)
                Wire.Tls.RunCa.TurnOffChannelBinding(variables);
        }
        try { return Attach(fd, daemonPid, buffer, protection, variables); }
        finally
        {
            if (caDir != null)
            {
                try { Directory.Delete(caDir, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* our own 0700 directory: harmless */ }
            }
        }
    }

    private int Attach(int daemon, int daemonPid, byte[] buffer, TreeProtection? protection, IReadOnlyDictionary<string, string>? variables)
    {
        // Orphans of the tree come to us (reaped, and killed at the end, as `run` does); and the
        // tree, which runs as our uid, cannot ptrace us or take our fds.
        if (Interop.Process.Prctl(Interop.Process.PR_SET_CHILD_SUBREAPER, 1) is var e1 and not 0)
            throw ThrowHelper.Syscall("prctl(PR_SET_CHILD_SUBREAPER)", e1);
        if (Interop.Process.Prctl(Interop.Process.PR_SET_DUMPABLE, 0) is var e2 and not 0)
            throw ThrowHelper.Syscall("prctl(PR_SET_DUMPABLE, 0)", e2);

        (_childPid, int ours) = LauncherHandOff.Spawn(_launcherPath, daemonPid, kernelConnect: false, _command, protection, variables);
        using var signals = SignalForwarding.Start(_childPid);
        int execErr;
        try
        {
            int listener = LauncherHandOff.ReceiveListener(ours, out int filterPid, out string? note);
            if (listener < 0) return LauncherHandOff.ExitCode(Reap()); // the launcher failed before installing the filter; it printed why
            if (protection != null && !string.IsNullOrEmpty(note))
                _log.WriteLine(SupervisedRun.UnprotectedWarning(note));
            int pidfd = Interop.Pidfd.Open(_childPid, out var pe);
            if (pidfd < 0)
            {
                Interop.Libc.close(listener);
                throw ThrowHelper.Syscall("pidfd_open(launcher)", pe);
            }
            JsonElement? answer;
            try
            {
                answer = Request(daemon, buffer, w =>
                {
                    w.WriteString("op", DaemonProtocol.Attach);
                    w.WriteStartArray("command");
                    foreach (var a in _command) w.WriteStringValue(a);
                    w.WriteEndArray();
                    w.WriteNumber("filter_pid", filterPid);
                    if (!string.IsNullOrEmpty(note)) w.WriteString("unprotected", note);
                }, [listener, pidfd]);
            }
            finally
            {
                Interop.Libc.close(listener);
                Interop.Libc.close(pidfd);
            }
            if (answer is not JsonElement ok)
            {
                // Not supervised: the launcher never gets its "go", so nothing ran.
                Interop.Process.kill(_childPid, 9);
                Reap();
                return 125;
            }
            string session = ok.Str("session") ?? "?";
            // Before the go: CMD's own exec may be the first thing paused, and its notice must show.
            new Thread(() => Follow(daemon, daemonPid, session)) { IsBackground = true, Name = "daemon-events" }.Start();
            LauncherHandOff.SendGo(ours);
            execErr = LauncherHandOff.ReadExecResult(ours);
        }
        catch (Exception)
        {
            Interop.Process.kill(_childPid, 9);
            throw;
        }
        finally
        {
            Interop.Libc.close(ours);
        }
        int status = Reap();
        _done = true;
        TreeTeardown.KillOrphans(reap: true);
        if (execErr > 0) return LauncherHandOff.ExecFailed(execErr, _command[0], _log);
        return LauncherHandOff.ExitCode(status);
    }

    /// <summary>Sends one request and reads its answer; null (after saying why) unless it says ok.</summary>
    private JsonElement? Request(int daemon, byte[] buffer, Action<Utf8JsonWriter> body, ReadOnlySpan<int> fds)
    {
        if (!DaemonProtocol.Send(daemon, body, fds)) { _log.WriteLine($"agentshell: the daemon on {_socketPath} closed the connection"); return null; }
        Span<int> none = stackalloc int[Interop.UnixSockets.MaxFds];
        var answer = DaemonProtocol.Receive(daemon, buffer, none, out int n, out string? error);
        DaemonProtocol.CloseAll(none[..n]); // the daemon sends none; never keep what arrives
        if (answer is not JsonElement a)
        {
            _log.WriteLine($"agentshell: the daemon on {_socketPath} {(error != null ? "answered: " + error : "closed the connection")}");
            return null;
        }
        if (!a.Bool("ok"))
        {
            _log.WriteLine($"agentshell: the daemon refused: {a.Str("error") ?? "no reason given"}");
            return null;
        }
        return a;
    }

    /// <summary>Prints the daemon's pause notices on our terminal; when the daemon goes while the
    /// tree lives, says that the tree now fails closed.</summary>
    private void Follow(int daemon, int daemonPid, string session)
    {
        var buffer = new byte[DaemonProtocol.MaxMessage];
        Span<int> fds = stackalloc int[Interop.UnixSockets.MaxFds];
        while (DaemonProtocol.Receive(daemon, buffer, fds, out int n, out string? error) is var m && (m != null || error != null))
        {
            DaemonProtocol.CloseAll(fds[..n]);
            if (m is JsonElement e && e.Str("event") == DaemonProtocol.Paused && e.Str("notice") is string line)
                PauseNotice.ToTerminal(line, _log);
        }
        if (_done) return;
        PauseNotice.ToTerminal($"agentshell: the daemon (pid {daemonPid}) supervising this shell (session {session}) has gone: every command run here now fails (ENOSYS). Exit, and attach a new shell once the daemon is back.", _log);
    }

    /// <summary>Reaps every child (the tree's orphans come to us) until CMD has exited; returns its
    /// wait status. On the thread that spawned it, as `run` and `daemon` do.</summary>
    private int Reap()
    {
        // Waits use __WNOTHREAD and peek first: a plain waitpid(-1) would take the stop of a task a
        // receiving thread traces (the check of a committed exec), and that check would wait forever.
        while (true)
        {
            var e = Interop.Ptrace.PeekChild(out var si);
            if (e == Errno.ECHILD) return -1;
            if (e != 0) { Thread.Sleep(50); continue; }
            if (si.si_code is not (Interop.Ptrace.CLD_EXITED or Interop.Ptrace.CLD_KILLED or Interop.Ptrace.CLD_DUMPED))
            {
                Thread.Sleep(1); // a tracee's stop: its tracer takes it
                continue;
            }
            if (Interop.Ptrace.ReapExited(si.si_pid, out _) != 0 || si.si_pid != _childPid) continue;
            // The wait status waitpid would have given: the code, or the signal.
            return si.si_code == Interop.Ptrace.CLD_EXITED ? (si.si_status & 0xff) << 8 : si.si_status & 0x7f;
        }
    }
}
