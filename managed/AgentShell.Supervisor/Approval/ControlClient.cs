using System.Net.Sockets;
using System.Text.Json;

namespace AgentShell.Supervisor.Approval;

/// <summary>A failure talking to a supervisor, with a message for the person.</summary>
public sealed class ControlException(string message) : Exception(message);

/// <summary>The human's side of the control socket.</summary>
public sealed class ControlClient : IDisposable
{
    private readonly Socket _s;
    private readonly LineReader _reader;

    /// <summary>The socket path in use.</summary>
    public string Path { get; }

    /// <summary>The run or daemon session every request is about (null: all the socket answers for).</summary>
    public string? Run { get; }

    private ControlClient(Socket s, string path, string? run)
    {
        _s = s;
        _reader = new LineReader(s);
        Path = path;
        Run = run;
    }

    /// <summary>Connects to <paramref name="socketPath"/>, $AGENTSHELL_SOCKET, or the newest live run.
    /// With <paramref name="run"/> (an id or a unique prefix of one from <c>agentshell runs</c>), every
    /// request is about that run or daemon session only, and without a socket its supervisor's is used.</summary>
    public static ControlClient Connect(string? socketPath, string? run = null)
    {
        if (!string.IsNullOrEmpty(run) && string.IsNullOrEmpty(socketPath))
        {
            var live = RunDirectory.Find(run);
            socketPath = live.Socket;
            run = live.Id;
        }
        var path = SocketPaths.Find(socketPath)
            ?? throw new ControlException("no running agentshell supervisor found (start one with 'agentshell run -- CMD', or pass --socket PATH)");
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e)
        {
            s.Dispose();
            if (e.SocketErrorCode == SocketError.AccessDenied) throw SocketPaths.Refused(path);
            throw new ControlException($"cannot connect to {path}: {e.Message}");
        }
        return new ControlClient(s, path, string.IsNullOrEmpty(run) ? null : run);
    }

    /// <summary>Sends one request and returns its answer; throws <see cref="ControlException"/> when it says ok: false.</summary>
    public JsonElement Request(string op, Action<Utf8JsonWriter>? more = null)
    {
        Send(op, more);
        while (true)
        {
            var e = ReadMessage() ?? throw new ControlException("the supervisor closed the connection");
            if (e.TryGetProperty("event", out _)) continue; // an event for a watcher; not our answer
            if (e.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True) return e;
            throw new ControlException(e.Str("error") ?? "request failed");
        }
    }

    /// <summary>Sends one request without waiting.</summary>
    public void Send(string op, Action<Utf8JsonWriter>? more = null)
    {
        var line = ControlProtocol.Line(w =>
        {
            w.WriteString("op", op);
            if (Run != null) w.WriteString("run", Run);
            more?.Invoke(w);
        });
        try { _s.Send(line); }
        catch (SocketException e) { throw new ControlException($"lost the supervisor: {e.Message}"); }
    }

    /// <summary>The next message (answer or event), or null when the supervisor is gone.</summary>
    public JsonElement? ReadMessage()
    {
        var line = _reader.ReadLine();
        if (line == null) return null;
        return JsonDocument.Parse(line).RootElement;
    }

    /// <summary>Closes the connection.</summary>
    public void Dispose() => _s.Dispose();
}
