using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>The relay's own refusals: statements it cannot judge, so they never reach the server.</summary>
public static class PostgresWireRules
{
    /// <summary>A Query or Parse above <see cref="PostgresRelayLimits.MaxStatementBytes"/>.</summary>
    public static readonly SupervisorRule StatementTooLarge = new()
    {
        Id = "supervisor:postgres-statement-too-large", Action = PolicyAction.Block,
        Reason = $"it is larger than the {PostgresRelayLimits.Default.MaxStatementBytes / 1024 / 1024} MiB a statement may have to be inspected",
        Explanation = "Statements sent to production over the PostgreSQL wire are read whole before any of them is forwarded; one too large to hold is drained and refused, never forwarded unread. Send it in smaller statements.",
    };

    /// <summary>The decision on a statement failed (an error in the supervisor, not a rule).</summary>
    public static readonly SupervisorRule DecisionFailed = new()
    {
        Id = "supervisor:postgres-decision-failed", Action = PolicyAction.Block,
        Reason = "the decision on it failed, and a statement that was not decided is not forwarded",
        Explanation = "An error while deciding a statement (or while holding it for a person) refuses it: an error never lets a statement through.",
    };

    /// <summary>Every rule of the relay, for listings.</summary>
    public static IReadOnlyList<SupervisorRule> All { get; } = [StatementTooLarge, DecisionFailed];
}
