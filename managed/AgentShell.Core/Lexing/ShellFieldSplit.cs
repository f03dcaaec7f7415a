using System.Text;

namespace AgentShell.Core.Lexing;

/// <summary>Field splitting of an unquoted expansion, as bash does it with <c>IFS</c>: <c>cmd="psql -h …";
/// $cmd</c> is the words of the value, and after <c>IFS=,</c> <c>c=kubectl,delete,ns,x; $c</c> is
/// kubectl delete ns x. Modelled for a word with no quotes whose literal text holds no IFS
/// character (then splitting the whole decoded word is splitting its expansions); anything else is
/// left one word, as before.</summary>
internal static class ShellFieldSplit
{
    private const string DefaultIfs = " \t\n";

    /// <summary>The IFS in effect: the string's or the environment's, else space, tab, newline.</summary>
    internal static string Ifs(Func<string, string?> lookup) => lookup("IFS") ?? DefaultIfs;

    /// <summary>The fields <paramref name="text"/> (decoded from <paramref name="token"/>) splits into, or
    /// null when it is one word or splitting is not modelled for it.</summary>
    internal static string[]? Fields(in ShellToken token, string text, Func<string, string?> lookup)
    {
        // PERF: only an unquoted word with an expansion (rare on the hot path) is looked at.
        if ((token.Flags & (ShellWordFlags.Quoted | ShellWordFlags.Expansion)) != ShellWordFlags.Expansion) return null;
        var raw = token.Text;
        var ifs = Ifs(lookup);
        if (ifs.Length == 0 || text.AsSpan().IndexOfAny(ifs) < 0) return null;
        // The literal parts of raw (outside $NAME / ${…}) must hold no IFS character.
        var literal = Encoding.UTF8.GetString(raw);
        for (int i = 0; i < literal.Length; i++)
        {
            if (literal[i] == '$' && i + 1 < literal.Length)
            {
                if (literal[i + 1] == '{') { int close = literal.IndexOf('}', i); if (close < 0) return null; i = close; continue; }
                int j = i + 1;
                while (j < literal.Length && (char.IsAsciiLetterOrDigit(literal[j]) || literal[j] == '_')) j++;
                i = j - 1;
                continue;
            }
            if (ifs.Contains(literal[i])) return null;
        }
        return Split(text, ifs);
    }

    /// <summary>Splits as bash does: IFS whitespace runs (and at the ends) separate without empty fields;
    /// each other IFS character ends a field (empty ones kept).</summary>
    internal static string[] Split(string text, string ifs)
    {
        var fields = new List<string>();
        var cur = new StringBuilder();
        bool pending = false;
        int i = 0;
        while (i < text.Length && ifs.Contains(text[i]) && char.IsWhiteSpace(text[i])) i++;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!ifs.Contains(c)) { cur.Append(c); pending = true; continue; }
            // One field ends; whitespace around a non-whitespace IFS character belongs to it.
            int k = i;
            while (k < text.Length && ifs.Contains(text[k]) && char.IsWhiteSpace(text[k])) k++;
            if (k < text.Length && ifs.Contains(text[k]) && !char.IsWhiteSpace(text[k]) && (char.IsWhiteSpace(c) || k == i))
            {
                k++;
                while (k < text.Length && ifs.Contains(text[k]) && char.IsWhiteSpace(text[k])) k++;
            }
            fields.Add(cur.ToString());
            cur.Clear();
            pending = false;
            i = k - 1;
        }
        if (pending) fields.Add(cur.ToString());
        return [.. fields];
    }
}
