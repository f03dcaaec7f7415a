using System.Net.Sockets;
using System.Text.Json;

namespace AgentShell.Supervisor.Approval;

/// <summary>One tree a live control socket answers for.</summary>
/// <param name="Id">The run's or session's id.</param>
/// <param name="Kind">"run", "daemon" (a daemon's own command) or "session" (a shell attached to a daemon).</param>
/// <param name="Command">What it runs.</param>
/// <param name="Started">When it started (null when the supervisor did not say).</param>
/// <param name="Pid">The top of its tree (0 when not known).</param>
/// <param name="Pending">Requests waiting for a person.</param>
/// <param name="Socket">The control socket to answer them on.</param>
/// <param name="Daemon">For a session: its daemon's id.</param>
public sealed record LiveSession(string Id, string Kind, IReadOnlyList<string> Command, DateTimeOffset? Started, int Pid, int Pending, string Socket, string? Daemon);

/// <summary>The live runs and daemon sessions of this user: every control socket in
/// <see cref="SocketPaths.Directory"/> that answers <c>hello</c>. Nothing is removed here: a socket
/// that does not answer is skipped.</summary>
public static class RunDirectory
{
    /// <summary>Every live run and session, newest first.</summary>
    public static IReadOnlyList<LiveSession> List()
    {
        string dir;
        try { dir = SocketPaths.Directory(); }
        catch (IOException) { return []; }
        var found = new List<LiveSession>();
        foreach (var f in new DirectoryInfo(dir).GetFiles("*.sock"))
        {
            if (Hello(f.FullName) is not JsonElement h) continue;
            string runId = h.Str("runId") ?? "?";
            string kind = h.Str("kind") ?? "run";
            if (!h.TryGetProperty("sessions", out var sessions) || sessions.ValueKind != JsonValueKind.Array)
            {
                // A supervisor from before sessions were listed: the run alone.
                found.Add(new LiveSession(runId, kind, Strings(h, "command"), null, 0, 0, f.FullName, null));
                continue;
            }
            foreach (var s in sessions.EnumerateArray())
            {
                string id = s.Str("id") ?? "?";
                bool own = id == runId;
                found.Add(new LiveSession(id, own ? kind : "session", Strings(s, "command"),
                    s.TryGetProperty("started", out var st) && st.TryGetDateTimeOffset(out var t) ? t : null,
                    s.TryGetProperty("pid", out var p) && p.TryGetInt32(out int pid) ? pid : 0,
                    s.TryGetProperty("pending", out var n) && n.TryGetInt32(out int pending) ? pending : 0,
                    f.FullName, own ? null : runId));
            }
        }
        return found.OrderByDescending(s => s.Started ?? DateTimeOffset.MinValue).ToList();
    }

    /// <summary>The live run or session whose id is <paramref name="id"/> or starts with it. Throws
    /// <see cref="ControlException"/> when none or several match.</summary>
    public static LiveSession Find(string id)
    {
        var all = List();
        var exact = all.Where(s => s.Id.Equals(id, StringComparison.OrdinalIgnoreCase)).ToList();
        var matches = exact.Count > 0 ? exact : all.Where(s => s.Id.StartsWith(id, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ControlException($"no live run or session '{id}' (agentshell runs lists them)"),
            _ => throw new ControlException($"'{id}' is ambiguous: {string.Join(", ", matches.Select(m => m.Id))}"),
        };
    }

    private static JsonElement? Hello(string path)
    {
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.ReceiveTimeout = 2000;
            s.SendTimeout = 2000;
            s.Connect(new UnixDomainSocketEndPoint(path));
            s.Send(ControlProtocol.Line(w => w.WriteString("op", "hello")));
            var line = new LineReader(s).ReadLine();
            if (line == null) return null;
            var e = JsonDocument.Parse(line).RootElement;
            return e.Bool("ok") ? e : null;
        }
        catch (Exception e) when (e is SocketException or JsonException or IOException)
        {
            return null; // not live, not a control socket, or a supervisor that refused us: not listed
        }
    }

    private static List<string> Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
}
