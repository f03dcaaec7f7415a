namespace AgentShell.Core.Classification;

// A command name that is a substitution printing a program's name or path: $(which aws),
// `command -v vault`, $(echo psql). What runs is that program, so it is read as such; any other
// expansion in the command name stays unknown.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        private static readonly string[] Printers = ["echo ", "which ", "command -v ", "type -P ", "printf %s "];

        /// <summary>The program <paramref name="word"/> names when it is <c>$(P NAME)</c> or <c>`P NAME`</c>
        /// with P one of <see cref="Printers"/> and NAME a plain word; else null.</summary>
        private static string? PrintedProgram(string word)
        {
            ReadOnlySpan<char> inner;
            if (word.Length > 3 && word.StartsWith("$(", StringComparison.Ordinal) && word[^1] == ')') inner = word.AsSpan(2, word.Length - 3);
            else if (word.Length > 2 && word[0] == '`' && word[^1] == '`') inner = word.AsSpan(1, word.Length - 2);
            else return null;
            inner = inner.Trim();
            foreach (var p in Printers)
            {
                if (!inner.StartsWith(p, StringComparison.Ordinal)) continue;
                var name = inner[p.Length..].Trim();
                if (name.IsEmpty) return null;
                foreach (var ch in name)
                    if (!(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-' or '/' or '+')) return null;
                return name.ToString();
            }
            return null;
        }
    }
}
