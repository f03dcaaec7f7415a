using System.Text.Json;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Daemon;

/// <summary>What the daemon does with an attach request; returns the new session's id or an error.</summary>
/// <param name="PeerPid">The caller (SO_PEERCRED): the launcher must be its child.</param>
/// <param name="Listener">The tree's seccomp listener (taken over on success).</param>
/// <param name="Pidfd">A pidfd of the launcher (closed by the caller).</param>
/// <param name="Command">What the tree runs.</param>
/// <param name="Notice">Delivers a pause notice to the caller's terminal.</param>
/// <param name="FilterPid">The process that installed the filter, as the launcher's message named it (0: not said).</param>
/// <param name="Note">The launcher's reason for not protecting the tree's files, if any.</param>
internal sealed record AttachRequest(int PeerPid, int Listener, int Pidfd, IReadOnlyList<string> Command, Action<string> Notice, int FilterPid = 0, string? Note = null);

/// <summary>The daemon socket: `agentshell shell` asks here to have a new tree supervised. Bound with
/// its <see cref="SocketLock"/> held (a live daemon's socket is never replaced), mode 0600, and every
/// client checked with SO_PEERCRED: our uid or root. A supervised process may connect too: it is
/// told it is supervised already, and any tree it could hand over stays supervised; nothing here
/// answers approvals.</summary>
internal sealed class DaemonSocket : IDisposable
{
    private const int MaxClients = 64;
    private readonly SocketLock _lock;
    private readonly FdHandle _listen;
    private readonly string _daemonId;
    private readonly Func<int, string?> _sessionOf;
    private readonly Func<AttachRequest, (string? Session, string? Error)> _attach;
    private readonly Func<ShellSetUp> _setUp;
    private readonly TextWriter _log;
    private int _clients;

    private DaemonSocket(SocketLock l, FdHandle listen, string daemonId, Func<int, string?> sessionOf, Func<AttachRequest, (string?, string?)> attach,
        Func<ShellSetUp> setUp, TextWriter log)
    {
        _setUp = setUp;
        _lock = l;
        _listen = listen;
        _daemonId = daemonId;
        _sessionOf = sessionOf;
        _attach = attach;
        _log = log;
    }

    /// <summary>The socket's path.</summary>
    public string Path => _lock.SocketPath;

    /// <summary>Binds <paramref name="path"/>. Throws <see cref="IOException"/> with a message for the
    /// person when the path belongs to a live daemon or cannot be used.</summary>
    /// <paramref name="setUp"/>: what an attaching shell must set its tree up with (hello's answer).
    public static DaemonSocket Bind(string path, string daemonId, Func<int, string?> sessionOf, Func<AttachRequest, (string?, string?)> attach,
        Func<ShellSetUp> setUp, TextWriter log)
    {
        DaemonSocketPaths.PrepareDirectory(path);
        var l = SocketLock.TryAcquire(path, out int owner)
            ?? throw new IOException($"another agentshell daemon{(owner > 0 ? $" (pid {owner})" : "")} is listening on {path}");
        try
        {
            l.ClaimPath();
            int fd = Interop.UnixSockets.Listen(path, 16, out var e);
            if (fd < 0) throw new IOException($"cannot listen on {path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage((int)e)}");
            var listen = new FdHandle(fd);
            // Connecting needs write permission on the socket file: only our uid (and root). Whoever
            // connects before this is still checked by SO_PEERCRED.
            if (Chmod0600(path) is string err)
            {
                listen.Dispose();
                throw new IOException(err);
            }
            return new DaemonSocket(l, listen, daemonId, sessionOf, attach, setUp, log);
        }
        catch
        {
            l.Dispose();
            throw;
        }
    }

