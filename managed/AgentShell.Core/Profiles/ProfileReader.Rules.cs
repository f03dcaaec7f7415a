using System.Text.Json;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Profiles;

internal static partial class ProfileReader
{
    internal static readonly string[] RuleKeys = ["Id", "Description", "Tools", "Effects", "Environments", "TargetKinds", "Hosts", "Paths", "Action", "Reason", "Explanation", "Tests"];
    internal static readonly string[] TestsKeys = ["Match", "NoMatch"];
    internal static readonly string[] CaseKeys = ["Argv", "Env", "Cwd", "Repo"];

    private static void ReadRules(ref Utf8JsonReader r, ProfileJson json, string path, ProfileDocument doc)
    {
        if (r.TokenType == JsonTokenType.Null) return;
        if (r.TokenType != JsonTokenType.StartArray)
        {
            json.Error(path, r.TokenStartIndex, "'Rules' must be an array [ {...}, ... ]");
            r.Skip();
            return;
        }
        for (int i = 0; r.Read() && r.TokenType != JsonTokenType.EndArray; i++)
        {
            string rulePath = ProfileJson.Child(path, i);
            if (r.TokenType == JsonTokenType.StartObject) { ReadRule(ref r, json, rulePath, doc); continue; }
            json.Error(rulePath, r.TokenStartIndex, "each rule must be an object { \"Id\": ..., \"Action\": ..., ... }");
            r.Skip();
        }
    }

