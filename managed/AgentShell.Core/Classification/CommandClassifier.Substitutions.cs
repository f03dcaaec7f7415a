using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

// A command substitution whose output is known, inside a word (curl -X $(echo DELETE), TF_WORKSPACE=$(echo prod),
// sh -c "$(printf '\x6b\x75…') --context prod-eu delete ns payments"): the word is what the shell makes of it.
// Only for words of a shell string (dyn != null): an exec's argv holds no substitution, so the hot path never
// comes here. An output with a blank is not put in a word (the split depends on quoting the lexer has
// dropped): the word stays unknown.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        /// <summary><paramref name="word"/> with each <c>$(…)</c> or <c>`…`</c> replaced by its known output;
        /// null when one is not known or the word holds another expansion.</summary>
        private static string? WithKnownSubstitutions(string word, IExecContext ctx, bool allowBlanks)
        {
            var sb = new StringBuilder(word.Length);
            int n = 0;
            for (int i = 0; i < word.Length; i++)
            {
                char c = word[i];
                int end = -1;
                if (c == '$' && i + 1 < word.Length && word[i + 1] == '(' && !(i + 2 < word.Length && word[i + 2] == '(')) end = Close(word, i + 2);
                else if (c == '`') end = word.IndexOf('`', i + 1) + 1;
                else if (c == '$') return null; // a variable the lexer could not expand
                if (end <= 0) { if (c is '$' or '`') return null; sb.Append(c); continue; }
                if (++n > 8 || SubstitutedOutput(word[i..end], ctx) is not string output) return null;
                if (!allowBlanks && output.AsSpan().IndexOfAny(" \t\n") >= 0) return null;
                sb.Append(output);
                i = end - 1;
            }
            return n == 0 ? null : sb.ToString();
        }

        // Just after the ')' closing a "$(" whose contents start at from (quotes and nesting followed), or -1.
        private static int Close(string s, int from)
        {
            int depth = 1;
            for (int i = from; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '\\') { i++; continue; }
                if (c == '\'') { int q = s.IndexOf('\'', i + 1); if (q < 0) return -1; i = q; continue; }
                if (c == '(') depth++;
                else if (c == ')' && --depth == 0) return i + 1;
            }
            return -1;
        }

        /// <summary>The words of a shell string's command with known substitutions put in (copies of the
        /// arrays), or the same arrays when none is.</summary>
        private static void PutKnownSubstitutions(ref string[] words, ref bool[]? dyn, int start, IExecContext ctx)
        {
            if (dyn == null) return;
            bool copied = false;
            for (int i = start; i < words.Length; i++)
            {
                if (!dyn[i] || (!words[i].Contains("$(", StringComparison.Ordinal) && !words[i].Contains('`'))) continue;
                if (WithKnownSubstitutions(words[i], ctx, false) is not string known) continue;
                if (!copied) { words = (string[])words.Clone(); dyn = (bool[])dyn.Clone(); copied = true; }
                (words[i], dyn[i]) = (known, false);
            }
        }

        /// <summary>A command's <c>NAME=$(…)</c> prefixes with known outputs put in (the same list when none is).</summary>
        private static List<KeyValuePair<string, string>> KnownAssignments(List<KeyValuePair<string, string>> assigns, IExecContext ctx)
        {
            List<KeyValuePair<string, string>>? r = null;
            for (int i = 0; i < assigns.Count; i++)
                if (assigns[i].Value.Contains("$(", StringComparison.Ordinal) && WithKnownSubstitutions(assigns[i].Value, ctx, true) is string v)
                    (r ??= [.. assigns])[i] = new(assigns[i].Key, v);
            return r ?? assigns;
        }
    }
}
