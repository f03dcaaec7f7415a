using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>A person's answer to a paused statement.</summary>
/// <param name="Approved">True to forward it.</param>
/// <param name="Message">For a refusal: what happened ("denied by alice after 12s: …", "no answer in 300s: …").</param>
public readonly record struct PauseAnswer(bool Approved, string? Message);

/// <summary>Statements decided by the profiles' policy, in the environment of the intercepted
/// connection; what a host's <see cref="IPostgresWireHost.DecideAsync"/> does around its pending
/// items and audit records.</summary>
public static class PostgresDecisions
{
    /// <summary>The policy's decision on <paramref name="request"/> (no I/O).</summary>
    public static Decision Decide(Policy policy, PostgresRequest request) =>
        policy.DecideIn(request.Intents, request.Destination.Environment);

    /// <summary>Decides <paramref name="request"/>: allow → forward; block → refuse; pause →
    /// <paramref name="pause"/> (a pending item a person answers), forwarded only on approval. An
    /// exception from the pause is a refusal.</summary>
    public static async ValueTask<WireVerdict> DecideAsync(Policy policy, PostgresRequest request,
        Func<Decision, PostgresRequest, CancellationToken, ValueTask<PauseAnswer>> pause, CancellationToken ct)
    {
        var d = Decide(policy, request);
        switch (d.Action)
        {
            case PolicyAction.Allow:
                return WireVerdict.Allow(d);
            case PolicyAction.Pause:
                PauseAnswer answer;
                try { answer = await pause(d, request, ct).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    return WireVerdict.Refuse(d, $"agentshell: refused {d.Describe()}: the pause could not be held ({e.GetType().Name})");
                }
                return answer.Approved ? WireVerdict.Allow(d) : WireVerdict.Refuse(d, answer.Message ?? Refusal(d, request));
            default:
                return WireVerdict.Refuse(d, Refusal(d, request));
        }
    }

    /// <summary>The ErrorResponse text of a blocked request: <c>agentshell: blocked postgres-wire
    /// DROP TABLE t (production) [rule …]: reason</c>, and for a Query of several statements, that
    /// none of them ran.</summary>
    public static string Refusal(Decision d, PostgresRequest request)
    {
        string text = $"agentshell: blocked {d.Describe()}: {d.Reason}";
        if (request.Kind == PostgresMessageKind.Query && request.Intents.Count > 1)
            text += $" (the query's {request.Intents.Count} statements were refused together; none ran)";
        return text;
    }
}
