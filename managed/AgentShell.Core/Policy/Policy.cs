using AgentShell.Core.Model;
using AgentShell.Core.Profiles;

namespace AgentShell.Core.Policy;

/// <summary>The compiled policy: environments and rules from layered profiles. Built once at
/// start; <see cref="Decide"/> does no I/O and builds no matcher.</summary>
public sealed class Policy
{
    private readonly List<(string Name, List<HostPattern> Hosts)> _environments;
    private readonly List<Rule> _rules;

    internal Policy(IReadOnlyList<string> files, List<(string, List<HostPattern>)> environments, List<Rule> rules)
    {
        Files = files;
        _environments = environments;
        _rules = rules;
    }

    /// <summary>Profile files loaded, in layer order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Rules in evaluation order (later layers first).</summary>
    public IReadOnlyList<Rule> Rules => _rules;

    /// <summary>Loads and compiles profiles in layer order. Throws <see cref="ProfileException"/>.</summary>
    public static Policy Load(IReadOnlyList<string> files) => ProfileLoader.Load(files);

    /// <summary>The environment a target belongs to: a profile environment name, <c>local</c>
    /// (loopback, localhost, local paths) or <c>unknown</c>.</summary>
    public string EnvironmentOf(Target target)
    {
        if (target.Kind == TargetKind.LocalPath) return "local";
        if (target.Kind == TargetKind.Environment && target.Name != null) return target.Name;
        string? host = target.Host;
        if (host != null)
        {
            foreach (var (name, hosts) in _environments)
            {
                foreach (var h in hosts) if (h.Matches(host, target.Port)) return name;
            }
            if (IsLoopback(host)) return "local";
        }
        else if (target.Kind is TargetKind.Url or TargetKind.Database) return "local";
        return "unknown";
    }

    /// <summary>Decides the intents of one exec: the most severe verdict over every intent and target wins.</summary>
    public Decision Decide(IReadOnlyList<CommandIntent> intents)
    {
        Decision best = Decision.DefaultAllow;
        foreach (var intent in intents)
        {
            if (intent.Targets.Count == 0) Consider(intent, null, "none", ref best);
            foreach (var t in intent.Targets) Consider(intent, t, EnvironmentOf(t), ref best);
        }
        return best;
    }

    private void Consider(CommandIntent intent, Target? target, string env, ref Decision best)
    {
        foreach (var rule in _rules)
        {
            if (!rule.Matches(intent, env)) continue;
            if (best == Decision.DefaultAllow || rule.Action > best.Action)
            {
                best = new Decision
                {
                    Action = rule.Action, RuleId = rule.Id, Reason = rule.Reason, Explanation = rule.Explanation,
                    Intent = intent, Target = target, Environment = env,
                };
            }
            return; // first matching rule wins for this (intent, target)
        }
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
        (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
