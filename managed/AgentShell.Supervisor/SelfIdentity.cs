namespace AgentShell.Supervisor;

/// <summary>What the supervisor knows about itself, to protect itself from the tree.</summary>
/// <param name="ProcessGroup">Our process group: kill(0, …) from a tree process in it would reach us.</param>
/// <param name="Executable">Device/inode of the agentshell executable: `agentshell approve` from the tree is refused.</param>
/// <param name="ControlSocket">Device/inode of the control socket; connects to it from the tree are refused.</param>
/// <param name="AgentPid">Pid of the agent (top of the tree).</param>
public sealed record SelfIdentity(int ProcessGroup, (ulong Dev, ulong Ino)? Executable, (ulong Dev, ulong Ino)? ControlSocket, int AgentPid)
{
    /// <summary>Our pid (the supervisor's).</summary>
    public int Pid { get; } = Environment.ProcessId;

    /// <summary>True when the tree has a pid namespace of its own: it cannot name our pid or our
    /// threads, and the numbers it passes are its own.</summary>
    public bool TreeHasOwnPids { get; init; }
}
