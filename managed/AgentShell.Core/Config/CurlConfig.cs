using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Config;

/// <summary>curl's configuration files folded into its arguments, as curl reads them: the default
/// <c>.curlrc</c> first (the first that exists of <c>$CURL_HOME/.curlrc</c>,
/// <c>$XDG_CONFIG_HOME/.curlrc</c>, <c>$XDG_CONFIG_HOME/curlrc</c>, <c>$HOME/.curlrc</c>, and when
/// <c>XDG_CONFIG_HOME</c> is not set <c>$CURL_HOME/.config/curlrc</c>, <c>$HOME/.config/curlrc</c>) unless the
/// first argument starts with <c>-q</c> or is <c>--disable</c>; then each <c>-K</c>/<c>--config</c>
/// file where it appears, nested ones too. Each config line becomes the argv it stands for
/// (<c>request = DELETE</c> → <c>--request DELETE</c>), so the parser reads it like the command line.
/// A file that is there but cannot be read in full, or a line naming an option curl would not
/// know, is not accounted for: the effect becomes unknown. A <c>-K</c> file that cannot be read is
/// left in the arguments, where the parser makes the effect unknown.</summary>
internal static class CurlConfig
{
    private const int MaxDepth = 4;

    /// <summary>One config file as argv, and the first line that could not be understood.</summary>
    internal sealed record Parsed(IReadOnlyList<string> Tokens, string? Problem);

    /// <summary>The arguments with every config file folded in (the same list when there is none).</summary>
    internal static IReadOnlyList<string> Fold(ToolCall call, ConfigFacts facts)
    {
        var args = call.Args;
        var ctx = call.Context;
        List<string>? output = null;
        bool readRc = !(args.Count > 0 && (args[0].StartsWith("-q", StringComparison.Ordinal) || args[0].Equals("--disable", StringComparison.OrdinalIgnoreCase)));
        if (readRc && DefaultFile(ctx) is ConfigFile rc)
        {
            output = [];
            if (rc.Unaccountable) facts.Unknown(rc.Path, $"options from {rc.Problem} (unknown)");
            else Include(rc, output, call, facts, 1);
        }
        // PERF: the command line is copied only once a -K is found in it.
        if (output == null && !MayHaveConfig(args)) return args;
        output ??= [];
        Expand(args, output, call, facts, 0);
        return output;
    }

    /// <summary>The first default config file that exists, or null.</summary>
    private static ConfigFile? DefaultFile(IExecContext ctx)
    {
        // PERF: one pass over the exec's environment says which of the three are set; an unset one
        // is not looked up (CURL_HOME and XDG_CONFIG_HOME rarely are: two lookups per curl exec).
        ulong set = ctx.VariablesSet(PlaceVariables);
        // PERF: each variable is looked up once for both passes (HOME was looked up twice per curl exec).
        Dirs dirs = default;
        for (int k = 0; k < Places.Length; k++)
        {
            if ((set & (1UL << k)) == 0) continue;
            var (variable, names) = Places[k];
            if ((dirs[k] = ctx.GetEnvironmentVariable(variable)) is not { Length: > 0 } dir) continue;
            foreach (var name in names)
            {
                var f = ctx.ReadConfigFile(name.Combine(dir));
                if (f.Exists) return f;
            }
        }
        // curl's XDG default when XDG_CONFIG_HOME is not set (7.88: CURL_HOME's, then HOME's .config/curlrc).
        // (The set bits may say "maybe": a context that cannot tell answers every bit set.)
        if ((set & XdgBit) != 0 && dirs[1] != null) return null; // dirs[1]: XDG_CONFIG_HOME
        for (int k = 0; k < Places.Length; k++)
        {
            if ((set & (1UL << k)) == 0 || (1UL << k) == XdgBit) continue;
            if (dirs[k] is not { Length: > 0 } dir) continue;
            var f = ctx.ReadConfigFile(XdgDefaults[k].Combine(dir));
            if (f.Exists) return f;
        }
        return null;
    }

    // The values of Places' variables (null: not set, or not looked up because its bit is clear).
    [System.Runtime.CompilerServices.InlineArray(3)]
    private struct Dirs
    {
        private string? _first;
    }

    private static readonly PathMemo[] XdgDefaults = [new(".config", "curlrc"), new(".config", "curlrc"), new(".config", "curlrc")];
    private const ulong XdgBit = 1UL << 1; // Places[1]

    // curl 7.x reads .curlrc in $XDG_CONFIG_HOME, curl 8.x curlrc: both are looked for.
    private static readonly (string Variable, PathMemo[] Names)[] Places =
        [("CURL_HOME", [new(".curlrc")]), ("XDG_CONFIG_HOME", [new(".curlrc"), new("curlrc")]), ("HOME", [new(".curlrc")])];

    private static readonly VariableNames PlaceVariables = new([.. Places.Select(p => p.Variable)]);