    private static string? Chmod0600(string path)
    {
        try
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot set the mode of {path}: {e.Message}";
        }
    }

    /// <summary>Starts accepting (a background thread; one more per client).</summary>
    public void Start() => new Thread(AcceptLoop) { IsBackground = true, Name = "daemon-accept" }.Start();

    private void AcceptLoop()
    {
        while (true)
        {
            int c = Interop.UnixSockets.Accept(_listen.Fd, out var e);
            if (c < 0)
            {
                if (e is Errno.EINVAL or Errno.EBADF) return; // shut down
                Thread.Sleep(50); // EMFILE and the like: try again, never spin
                continue;
            }
            if (Interlocked.Increment(ref _clients) > MaxClients)
            {
                DaemonProtocol.Error(c, "too many clients");
                Interop.Libc.close(c);
                Interlocked.Decrement(ref _clients);
                continue;
            }
            new Thread(() => Serve(c)) { IsBackground = true, Name = "daemon-client" }.Start();
        }
    }

    private void Serve(int fd)
    {
        var conn = new Connection(fd);
        // A client thread must never take the daemon down: whatever a client does, it is dropped.
        try
        {
            ServeClient(conn);
        }
        catch (Exception e)
        {
            _log.WriteLine($"agentshell: daemon client dropped: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            conn.Close();
            Interlocked.Decrement(ref _clients);
        }
    }

    /// <summary>Hello's session for a connection whose peer is this daemon: a process of one of its
    /// trees whose Unix connect it made on that process's behalf (UnixOnBehalf, while a listed command
    /// server outside the tree exists), which shows the server the supervisor's pid. Nothing else of
    /// this process connects here, so the caller is inside a session: it execs in place, under its
    /// tree's filter, as a caller found by its pid does.</summary>
    internal const string OnBehalfSession = "a session of this daemon (its connect made on its behalf)";

    private void ServeClient(Connection conn)
    {
        int fd = conn.Fd;
        if (!Interop.UnixSockets.TryPeerCred(fd, out int peer, out uint uid) || uid != Interop.Process.GetUid() && uid != 0)
        {
            DaemonProtocol.Error(fd, "refused: another user");
            return;
        }
        var buffer = new byte[DaemonProtocol.MaxMessage];
        Span<int> fds = stackalloc int[Interop.UnixSockets.MaxFds];
        bool attached = false;
        while (DaemonProtocol.Receive(fd, buffer, fds, out int fdCount, out string? error) is var m)
        {
            if (m is not JsonElement msg)
            {
                if (error == null) return; // the client has gone
                DaemonProtocol.Error(fd, error);
                continue;
            }
            var got = fds[..fdCount].ToArray();
            switch (msg.Str("op"))
            {
                case DaemonProtocol.Hello:
                    DaemonProtocol.CloseAll(got);
                    string? session = peer == Environment.ProcessId ? OnBehalfSession : peer > 0 ? _sessionOf(peer) : null;
                    DaemonProtocol.Send(fd, w =>
                    {
                        w.WriteBoolean("ok", true);
                        w.WriteString("daemon", _daemonId);
                        if (session != null) w.WriteString("session", session);
                        else WriteSetUp(w, _setUp());
                    });
                    break;
                case DaemonProtocol.Attach when attached:
                    DaemonProtocol.CloseAll(got);
                    DaemonProtocol.Error(fd, "this connection already attached a session");
                    break;
                case DaemonProtocol.Attach:
                    attached = Attach(conn, peer, msg, got);
                    break;
                default:
                    DaemonProtocol.CloseAll(got);
                    DaemonProtocol.Error(fd, $"unknown op '{msg.Str("op")}' ({DaemonProtocol.Hello}, {DaemonProtocol.Attach})");
                    break;
            }
        }
    }

    private static void WriteSetUp(Utf8JsonWriter w, ShellSetUp s)
    {
        if (s.Protection is { } p)
        {
            // What the caller's launcher makes read-only for the tree it starts.
            w.WriteStartArray("protect");
            foreach (var path in p.Paths) w.WriteStringValue(path);
            w.WriteEndArray();
            if (p.Required) w.WriteBoolean("require_protection", true);
        }
        if (s.CaPem != null)
        {
            // The CA the tree's TLS clients are to trust (a certificate: nothing secret).
            w.WriteString("ca_pem", s.CaPem);
            if (s.ChannelBindingOff) w.WriteBoolean("channel_binding_off", true);
        }
    }

    private bool Attach(Connection conn, int peer, JsonElement msg, int[] fds)
    {
        var command = msg.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray().Select(a => a.GetString() ?? "").ToList() : [];
        if (peer == Environment.ProcessId)
        {
            // A process of a tree of ours (connected on its behalf): it is supervised already.
            DaemonProtocol.CloseAll(fds);
            DaemonProtocol.Error(conn.Fd, "refused: the caller is in a session of this daemon already");
            return false;
        }
        if (fds.Length != 2 || command.Count == 0 || peer <= 0)
        {
            DaemonProtocol.CloseAll(fds);
            DaemonProtocol.Error(conn.Fd, peer <= 0
                ? "refused: the caller is outside the daemon's pid namespace (run agentshell shell where the daemon runs)"
                : "attach needs a command and two fds: the tree's seccomp listener and a pidfd of its launcher");
            return false;
        }
        (string? session, string? error) = (null, null);
        try
        {
            int filterPid = msg.TryGetProperty("filter_pid", out var f) && f.ValueKind == JsonValueKind.Number && f.TryGetInt32(out int fp) ? fp : 0;
            (session, error) = _attach(new AttachRequest(peer, fds[0], fds[1], command, conn.Notice, filterPid, msg.Str("unprotected")));
        }
        finally
        {
            Interop.Libc.close(fds[1]);
            if (session == null) Interop.Libc.close(fds[0]); // the session owns it otherwise
        }
        if (session == null)
        {
            DaemonProtocol.Error(conn.Fd, error ?? "refused");
            return false;
        }
        DaemonProtocol.Send(conn.Fd, w => { w.WriteBoolean("ok", true); w.WriteString("session", session); });
        return true;
    }

    /// <summary>Stops accepting and removes the socket (its lock released last).</summary>
    public void Dispose()
    {
        Interop.UnixSockets.Shutdown(_listen.Fd);
        _listen.Dispose();
        _lock.Dispose();
    }

    /// <summary>One client: its fd is closed once, and nothing is sent on it after that (a pause
    /// notice from a decision thread may race the client's end).</summary>
    private sealed class Connection(int fd)
    {
        private readonly Lock _gate = new();
        private bool _closed;

        public int Fd => fd;

        public void Notice(string line)
        {
            lock (_gate)
            {
                if (!_closed) DaemonProtocol.Send(fd, w => { w.WriteString("event", DaemonProtocol.Paused); w.WriteString("notice", line); });
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                if (_closed) return;
                _closed = true;
                Interop.Libc.close(fd);
            }
        }
    }
}
