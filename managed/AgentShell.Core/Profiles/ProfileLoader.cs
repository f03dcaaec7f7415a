using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using Microsoft.Extensions.Configuration;

namespace AgentShell.Core.Profiles;

/// <summary>Reads profile files with Microsoft.Extensions.Configuration.Json, one configuration
/// root per file (Configuration would merge arrays by index, which is wrong for rules), and
/// compiles them into a <see cref="Policy.Policy"/>.</summary>
public static class ProfileLoader
{
    /// <summary>Loads <paramref name="files"/> in layer order.</summary>
    public static Policy.Policy Load(IReadOnlyList<string> files)
    {
        var envs = new List<(string Name, List<HostPattern> Hosts)>();
        var layers = new List<List<Rule>>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var full = Path.GetFullPath(file);
            if (!File.Exists(full)) throw new ProfileException(file, "", "file not found");
            IConfigurationRoot root;
            try
            {
                root = new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build();
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or IOException or System.Text.Json.JsonException)
            {
                throw new ProfileException(file, "", $"not valid JSON: {e.InnerException?.Message ?? e.Message}");
            }

            foreach (var env in root.GetSection("Environments").GetChildren())
            {
                var hosts = new List<HostPattern>();
                foreach (var h in env.GetSection("Hosts").GetChildren())
                {
                    if (!HostPattern.TryParse(h.Value ?? "", out var p, out var err))
                        throw new ProfileException(file, h.Path, $"{err} in host pattern '{h.Value}'");
                    hosts.Add(p);
                }
                int at = envs.FindIndex(e => string.Equals(e.Name, env.Key, StringComparison.OrdinalIgnoreCase));
                if (at >= 0) envs[at].Hosts.AddRange(hosts);
                else envs.Add((env.Key, hosts));
            }

            var rules = new List<Rule>();
            foreach (var r in root.GetSection("Rules").GetChildren())
            {
                string id = r["Id"] ?? throw new ProfileException(file, r.Path, "rule has no Id");
                if (!ids.Add(id)) throw new ProfileException(file, r.Path + ":Id", $"duplicate rule id '{id}'");
                var effects = new HashSet<Effect>();
                foreach (var e in r.GetSection("Effects").GetChildren())
                {
                    if (!EffectNames.TryParse(e.Value ?? "", out var eff))
                        throw new ProfileException(file, e.Path, $"unknown effect '{e.Value}' (valid: {string.Join(", ", EffectNames.All)})");
                    effects.Add(eff);
                }
                string actionText = r["Action"] ?? throw new ProfileException(file, r.Path, $"rule '{id}' has no Action");
                if (!Enum.TryParse<PolicyAction>(actionText, ignoreCase: true, out var action) || !Enum.IsDefined(action))
                    throw new ProfileException(file, r.Path + ":Action", $"unknown action '{actionText}' (valid: allow, pause, block)");
                rules.Add(new Rule
                {
                    Id = id, Action = action, Effects = effects, Source = file,
                    Tools = r.GetSection("Tools").GetChildren().Select(c => c.Value ?? "").ToHashSet(StringComparer.Ordinal),
                    Environments = r.GetSection("Environments").GetChildren().Select(c => c.Value ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase),
                    Reason = r["Reason"] ?? "", Explanation = r["Explanation"],
                });
            }
            layers.Add(rules);
        }
        // Later layers first: a user's --profile can put a stricter rule in front.
        var ordered = new List<Rule>();
        for (int i = layers.Count - 1; i >= 0; i--) ordered.AddRange(layers[i]);
        return new Policy.Policy(files, envs, ordered);
    }
}
