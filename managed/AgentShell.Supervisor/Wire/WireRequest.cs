using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Wire;

/// <summary>One request or statement seen on the wire (or a batch sent as one message), to be decided.</summary>
/// <param name="Intents">What the policy decides on, built as the argv parser of the matching tool
/// builds it (HTTP: tool <c>curl</c>; PostgreSQL: as psql), so the same rules and rule ids apply;
/// the most severe decision over them wins. Their targets are decided in the connection's
/// environment, whatever they name.</param>
/// <param name="Shown">The request in one line for messages and the person: "DELETE
/// https://api.prod/v1/volumes/1 (mutation volumeDelete)", "DROP TABLE customers".</param>
/// <param name="Detail">More for the person approving a pause (GraphQL operation and fields, the
/// whole statement), or null.</param>
/// <param name="Key">Identifies the same request sent again (a client's retry joins the waiting
/// item); null: <paramref name="Shown"/>.</param>
/// <param name="Credential">A credential the profiles list that the request carries (a header, a
/// cleartext password): its environment is considered too and the decision names it. Only its
/// name is kept, never the secret.</param>
internal sealed record WireRequest(IReadOnlyList<CommandIntent> Intents, string Shown, string? Detail = null, string? Key = null,
    AgentShell.Core.Credentials.CredentialMatch? Credential = null)
{
    /// <summary>The first intent (the one shown with the request).</summary>
    public CommandIntent Intent => Intents[0];
}

/// <summary>The answer for one <see cref="WireRequest"/>: forward it, or refuse it in the
/// protocol's own terms (HTTP 403, PostgreSQL ErrorResponse 42501) saying <see cref="Message"/>.
/// The process's stderr and the audit log have been told already.</summary>
/// <param name="Allowed">Forward the request.</param>
/// <param name="Decision">The decision (rule id, reason; for display its intent is the shown one).</param>
/// <param name="Message">For a refusal: one line naming what was refused and why, with the rule id.</param>
internal readonly record struct WireVerdict(bool Allowed, Decision Decision, string Message)
{
    /// <summary>The rule that decided.</summary>
    public string RuleId => Decision.RuleId;
}
