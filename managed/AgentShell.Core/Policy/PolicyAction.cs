namespace AgentShell.Core.Policy;

/// <summary>What happens to a command. Ordered by severity.</summary>
public enum PolicyAction : byte
{
    /// <summary>Let it run.</summary>
    Allow,
    /// <summary>Hold it until a person approves or denies.</summary>
    Pause,
    /// <summary>Refuse it: the syscall fails with EPERM.</summary>
    Block,
}
