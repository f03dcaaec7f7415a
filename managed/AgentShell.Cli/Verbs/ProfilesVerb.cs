using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Profiles;
using AgentShell.Supervisor;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell profiles validate FILE...` and `agentshell profiles show [--profile P]...`.
/// CommandLineParser has no nested verbs, so the sub-command is the first positional value.</summary>
[Verb("profiles", HelpText = "Check or print policy profiles. Usage: agentshell profiles validate FILE... | agentshell profiles show [--profile P]... | agentshell profiles fingerprint NAME < secret")]
public sealed class ProfilesVerb
{
    /// <summary><c>validate</c> or <c>show</c>.</summary>
    [Value(0, MetaName = "validate|show|fingerprint", Required = true, HelpText = "validate: check profile files and print what each defines; show: print the merged policy and where each entry came from; fingerprint NAME: read a secret from stdin and print its Credentials entry.")]
    public string Action { get; set; } = "";

    /// <summary>Files to validate (layered after the shipped, system and user profiles, as `run` would load them).</summary>
    [Value(1, MetaName = "FILE", HelpText = "Profile files (validate).")]
    public IEnumerable<string> Files { get; set; } = [];

    /// <summary>Profile files for `show`, layered in order.</summary>
    [Option('p', "profile", HelpText = "Profile JSON file (repeatable; later files take precedence).")]
    public IEnumerable<string> Profiles { get; set; } = [];

    /// <summary>Runs the verb.</summary>
    public int Execute() => Execute(Console.Out, Console.Error);

    /// <summary>Runs the verb with the given writers.</summary>
    public int Execute(TextWriter stdout, TextWriter stderr)
    {
        if (Action.Equals("fingerprint", StringComparison.OrdinalIgnoreCase)) return ProfilesFingerprint.Execute(Files.FirstOrDefault(), stdout, stderr);
        bool validate = Action.Equals("validate", StringComparison.OrdinalIgnoreCase);
        bool show = Action.Equals("show", StringComparison.OrdinalIgnoreCase);
        if (!validate && !show)
        {
            stderr.WriteLine($"agentshell profiles: unknown action '{Action}'. Usage: agentshell profiles validate FILE... | agentshell profiles show [--profile P]... | agentshell profiles fingerprint NAME < secret");
            return Program.UsageError;
        }
        var named = Files.Concat(Profiles).ToList();
        if (validate && named.Count == 0)
        {
            stderr.WriteLine("agentshell profiles validate: no file given. Usage: agentshell profiles validate FILE...");
            return Program.UsageError;
        }
        Policy policy;
        try
        {
            policy = Policy.Load(ProfileSet.Resolve(named));
        }
        catch (ProfileException e)
        {
            foreach (var err in e.Errors) stderr.WriteLine($"agentshell: invalid profile: {err}");
            stderr.WriteLine($"agentshell: {e.Errors.Count} problem(s); nothing was run.");
            return Program.UsageError;
        }
        foreach (var w in policy.Warnings) stderr.WriteLine($"agentshell: warning: {w}");
        if (validate) PrintSummary(policy, stdout);
        else PrintMerged(policy, stdout);
        return 0;
    }

    private static void PrintSummary(Policy policy, TextWriter o)
    {
        foreach (var file in policy.Files)
        {
            o.WriteLine($"{file}: ok");
            var entries = policy.EnvironmentEntries.Where(e => e.Source == file).ToList();
            foreach (var env in entries.GroupBy(e => e.Environment))
            {
                var counts = env.GroupBy(e => e.Kind).Select(g => $"{g.Count()} {KindLabel(g.Key, g.Count())}");
                o.WriteLine($"  environment {env.Key}: {string.Join(", ", counts)}");
            }
            var rules = policy.Rules.Where(r => r.Source == file).ToList();
            int cases = rules.Sum(r => r.Tests.Match.Count + r.Tests.NoMatch.Count);
            int unchecked_ = policy.Warnings.Count(w => w.StartsWith(file + ":", StringComparison.Ordinal));
            o.WriteLine($"  {rules.Count} rule(s), {cases - unchecked_} test case(s) passed" + (unchecked_ > 0 ? $", {unchecked_} not checkable yet (no parser; see warnings)" : ""));
            foreach (var r in rules) o.WriteLine($"    {r.Id}: {Name(r.Action)}");
            foreach (var t in policy.ToolSources.Where(t => t.Value == file)) o.WriteLine($"  tool {t.Key}");
        }
    }

    private static void PrintMerged(Policy policy, TextWriter o)
    {
        o.WriteLine("Files (layer order):");
        for (int i = 0; i < policy.Files.Count; i++) o.WriteLine($"  {i}: {policy.Files[i]}");
        o.WriteLine("Environments (built in: local = loopback, localhost and local paths; unknown = anything else):");
        foreach (var env in policy.EnvironmentEntries.GroupBy(e => e.Environment))
        {
            o.WriteLine($"  {env.Key}");
            foreach (var e in env) o.WriteLine($"    {e.Kind,-20} {e.Pattern,-40} [{e.Source}]");
        }
        o.WriteLine("Rules (evaluation order; first match wins per target, most severe action over targets):");
        foreach (var r in policy.Rules)
        {
            o.WriteLine($"  {r.Id} -> {Name(r.Action)} [{r.Source}]");
            o.WriteLine($"    when tool {Any(r.Tools)}, effect {Any(r.Effects.Select(e => e.Name()))}, environment {Any(r.Environments)}"
                + (r.TargetKinds.Count > 0 ? $", target kind {string.Join("|", r.TargetKinds)}" : "")
                + (r.Hosts.Count > 0 ? $", host {string.Join("|", r.Hosts.Select(h => h.Text))}" : "")
                + (r.Paths.Count > 0 ? $", path {string.Join("|", r.Paths.Select(p => p.Text))}" : ""));
            o.WriteLine($"    reason: {r.Reason}");
        }
        o.WriteLine($"  {Decision.DefaultAllowRuleId} -> allow [built in]");
        o.WriteLine("Built-in rules (the supervisor's own, applied besides the rules above):");
        foreach (var r in SupervisorRules.All)
        {
            o.WriteLine($"  {r.Id} -> {Name(r.ActionIn(policy))} [built in{(r.ActionSetting != null ? $"; action: {r.ActionSetting}" : "")}]");
            o.WriteLine($"    reason: {r.Reason}");
            o.WriteLine($"    why: {r.Explanation}");
        }
        o.WriteLine("Settings:");
        Setting(o, policy, "Pause:TimeoutSeconds", policy.Pause.TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Setting(o, policy, "Pause:OnTimeout", Name(policy.Pause.OnTimeout));
        Setting(o, policy, "Network:UnknownClientToProduction", Name(policy.Network.UnknownClientToProduction));
        foreach (var (env, exes) in policy.Network.Clients) Setting(o, policy, "Network:Clients", $"{env}: {string.Join(", ", exes)}");
        if (policy.Tools.Count > 0) o.WriteLine("Tools:");
        foreach (var t in policy.Tools)
        {
            o.WriteLine($"  {t.Name} [{policy.ToolSources[t.Name]}]");
            if (t.Destructive.Count > 0) o.WriteLine($"    destructive: {string.Join(" | ", t.Destructive)}");
            foreach (var (flag, kind) in t.TargetFlags) o.WriteLine($"    {flag} names the {kind}");
        }
    }

    private static void Setting(TextWriter o, Policy policy, string key, string value) =>
        o.WriteLine($"  {key,-36} {value,-20} [{(policy.SettingSources.TryGetValue(key, out var f) ? f : "built in")}]");

    private static string Any(IEnumerable<string> items) => items.Any() ? string.Join("|", items) : "any";

    private static string Name(PolicyAction a) => a.ToString().ToLowerInvariant();

    private static string KindLabel(EnvironmentSourceKind k, int n) => k switch
    {
        EnvironmentSourceKind.Hosts => n == 1 ? "host" : "hosts",
        EnvironmentSourceKind.KubeContexts => n == 1 ? "kube context" : "kube contexts",
        EnvironmentSourceKind.AwsProfiles => n == 1 ? "AWS profile" : "AWS profiles",
        EnvironmentSourceKind.GcpProjects => n == 1 ? "GCP project" : "GCP projects",
        EnvironmentSourceKind.AzureSubscriptions => n == 1 ? "Azure subscription" : "Azure subscriptions",
        EnvironmentSourceKind.TerraformWorkspaces => n == 1 ? "Terraform workspace" : "Terraform workspaces",
        EnvironmentSourceKind.Apps => n == 1 ? "app" : "apps",
        EnvironmentSourceKind.Repositories => n == 1 ? "repository" : "repositories",
        EnvironmentSourceKind.Credentials => n == 1 ? "credential" : "credentials",
        EnvironmentSourceKind.CredentialFiles => n == 1 ? "credential file" : "credential files",
        _ => n == 1 ? "env var" : "env vars",
    };
}
