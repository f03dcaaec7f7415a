using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What one step of an <see cref="OptionReader"/> found.</summary>
public enum OptionTokenKind : byte
{
    /// <summary>An option of the table (with its value when it takes one).</summary>
    Option,
    /// <summary>A word that is not an option (a URL, a database name, a subcommand).</summary>
    Operand,
    /// <summary>An option the table does not have: the tool refuses it, or it is newer than the
    /// table and its value (if any) is unknown. Either way the effect cannot be read.</summary>
    Unknown,
    /// <summary>A prefix of several long names (the tool refuses it).</summary>
    Ambiguous,
    /// <summary>An option that takes a value, last on the line.</summary>
    MissingValue,
    /// <summary>A flag given a value it does not take (<c>--head=x</c>).</summary>
    UnexpectedValue,
}

/// <summary>One option or operand read from argv.</summary>
public readonly struct OptionToken
{
    /// <summary>What was found.</summary>
    public OptionTokenKind Kind { get; init; }
    /// <summary>The option, for <see cref="OptionTokenKind.Option"/> (and the missing/unexpected value kinds).</summary>
    public OptionSpec? Spec { get; init; }
    /// <summary>The option's value, or the operand.</summary>
    public string? Value { get; init; }
    /// <summary><c>--no-NAME</c>: the flag is turned off.</summary>
    public bool Negated { get; init; }
    /// <summary>The argument the option or operand was read from.</summary>
    public string Arg { get; init; }
    /// <summary>True when the value was the next argument.</summary>
    public bool ValueSeparate { get; init; }
    /// <summary>The option was named with the table's <see cref="OptionTable.ExpandPrefix"/>: its
    /// value is a template the tool expands.</summary>
    public bool Expanded { get; init; }

    /// <summary>Canonical name of the option (<c>--request</c>), or the argument itself.</summary>
    public string Name => Spec?.Name ?? Arg;

    /// <summary>The text to quote as evidence: <c>-sSLX DELETE</c>, <c>--request=DELETE</c>.</summary>
    public string Text => ValueSeparate ? $"{Arg} {Value}" : Arg;

    /// <summary>For a flag: true unless negated (<c>--no-get</c>) or given a false value (<c>--all=false</c>).</summary>
    public bool IsOn => !Negated && (Value == null || Value is "true" or "1" or "t" or "T" or "TRUE" or "True");

    /// <summary>True for the kinds that make the tool refuse its command line or leave the
    /// option's meaning unknown.</summary>
    public bool IsProblem => Kind is not (OptionTokenKind.Option or OptionTokenKind.Operand);

    /// <summary>Why a problem token makes the effect unknown, for the evidence.</summary>
    public string Problem => Kind switch
    {
        OptionTokenKind.Unknown => $"option {Arg} is not in the option table (effect unknown)",
        OptionTokenKind.Ambiguous => $"option {Arg} is an ambiguous abbreviation (effect unknown)",
        OptionTokenKind.MissingValue => $"option {Arg} lacks its value (effect unknown)",
        OptionTokenKind.UnexpectedValue => $"option {Arg} takes no value (effect unknown)",
        _ => "",
    };
}

/// <summary>Reads argv as the tool whose <see cref="OptionTable"/> it is given would: long options
/// (exact, abbreviated, any case, <c>=value</c> or the next word, <c>--no-</c>), bundled short
/// options with an attached or separate value, <c>--</c>, and operands between options where the
/// tool permutes. Allocates only the strings of attached values.</summary>
public struct OptionReader
{
    private readonly OptionTable _table;
    private readonly string[] _args; // PERF: an array, not the interface: no dispatch per word under NativeAOT
    private int _i;
    private int _bundle; // position inside a short-option bundle, 0 = not in one
    private bool _ended;

    /// <summary>Reads <paramref name="args"/> from <paramref name="start"/>.</summary>
    public OptionReader(OptionTable table, IReadOnlyList<string> args, int start = 0)
    {
        _table = table;
        _args = args as string[] ?? [.. args]; // the classifier passes arrays; a list is copied once
        _i = start;
    }

    /// <summary>Index of the next unread argument.</summary>
    public readonly int Position => _i;

    /// <summary>True once options have ended (<c>--</c>, or the first operand of a tool that does not permute).</summary>
    public readonly bool OptionsEnded => _ended;

