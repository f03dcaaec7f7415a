namespace AgentShell.Supervisor.Diagnostics;

/// <summary>How a check of `agentshell doctor` came out.</summary>
public enum ProbeStatus
{
    /// <summary>What `run` needs is there.</summary>
    Ok,
    /// <summary>A fact worth knowing (which connect guard `run` would pick, what root would add).</summary>
    Note,
    /// <summary>An optional feature is missing: `run` works with less.</summary>
    Warn,
    /// <summary>`run` cannot work until this is fixed.</summary>
    Fail,
}

/// <summary>One line of `agentshell doctor`: what was checked, how it came out, and what to do
/// when it is not ok.</summary>
public sealed record Probe(ProbeStatus Status, string Subject, string Detail, string? Fix = null);
