using System.Text.Json;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Profiles;

internal static partial class ProfileReader
{
    internal static readonly string[] ToolKeys =
        ["Description", "Subcommands", "Destructive", "ValueFlags", "TargetFlags", "Targets", "Help", "CommonVerbs", "Otherwise", "NoSubcommand", "EffectFlags"];
    internal static readonly string[] ToolTargetKeys = ["Flags", "EnvVar", "Switches", "When", "Kind", "Template", "Fact", "Fallback", "App", "Words", "Kubeconfig", "GitRemote"];

    private const string PairExample = "[\"apps destroy\", \"wipe\"]";

    private static void ReadTools(ref Utf8JsonReader r, ProfileJson json, string path, ProfileDocument doc)
    {
        if (!json.IsObject(ref r, path, "'Tools'")) return;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string name, out var at))
        {
            string toolPath = ProfileJson.Child(path, name);
            if (!json.IsObject(ref r, toolPath, $"tool '{name}'")) continue;
            int before = json.ErrorCount;
            if (name.Length == 0 || name.Contains('/') || name.Any(char.IsWhiteSpace)) json.Error(toolPath, at, $"a tool is named by its executable's basename, not '{name}'");
            var tool = ReadTool(ref r, json, toolPath, name);
            if (json.ErrorCount == before) doc.Tools.Add(tool);
        }
    }

    private static ProfileToolDefinition ReadTool(ref Utf8JsonReader r, ProfileJson json, string path, string name)
    {
        string? description = null;
        List<SubcommandEffect> subcommands = [];
        List<string> destructive = [], valueFlags = [];
        List<string>? help = null;
        Dictionary<string, string> targetFlags = new(StringComparer.Ordinal);
        Dictionary<string, Effect> effectFlags = new(StringComparer.Ordinal);
        List<ProfileToolTarget> targets = [];
        bool commonVerbs = false;
        Effect otherwise = Effect.Write;
        Effect? noSubcommand = null;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var at))
        {
            string? known = Known(key, ToolKeys);
            string keyPath = ProfileJson.Child(path, known ?? key);
            switch (known)
            {
                case null: json.UnknownKey(ref r, path, key, at, ToolKeys); break;
                case "Description": description = json.String(ref r, keyPath, known); break;
                case "Subcommands": ReadSubcommands(ref r, json, keyPath, subcommands); break;
                case "Destructive":
                    foreach (var p in json.Strings(ref r, keyPath, known)) if (CheckPattern(json, p)) destructive.Add(p.Value);
                    break;
                case "ValueFlags":
                    foreach (var f in json.Strings(ref r, keyPath, known)) if (CheckFlag(json, f)) valueFlags.Add(f.Value);
                    break;
                case "Help": help = json.Strings(ref r, keyPath, known).Select(h => h.Value).ToList(); break;
                case "CommonVerbs": commonVerbs = json.Bool(ref r, keyPath, known) ?? false; break;
                case "Otherwise": if (ReadEffect(ref r, json, keyPath, known) is Effect o) otherwise = o; break;
                case "NoSubcommand": noSubcommand = ReadEffect(ref r, json, keyPath, known); break;
                case "TargetFlags":
                    foreach (var (flag, kind) in json.StringMap(ref r, keyPath, known))
                    {
                        if (!CheckFlag(json, new Located(flag, kind.Path, kind.At))) continue;
                        if (TargetKindNames.TryParse(kind.Value, out _)) targetFlags[flag] = kind.Value;
                        else json.Error(kind.Path, kind.At, $"unknown target kind '{kind.Value}'{Suggest.Hint(kind.Value, TargetKindNames.All)}");
                    }
                    break;
                case "EffectFlags":
                    foreach (var (flag, effect) in json.StringMap(ref r, keyPath, known))
                    {
                        if (!CheckFlag(json, new Located(flag, effect.Path, effect.At))) continue;
                        if (EffectNames.TryParse(effect.Value, out var e)) effectFlags[flag] = e;
                        else json.Error(effect.Path, effect.At, $"unknown effect '{effect.Value}'{Suggest.Hint(effect.Value, EffectNames.All)}");
                    }
                    break;
                case "Targets":
                    if (r.TokenType != JsonTokenType.StartArray)
                    {
                        if (r.TokenType != JsonTokenType.Null) json.Error(keyPath, r.TokenStartIndex, "'Targets' must be an array of objects [ { \"Flags\": [\"--env\"], \"Kind\": \"environment\" }, ... ]");
                        r.Skip();
                        break;
                    }
                    for (int i = 0; r.Read() && r.TokenType != JsonTokenType.EndArray; i++)
                    {
                        string targetPath = ProfileJson.Child(keyPath, i);
                        if (json.IsObject(ref r, targetPath, "each entry of 'Targets'") && ReadToolTarget(ref r, json, targetPath) is ProfileToolTarget t) targets.Add(t);
                    }
                    break;
            }
        }
        return new ProfileToolDefinition
        {
            Name = name, Description = description, Subcommands = subcommands, Destructive = destructive, ValueFlags = valueFlags,
            TargetFlags = targetFlags, Targets = targets, Help = help ?? ProfileToolDefinition.DefaultHelp, CommonVerbs = commonVerbs,
            Otherwise = otherwise, NoSubcommand = noSubcommand, EffectFlags = effectFlags,
        };
    }

    // [["apps destroy", "wipe"], ...]
    private static void ReadSubcommands(ref Utf8JsonReader r, ProfileJson json, string path, List<SubcommandEffect> into)
    {
        if (r.TokenType != JsonTokenType.StartArray)
        {
            if (r.TokenType != JsonTokenType.Null) json.Error(path, r.TokenStartIndex, $"'Subcommands' must be an array of [\"words\", \"effect\"] pairs, e.g. [{PairExample}]");
            r.Skip();
            return;
        }
        for (int i = 0; r.Read() && r.TokenType != JsonTokenType.EndArray; i++)
        {
            string pairPath = ProfileJson.Child(path, i);
            var at = json.PositionOf(r.TokenStartIndex);
            int before = json.ErrorCount;
            var pair = r.TokenType == JsonTokenType.StartArray ? json.Strings(ref r, pairPath, $"Subcommands:{i}") : null;
            if (pair == null) r.Skip();
            if (json.ErrorCount != before) continue;
            if (pair?.Count != 2) { json.Error(pairPath, at, $"each entry of 'Subcommands' is a pair [\"words\", \"effect\"], e.g. {PairExample}"); continue; }
            bool ok = CheckPattern(json, pair[0]);
            if (!EffectNames.TryParse(pair[1].Value, out var effect))
                json.Error(pair[1].Path, pair[1].At, $"unknown effect '{pair[1].Value}'{Suggest.Hint(pair[1].Value, EffectNames.All)}");
            else if (ok) into.Add(new SubcommandEffect(pair[0].Value, effect));
        }
    }

    private static ProfileToolTarget? ReadToolTarget(ref Utf8JsonReader r, ProfileJson json, string path)
    {
        var at = json.PositionOf(r.TokenStartIndex);
        int before = json.ErrorCount;
        List<string> flags = [], switches = [], when = [];
        string? envVar = null, template = null, fact = null;
        TargetKind? kind = null;
        bool fallback = false, app = false, words = false, kubeconfig = false, gitRemote = false;
        var templateAt = at;
        var seen = new ProfileJson.Keys();
        while (json.NextProperty(ref r, path, ref seen, out string key, out var keyAt))
        {
            string? known = Known(key, ToolTargetKeys);
            string keyPath = ProfileJson.Child(path, known ?? key);
            var valueAt = json.PositionOf(r.TokenStartIndex);
            switch (known)
            {
                case null: json.UnknownKey(ref r, path, key, keyAt, ToolTargetKeys); break;
                case "Flags": foreach (var f in json.Strings(ref r, keyPath, known)) if (CheckFlag(json, f)) flags.Add(f.Value); break;
                case "Switches": foreach (var f in json.Strings(ref r, keyPath, known)) if (CheckFlag(json, f)) switches.Add(f.Value); break;
                case "When": foreach (var p in json.Strings(ref r, keyPath, known)) if (CheckPattern(json, p)) when.Add(p.Value); break;
                case "EnvVar": envVar = json.String(ref r, keyPath, known); break;
                case "Template": template = json.String(ref r, keyPath, known); templateAt = valueAt; break;
                case "Fact": fact = json.String(ref r, keyPath, known); break;
                case "Fallback": fallback = json.Bool(ref r, keyPath, known) ?? false; break;
                case "App": app = json.Bool(ref r, keyPath, known) ?? false; break;
                case "Words": words = json.Bool(ref r, keyPath, known) ?? false; break;
                case "Kubeconfig": kubeconfig = json.Bool(ref r, keyPath, known) ?? false; break;
                case "GitRemote": gitRemote = json.Bool(ref r, keyPath, known) ?? false; break;
                case "Kind":
                    if (json.String(ref r, keyPath, known) is not string k) break;
                    if (TargetKindNames.TryParse(k, out var parsed)) kind = parsed;
                    else json.Error(keyPath, valueAt, $"unknown target kind '{k}'{Suggest.Hint(k, TargetKindNames.All)}");
                    break;
            }
        }
        int sources = (flags.Count > 0 ? 1 : 0) + (envVar != null ? 1 : 0) + (switches.Count > 0 ? 1 : 0) + (when.Count > 0 ? 1 : 0);
        if (sources > 1) json.Error(path, at, "a target comes from one of 'Flags', 'EnvVar', 'Switches' or 'When', not several: write one entry for each");
        if (kind == null && json.ErrorCount == before) json.Error(ProfileJson.Child(path, "Kind"), at, $"'Kind' is required: one of {string.Join(", ", TargetKindNames.All)}");
        if (json.ErrorCount != before || kind == null) return null;
        var target = new ProfileToolTarget { Flags = flags, EnvVar = envVar, Switches = switches, When = when, Kind = kind.Value, Template = template ?? "{}", Fact = fact, Fallback = fallback, App = app, Words = words, Kubeconfig = kubeconfig, GitRemote = gitRemote };
        if (kubeconfig && (kind != TargetKind.KubeContext || sources > 0))
            json.Error(ProfileJson.Child(path, "Kubeconfig"), at, "'Kubeconfig' reads the current context: it needs \"Kind\": \"kube-context\" and no 'Flags', 'EnvVar', 'Switches' or 'When'");
        if (kubeconfig) return json.ErrorCount == before ? target : null;
        if (gitRemote && (kind != TargetKind.Url || sources > 0))
            json.Error(ProfileJson.Child(path, "GitRemote"), at, "'GitRemote' reads the working directory's git remote: it needs \"Kind\": \"url\" and no 'Flags', 'EnvVar', 'Switches' or 'When'");
        if (gitRemote) return json.ErrorCount == before ? target : null;
        string templatePath = ProfileJson.Child(path, "Template");
        bool valued = flags.Count > 0 || envVar != null;
        if (valued && !target.TakesValue) json.Error(templatePath, templateAt, $"'Template' must contain {{}} where the value goes, e.g. \"{Example(target.Kind)}\"");
        else if (!valued && when.Count == 0 && target.TakesValue) json.Error(templatePath, templateAt, $"'Template' is required and has no value to put in {{}}: this entry names a fixed target, e.g. \"{Example(target.Kind).Replace("{}", "api", StringComparison.Ordinal)}\"");
        else if (target.Make(!target.TakesValue ? null : target.Kind == TargetKind.Database && target.Template.StartsWith("{}", StringComparison.Ordinal) ? "postgresql://x" : "x") == null) json.Error(templatePath, templateAt, $"'{target.Template}' does not make a {TargetKindNames.Name(target.Kind)} target, e.g. \"{Example(target.Kind)}\"");
        return json.ErrorCount == before ? target : null;
    }

    private static string Example(TargetKind kind) => kind switch
    {
        TargetKind.Url => "https://api.example.com/apps/{}",
        TargetKind.Database => "postgresql://{}:5432/app",
        _ => "{}",
    };

    private static Effect? ReadEffect(ref Utf8JsonReader r, ProfileJson json, string path, string key)
    {
        long at = r.TokenStartIndex;
        if (json.String(ref r, path, key) is not string text) return null;
        if (EffectNames.TryParse(text, out var e)) return e;
        json.Error(path, at, $"unknown effect '{text}'{Suggest.Hint(text, EffectNames.All)}");
        return null;
    }

    private static bool CheckFlag(ProfileJson json, Located flag)
    {
        if (flag.Value.StartsWith('-') && flag.Value.Length > 1) return true;
        json.Error(flag.Path, flag.At, $"'{flag.Value}' is not a flag: write it as the tool expects it, e.g. '--env'");
        return false;
    }

    private static bool CheckPattern(ProfileJson json, Located pattern)
    {
        if (ProfileTool.TryParsePattern(pattern.Value, out _, out var error)) return true;
        json.Error(pattern.Path, pattern.At, $"{error} in subcommand pattern '{pattern.Value}'");
        return false;
    }
}
