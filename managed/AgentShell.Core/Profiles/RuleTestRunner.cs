using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Profiles;

/// <summary>Runs every rule's own <c>Tests</c>: each argv goes through the command classifier,
/// then through that rule alone (environments come from the whole policy). A Match case must hit
/// the rule, a NoMatch case must not.</summary>
internal static class RuleTestRunner
{
    /// <summary>Key under which a case's <c>Repo</c> travels in its Env map (not a valid variable name).</summary>
    internal const string RepoKey = "\0repo";

    internal static void Run(Policy.Policy policy, List<ProfileError> errors, out List<string> warnings)
    {
        warnings = [];
        var classifier = new CommandClassifier(policy.Tools);
        foreach (var rule in policy.Rules)
        {
            Check(policy, classifier, rule, rule.Tests.Match, "Match", mustMatch: true, errors, warnings);
            Check(policy, classifier, rule, rule.Tests.NoMatch, "NoMatch", mustMatch: false, errors, warnings);
        }
    }

    private static void Check(Policy.Policy policy, CommandClassifier classifier, Rule rule, IReadOnlyList<RuleTestCase> cases,
        string key, bool mustMatch, List<ProfileError> errors, List<string> warnings)
    {
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var ctx = new RuleTestContext(c);
            var intents = classifier.Classify(c.Argv, ctx);
            string path = $"{rule.KeyPath}:Tests:{key}:{i}";
            if (intents.Count == 0)
            {
                if (mustMatch)
                    warnings.Add($"{rule.Source}:{c.Line}:{c.Column}: {ProfileError.DisplayPath(path)}: rule '{rule.Id}': no parser understood `{c}`, so this case could not be checked");
                continue;
            }
            bool hit = policy.RuleMatches(rule, intents, ctx);
            if (hit == mustMatch) continue;
            string seen = string.Join("; ", intents.Select(intent => Describe(policy, intent, ctx)));
            errors.Add(new ProfileError(rule.Source, path, mustMatch
                ? $"rule '{rule.Id}' does not catch `{c}`, which was understood as {seen}; widen the rule (Tools, Effects, Environments, Hosts, Paths) or fix the case"
                : $"rule '{rule.Id}' also catches the look-alike `{c}` ({seen}); narrow the rule or move the case to Match") { Line = c.Line, Column = c.Column });
        }
    }

    private static string Describe(Policy.Policy policy, CommandIntent intent, IExecContext ctx)
    {
        string head = $"{intent.Tool} effect {intent.Effect.Name()}";
        if (intent.Targets.Count == 0) return head + " with no target";
        return head + " on " + string.Join(", ", intent.Targets.Select(t => $"{t} ({policy.EnvironmentOf(t, ctx)})"));
    }

    /// <summary>The exec a case describes: only its Env, its Cwd (or none), and a repository root
    /// if it names one. Reads nothing from this machine, so cases behave the same everywhere.</summary>
    private sealed class RuleTestContext(RuleTestCase c) : IExecContext
    {
        public string? WorkingDirectory => c.WorkingDirectory;

        public string? GetEnvironmentVariable(string name) =>
            name != RepoKey && c.Env.TryGetValue(name, out var v) ? v : null;

        public byte[]? ReadFile(string path, int maxBytes) =>
            c.Env.TryGetValue(RepoKey, out var repo) && path == LocalPaths.Normalize(repo) + "/.git/HEAD" ? "ref: refs/heads/main\n"u8.ToArray() : null;
    }
}