    /// <summary>Reads the next option or operand; false at the end.</summary>
    public bool Next(out OptionToken token)
    {
        if (_bundle > 0) return NextShort(out token);
        while (_i < _args.Length)
        {
            var a = _args[_i];
            if (_ended || a.Length < 2 || a[0] != '-')
            {
                if (!_table.Has(OptionRules.Permute)) _ended = true;
                _i++;
                token = new OptionToken { Kind = OptionTokenKind.Operand, Value = a, Arg = a };
                return true;
            }
            if (a == "--" && _table.Has(OptionRules.DoubleDash)) { _ended = true; _i++; continue; }
            if (a[1] == '-' && a.Length > 2) return NextLong(a, 2, out token);
            if (_table.Has(OptionRules.SingleDashLong)) return NextLong(a, 1, out token);
            if (_table.Has(OptionRules.Bundles)) { _bundle = 1; return NextShort(out token); }
            return NextSingle(a, out token);
        }
        token = default;
        return false;
    }

    private bool NextLong(string a, int start, out OptionToken token)
    {
        _i++;
        var body = a.AsSpan(start);
        int eq = _table.Has(OptionRules.EqualsValue) ? body.IndexOf('=') : -1;
        var name = eq >= 0 ? body[..eq] : body;
        var spec = _table.Long(name, out bool negated, out bool ambiguous, out bool expanded);
        string? value = eq >= 0 ? a[(start + eq + 1)..] : null;
        if (spec == null)
        {
            token = new OptionToken { Kind = ambiguous ? OptionTokenKind.Ambiguous : OptionTokenKind.Unknown, Arg = a };
            return true;
        }
        if (negated && spec.Arity != OptionArity.None)
        {
            // my_getopt: --skip-NAME of an option with a value takes none; elsewhere an error.
            token = _table.Has(OptionRules.NegateValued)
                ? new OptionToken { Kind = value == null ? OptionTokenKind.Option : OptionTokenKind.UnexpectedValue, Spec = spec, Negated = true, Arg = a }
                : new OptionToken { Kind = OptionTokenKind.Unknown, Arg = a };
            return true;
        }
        if (expanded && spec.Arity != OptionArity.Required)
        {
            token = new OptionToken { Kind = OptionTokenKind.Unknown, Arg = a };
            return true;
        }
        Valued(spec, a, value, negated, out token);
        if (expanded) token = token with { Expanded = true };
        return true;
    }

    // An option with its value: attached (value != null) or, when required, the next argument.
    private bool Valued(OptionSpec spec, string a, string? value, bool negated, out OptionToken token)
    {
        var kind = OptionTokenKind.Option;
        bool separate = false;
        switch (spec.Arity)
        {
            case OptionArity.None:
                if (value != null && !_table.Has(OptionRules.FlagValues)) kind = OptionTokenKind.UnexpectedValue;
                break;
            case OptionArity.Required:
                if (value != null) break;
                if (_i < _args.Length) { value = _args[_i++]; separate = true; }
                else kind = OptionTokenKind.MissingValue;
                break;
        }
        token = new OptionToken { Kind = kind, Spec = spec, Value = value, Negated = negated, Arg = a, ValueSeparate = separate };
        return true;
    }

    // One letter of a bundle (-sSLX DELETE): flags continue the bundle, an option with a value ends it.
    private bool NextShort(out OptionToken token)
    {
        var a = _args[_i];
        int k = _bundle;
        var spec = _table.Short(a[k]);
        if (spec == null)
        {
            // The rest of the bundle may be this option's value: nothing after it can be read.
            _bundle = 0;
            _i++;
            token = new OptionToken { Kind = OptionTokenKind.Unknown, Arg = a.Length == 2 ? a : $"-{a[k]} (in {a})" };
            return true;
        }
        bool eq = _table.Has(OptionRules.FlagValues) && k + 1 < a.Length && a[k + 1] == '=';
        if (spec.Arity == OptionArity.None && !eq)
        {
            if (k + 1 < a.Length) _bundle = k + 1;
            else { _bundle = 0; _i++; }
            token = new OptionToken { Kind = OptionTokenKind.Option, Spec = spec, Arg = a };
            return true;
        }
        _bundle = 0;
        _i++;
        // pflag: -n=prod and -A=false give the letter's value after '='.
        return Valued(spec, a, k + 1 < a.Length ? a[(k + (eq ? 2 : 1))..] : null, false, out token);
    }

    // A tool without bundles: "-x" alone, its value the next word.
    private bool NextSingle(string a, out OptionToken token)
    {
        _i++;
        var spec = a.Length == 2 ? _table.Short(a[1]) : null;
        if (spec == null)
        {
            token = new OptionToken { Kind = OptionTokenKind.Unknown, Arg = a };
            return true;
        }
        return Valued(spec, a, null, false, out token);
    }
}

/// <summary>Helpers for parsers reading with an <see cref="OptionReader"/>.</summary>
public static class OptionProblems
{
    /// <summary>Notes a problem token in the evidence; returns true when <paramref name="t"/> was one.</summary>
    public static bool Note(in OptionToken t, List<Evidence> evidence)
    {
        if (!t.IsProblem) return false;
        evidence.Add(new Evidence(t.Arg, t.Problem));
        return true;
    }
}