    private static void ReadRule(ref Utf8JsonReader r, ProfileJson json, string path, ProfileDocument doc)
    {
        var ruleAt = json.PositionOf(r.TokenStartIndex);
        int before = json.ErrorCount;
        string? id = null, reason = null, explanation = null;
        var idAt = ruleAt;
        PolicyAction? action = null;
        var effects = new HashSet<Effect>();
        var environments = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var tools = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var kinds = new HashSet<TargetKind>();
        var hosts = new List<HostPattern>();
        var paths = new List<GlobPattern>();
        RuleTests? tests = null;
        bool actionGiven = false;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var at))
        {
            string? known = Known(key, RuleKeys);
            string keyPath = ProfileJson.Child(path, known ?? key);
            var valueAt = json.PositionOf(r.TokenStartIndex);
            switch (known)
            {
                case null: json.UnknownKey(ref r, path, key, at, RuleKeys); break;
                case "Id": id = json.String(ref r, keyPath, known); idAt = valueAt; break;
                case "Description": json.String(ref r, keyPath, known); break;
                case "Reason": reason = json.String(ref r, keyPath, known); break;
                case "Explanation": explanation = json.String(ref r, keyPath, known); break;
                case "Tools": foreach (var t in json.Strings(ref r, keyPath, known)) tools.Add(t.Value); break;
                case "Effects":
                    foreach (var e in json.Strings(ref r, keyPath, known))
                    {
                        if (EffectNames.TryParse(e.Value, out var eff)) effects.Add(eff);
                        else json.Error(e.Path, e.At, $"unknown effect '{e.Value}'{Suggest.Hint(e.Value, EffectNames.All)}");
                    }
                    break;
                case "Action":
                    actionGiven = r.TokenType != JsonTokenType.Null;
                    if (json.String(ref r, keyPath, known) is not string text) break;
                    if (TryParseAction(text, out var a)) action = a;
                    else json.Error(keyPath, valueAt, $"unknown action '{text}'{Suggest.Hint(text, ActionNames)}");
                    break;
                case "Environments":
                    foreach (var e in json.Strings(ref r, keyPath, known))
                    {
                        environments.Add(e.Value);
                        doc.EnvironmentReferences.Add(e);
                    }
                    break;
                case "TargetKinds":
                    foreach (var k in json.Strings(ref r, keyPath, known))
                    {
                        if (TargetKindNames.TryParse(k.Value, out var kind)) kinds.Add(kind);
                        else json.Error(k.Path, k.At, $"unknown target kind '{k.Value}'{Suggest.Hint(k.Value, TargetKindNames.All)}");
                    }
                    break;
                case "Hosts":
                    foreach (var h in json.Strings(ref r, keyPath, known))
                    {
                        if (HostPattern.TryParse(h.Value, out var p, out var err)) hosts.Add(p);
                        else json.Error(h.Path, h.At, $"{err} in host pattern '{h.Value}'");
                    }
                    break;
                case "Paths":
                    foreach (var p in json.Strings(ref r, keyPath, known))
                    {
                        if (GlobPattern.TryParsePath(p.Value, out var g, out var err)) paths.Add(g);
                        else json.Error(p.Path, p.At, $"{err} in path pattern '{p.Value}'");
                    }
                    break;
                // PERF: on a rule-test cache hit the cases are not needed (they are what passed);
                // about 2 ms of a cold start's profile load went into reading them.
                case "Tests" when json.SkipTests: r.Skip(); tests = RuleTests.Empty; break;
                case "Tests": tests = ReadTests(ref r, json, keyPath); break;
            }
        }
        string idPath = ProfileJson.Child(path, "Id");
        if (string.IsNullOrEmpty(id)) json.Error(idPath, ruleAt, "'Id' is required: give the rule a unique id such as 'team.tool:what-it-stops'");
        else if (id.Any(char.IsWhiteSpace)) json.Error(idPath, idAt, $"rule id '{id}' must not contain spaces");
        else doc.RuleIds.Add(new Located(id, idPath, idAt));
        if (!actionGiven) json.Error(ProfileJson.Child(path, "Action"), ruleAt, "'Action' is required: one of allow, pause, block");
        if (string.IsNullOrEmpty(reason)) json.Error(ProfileJson.Child(path, "Reason"), ruleAt, "'Reason' is required: one line telling the agent why and what to do instead");
        tests ??= json.SkipTests ? RuleTests.Empty : MissingTests(json, ProfileJson.Child(path, "Tests"), ruleAt, RuleTests.Empty);
        if (json.ErrorCount != before || id == null || action == null) return;
        doc.Rules.Add(new Rule
        {
            Id = id, Action = action.Value, Effects = effects, Environments = environments, TargetKinds = kinds, Hosts = hosts, Paths = paths,
            Tools = tools, Reason = reason ?? "", Explanation = explanation, Source = json.File, Layer = doc.Layer, Tests = tests, KeyPath = path,
        });
    }

    private static RuleTests ReadTests(ref Utf8JsonReader r, ProfileJson json, string path)
    {
        var testsAt = json.PositionOf(r.TokenStartIndex);
        if (!json.IsObject(ref r, path, "'Tests'")) return r.TokenType == JsonTokenType.Null ? MissingTests(json, path, testsAt, RuleTests.Empty) : RuleTests.Empty;
        List<RuleTestCase> match = [], noMatch = [];
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var at))
        {
            switch (Known(key, TestsKeys))
            {
                case "Match": match = ReadCases(ref r, json, ProfileJson.Child(path, "Match"), "Match"); break;
                case "NoMatch": noMatch = ReadCases(ref r, json, ProfileJson.Child(path, "NoMatch"), "NoMatch"); break;
                default: json.UnknownKey(ref r, path, key, at, TestsKeys); break;
            }
        }
        return MissingTests(json, path, testsAt, new RuleTests(match, noMatch));
    }

    /// <summary>Reports a rule without a case it must catch or one it must let through.</summary>
    private static RuleTests MissingTests(ProfileJson json, string path, JsonPosition at, RuleTests tests)
    {
        if (tests.Match.Count == 0) json.Error(path, at, "the rule needs 'Tests.Match': at least one argv it must catch, e.g. [[\"curl\", \"-X\", \"DELETE\", \"https://host/x\"]]");
        if (tests.NoMatch.Count == 0) json.Error(path, at, "the rule needs 'Tests.NoMatch': at least one look-alike argv it must let through");
        return tests;
    }

    private static List<RuleTestCase> ReadCases(ref Utf8JsonReader r, ProfileJson json, string path, string key)
    {
        var result = new List<RuleTestCase>();
        if (r.TokenType == JsonTokenType.Null) return result;
        if (r.TokenType != JsonTokenType.StartArray)
        {
            json.Error(path, r.TokenStartIndex, $"'{key}' must be an array of cases: [[\"tool\", \"arg\"], ...]");
            r.Skip();
            return result;
        }
        for (int i = 0; r.Read() && r.TokenType != JsonTokenType.EndArray; i++)
        {
            string casePath = ProfileJson.Child(path, i);
            var at = json.PositionOf(r.TokenStartIndex);
            if (r.TokenType == JsonTokenType.StartArray)
            {
                int before = json.ErrorCount;
                var argv = json.Strings(ref r, casePath, $"{key}:{i}").Select(a => a.Value).ToList();
                if (argv.Count > 0) result.Add(new RuleTestCase(argv, new Dictionary<string, string>(), null) { Line = at.Line, Column = at.Column });
                else if (json.ErrorCount == before) json.Error(casePath, at, "an empty case: write the argv it runs, e.g. [\"curl\", \"-X\", \"DELETE\", \"https://host/x\"]");
            }
            else if (r.TokenType == JsonTokenType.StartObject)
            {
                if (ReadCase(ref r, json, casePath, at) is RuleTestCase c) result.Add(c);
            }
            else
            {
                json.Error(casePath, at, "a case is an argv array [\"tool\", \"arg\", ...] or an object { \"Argv\": [...], \"Env\": {...}, \"Cwd\": \"/dir\" }");
                r.Skip();
            }
        }
        return result;
    }

    private static RuleTestCase? ReadCase(ref Utf8JsonReader r, ProfileJson json, string path, JsonPosition at)
    {
        List<string> argv = [];
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        string? cwd = null, repo = null;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var keyAt))
        {
            string? known = Known(key, CaseKeys);
            string keyPath = ProfileJson.Child(path, known ?? key);
            switch (known)
            {
                case "Argv": argv = json.Strings(ref r, keyPath, known).Select(a => a.Value).ToList(); break;
                case "Env": foreach (var (k, v) in json.StringMap(ref r, keyPath, known)) env[k] = v.Value; break;
                case "Cwd": cwd = json.String(ref r, keyPath, known); break;
                case "Repo": repo = json.String(ref r, keyPath, known); break;
                default: json.UnknownKey(ref r, path, key, keyAt, CaseKeys); break;
            }
        }
        if (argv.Count == 0)
        {
            json.Error(path, at, "a case object needs 'Argv': [\"tool\", \"arg\", ...]");
            return null;
        }
        if (repo != null) env[RuleTestRunner.RepoKey] = repo;
        return new RuleTestCase(argv, env, cwd) { Line = at.Line, Column = at.Column };
    }
}
