using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Tools;
using Microsoft.Extensions.Configuration;

namespace AgentShell.Core.Profiles;

/// <summary>Reads profile files with Microsoft.Extensions.Configuration.Json, one configuration
/// root per file (Configuration would merge arrays by index, which is wrong for rules), validates
/// them and compiles them into a <see cref="Policy.Policy"/>. Each file is read once; nothing is
/// kept that could re-read it. Validation reports every problem it finds (unknown keys with the
/// closest valid one, wrong types, bad patterns, unknown effects/actions/environments, duplicate
/// rule ids across layers, rules without both kinds of test case), then runs every rule's own
/// cases; any problem throws <see cref="ProfileException"/>.</summary>
public static class ProfileLoader
{
    internal static readonly string[] RootKeys = ["Description", "Environments", "Rules", "Tools", "Network", "Pause", "Audit"];
    internal static readonly string[] EnvironmentKeys = ["Hosts", "KubeContexts", "AwsProfiles", "GcpProjects", "AzureSubscriptions", "TerraformWorkspaces", "EnvVars"];
    internal static readonly string[] RuleKeys = ["Id", "Description", "Tools", "Effects", "Environments", "TargetKinds", "Hosts", "Paths", "Action", "Reason", "Explanation", "Tests"];
    internal static readonly string[] TestsKeys = ["Match", "NoMatch"];
    internal static readonly string[] CaseKeys = ["Argv", "Env", "Cwd", "Repo"];
    internal static readonly string[] ToolKeys = ["Destructive", "TargetFlags"];
    internal static readonly string[] NetworkKeys = ["UnknownClientToProduction", "Clients"];
    internal static readonly string[] PauseKeys = ["TimeoutSeconds", "OnTimeout"];
    internal static readonly string[] AuditKeys = ["LogAllowsOfUnparsedTools"];
    internal static readonly string[] ActionNames = ["allow", "pause", "block"];
    internal static readonly string[] BuiltInEnvironments = ["local", "unknown", "none"];

    /// <summary>Loads <paramref name="files"/> in layer order (later layers' rules first).</summary>
    public static Policy.Policy Load(IReadOnlyList<string> files)
    {
        var parts = new PolicyParts { Files = files };
        var errors = new List<ProfileError>();
        var layers = new List<List<Rule>>();
        var ruleIds = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase); // id -> file
        var ruleEnvRefs = new List<(string File, string Path, string Name)>();

        for (int layer = 0; layer < files.Count; layer++)
        {
            var rules = new List<Rule>();
            layers.Add(rules);
            var root = Open(files[layer], errors);
            if (root == null) continue;
            var json = new Json(files[layer], errors);
            foreach (var top in root.GetChildren())
            {
                if (!RootKeys.Contains(top.Key, StringComparer.OrdinalIgnoreCase)) json.Error(top.Path, $"unknown key '{top.Key}'{Suggest.Hint(top.Key, RootKeys)}");
            }
            json.String(root, "Description", required: false);
            ReadEnvironments(json, root.GetSection("Environments"), layer, parts);
            ReadRules(json, root.GetSection("Rules"), layer, rules, ruleIds, ruleEnvRefs);
            ReadTools(json, root.GetSection("Tools"), parts);
            ReadNetwork(json, root.GetSection("Network"), parts, ruleEnvRefs);
            ReadPause(json, root.GetSection("Pause"), parts);
            ReadAudit(json, root.GetSection("Audit"), parts);
        }

        foreach (var (file, path, name) in ruleEnvRefs)
        {
            if (parts.Environments.IdOf(name) >= 0) continue;
            var known = parts.Environments.Names;
            errors.Add(new ProfileError(file, path, $"no environment '{name}' is defined by the profiles loaded{Suggest.Hint(name, known)}"));
        }
        if (errors.Count > 0) throw new ProfileException(errors);

