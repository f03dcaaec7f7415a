using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Matches a command against a <see cref="ProfileToolDefinition"/>. A Destructive pattern
/// match → Effect delete (the profile says destructive, not how); anything else → write (the
/// profile author listed what destroys). Values of TargetFlags become targets.</summary>
public sealed class ProfileTool
{
    private readonly string[][] _patterns;
    private readonly ProfileToolDefinition _def;

    /// <summary>Compiles a definition.</summary>
    public ProfileTool(ProfileToolDefinition def)
    {
        _def = def;
        _patterns = def.Destructive.Select(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length > 0).ToArray();
    }

    /// <summary>Program name.</summary>
    public string Name => _def.Name;

    /// <summary>Classifies one call.</summary>
    public CommandIntent Parse(ToolCall c)
    {
        var args = c.Args;
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        var words = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") { words.AddRange(args.Skip(i + 1)); break; }
            if (a.StartsWith('-'))
            {
                int eq = a.IndexOf('=');
                string flag = eq > 0 ? a[..eq] : a;
                if (_def.TargetFlags.TryGetValue(flag, out var kind))
                {
                    string? value = eq > 0 ? a[(eq + 1)..] : i + 1 < args.Count ? args[++i] : null;
                    if (value != null && MakeTarget(kind, value) is Target t)
                    {
                        targets.Add(t);
                        evidence.Add(new(eq > 0 ? a : $"{a} {value}", $"target {t}"));
                    }
                }
                continue;
            }
            words.Add(a);
        }
        if (ToolHelp.AsksForHelp(args, shortH: false)) return ToolHelp.Help(Name, "--help");
        foreach (var p in _patterns)
        {
            if (p.Length > words.Count) continue;
            bool all = true;
            for (int k = 0; k < p.Length && all; k++) all = Glob(p[k], words[k]);
            if (!all) continue;
            var matched = string.Join(' ', words.Take(p.Length));
            evidence.Add(new(matched, $"matches the profile's destructive pattern \"{string.Join(' ', p)}\""));
            return ToolHelp.Intent(Name, Effect.Delete, matched, targets, evidence);
        }
        return ToolHelp.Intent(Name, Effect.Write, string.Join(' ', words.Take(3)), targets, evidence);
    }

    private static Target? MakeTarget(string kind, string value) => kind.ToLowerInvariant() switch
    {
        "environment" => new Target { Kind = TargetKind.Environment, Name = value },
        "host" => UrlParser.TryParse(value, "https", out var t) ? t : null,
        "context" => new Target { Kind = TargetKind.KubeContext, Name = value },
        "project" => new Target { Kind = TargetKind.GcpProject, Name = value },
        "profile" => new Target { Kind = TargetKind.AwsProfile, Name = value },
        "subscription" => new Target { Kind = TargetKind.AzureSubscription, Name = value },
        "workspace" => new Target { Kind = TargetKind.TerraformWorkspace, Name = value },
        _ => null,
    };

    /// <summary>Glob match where <c>*</c> matches any run of characters (ordinal).</summary>
    public static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; continue; }
            if (p < pattern.Length && pattern[p] == text[t]) { p++; t++; continue; }
            if (star < 0) return false;
            p = star + 1; t = ++mark;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
