using System.Net.Sockets;
using System.Text.Json;

namespace AgentShell.Supervisor.Approval;

/// <summary>The supervisor's control socket: <c>agentshell pending/approve/deny/watch/runs</c> talk to
/// it. Every client is checked with SO_PEERCRED: same uid (or root), and not a process of the
/// supervised tree (the connect trap refuses those first; this is the second line). A daemon's
/// socket answers for all its sessions; a request may name one with <c>"run"</c>.</summary>
public sealed class ControlServer : IDisposable
{
    private readonly PendingRegistry _registry;
    private readonly Func<int, bool> _isInTree;
    private readonly string _runId;
    private readonly IReadOnlyList<string> _command;
    private readonly TextWriter _log;
    private readonly Func<IReadOnlyList<SessionInfo>> _sessions;
    private readonly string _kind;
    private readonly List<(Socket Socket, string? Run)> _watchers = [];
    private readonly Lock _gate = new();
    private const int MaxDraining = 16;
    private int _draining;
    private volatile bool _stopped;
    private readonly ControlEndpoint _endpoint;
    private readonly bool _ownsEndpoint;

    /// <summary>Path of the socket file.</summary>
    public string Path { get; }
    /// <summary>Device and inode of the socket file: a connect to it from the tree is refused by identity, not name.</summary>
    public (ulong Dev, ulong Ino) Identity { get; }

    /// <summary>Binds <paramref name="path"/> (<see cref="ControlEndpoint.Bind"/>: locked, mode 0600)
    /// and starts accepting; the endpoint is this server's, removed on dispose.</summary>
    public ControlServer(string path, string runId, IReadOnlyList<string> command, PendingRegistry registry, Func<int, bool> isInTree, TextWriter log,
        Func<IReadOnlyList<SessionInfo>>? sessions = null, string kind = "run")
        : this(ControlEndpoint.Bind(path), runId, command, registry, isInTree, log, sessions, kind) => _ownsEndpoint = true;

    /// <summary>Starts accepting on <paramref name="endpoint"/> (bound, and locked, before the tree
    /// started, so that it is among the paths made read-only for it; the caller disposes it).</summary>
    /// <param name="endpoint">The bound socket and its lock.</param>
    /// <param name="runId">Id of the run (or the daemon).</param>
    /// <param name="command">Its command.</param>
    /// <param name="registry">The pauses it answers for.</param>
    /// <param name="isInTree">True for a pid of a supervised tree: refused.</param>
    /// <param name="log">Where its own messages go.</param>
    /// <param name="sessions">The trees it answers for (a run: itself; a daemon: each session); default: the run alone.</param>
    /// <param name="kind">"run" or "daemon", for <c>agentshell runs</c>.</param>
    public ControlServer(ControlEndpoint endpoint, string runId, IReadOnlyList<string> command, PendingRegistry registry, Func<int, bool> isInTree, TextWriter log,
        Func<IReadOnlyList<SessionInfo>>? sessions = null, string kind = "run")
    {
        _endpoint = endpoint;
        Path = endpoint.Path;
        _runId = runId;
        _command = command;
        var started = DateTimeOffset.UtcNow;
        _sessions = sessions ?? (() => [new SessionInfo(runId, command, started, 0)]);
        _kind = kind;
        _registry = registry;
        _isInTree = isInTree;
        _log = log;
        Identity = endpoint.Identity;
        registry.Paused += i => Broadcast("paused", i);
        registry.Resolved += i => Broadcast("resolved", i);
        Interop.Threads.StartBackground("control-accept", AcceptLoop);
    }

    private void AcceptLoop()
    {
        var listener = _endpoint.Listener;
        while (!_stopped)
        {
            int fd;
            bool added = false;
            try
            {
                // Held while blocked in accept: the fd is closed only after StopListening's shutdown woke it.
                listener.DangerousAddRef(ref added);
                fd = Interop.UnixSockets.Accept(listener.Fd, out var e);
                if (fd < 0)
                {
                    if (_stopped || e is Errno.EINVAL or Errno.EBADF) return; // shut down
                    Thread.Sleep(50); // EMFILE and the like: try again, never spin
                    continue;
                }
            }
            catch (ObjectDisposedException) { return; }
            finally { if (added) listener.DangerousRelease(); }
            var handle = new SafeSocketHandle(fd, ownsHandle: true);
            Socket c;
            try { c = new Socket(handle); }
            catch (Exception)
            {
                handle.Dispose();
                continue;
            }
            new Thread(() => Serve(c)) { IsBackground = true, Name = "control-client" }.Start();
        }
    }