        // Later layers first: a user's --profile can put a stricter rule in front.
        for (int i = layers.Count - 1; i >= 0; i--) parts.Rules.AddRange(layers[i]);
        var policy = new Policy.Policy(parts);
        RuleTestRunner.Run(policy, errors, out var warnings);
        if (errors.Count > 0) throw new ProfileException(errors);
        policy.Warnings = warnings;
        return policy;
    }

    private static IConfigurationRoot? Open(string file, List<ProfileError> errors)
    {
        string full;
        try { full = Path.GetFullPath(file); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            errors.Add(new ProfileError(file, "", $"not a usable path: {e.Message}"));
            return null;
        }
        if (!File.Exists(full))
        {
            errors.Add(new ProfileError(file, "", "file not found"));
            return null;
        }
        try
        {
            return new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            errors.Add(new ProfileError(file, "", $"not a valid profile: {JsonProblem(full) ?? e.InnerException?.Message ?? e.Message}"));
            return null;
        }
    }

    // Configuration says only "Could not parse the JSON file"; System.Text.Json says where.
    private static string? JsonProblem(string full)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(full));
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object ? null : $"the top level must be an object {{ ... }}, found {doc.RootElement.ValueKind}";
        }
        catch (System.Text.Json.JsonException j) { return $"invalid JSON at line {j.LineNumber + 1}, byte {j.BytePositionInLine + 1}: {j.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}"; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return e.Message; }
    }

    private static void ReadEnvironments(Json json, IConfigurationSection section, int layer, PolicyParts parts)
    {
        if (!json.IsObject(section, "'Environments'")) return;
        foreach (var env in section.GetChildren())
        {
            if (!json.IsObject(env, $"environment '{env.Key}'")) continue;
            if (!IsName(env.Key) || env.Key.Equals("unknown", StringComparison.OrdinalIgnoreCase) || env.Key.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                json.Error(env.Path, $"'{env.Key}' cannot name an environment: use letters, digits, '-' and '_' ('unknown' and 'none' are built in)");
                continue;
            }
            json.CheckKeys(env, EnvironmentKeys);
            int id = parts.Environments.Declare(env.Key);
            string name = parts.Environments.Names[id];
            foreach (var (text, path) in json.Strings(env, "Hosts"))
            {
                if (!HostPattern.TryParse(text, out var p, out var err)) { json.Error(path, $"{err} in host pattern '{text}' (write a name, '*.domain', an IP, a CIDR like 10.0.0.0/8 or [2001:db8::]/32, optionally :port)"); continue; }
                parts.Environments.AddHost(p, id, layer);
                parts.EnvironmentEntries.Add(new EnvironmentEntry(name, EnvironmentSourceKind.Hosts, text, json.File, layer));
            }
            foreach (var kind in (ReadOnlySpan<EnvironmentSourceKind>)[EnvironmentSourceKind.KubeContexts, EnvironmentSourceKind.AwsProfiles, EnvironmentSourceKind.GcpProjects, EnvironmentSourceKind.AzureSubscriptions, EnvironmentSourceKind.TerraformWorkspaces])
            {
                foreach (var (text, path) in json.Strings(env, kind.ToString()))
                {
                    if (!GlobPattern.TryParseName(text, out var g, out var err)) { json.Error(path, $"{err} in pattern '{text}'"); continue; }
                    parts.Environments.AddName(kind, g, id, layer);
                    parts.EnvironmentEntries.Add(new EnvironmentEntry(name, kind, text, json.File, layer));
                }
            }
            foreach (var (variable, value, path) in json.StringMap(env, "EnvVars"))
            {
                if (!GlobPattern.TryParseName(value, out var g, out var err)) { json.Error(path, $"{err} in value pattern '{value}'"); continue; }
                parts.Environments.AddEnvVar(variable, g, id, layer);
                parts.EnvironmentEntries.Add(new EnvironmentEntry(name, EnvironmentSourceKind.EnvVars, $"{variable}={value}", json.File, layer));
            }
        }
    }

    private static void ReadRules(Json json, IConfigurationSection section, int layer, List<Rule> rules,
        Dictionary<string, string> ids, List<(string, string, string)> envRefs)
    {
        var kind = Json.KindOf(section);
        if (kind is Json.Kind.Object or Json.Kind.Scalar) { json.Error(section.Path, "'Rules' must be an array [ {...}, ... ]"); return; }
        foreach (var r in section.GetChildren())
        {
            if (Json.KindOf(r) != Json.Kind.Object) { json.Error(r.Path, "each rule must be an object { \"Id\": ..., \"Action\": ..., ... }"); continue; }
            json.CheckKeys(r, RuleKeys);
            int before = json.ErrorCount;
            string? id = json.String(r, "Id", required: true, "give the rule a unique id such as 'team.tool:what-it-stops'");
            if (id != null && (id.Any(char.IsWhiteSpace) || id.Length == 0)) json.Error(r.Path + ":Id", $"rule id '{id}' must not contain spaces");
            else if (id != null && !ids.TryAdd(id, json.File))
                json.Error(r.Path + ":Id", $"duplicate rule id '{id}' (already defined in {ids[id]}); rename one of them");
            json.String(r, "Description", required: false);

            var effects = new HashSet<Effect>();
            foreach (var (text, path) in json.Strings(r, "Effects"))
            {
                if (EffectNames.TryParse(text, out var eff)) effects.Add(eff);
                else json.Error(path, $"unknown effect '{text}'{Suggest.Hint(text, EffectNames.All)}");
            }
            PolicyAction action = PolicyAction.Block;
            string? actionText = json.String(r, "Action", required: true, "one of allow, pause, block");
            if (actionText != null && !TryParseAction(actionText, out action))
                json.Error(r.Path + ":Action", $"unknown action '{actionText}'{Suggest.Hint(actionText, ActionNames)}");

            var environments = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (text, path) in json.Strings(r, "Environments"))
            {
                environments.Add(text);
                envRefs.Add((json.File, path, text));
            }
            var kinds = new HashSet<TargetKind>();
            foreach (var (text, path) in json.Strings(r, "TargetKinds"))
            {
                if (TryParseTargetKind(text, out var k)) kinds.Add(k);
                else json.Error(path, $"unknown target kind '{text}'{Suggest.Hint(text, TargetKindNames)}");
            }
            var hosts = new List<HostPattern>();
            foreach (var (text, path) in json.Strings(r, "Hosts"))
            {
                if (HostPattern.TryParse(text, out var p, out var err)) hosts.Add(p);
                else json.Error(path, $"{err} in host pattern '{text}'");
            }
            var paths = new List<GlobPattern>();
            foreach (var (text, path) in json.Strings(r, "Paths"))
            {
                if (GlobPattern.TryParsePath(text, out var g, out var err)) paths.Add(g);
                else json.Error(path, $"{err} in path pattern '{text}'");
            }
            string? reason = json.String(r, "Reason", required: true, "one line telling the agent why and what to do instead");
            string? explanation = json.String(r, "Explanation", required: false);
            var tests = ReadTests(json, r);
            if (json.ErrorCount != before || id == null) continue;
            rules.Add(new Rule
            {
                Id = id, Action = action, Effects = effects, Environments = environments, TargetKinds = kinds, Hosts = hosts, Paths = paths,
                Tools = json.Strings(r, "Tools").Select(t => t.Value).ToHashSet(StringComparer.OrdinalIgnoreCase),
                Reason = reason ?? "", Explanation = explanation, Source = json.File, Layer = layer, Tests = tests, KeyPath = r.Path,
            });
        }
    }

    private static RuleTests ReadTests(Json json, IConfigurationSection rule)
    {
        var tests = rule.GetSection("Tests");
        if (!json.IsObject(tests, "'Tests'")) return RuleTests.Empty;
        json.CheckKeys(tests, TestsKeys);
        var match = ReadCases(json, tests, "Match");
        var noMatch = ReadCases(json, tests, "NoMatch");
        if (match.Count == 0) json.Error(tests.Path, "the rule needs 'Tests.Match': at least one argv it must catch, e.g. [[\"curl\", \"-X\", \"DELETE\", \"https://host/x\"]]");
        if (noMatch.Count == 0) json.Error(tests.Path, "the rule needs 'Tests.NoMatch': at least one look-alike argv it must let through");
        return new RuleTests(match, noMatch);
    }

    private static List<RuleTestCase> ReadCases(Json json, IConfigurationSection tests, string key)
    {
        var result = new List<RuleTestCase>();
        var s = tests.GetSection(key);
        var kind = Json.KindOf(s);
        if (kind is Json.Kind.Object or Json.Kind.Scalar) { json.Error(s.Path, $"'{key}' must be an array of cases: [[\"tool\", \"arg\"], ...]"); return result; }
        foreach (var c in s.GetChildren())
        {
            switch (Json.KindOf(c))
            {
                case Json.Kind.Array:
                    var argv = json.Strings(tests, $"{key}:{c.Key}").Select(a => a.Value).ToList();
                    if (argv.Count > 0) result.Add(new RuleTestCase(argv, new Dictionary<string, string>(), null));
                    break;
                case Json.Kind.Object:
                    json.CheckKeys(c, CaseKeys);
                    var args = json.Strings(c, "Argv").Select(a => a.Value).ToList();
                    if (args.Count == 0) { json.Error(c.Path, "a case object needs 'Argv': [\"tool\", \"arg\", ...]"); break; }
                    var env = json.StringMap(c, "Env").ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
                    string? cwd = json.String(c, "Cwd", required: false);
                    string? repo = json.String(c, "Repo", required: false);
                    if (repo != null) env[RuleTestRunner.RepoKey] = repo;
                    result.Add(new RuleTestCase(args, env, cwd));
                    break;
                default:
                    json.Error(c.Path, "a case is an argv array [\"tool\", \"arg\", ...] or an object { \"Argv\": [...], \"Env\": {...}, \"Cwd\": \"/dir\" }");
                    break;
            }
        }
        return result;
    }

    private static void ReadTools(Json json, IConfigurationSection section, PolicyParts parts)
    {
        if (!json.IsObject(section, "'Tools'")) return;
        foreach (var tool in section.GetChildren())
        {
            if (!json.IsObject(tool, $"tool '{tool.Key}'")) continue;
            json.CheckKeys(tool, ToolKeys);
            int before = json.ErrorCount;
            if (tool.Key.Contains('/') || tool.Key.Any(char.IsWhiteSpace)) json.Error(tool.Path, $"a tool is named by its executable's basename, not '{tool.Key}'");
            var destructive = json.Strings(tool, "Destructive").Select(d => d.Value).ToList();
            var flags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (flag, what, path) in json.StringMap(tool, "TargetFlags"))
            {
                if (!flag.StartsWith('-')) { json.Error(path, $"'{flag}' is not a flag: write it as the tool expects it, e.g. '--env'"); continue; }
                if (!TryParseTargetKind(what, out _)) { json.Error(path, $"unknown target kind '{what}'{Suggest.Hint(what, TargetKindNames)}"); continue; }
                flags[flag] = what;
            }
            if (json.ErrorCount != before) continue;
            parts.Tools.RemoveAll(t => string.Equals(t.Name, tool.Key, StringComparison.Ordinal));
            parts.Tools.Add(new ProfileToolDefinition { Name = tool.Key, Destructive = destructive, TargetFlags = flags });
            parts.ToolSources[tool.Key] = json.File;
        }
    }

    private static void ReadNetwork(Json json, IConfigurationSection section, PolicyParts parts, List<(string, string, string)> envRefs)
    {
        if (!json.IsObject(section, "'Network'")) return;
        json.CheckKeys(section, NetworkKeys);
        var net = parts.Network;
        var action = net.UnknownClientToProduction;
        string? text = json.String(section, "UnknownClientToProduction", required: false);
        if (text != null)
        {
            if (TryParseAction(text, out action)) parts.SettingSources["Network:UnknownClientToProduction"] = json.File;
            else json.Error(section.Path + ":UnknownClientToProduction", $"unknown action '{text}'{Suggest.Hint(text, ActionNames)}");
        }
        var clients = new Dictionary<string, IReadOnlyList<string>>(net.Clients, StringComparer.OrdinalIgnoreCase);
        var cs = section.GetSection("Clients");
        if (json.IsObject(cs, "'Network.Clients'"))
        {
            foreach (var env in cs.GetChildren())
            {
                envRefs.Add((json.File, env.Path, env.Key));
                var list = clients.TryGetValue(env.Key, out var have) ? have.ToList() : [];
                foreach (var (exe, path) in json.Strings(cs, env.Key))
                {
                    if (exe.StartsWith('/')) list.Add(exe);
                    else json.Error(path, $"'{exe}' must be an absolute executable path such as /usr/bin/psql");
                }
                clients[env.Key] = list;
            }
            if (cs.GetChildren().Any()) parts.SettingSources["Network:Clients"] = json.File;
        }
        parts.Network = new NetworkSettings { UnknownClientToProduction = action, Clients = clients };
    }

    private static void ReadAudit(Json json, IConfigurationSection section, PolicyParts parts)
    {
        if (!json.IsObject(section, "'Audit'")) return;
        json.CheckKeys(section, AuditKeys);
        string? text = json.String(section, "LogAllowsOfUnparsedTools", required: false);
        if (text == null) return;
        if (bool.TryParse(text, out bool all))
        {
            parts.Audit = new AuditSettings { LogAllowsOfUnparsedTools = all };
            parts.SettingSources["Audit:LogAllowsOfUnparsedTools"] = json.File;
        }
        else json.Error(section.Path + ":LogAllowsOfUnparsedTools", $"'LogAllowsOfUnparsedTools' must be true or false, found '{text}'");
    }

    private static void ReadPause(Json json, IConfigurationSection section, PolicyParts parts)
    {
        if (!json.IsObject(section, "'Pause'")) return;
        json.CheckKeys(section, PauseKeys);
        var pause = parts.Pause;
        int timeout = pause.TimeoutSeconds;
        if (json.Int(section, "TimeoutSeconds", 1, 86400) is int t)
        {
            timeout = t;
            parts.SettingSources["Pause:TimeoutSeconds"] = json.File;
        }
        var onTimeout = pause.OnTimeout;
        string? text = json.String(section, "OnTimeout", required: false);
        if (text != null)
        {
            if (text.Equals("block", StringComparison.OrdinalIgnoreCase)) onTimeout = PolicyAction.Block;
            else if (text.Equals("allow", StringComparison.OrdinalIgnoreCase)) onTimeout = PolicyAction.Allow;
            else { json.Error(section.Path + ":OnTimeout", $"'OnTimeout' must be 'block' or 'allow', found '{text}'"); text = null; }
            if (text != null) parts.SettingSources["Pause:OnTimeout"] = json.File;
        }
        parts.Pause = new PauseSettings { TimeoutSeconds = timeout, OnTimeout = onTimeout };
    }

    /// <summary>Parses allow / pause / block (case-insensitive).</summary>
    internal static bool TryParseAction(string text, out PolicyAction action)
    {
        for (int i = 0; i < ActionNames.Length; i++)
        {
            if (text.Equals(ActionNames[i], StringComparison.OrdinalIgnoreCase)) { action = (PolicyAction)i; return true; }
        }
        action = PolicyAction.Block;
        return false;
    }

    internal static readonly string[] TargetKindNames =
        ["url", "database", "kube-context", "aws-profile", "gcp-project", "azure-subscription", "terraform-workspace", "local-path", "environment", "socket"];

    /// <summary>Parses a target kind as written in <c>TargetFlags</c> (<c>kube-context</c> or <c>KubeContext</c>).</summary>
    internal static bool TryParseTargetKind(string text, out TargetKind kind)
    {
        string flat = text.Replace("-", "", StringComparison.Ordinal);
        for (int i = 0; i < TargetKindNames.Length; i++)
        {
            if (flat.Equals(TargetKindNames[i].Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)) { kind = (TargetKind)i; return true; }
        }
        kind = TargetKind.Environment;
        return false;
    }

    private static bool IsName(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
