using System.Collections.Frozen;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Tools;

/// <summary>Classifies calls of a tool described by a <see cref="ProfileToolDefinition"/> (a
/// profile's <c>Tools</c> entry or a built-in table): help first; then the targets its entries
/// name; then the effect of its subcommand words.</summary>
public sealed class ProfileTool
{
    private readonly ProfileToolDefinition _def;
    private readonly (GlobPattern[] Words, Effect Effect)[] _patterns;
    private readonly (ProfileToolTarget Target, GlobPattern[][] When)[] _targets;
    // Targets a table cannot describe, read after it (gh/glab's default host, eb's config.yml).
    private readonly Action<ToolCall, List<string>, List<Target>, List<Evidence>>? _targetsOf;
    // PERF: each entry's flags and the table's effect flags as arrays: read per call without an
    // interface call per word or an enumerator per call (EffectFlags is a dictionary, often empty).
    private readonly string[][] _targetFlags;
    private readonly KeyValuePair<string, Effect>[] _effectFlags;
    private readonly FrozenSet<string> _valued; // PERF: frozen: looked up for every dash word of every call
    // PERF: the patterns that can match, by the first subcommand word: a pattern whose first word is
    // exact is tried only for that word (up to 46 patterns a table were each tried on every call).
    // Each list keeps the table's order (the first match wins); _wildFirst serves any other word.
    private readonly FrozenDictionary<string, int[]> _byFirstWord;
    private readonly int[] _wildFirst;
    private readonly string[] _helpFlags, _helpWords;
    private readonly bool _dashedFlags; // every target flag is a dash word of two or more characters (as the profile reader requires)
    private readonly Func<ToolCall, List<string>, List<Evidence>, CommandIntent?>? _special;
    private readonly Func<ToolCall, List<string>, List<Evidence>, Effect?>? _effectOf;

    /// <summary>Compiles a definition; throws <see cref="ArgumentException"/> for a pattern the profile reader would have refused.</summary>
    public ProfileTool(ProfileToolDefinition def) : this(def, null) { }

