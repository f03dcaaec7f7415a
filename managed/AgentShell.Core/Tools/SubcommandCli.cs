using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Table-driven classification for platform CLIs whose subcommand words decide the
/// effect (<c>railway volume delete</c>, <c>fly apps destroy</c>, <c>heroku pg:reset</c>): the
/// first rule whose words glob-match the leading positional words wins; otherwise the verbs in
/// <see cref="CliVerbs"/>, otherwise unknown.</summary>
public static class SubcommandCli
{
    /// <summary>Classifies <paramref name="c"/> with <paramref name="rules"/>.</summary>
    public static CommandIntent Classify(string tool, ToolCall c, (string Pattern, Effect Effect)[] rules, ISet<string> valued, List<Target> targets, List<Evidence> evidence)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true) || (a.Count > 0 && a[0] == "help")) return ToolHelp.Help(tool, "--help");
        var pos = ToolHelp.Positionals(a, valued);
        foreach (var (pattern, effect) in rules)
        {
            if (!ProfileTool.TryParsePattern(pattern, out var words, out _) || words.Length > pos.Count) continue;
            bool ok = true;
            for (int i = 0; i < words.Length && ok; i++) ok = words[i].Matches(pos[i]);
            if (!ok) continue;
            var matched = string.Join(' ', pos.Take(words.Length));
            evidence.Add(new(matched, $"{matched} → {effect.Name()}"));
            return ToolHelp.Intent(tool, effect, matched, targets, evidence);
        }
        for (int i = 0; i < pos.Count && i < 3; i++)
        {
            if (CliVerbs.Of(pos[i]) is Effect e)
            {
                var matched = string.Join(' ', pos.Take(i + 1));
                evidence.Add(new(matched, $"{matched} → {e.Name()}"));
                return ToolHelp.Intent(tool, e, matched, targets, evidence);
            }
        }
        var summary = string.Join(' ', pos.Take(2));
        evidence.Add(new(summary.Length == 0 ? tool : summary, "subcommand not known (unknown)"));
        return ToolHelp.Intent(tool, pos.Count == 0 ? Effect.Read : Effect.Unknown, summary, targets, evidence);
    }

    /// <summary>An Environment target from a flag, with evidence; null when the flag is absent.</summary>
    public static Target? EnvironmentFlag(IReadOnlyList<string> a, List<Evidence> evidence, params string[] flags)
    {
        var v = ToolHelp.Option(a, flags);
        if (v == null) return null;
        evidence.Add(new($"{flags[0]} {v}", $"environment {v}"));
        return new Target { Kind = TargetKind.Environment, Name = v };
    }
}
