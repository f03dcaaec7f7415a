using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor;

/// <summary>The seam between the kernel side and Core: classify an exec, ask the policy.</summary>
public sealed class ExecDecider(CommandClassifier classifier, Policy policy)
{
    /// <summary>The policy in force.</summary>
    public Policy Policy { get; } = policy;

    /// <summary>Decides one exec.</summary>
    public Decision Decide(ReadOnlySpan<byte> filename, in Argv argv, IExecContext ctx)
    {
        var intents = classifier.Classify(filename, argv, ctx);
        if (intents.Count == 0) return Decision.DefaultAllow;
        return Policy.Decide(intents);
    }
}