    /// <summary>Reads SO_PEERCRED: the connecting process's pid and uid, fixed at connect time.</summary>
    internal static (int Pid, uint Uid) PeerCred(Socket s)
    {
        var buf = new byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        s.GetRawSocketOption(1 /* SOL_SOCKET */, 17 /* SO_PEERCRED */, buf);
        return (BitConverter.ToInt32(buf, 0), BitConverter.ToUInt32(buf, 4));
    }

    private void Serve(Socket c)
    {
        // A client thread must never take the supervisor down: whatever a client does, it is dropped.
        try
        {
            ServeClient(c);
        }
        catch (Exception e)
        {
            _log.WriteLine($"agentshell: control client dropped: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            lock (_gate) _watchers.RemoveAll(w => w.Socket == c);
            c.Dispose();
        }
    }

    private void ServeClient(Socket c)
    {
        var (pid, uid) = PeerCred(c);
        uint me = Interop.Process.GetUid();
        if (uid != me && uid != 0)
        {
            Refuse(c, "refused: another user");
            return;
        }
        if (_isInTree(pid))
        {
            _log.WriteLine($"agentshell: refused a control connection from pid {pid}, a process of the supervised tree");
            Refuse(c, "refused: a supervised process cannot answer its own requests");
            return;
        }
        string who = Who(pid, uid);
        var reader = new LineReader(c);
        while (!_stopped && reader.ReadLine() is byte[] line)
        {
            var req = ControlProtocol.Parse(line, out var err);
            if (req is not JsonElement r) { Send(c, Error(err!)); continue; }
            string? op = r.Str("op");
            // A request may name one run or session; one this socket does not answer for is an error.
            string? run = r.Str("run");
            if (run != null && op != "hello" && !_sessions().Any(x => x.Id == run))
            {
                Send(c, Error($"no run or session '{run}' here (agentshell runs lists them)"));
                continue;
            }
            switch (op)
            {
                case "hello":
                    Send(c, Hello());
                    break;
                case "pending":
                    Send(c, ControlProtocol.Line(w =>
                    {
                        w.WriteBoolean("ok", true);
                        w.WriteNumber("timeoutSeconds", (long)_registry.Timeout.TotalSeconds);
                        w.WriteStartArray("items");
                        foreach (var i in _registry.PendingIn(run)) ControlProtocol.WriteItem(w, i);
                        w.WriteEndArray();
                    }));
                    break;
                case "approve":
                case "deny":
                    string? id = r.Str("id");
                    if (string.IsNullOrEmpty(id)) { Send(c, Error("missing id: the pending item to answer")); break; }
                    string? e = op == "approve" ? _registry.Approve(id, r.Bool("forRun"), who, run) : _registry.Deny(id, who, r.Str("reason"), run);
                    Send(c, e == null ? ControlProtocol.Line(w => w.WriteBoolean("ok", true)) : Error(e));
                    break;
                case "watch":
                    lock (_gate) _watchers.Add((c, run));
                    Send(c, ControlProtocol.Line(w => w.WriteBoolean("ok", true)));
                    foreach (var i in _registry.PendingIn(run)) Send(c, Event("paused", i));
                    break;
                default:
                    Send(c, Error($"unknown op '{op}' (hello, pending, approve, deny, watch)"));
                    break;
            }
        }
    }

    /// <summary>Who this socket answers for: the run (or daemon), and each of its trees with what waits there.</summary>
    private byte[] Hello()
    {
        var pending = _registry.Pending;
        return ControlProtocol.Line(w =>
        {
            w.WriteBoolean("ok", true);
            w.WriteString("runId", _runId);
            w.WriteString("kind", _kind);
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteStartArray("command");
            foreach (var a in Core.Audit.Redactor.RedactArgv(_command)) w.WriteStringValue(a); // watch and runs show it: no secret
            w.WriteEndArray();
            w.WriteStartArray("sessions");
            foreach (var s in _sessions())
            {
                w.WriteStartObject();
                w.WriteString("id", s.Id);
                w.WriteString("started", s.Started);
                w.WriteNumber("pid", s.Pid);
                w.WriteNumber("pending", pending.Count(i => i.Session == s.Id || i.Session == null && s.Id == _runId));
                w.WriteStartArray("command");
                foreach (var a in Core.Audit.Redactor.RedactArgv(s.Command)) w.WriteStringValue(a);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static string Who(int pid, uint uid)
    {
        if (!Interop.Process.TryGetUserName(uid, out string name)) name = $"uid {uid}";
        return $"{name} (pid {pid})";
    }

    private static byte[] Error(string e) => ControlProtocol.Line(w => { w.WriteBoolean("ok", false); w.WriteString("error", e); });

    private static byte[] Event(string kind, PendingItem i) => ControlProtocol.Line(w =>
    {
        w.WriteString("event", kind);
        w.WritePropertyName("item");
        ControlProtocol.WriteItem(w, i);
    });

    private void Broadcast(string kind, PendingItem i)
    {
        var line = Event(kind, i);
        List<Socket> ws;
        lock (_gate) ws = [.. _watchers.Where(w => w.Run == null || w.Run == i.Session).Select(w => w.Socket)];
        foreach (var w in ws) Send(w, line);
    }

    // The refusal, then the client's own request read and dropped (bounded: 500 ms, 64 KiB) before
    // the close: a client that sends after we answered would otherwise get EPIPE and never read why.
    // At most MaxDraining refused clients are drained at once, so a flood of them holds no more
    // threads than that; the rest are closed at once, as before.
    private void Refuse(Socket c, string why)
    {
        Send(c, ControlProtocol.Line(w => { w.WriteBoolean("ok", false); w.WriteString("error", why); }));
        if (Interlocked.Increment(ref _draining) > MaxDraining)
        {
            Interlocked.Decrement(ref _draining);
            return;
        }
        try
        {
            c.Shutdown(SocketShutdown.Send);
            c.ReceiveTimeout = 500;
            var sink = new byte[4096];
            var until = Environment.TickCount64 + 500;
            for (int total = 0; total < 64 * 1024 && Environment.TickCount64 < until;)
            {
                int n = c.Receive(sink);
                if (n <= 0) break;
                total += n;
            }
        }
        catch (SocketException)
        {
            // The client went away or stayed silent past the bound: it has been refused either way.
        }
        finally
        {
            Interlocked.Decrement(ref _draining);
        }
    }

    private void Send(Socket s, byte[] line)
    {
        try
        {
            lock (s) s.Send(line);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            lock (_gate) _watchers.RemoveAll(w => w.Socket == s);
        }
    }

    /// <summary>Stops accepting; removes the socket when the endpoint is this server's own.</summary>
    public void Dispose()
    {
        _stopped = true;
        _endpoint.StopListening();
        if (_ownsEndpoint) _endpoint.Dispose();
    }
}

/// <summary>Reads '\n'-terminated lines from a socket (64 KiB per line at most).</summary>
public sealed class LineReader(Socket s)
{
    private readonly byte[] _buf = new byte[65536];
    private int _start, _end;

    /// <summary>The next line without its newline, or null at end of stream.</summary>
    public byte[]? ReadLine()
    {
        while (true)
        {
            int nl = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
            if (nl >= 0)
            {
                var line = _buf[_start..nl];
                _start = nl + 1;
                return line;
            }
            if (_start > 0) { Array.Copy(_buf, _start, _buf, 0, _end - _start); _end -= _start; _start = 0; }
            if (_end == _buf.Length) return null; // a line too long: drop the client
            int n;
            try { n = s.Receive(_buf, _end, _buf.Length - _end, SocketFlags.None); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return null; }
            if (n == 0) return null;
            _end += n;
        }
    }
}
