namespace AgentShell.Core.Model;

/// <summary>A fixed list of environment variable names (a profile's <c>EnvVars</c>) compiled so that
/// an environment is scanned once for all of them (<see cref="IExecContext.VariablesSet"/>) instead of
/// once per name. Names are indexed in the order given; only the first <see cref="MaskBits"/> have a
/// bit, the rest are always looked up one by one.</summary>
public sealed class VariableNames
{
    /// <summary>Names that have a bit in a mask.</summary>
    public const int MaskBits = 64;

    private readonly string[] _names;
    private readonly byte[][] _bytes;
    // PERF: per first character (ASCII), the names that start with it: most of an environment's
    // variables (PATH, HOME, LC_*, XDG_*) cost one table read.
    private readonly ulong[] _byFirst = new ulong[128];

    /// <summary>Compiles <paramref name="names"/> (a name given twice has two indexes, both matched).</summary>
    public VariableNames(IReadOnlyList<string> names)
    {
        _names = [.. names];
        _bytes = new byte[_names.Length][];
        for (int i = 0; i < _names.Length; i++)
        {
            string n = _names[i];
            _bytes[i] = System.Text.Encoding.ASCII.GetBytes(n);
            if (i >= MaskBits) continue;
            // A name that no variable can have (empty, with '=') never has its bit set; one that is not
            // ASCII is always "maybe set" (Unmatched), so it is looked up by name as before.
            if (n.Length == 0 || n.Contains('=')) continue;
            if (!System.Text.Ascii.IsValid(n)) { Unmatched |= 1UL << i; continue; }
            _byFirst[n[0]] |= 1UL << i;
        }
    }

    /// <summary>Number of names.</summary>
    public int Count => _names.Length;

    /// <summary>The name at <paramref name="index"/>.</summary>
    public string this[int index] => _names[index];

    /// <summary>Bits of the names a scan cannot decide (not ASCII): always to be looked up by name.</summary>
    public ulong Unmatched { get; }

    /// <summary>The bits of the names an environment entry <c>NAME=value</c> (envp's bytes) sets, or 0.</summary>
    public ulong Match(ReadOnlySpan<byte> entry)
    {
        if (entry.IsEmpty || entry[0] >= 128) return 0;
        ulong m = _byFirst[entry[0]], found = 0;
        while (m != 0)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(m);
            var n = _bytes[i];
            if (entry.Length > n.Length && entry[n.Length] == (byte)'=' && entry.StartsWith(n)) found |= 1UL << i;
            m &= m - 1;
        }
        return found;
    }

    /// <summary>The bits of the names equal to <paramref name="name"/> (ordinally), or 0.</summary>
    public ulong Match(string name)
    {
        if (name.Length == 0 || name[0] >= 128) return 0;
        ulong m = _byFirst[name[0]], found = 0;
        while (m != 0)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(m);
            if (string.Equals(_names[i], name, StringComparison.Ordinal)) found |= 1UL << i;
            m &= m - 1;
        }
        return found;
    }
}
