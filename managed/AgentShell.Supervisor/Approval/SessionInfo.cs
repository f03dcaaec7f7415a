namespace AgentShell.Supervisor.Approval;

/// <summary>A supervised tree a control socket answers for: a run, or one session of a daemon.</summary>
/// <param name="Id">The run's or session's id (items name it as their "run").</param>
/// <param name="Command">What the tree was started with.</param>
/// <param name="Started">When it started.</param>
/// <param name="Pid">The top of the tree (the agent; the command a daemon or a shell started).</param>
public sealed record SessionInfo(string Id, IReadOnlyList<string> Command, DateTimeOffset Started, int Pid);
