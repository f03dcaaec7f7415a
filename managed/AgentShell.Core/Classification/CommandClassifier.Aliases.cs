using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

// Shell aliases defined in the string being classified: `alias k='psql -h prod -c'; k 'DROP …'`.
// bash expands aliases only with expand_aliases (interactive shells, and agents whose shell
// snapshot turns it on) and from the next line on; both are taken as on (fail closed): a later
// command whose name is an alias is classified as the alias's text followed by its own words.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        private Dictionary<string, string>? _aliases;

        // alias NAME=VALUE …: recorded for the commands after it in this classification.
        private void DefineAliases(string[] w, int s)
        {
            for (int i = s + 1; i < w.Length; i++)
            {
                int eq = w[i].IndexOf('=');
                if (eq > 0 && !w[i].StartsWith('-')) (_aliases ??= new(StringComparer.Ordinal))[w[i][..eq]] = w[i][(eq + 1)..];
            }
        }

        private bool ExpandAlias(string[] words, bool[]? dyn, int start, IExecContext ctx, Stdin stdin, int depth)
        {
            if (!_aliases!.TryGetValue(words[start], out var value)) return false;
            // Expanded once: an alias whose text starts with its own name is not expanded again (bash's rule).
            var aliases = _aliases;
            _aliases = null;
            try
            {
                var text = new StringBuilder(value);
                for (int i = start + 1; i < words.Length; i++) text.Append(" '").Append(words[i].Replace("'", "'\\''")).Append('\'');
                ScriptText(text.ToString(), Any(dyn, start + 1), ctx, stdin, depth, $"alias {words[start]}");
            }
            finally { _aliases = aliases; }
            return true;
        }
    }
}
