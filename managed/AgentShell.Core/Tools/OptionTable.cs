namespace AgentShell.Core.Tools;

/// <summary>How a tool reads its command line. A parser must read options exactly as its tool
/// does: a prefix the tool expands, a letter case it ignores, a value it takes from the next word.
/// Where versions of a tool differ, the rules are the union (curl 7.x abbreviates and ignores
/// case, curl 8.x reads <c>--name=value</c>): reading more than one version accepts is safe,
/// because the option then means what some version would do with it.</summary>
[Flags]
public enum OptionRules : ushort
{
    /// <summary>Exact long names, <c>--name value</c> only, no bundles, stop at the first operand.</summary>
    None = 0,
    /// <summary>Long names match in any letter case (curl before 8.x).</summary>
    IgnoreCase = 1 << 0,
    /// <summary>A prefix of one long name selects it (getopt_long, my_getopt, argparse, curl
    /// before 8.x); an exact name wins; a prefix of several is ambiguous.</summary>
    Abbreviations = 1 << 1,
    /// <summary><c>--name=value</c>.</summary>
    EqualsValue = 1 << 2,
    /// <summary>One-letter options bundle (<c>-sSL</c>) and take an attached value (<c>-XDELETE</c>).</summary>
    Bundles = 1 << 3,
    /// <summary>Options may follow operands (GNU getopt permutes; curl reads every word).</summary>
    Permute = 1 << 4,
    /// <summary><c>--</c> ends the options.</summary>
    DoubleDash = 1 << 5,
    /// <summary><c>--no-NAME</c> turns flag NAME off (curl, wget).</summary>
    NoPrefix = 1 << 6,
    /// <summary>Long names also after a single dash (<c>-chdir=dir</c>: Go's flag package).</summary>
    SingleDashLong = 1 << 7,
    /// <summary><c>-</c> and <c>_</c> are the same in long names (my_getopt).</summary>
    UnderscoreIsDash = 1 << 8,
    /// <summary>A flag may be given a boolean value, <c>--all=false</c> (pflag, Go flag).</summary>
    FlagValues = 1 << 9,
    /// <summary>A negation prefix also applies to options that take a value, which then take none
    /// (my_getopt: <c>--skip-password</c>, <c>--disable-pager</c>).</summary>
    NegateValued = 1 << 10,
    /// <summary>Prefixes (<c>skip-</c>, <c>enable-</c>, …) are tried only when the whole word,
    /// abbreviations included, names no option (my_getopt).</summary>
    PrefixesLast = 1 << 11,

    /// <summary>glibc getopt_long.</summary>
    Getopt = Abbreviations | EqualsValue | Bundles | Permute | DoubleDash,
    /// <summary>spf13/pflag (kubectl, helm, gh, …).</summary>
    Pflag = EqualsValue | Bundles | Permute | DoubleDash | FlagValues,
}

/// <summary>How many values an option takes.</summary>
public enum OptionArity : byte
{
    /// <summary>A flag.</summary>
    None,
    /// <summary>One value: attached (<c>--name=v</c>, <c>-xv</c>) or the next word.</summary>
    Required,
    /// <summary>A value only when attached (getopt's optional_argument, pflag's NoOptDefVal,
    /// mysql's <c>-pSECRET</c>).</summary>
    Optional,
}

/// <summary>One option of a tool: its names and how many values it takes.</summary>
public sealed class OptionSpec
{
    internal OptionSpec(string name, string[] longs, char shortName, OptionArity arity)
    {
        Name = name; Longs = longs; Short = shortName; Arity = arity;
    }

