using System.Text;

namespace AgentShell.Core.Lexing;

/// <summary>The parameter expansions an agent builds a word with, when every part is known:
/// <c>${NAME:-WORD}</c>/<c>${NAME-WORD}</c> (and <c>:=</c>/<c>=</c>), <c>${NAME:+WORD}</c>/<c>${NAME+WORD}</c>,
/// <c>${NAME/PAT/REP}</c> and <c>${NAME//PAT/REP}</c> with literal PAT and REP, and <c>${!NAME}</c> (indirection).
/// NAME's value is the string's own assignment or the environment's; an unset NAME is unknown (as a bare
/// <c>$NAME</c> is: the run's environment may set it), so its default is not taken. A WORD, PAT or REP holding another expansion, a quote or a glob is not modelled: null
/// (the word stays unknown).</summary>
internal static class ShellParamExpansion
{
    internal static string? Expand(ReadOnlySpan<byte> inner, Func<string, string?> lookup)
    {
        // PERF: only braced expansions that are no simple name come here (rare outside agents' one-liners).
        var t = Encoding.UTF8.GetString(inner);
        if (t.Length > 1 && t[0] == '!')
        {
            var name = t[1..];
            return IsName(name) && lookup(name) is string target && IsName(target) ? lookup(target) : null;
        }
        int i = 0;
        while (i < t.Length && (char.IsAsciiLetterOrDigit(t[i]) || t[i] == '_')) i++;
        if (i == 0 || i == t.Length) return null;
        var n = t[..i];
        if (!IsName(n) && n != "0") return null;
        // $0 is the shell's name, which the string does not say (bash, sh, an argv0 given to -c): unknown.
        if (n == "0") return null;
        string? value = lookup(n);
        var rest = t[i..];
        if (rest[0] is ':' or '-' or '=' or '+')
        {
            bool colon = rest[0] == ':';
            if (colon && rest.Length < 2) return null;
            char op = colon ? rest[1] : rest[0];
            if (op is not ('-' or '=' or '+')) return null;
            var word = rest[(colon ? 2 : 1)..];
            if (!Literal(word)) return null;
            // An unset NAME is unknown here, as a bare $NAME is: the run's environment may set it.
            if (value == null) return null;
            bool set = !colon || value.Length > 0;
            return op == '+' ? (set ? word : "") : set ? value : word;
        }
        if (rest[0] == '/' && value != null)
        {
            bool all = rest.Length > 1 && rest[1] == '/';
            var body = rest[(all ? 2 : 1)..];
            int slash = body.IndexOf('/');
            var pat = slash < 0 ? body : body[..slash];
            var rep = slash < 0 ? "" : body[(slash + 1)..];
            // An & in the replacement is the matched text in bash 5.2 (patsub_replacement), itself elsewhere: unknown.
            if (pat.Length == 0 || pat[0] is '#' or '%' || !Literal(pat) || pat.IndexOfAny(['*', '?', '[']) >= 0 || !Literal(rep) || rep.Contains('&')) return null;
            if (all) return value.Replace(pat, rep, StringComparison.Ordinal);
            int at = value.IndexOf(pat, StringComparison.Ordinal);
            return at < 0 ? value : value[..at] + rep + value[(at + pat.Length)..];
        }
        return null;
    }

    private static bool Literal(string s) => s.IndexOfAny(['$', '`', '"', '\'', '\\', '{', '}']) < 0;

    private static bool IsName(string s)
    {
        if (s.Length == 0 || !(char.IsAsciiLetter(s[0]) || s[0] == '_')) return false;
        foreach (var c in s) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }
}
