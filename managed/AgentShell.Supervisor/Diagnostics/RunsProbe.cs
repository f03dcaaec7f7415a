using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Daemon;

namespace AgentShell.Supervisor.Diagnostics;

/// <summary>What already runs for this user: the live runs and daemon sessions (the control sockets
/// that answer, as `agentshell runs` lists them) and whether a daemon socket is where `shell` looks.</summary>
public static class RunsProbe
{
    /// <summary>One note line; never a failure (a run already going does not stop another).</summary>
    public static Probe Live()
    {
        var live = RunDirectory.List();
        int runs = live.Count(s => s.Kind == "run"), daemons = live.Count(s => s.Kind == "daemon"), sessions = live.Count(s => s.Kind == "session");
        string listed = live.Count == 0
            ? "no live run or daemon session"
            : $"{runs} run(s), {daemons} daemon(s), {sessions} attached session(s) live ({string.Join(", ", live.Take(5).Select(s => s.Id))}{(live.Count > 5 ? ", …" : "")}; agentshell runs lists them)";
        string socket = DaemonSocketPaths.Resolve(null);
        bool present = File.Exists(socket);
        return new(ProbeStatus.Note, "runs", $"{listed}; daemon socket {socket} {(present ? "present (agentshell shell attaches there)" : "absent (no daemon for agentshell shell)")}");
    }
}