    /// <summary>Canonical spelling: <c>--</c> and the first long name, else <c>-</c> and the letter.</summary>
    public string Name { get; }
    /// <summary>Long names, without dashes.</summary>
    public IReadOnlyList<string> Longs { get; }
    /// <summary>The one-letter name, or <c>'\0'</c>.</summary>
    public char Short { get; }
    /// <summary>How many values it takes.</summary>
    public OptionArity Arity { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A tool's option table, compiled once: every documented option with its arity, read
/// from lines in the shape of the tool's own help (<c>-X --request &lt;method&gt;</c>: names, then
/// <c>&lt;arg&gt;</c> for a required value or <c>[arg]</c> for an optional one; <c>#</c> starts a
/// comment line). Lookups take spans and allocate nothing.</summary>
public sealed class OptionTable
{
    private readonly Dictionary<string, OptionSpec> _exact;
    private readonly Dictionary<string, OptionSpec>.AlternateLookup<ReadOnlySpan<char>> _exactSpan;
    private readonly string[] _sorted;        // long names in comparer order, for prefixes
    private readonly OptionSpec[] _sortedSpec;
    private readonly OptionSpec?[] _short = new OptionSpec?[128];
    private readonly StringComparison _comparison;

    /// <summary>Compiles <paramref name="lines"/> under <paramref name="rules"/>.</summary>
    public OptionTable(string tool, OptionRules rules, string lines)
    {
        Tool = tool;
        Rules = rules;
        _comparison = (rules & OptionRules.IgnoreCase) != 0 ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var comparer = (rules & OptionRules.IgnoreCase) != 0 ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        _exact = new Dictionary<string, OptionSpec>(comparer);
        var all = new List<OptionSpec>();
        foreach (var raw in lines.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var longs = new List<string>();
            char shortName = '\0';
            var arity = OptionArity.None;
            foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (word[0] == '<') { arity = OptionArity.Required; break; }
                if (word[0] == '[') { arity = OptionArity.Optional; break; }
                if (word.StartsWith("--", StringComparison.Ordinal)) longs.Add(Normalize(word[2..]));
                else if (word.Length == 2 && word[0] == '-') shortName = word[1];
                else throw new ArgumentException($"{tool} option table: cannot read '{word}' in '{line}'", nameof(lines));
            }
            var spec = new OptionSpec(longs.Count > 0 ? "--" + longs[0] : "-" + shortName, [.. longs], shortName, arity);
            all.Add(spec);
            foreach (var l in longs)
            {
                if (!_exact.TryAdd(l, spec)) throw new ArgumentException($"{tool} option table: --{l} twice", nameof(lines));
            }
            if (shortName != '\0')
            {
                if (shortName >= 128 || _short[shortName] != null) throw new ArgumentException($"{tool} option table: -{shortName} twice", nameof(lines));
                _short[shortName] = spec;
            }
        }
        Options = all;
        _exactSpan = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _sorted = [.. _exact.Keys];
        Array.Sort(_sorted, comparer);
        _sortedSpec = _sorted.Select(n => _exact[n]).ToArray();
    }

    /// <summary>The tool the table describes (for messages).</summary>
    public string Tool { get; }

    /// <summary>How the tool reads its options.</summary>
    public OptionRules Rules { get; }

    /// <summary>A prefix that selects an option and marks its value as a template the tool expands
    /// (curl 8.3+: <c>--expand-data '{{body}}'</c> is <c>--data</c> with variables replaced).</summary>
    public string? ExpandPrefix { get; init; }

    /// <summary>Prefixes that turn an option off, with <see cref="OptionRules.NoPrefix"/>
    /// (<c>no-</c>; my_getopt also <c>skip-</c> and <c>disable-</c>).</summary>
    public IReadOnlyList<string> NegationPrefixes { get; init; } = ["no-"];

    /// <summary>Prefixes that leave an option as it is (my_getopt: <c>enable-</c>, <c>loose-</c>).</summary>
    public IReadOnlyList<string> PlainPrefixes { get; init; } = [];

    /// <summary>Every option, in table order.</summary>
    public IReadOnlyList<OptionSpec> Options { get; }

    /// <summary>True when <paramref name="rule"/> applies.</summary>
    public bool Has(OptionRules rule) => (Rules & rule) == rule;

    /// <summary>The option with one-letter name <paramref name="c"/>, or null.</summary>
    public OptionSpec? Short(char c) => c < 128 ? _short[c] : null;

    /// <summary>The option a long name (without dashes) selects under the table's rules.
    /// <paramref name="negated"/> is set for <c>no-NAME</c> of flag NAME; <paramref name="ambiguous"/>
    /// when a prefix selects several options (the tool refuses it); <paramref name="expanded"/> for
    /// <see cref="ExpandPrefix"/> and a name.</summary>
    public OptionSpec? Long(ReadOnlySpan<char> name, out bool negated, out bool ambiguous, out bool expanded)
    {
        expanded = false;
        var spec = Long(name, out negated, out ambiguous);
        if (spec != null || ambiguous || ExpandPrefix == null || !name.StartsWith(ExpandPrefix, _comparison)) return spec;
        spec = Long(name[ExpandPrefix.Length..], out negated, out ambiguous);
        expanded = spec != null && !negated;
        return negated ? null : spec;
    }

    /// <summary>As above, without <see cref="ExpandPrefix"/>.</summary>
    public OptionSpec? Long(ReadOnlySpan<char> name, out bool negated, out bool ambiguous)
    {
        negated = ambiguous = false;
        if (name.IsEmpty) return null;
        if (Has(OptionRules.UnderscoreIsDash) && name.Contains('_')) name = Normalize(name.ToString());
        if (_exactSpan.TryGetValue(name, out var spec)) return spec;
        if (Has(OptionRules.PrefixesLast | OptionRules.Abbreviations))
        {
            spec = Prefix(name, false, out ambiguous);
            if (spec != null || ambiguous) return spec;
        }
        foreach (var p in PlainPrefixes)
        {
            if (name.Length > p.Length && name.StartsWith(p, _comparison)) return Long(name[p.Length..], out negated, out ambiguous);
        }
        int no = 0;
        if (Has(OptionRules.NoPrefix))
        {
            foreach (var p in NegationPrefixes) if (name.Length > p.Length && name.StartsWith(p, _comparison)) { no = p.Length; break; }
        }
        bool negatesValued = Has(OptionRules.NegateValued);
        if (no > 0 && _exactSpan.TryGetValue(name[no..], out spec) && (negatesValued || spec.Arity == OptionArity.None))
        {
            negated = true;
            return spec;
        }
        if (!Has(OptionRules.Abbreviations)) return null;
        // "no-NAME" forms are names too: "--no-c" may abbreviate a real name or a flag's no- form.
        spec = Prefix(name, false, out ambiguous);
        var off = no > 0 && !ambiguous ? Prefix(name[no..], !negatesValued, out ambiguous) : null;
        if (ambiguous || (spec != null && off != null && !ReferenceEquals(spec, off))) { ambiguous = true; return null; }
        if (spec != null) return spec;
        negated = off != null;
        return off;
    }

    // The one option whose long names start with prefix (only flags: for a no- form); ambiguous when there are several.
    private OptionSpec? Prefix(ReadOnlySpan<char> prefix, bool flagsOnly, out bool ambiguous)
    {
        ambiguous = false;
        int lo = 0, hi = _sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_sorted[mid].AsSpan().CompareTo(prefix, _comparison) < 0) lo = mid + 1;
            else hi = mid;
        }
        OptionSpec? found = null;
        for (int k = lo; k < _sorted.Length && _sorted[k].AsSpan().StartsWith(prefix, _comparison); k++)
        {
            if (flagsOnly && _sortedSpec[k].Arity != OptionArity.None) continue;
            if (found == null) found = _sortedSpec[k];
            else if (!ReferenceEquals(found, _sortedSpec[k])) { ambiguous = true; return null; }
        }
        return found;
    }

    private string Normalize(string name) => Has(OptionRules.UnderscoreIsDash) ? name.Replace('_', '-') : name;
}
