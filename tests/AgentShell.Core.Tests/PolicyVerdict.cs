using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Tests;

/// <summary>A decision as <c>action:environment</c> for table-driven policy tests. An allow names no
/// environment, so for one the targets' environments show what was seen (which repository, which eb environment).</summary>
internal static class PolicyVerdict
{
    public static string Of(AgentShell.Core.Policy.Policy policy, IReadOnlyList<CommandIntent> intents, IExecContext ctx, Func<Target, bool>? seen = null)
    {
        var d = policy.Decide(intents, ctx);
        var environment = d.Action == PolicyAction.Allow
            ? string.Join(",", intents.SelectMany(i => i.Targets).Where(seen ?? (_ => true)).Select(t => policy.EnvironmentOf(t, ctx)).Distinct())
            : d.Environment;
        return $"{d.Action}:{environment}".ToLowerInvariant();
    }
}