    /// <summary>As above, with a parser for subcommands a table cannot describe (<c>gh api</c>): it
    /// gets the call, its subcommand words and the evidence so far, and returns null to let the table decide.</summary>
    internal ProfileTool(ProfileToolDefinition def, Func<ToolCall, List<string>, List<Evidence>, CommandIntent?>? special,
        Func<ToolCall, List<string>, List<Evidence>, Effect?>? effectOf = null,
        Action<ToolCall, List<string>, List<Target>, List<Evidence>>? targetsOf = null)
    {
        _def = def;
        _targetsOf = targetsOf;
        _special = special;
        _effectOf = effectOf;
        _patterns = def.Subcommands.Select(s => (Compile(s.Pattern), s.Effect))
            .Concat(def.Destructive.Select(p => (Compile(p), Effect.Delete))).ToArray();
        _targets = def.Targets.Concat(def.TargetFlags.Select(f => new ProfileToolTarget
        {
            Flags = [f.Key],
            Kind = TargetKindNames.TryParse(f.Value, out var kind) ? kind : throw new ArgumentException($"unknown target kind '{f.Value}' for {f.Key}", nameof(def)),
        })).Select(t => (t, t.When.Select(Compile).ToArray())).ToArray();
        _targetFlags = [.. _targets.Select(t => t.Target.Flags.ToArray())];
        _effectFlags = [.. def.EffectFlags];
        var valued = new HashSet<string>(def.ValueFlags, StringComparer.Ordinal);
        foreach (var (t, _) in _targets) valued.UnionWith(t.Flags);
        _valued = valued.ToFrozenSet(StringComparer.Ordinal);
        var wild = new List<int>();
        var exactFirst = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < _patterns.Length; i++)
        {
            var first = _patterns[i].Words[0];
            if (!first.IsExact) { wild.Add(i); continue; }
            if (!exactFirst.TryGetValue(first.Text, out var l)) exactFirst[first.Text] = l = [];
            l.Add(i);
        }
        _wildFirst = [.. wild];
        _byFirstWord = exactFirst.ToFrozenDictionary(kv => kv.Key, kv => (int[])[.. kv.Value.Concat(wild).Order()], StringComparer.Ordinal);
        _dashedFlags = _targets.All(t => t.Target.Flags.All(f => f.Length > 1 && f[0] == '-'));
        _helpFlags = [.. def.Help.Where(h => h.StartsWith('-'))];
        _helpWords = [.. def.Help.Where(h => !h.StartsWith('-'))];
    }

    /// <summary>Program name (and tool name of its intents).</summary>
    public string Name => _def.Name;

    /// <summary>The definition it was compiled from.</summary>
    public ProfileToolDefinition Definition => _def;

    /// <summary>Splits a subcommand pattern into word globs; false with the reason when a word is not a valid glob.</summary>
    public static bool TryParsePattern(string pattern, out GlobPattern[] words, out string error)
    {
        var parts = pattern.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        words = new GlobPattern[parts.Length];
        error = parts.Length == 0 ? "empty subcommand pattern" : "";
        for (int i = 0; i < parts.Length; i++)
        {
            if (!GlobPattern.TryParseWord(parts[i], out words[i], out error)) return false;
        }
        return parts.Length > 0;
    }

    private static GlobPattern[] Compile(string pattern) =>
        TryParsePattern(pattern, out var words, out var error) ? words : throw new ArgumentException($"{error} in subcommand pattern '{pattern}'", nameof(pattern));

    /// <summary>Classifies one call.</summary>
    public CommandIntent Parse(ToolCall c)
    {
        var args = c.Args;
        if (HelpToken(args) is string help) return ToolHelp.Help(Name, help);
        var words = ToolHelp.Positionals(args, _valued);
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        FindTargets(c, words, targets, evidence);
        _targetsOf?.Invoke(c, words, targets, evidence);
        if (_special?.Invoke(c, words, evidence) is CommandIntent special) return special;
        var (effect, summary) = Match(words, evidence);
        // A flag the table does not list may take the next word as its value: then the subcommand
        // is the words after it. Judge both readings and keep the more severe.
        if (UnlistedFlagBeforeWord(args))
        {
            var alt = new List<Evidence>();
            var (altEffect, altSummary) = Match(Positionals(args), alt);
            if (altEffect > effect)
            {
                evidence.AddRange(alt);
                (effect, summary) = (altEffect, altSummary);
            }
        }
        // A subcommand whose effect is in its arguments (bq query 'SQL'): what they say, when it can be read.
        if (_effectOf?.Invoke(c, words, evidence) is Effect argued) effect = argued;
        // A read flag (--preview-only, --dry-run) decides; any other raises a write only (pulumi up
        // --replace URN destroys the resource first; pulumi preview --replace URN still reads).
        bool readOnly = false;
        foreach (var (flag, forced) in _effectFlags)
        {
            if (!ToolHelp.HasFlag(args, flag)) continue;
            if (forced == Effect.Read) readOnly = true;
            else if (effect != Effect.Write) continue;
            else effect = forced;
            evidence.Add(new(flag, $"{flag} → {forced.Name()}"));
        }
        if (readOnly) effect = Effect.Read;
        return ToolHelp.Intent(Name, effect, summary, targets, evidence);
    }

    // True when a dash word the table does not list (not --name=value) is followed by a word.
    private bool UnlistedFlagBeforeWord(IReadOnlyList<string> argList)
    {
        var args = ToolHelp.Span(argList);
        for (int i = 0; i + 1 < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") return false;
            if (a.Length < 2 || a[0] != '-' || a.Contains('=') || _valued.Contains(a)) continue;
            if (!args[i + 1].StartsWith('-')) return true;
        }
        return false;
    }

    // The positional words when every unlisted flag takes the next word as its value.
    private List<string> Positionals(IReadOnlyList<string> args)
    {
        var r = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") { r.AddRange(args.Skip(i + 1)); break; }
            if (a.Length > 1 && a[0] == '-') { if (!a.Contains('=')) i++; continue; }
            r.Add(a);
        }
        return r;
    }

    // The first help argument given: a flag anywhere before "--", a word only first (`fly help`).
    // PERF: one pass over the arguments; only a dash word is compared with the help flags.
    private string? HelpToken(IReadOnlyList<string> argList)
    {
        var args = ToolHelp.Span(argList);
        if (args.Length == 0) return null;
        foreach (var h in _helpWords) if (args[0] == h) return "--help";
        for (int i = 0; i < args.Length; i++) // PERF: no enumerator through the interface
        {
            var a = args[i];
            if (a.Length == 0 || a[0] != '-') continue;
            if (a == "--") break;
            foreach (var h in _helpFlags) if (a == h) return "--help";
        }
        return null;
    }

    private (Effect, string) Match(List<string> words, List<Evidence> evidence)
    {
        int[] candidates = words.Count == 0 ? [] : _byFirstWord.GetValueOrDefault(words[0]) ?? _wildFirst;
        foreach (int k in candidates)
        {
            var (pattern, effect) = _patterns[k];
            if (!Matches(pattern, words)) continue;
            var matched = JoinFirst(words, pattern.Length);
            evidence.Add(Evidence.Arrow(matched, effect));
            return (effect, matched);
        }
        if (_def.CommonVerbs)
        {
            for (int i = 0; i < words.Count && i < 3; i++)
            {
                if (CliVerbs.Of(words[i]) is not Effect verb) continue;
                var matched = JoinFirst(words, i + 1);
                evidence.Add(Evidence.Arrow(matched, verb));
                return (verb, matched);
            }
        }
        var summary = JoinFirst(words, 2);
        var otherwise = words.Count == 0 ? _def.NoSubcommand ?? _def.Otherwise : _def.Otherwise;
        evidence.Add(new(summary.Length == 0 ? Name : summary, $"subcommand not known ({otherwise.Name()})"));
        return (otherwise, summary);
    }

    // PERF: the first n words joined without a query; one word is itself.
    private static string JoinFirst(List<string> words, int n)
    {
        n = Math.Min(n, words.Count);
        return n == 0 ? "" : n == 1 ? words[0] : string.Join(' ', System.Runtime.InteropServices.CollectionsMarshal.AsSpan(words)[..n]);
    }

    private static bool Matches(GlobPattern[] pattern, List<string> words)
    {
        if (pattern.Length > words.Count) return false;
        for (int i = 0; i < pattern.Length; i++)
        {
            if (!pattern[i].Matches(words[i])) return false;
        }
        return true;
    }

    private void FindTargets(ToolCall c, List<string> words, List<Target> targets, List<Evidence> evidence)
    {
        // PERF: loops over spans, not iterators or the interface: nothing made, no call per word.
        var args = ToolHelp.Span(c.Args);
        for (int e = 0; e < _targets.Length; e++)
        {
            var (t, when) = _targets[e];
            if (t.Fallback && targets.Count > 0) continue;
            var flags = _targetFlags[e];
            if (flags.Length > 0)
            {
                for (int i = 0; i < args.Length; i++)
                {
                    var a = args[i];
                    if (a == "--") break;
                    if (_dashedFlags && (a.Length < 2 || a[0] != '-')) continue; // no flag of the table can be it
                    for (int k = 0; k < flags.Length; k++)
                    {
                        var f = flags[k];
                        if (a == f)
                        {
                            if (i + 1 < args.Length) { Add(t, args[i + 1], $"{a} {args[i + 1]}"); i++; }
                            break;
                        }
                        if (a.Length > f.Length && a.StartsWith(f, StringComparison.Ordinal) && (a[f.Length] == '=' || (f.Length == 2 && f[1] != '-')))
                        {
                            Add(t, a[(f.Length + (a[f.Length] == '=' ? 1 : 0))..], a);
                            break;
                        }
                    }
                }
            }
            else if (t.EnvVar != null)
            {
                if (c.Context.GetEnvironmentVariable(t.EnvVar) is string v) Add(t, v, $"{t.EnvVar}={v}");
            }
            else if (t.Switches.Count > 0)
            {
                // Anywhere, even after "--": a switch that makes the target remote is never missed.
                if (FirstSwitch(t.Switches, args) is string s) Add(t, null, s);
            }
            else if (when.Length > 0)
            {
                foreach (var pattern in when)
                {
                    if (!Matches(pattern, words)) continue;
                    string? value = pattern.Length < words.Count ? words[pattern.Length] : null;
                    if (t.TakesValue && value == null) continue;
                    if (t.Words)
                    {
                        // PERF: the evidence token is made only for a name that has an environment word.
                        for (int k = pattern.Length; k < words.Count; k++)
                            if (ProfileToolTarget.EnvironmentWords(words[k]).Count > 0) Add(t, words[k], JoinFirst(words, pattern.Length) + " " + words[k]);
                        break;
                    }
                    Add(t, t.TakesValue ? value : null, JoinFirst(words, pattern.Length + (t.TakesValue ? 1 : 0)));
                    break;
                }
            }
            else if (t.Kubeconfig) targets.Add(Kubectl.ContextTarget(null, FlagValue(args, "--kubeconfig"), c.Context, evidence));
            else if (t.GitRemote)
            {
                // gh/glab api name their endpoint themselves (GhApi fills {owner}/{repo} from the remote).
                if (_special != null && words.Count > 0 && words[0] == "api") continue;
                if (GitRemotes.Inferred(c.Context, Name) is var (remote, url) && GitRemotes.ApiUrl(Name, url) is string api && UrlParser.TryParse(api, "ssh", out var inferred))
                {
                    targets.Add(inferred);
                    evidence.Add(new(remote, $"repository of git remote {remote} ({url})"));
                }
            }
            else Add(t, null, t.Fact != null ? Name : null);
        }

        void Add(ProfileToolTarget t, string? value, string? token)
        {
            if (t.Words)
            {
                // A stack's name names no target itself; each environment word in it does (ShopProdStack → prod).
                if (value == null) return;
                foreach (var word in ProfileToolTarget.EnvironmentWords(value))
                {
                    if (t.Make(word) is not Target named) continue;
                    targets.Add(named);
                    evidence.Add(new(token ?? value, $"{t.Fact?.Replace("{}", value, StringComparison.Ordinal) ?? value} names {word}"));
                }
                return;
            }
            // A server list (etcd endpoints, a Kafka bootstrap list, replica-set seeds): every server is a target.
            if (value != null && t.Kind is TargetKind.Url or TargetKind.Database && value.Contains(',') && ProfileToolTarget.ServerList(value) is { } servers)
            {
                foreach (var server in servers) Add(t, server, token);
                return;
            }
            if (t.Make(value) is not Target target) return;
            targets.Add(target);
            if (token == null) return;
            // PERF: the fact is made when read ("app {}" from its two sides and the value; else the target's text).
            if (t.Fact == null) evidence.Add(Evidence.TextOf(token, target));
            else if (t.TryFactParts(out var head, out var tail)) evidence.Add(Evidence.Joined(token, head, value, tail));
            else evidence.Add(new(token, t.Fact.Replace("{}", value, StringComparison.Ordinal)));
        }
    }

    // The value of --flag V or --flag=V before "--", else null.
    private static string? FlagValue(ReadOnlySpan<string> args, string flag)
    {
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") break;
            if (a == flag) return i + 1 < args.Length ? args[i + 1] : null;
            if (a.Length > flag.Length && a[flag.Length] == '=' && a.StartsWith(flag, StringComparison.Ordinal)) return a[(flag.Length + 1)..];
        }
        return null;
    }

    // The first of switches given anywhere (exactly or as --switch=value). PERF: loops, no closure per call.
    private static string? FirstSwitch(IReadOnlyList<string> switches, ReadOnlySpan<string> args)
    {
        for (int k = 0; k < switches.Count; k++)
        {
            var s = switches[k];
            for (int i = 0; i < args.Length; i++)
            {
                var a = args[i];
                if (a == s || (a.StartsWith(s, StringComparison.Ordinal) && a.Length > s.Length && a[s.Length] == '=')) return s;
            }
        }
        return null;
    }

    /// <summary>The letters of the short options the table lists as taking a value (-a, -C).</summary>
    public string ShortValued => _shortValued ??= string.Concat(_valued.Where(f => f.Length == 2 && f[0] == '-' && f[1] != '-').Select(f => f[1]));
    private string? _shortValued;
}
