using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

// Shell functions defined in the string being classified and called with arguments:
// `run() { "$@"; }; run psql … -c 'DROP …'`. The body is classified where it is defined (what it
// runs by itself); a call classifies it again with the call's words as $1…, "$@", $* — so a
// function that forwards its arguments (run, retry, with_env, a kubectl --context wrapper) is seen
// with the command it is handed. A body that uses no positional parameter is not read again.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        private Dictionary<string, string>? _functions;

        /// <summary>A child process (a shell this one starts, an interpreter's code, a script file's
        /// text) sees the functions and aliases defined so far but cannot define any in its parent:
        /// what it defines is dropped when it ends. (Git aliases are not: a child's git config
        /// writes the repository's file, which its parent's later git reads.)</summary>
        private (Dictionary<string, string>? Functions, Dictionary<string, string>? Aliases) EnterChild()
        {
            var saved = (_functions, _aliases);
            if (_functions != null) _functions = new(_functions, _functions.Comparer);
            if (_aliases != null) _aliases = new(_aliases, _aliases.Comparer);
            return saved;
        }

        private void LeaveChild((Dictionary<string, string>? Functions, Dictionary<string, string>? Aliases) saved) =>
            (_functions, _aliases) = saved;

        private bool CallFunction(string[] words, bool[]? dyn, int start, IExecContext ctx, Stdin stdin, int depth)
        {
            var name = words[start];
            if (!_functions!.TryGetValue(name, out var body)) return false;
            var text = PositionalParameters.Substitute(body, null, false, words[(start + 1)..], dyn?[(start + 1)..]);
            if (ReferenceEquals(text, body) || text == body) return true; // classified where it was defined
            // A function that calls itself is read once (recursion would never end here).
            _functions.Remove(name);
            try { ScriptText(text, false, ctx, stdin, depth, $"function {name}"); }
            finally { _functions[name] = body; }
            return true;
        }
    }
}
