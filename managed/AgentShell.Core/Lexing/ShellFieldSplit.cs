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

    // Stands for an empty quoted string ("" or '') while a word is split: it is no IFS character,
    // so it anchors a field as bash's quoted null does, and is removed from the fields after.
    private const char QuotedNull = '\uE000';

    /// <summary>The IFS in effect: only one the string itself assigns. bash and dash set IFS to space,
    /// tab, newline when they start, whatever the environment holds (IFS=, bash -c '…; $c' splits
    /// on blanks), so an inherited IFS is never the one in effect (review42 F7).</summary>
    internal static string Ifs(Dictionary<string, string> assigned) => assigned.TryGetValue("IFS", out var v) ? v : DefaultIfs;

    /// <summary>The words an unquoted expansion in <paramref name="token"/> (decoded: <paramref name="text"/>)
    /// makes with the IFS the string assigns (<paramref name="assigned"/>); null when it stays one.</summary>
    internal static string[]? Words(in ShellToken token, string text, Dictionary<string, string> assigned, Func<string, string?> lookup)
    {
        // PERF: only a word with an expansion (rare on the hot path) is looked at.
        if ((token.Flags & ShellWordFlags.Expansion) == 0) return null;
        var ifs = Ifs(assigned);
        return Fields(token, text, ifs, out var marked) ?? (marked == null ? null : SplitMarked(ShellWord.Decode(marked, lookup, null, out _), ifs));
    }

    /// <summary>The fields <paramref name="text"/> (decoded from <paramref name="token"/>) splits into, or
    /// null when it is one word or splitting is not modelled for it. A word that is unquoted
    /// expansions and literals plus empty quotes (<c>$c""</c>, <c>''$c</c>) is split too, as bash
    /// does: then <paramref name="marked"/> is its raw text with each empty quote a marker, to decode
    /// and hand to <see cref="SplitMarked"/> (review42 F8: <c>$c""</c> was one word).</summary>
    internal static string[]? Fields(in ShellToken token, string text, string ifs, out byte[]? marked)
    {
        marked = null;
        // PERF: only a word with an expansion (rare on the hot path) is looked at.
        if ((token.Flags & ShellWordFlags.Expansion) == 0) return null;
        if (ifs.Length == 0 || text.AsSpan().IndexOfAny(ifs) < 0) return null;
        if ((token.Flags & ShellWordFlags.Quoted) != 0)
        {
            // PERF: "fix $x now" (a quoted word) allocates nothing; only one with an empty quote is looked at.
            if (token.Text.IndexOf("\"\""u8) < 0 && token.Text.IndexOf("''"u8) < 0) return null;
            marked = EmptyQuotesMarked(token.Text);
            if (marked != null && !LiteralsOutsideIfs(Encoding.UTF8.GetString(marked), ifs)) marked = null;
            return null;
        }
        return LiteralsOutsideIfs(Encoding.UTF8.GetString(token.Text), ifs) ? Split(text, ifs) : null;
    }

    /// <summary>Splits a word decoded from <see cref="Fields"/>'s marked text, then drops the markers.</summary>
    internal static string[] SplitMarked(string text, string ifs)
    {
        var fields = Split(text, ifs);
        for (int i = 0; i < fields.Length; i++) fields[i] = fields[i].Replace(QuotedNull.ToString(), "", StringComparison.Ordinal);
        return fields;
    }

    // raw with each "" and '' a QuotedNull; null when it holds any other quoting, an escape or a
    // command substitution (not modelled: the word stays one).
    private static byte[]? EmptyQuotesMarked(ReadOnlySpan<byte> raw)
    {
        var sb = new StringBuilder();
        var text = Encoding.UTF8.GetString(raw);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '"' or '\'' && i + 1 < text.Length && text[i + 1] == c && (i == 0 || text[i - 1] != '$')) { sb.Append(QuotedNull); i++; continue; }
            if (c is '"' or '\'' or '\\' or '`' || c == '$' && i + 1 < text.Length && text[i + 1] is '(' or '\'' or '"') return null;
            sb.Append(c);
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    // The literal parts of a word (outside $NAME / ${…}) must hold no IFS character: then splitting
    // the whole decoded word is splitting its expansions.
    private static bool LiteralsOutsideIfs(string literal, string ifs)
    {
        for (int i = 0; i < literal.Length; i++)
        {
            if (literal[i] == '$' && i + 1 < literal.Length)
            {
                if (literal[i + 1] == '{') { int close = literal.IndexOf('}', i); if (close < 0) return false; i = close; continue; }
                int j = i + 1;
                while (j < literal.Length && (char.IsAsciiLetterOrDigit(literal[j]) || literal[j] == '_')) j++;
                i = j - 1;
                continue;
            }
            if (ifs.Contains(literal[i])) return false;
        }
        return true;
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
