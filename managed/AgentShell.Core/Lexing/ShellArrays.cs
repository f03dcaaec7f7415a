using System.Text;

namespace AgentShell.Core.Lexing;

/// <summary>Bash arrays of a shell string: <c>NAME=(A B C)</c> is an assignment, not a subshell running
/// <c>A B C</c> (so <c>cmd=(helm … uninstall api); echo "${cmd[@]}"</c> runs nothing), and a later
/// <c>"${NAME[@]}"</c> (or <c>${NAME[*]}</c>) is its elements, word by word (<c>"${cmd[@]}" URL</c> runs
/// the command). An element with an expansion makes the array unknown: its use stays an unknown word.</summary>
internal static class ShellArrays
{
    private const char Sep = '\u0001';

    /// <summary>Reads the elements up to the closing <c>)</c> (the lexer is just after <c>(</c>) and stores
    /// them under NAME; returns the first element (what <c>$NAME</c> is).</summary>
    internal static string Read(ref ShellLexer lexer, string name, Func<string, string?> lookup, List<string> subs, Dictionary<string, string> vars)
    {
        var elems = new List<string>();
        bool dynamic = false;
        while (true)
        {
            var t = lexer.Next();
            if (t.Kind is ShellTokenKind.CloseParen or ShellTokenKind.End) break;
            if (t.Kind != ShellTokenKind.Word) continue; // newlines between elements
            elems.Add(ShellWord.Decode(t.Text, lookup, subs, out bool d));
            dynamic |= d;
        }
        if (dynamic) vars.Remove(name + "[@]"); else vars[name + "[@]"] = string.Join(Sep, elems);
        return elems.Count > 0 ? elems[0] : "";
    }

    /// <summary>Stores NAME's elements (null: not known, so a later use stays unknown).</summary>
    internal static void Set(Dictionary<string, string> vars, string name, IReadOnlyList<string>? elems)
    {
        if (elems == null) vars.Remove(name + "[@]"); else vars[name + "[@]"] = string.Join(Sep, elems);
    }

    /// <summary>The elements a raw word <c>"${NAME[@]}"</c> / <c>${NAME[@]}</c> / <c>${NAME[*]}</c> stands for when
    /// the array is known, or null.</summary>
    internal static string[]? Elements(ReadOnlySpan<byte> raw, Dictionary<string, string> vars)
    {
        if (vars.Count == 0 || raw.Length < 7) return null;
        if (raw[0] == '"' && raw[^1] == '"') raw = raw[1..^1];
        if (!raw.StartsWith("${"u8) || !raw.EndsWith("]}"u8) || raw.Length < 6) return null;
        var inner = raw[2..^1];
        if (!(inner.EndsWith("[@]"u8) || inner.EndsWith("[*]"u8))) return null;
        var key = Encoding.UTF8.GetString(inner[..^3]) + "[@]";
        return vars.TryGetValue(key, out var v) ? (v.Length == 0 ? [] : v.Split(Sep)) : null;
    }
}