    // PERF: only a -K in a short-option word, or a long option curl could read as --config
    // (--conf… in any case; shorter prefixes are ambiguous), makes the command line worth a copy.
    private static bool MayHaveConfig(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++) // PERF: no enumerator through the interface
        {
            var a = args[i];
            if (a.Length < 2 || a[0] != '-') continue;
            if (a[1] != '-') { if (a.Contains('K')) return true; }
            else if (a.Length >= 6 && a.AsSpan(2, 4).Equals("conf", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static void Include(ConfigFile f, List<string> output, ToolCall call, ConfigFacts facts, int depth)
    {
        var parsed = f.Parsed(Parse);
        if (parsed.Problem != null) facts.Unknown(f.Path, $"{f.Path}: {parsed.Problem} (unknown)");
        if (parsed.Tokens.Count > 0) facts.Note(f.Path, "options from " + f.Path + ": " + string.Join(' ', parsed.Tokens));
        Expand(parsed.Tokens, output, call, facts, depth);
    }

    /// <summary>Copies <paramref name="tokens"/> to <paramref name="output"/>, each <c>-K FILE</c>
    /// replaced by FILE's options; option values are skipped over as curl does.</summary>
    private static void Expand(IReadOnlyList<string> tokens, List<string> output, ToolCall call, ConfigFacts facts, int depth)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            var a = tokens[i];
            string? next = i + 1 < tokens.Count ? tokens[i + 1] : null;
            if (a == "--") { for (; i < tokens.Count; i++) output.Add(tokens[i]); return; }
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                if (CurlOptions.TryResolve(a[2..], out var name, out bool valued))
                {
                    if (name == "config") { i++; Config(a, next, output, call, facts, depth); continue; }
                    output.Add(a);
                    if (valued && next != null) { output.Add(next); i++; }
                }
                else output.Add(a);
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                int k = 1;
                for (; k < a.Length; k++)
                {
                    if (a[k] == 'K')
                    {
                        if (k > 1) output.Add(a[..k]); // the flags before it
                        string? file = k + 1 < a.Length ? a[(k + 1)..] : next;
                        if (k + 1 == a.Length) i++;
                        Config("-K", file, output, call, facts, depth);
                        break;
                    }
                    if (CurlOptions.ShortTakesValue(a[k]))
                    {
                        output.Add(a);
                        if (k + 1 == a.Length && next != null) { output.Add(next); i++; }
                        break;
                    }
                }
                if (k == a.Length) output.Add(a);
                continue;
            }
            output.Add(a);
        }
    }

    private static void Config(string option, string? file, List<string> output, ToolCall call, ConfigFacts facts, int depth)
    {
        if (file == null) { output.Add(option); return; }
        ConfigFile? f = null;
        if (depth >= MaxDepth) facts.Unknown($"{option} {file}", $"config files nested deeper than {MaxDepth} (unknown)");
        else if (file == "-")
        {
            if (call.StdinText is string stdin) f = ConfigFile.Of("stdin", Encoding.UTF8.GetBytes(stdin));
        }
        else
        {
            f = call.Context.ReadConfigFile(file);
            if (f.Unaccountable) facts.Unknown($"{option} {file}", $"options from {f.Problem} (unknown)");
        }
        if (f is { State: ConfigFileState.Read }) { Include(f, output, call, facts, depth + 1); return; }
        // Not read: left for the parser, which makes options from a file it cannot see unknown.
        output.Add("--config");
        output.Add(file);
    }

    /// <summary>One config file's lines as argv (curl's tool_parsecfg.c): <c>#</c>, <c>/</c> and
    /// <c>*</c> start comments; an option without dashes is a long one and ends at a space, <c>=</c>
    /// or <c>:</c>; a value is quoted (with <c>\t \n \r \v</c> escapes) or runs to a space.</summary>
    internal static Parsed Parse(ConfigFile f)
    {
        var tokens = new List<string>();
        string? problem = null;
        int lineNo = 0;
        foreach (var raw in f.Text.Split('\n'))
        {
            lineNo++;
            var line = raw.AsSpan();
            int i = 0;
            while (i < line.Length && IsSpace(line[i])) i++;
            if (i == line.Length || line[i] is '#' or '/' or '*') continue;
            bool dashed = line[i] == '-';
            int start = i;
            while (i < line.Length && !IsSpace(line[i]) && !(!dashed && line[i] is '=' or ':')) i++;
            var option = line[start..i].ToString();
            while (i < line.Length && (IsSpace(line[i]) || (!dashed && line[i] is '=' or ':'))) i++;
            string? param;
            if (i < line.Length && line[i] == '"') param = Unquote(line[(i + 1)..]);
            else
            {
                int ps = i;
                while (i < line.Length && !IsSpace(line[i])) i++;
                param = i > ps ? line[ps..i].ToString() : null;
            }
            if (!Add(option, param, tokens)) problem ??= $"line {lineNo}: option '{option}' is not one curl knows";
        }
        return new Parsed(tokens, problem);
    }

    private static bool Add(string option, string? param, List<string> tokens)
    {
        if (option.StartsWith('-') && !option.StartsWith("--", StringComparison.Ordinal))
        {
            // Short options: a value-taking letter takes the rest of the word, or the parameter.
            for (int k = 1; k < option.Length; k++)
            {
                if (!CurlOptions.IsShort(option[k])) return false;
                if (!CurlOptions.ShortTakesValue(option[k])) continue;
                tokens.Add(option);
                if (k + 1 == option.Length) tokens.Add(param ?? "");
                return true;
            }
            tokens.Add(option);
            return option.Length > 1;
        }
        var word = option.StartsWith("--", StringComparison.Ordinal) ? option[2..] : option;
        if (!CurlOptions.TryResolve(word, out var name, out bool valued)) return false;
        if (valued && param == null) return true; // curl warns and leaves the option unset
        tokens.Add("--" + name);
        if (valued) tokens.Add(param!);
        return true;
    }

    private static string Unquote(ReadOnlySpan<char> s)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length && s[i] != '"'; i++)
        {
            if (s[i] != '\\') { sb.Append(s[i]); continue; }
            if (++i >= s.Length) break;
            sb.Append(s[i] switch { 't' => '\t', 'n' => '\n', 'r' => '\r', 'v' => '\v', var c => c });
        }
        return sb.ToString();
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n' or '\v' or '\f';
}
