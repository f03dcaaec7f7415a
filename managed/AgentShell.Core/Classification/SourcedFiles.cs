using AgentShell.Core.Config;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

/// <summary>Variables a shell string loaded from a file before a later command of it: <c>source F</c>,
/// <c>. F</c>, <c>export $(grep -v '^#' F | xargs)</c>, <c>env $(cat F | xargs) CMD</c>. Under <c>run</c> each
/// exec carries the real environment; <c>check</c> and the hooks see the string before it runs, so the
/// parser records the file (<see cref="ShellStateChanges.Sourced"/>) and a later command's context reads it
/// as the shell would, from the cwd, bounded and cached by file identity (<see cref="IExecContext.ReadConfigFile"/>).
/// A value the file sets wins over any other assignment of the string (fail closed: the order of an export
/// and a source is not kept); a file that cannot be read, or a name given by a variable, makes every
/// variable but the shell's own not known, so a target built from one is unknown.</summary>
internal static class SourcedFiles
{
    // Variables a sourced env file does not plausibly change and every tool reads (its config paths).
    private static readonly HashSet<string> ShellOwn = new(StringComparer.Ordinal)
    {
        "HOME", "PATH", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "TERM", "LANG", "TMPDIR", "HOSTNAME",
    };

    /// <summary>The list entry for a word that names a file; a substitution's words (<c>$(cat F | xargs)</c>)
    /// name candidates, of which those that exist are read; any other dynamic word is not known.</summary>
    internal static string Entry(string word, bool dynamic)
    {
        if (!dynamic) return word.Length == 0 ? ShellStateChanges.NotKnown : word;
        if (!word.Contains("$(", StringComparison.Ordinal) && !word.Contains('`')) return ShellStateChanges.NotKnown;
        var files = new List<string>();
        foreach (var w in word.Split([' ', '\t', '|', ';', '(', ')', '`', '<', '>', '"', '\''], StringSplitOptions.RemoveEmptyEntries))
            if (w[0] is not ('-' or '$' or '^' or '#') && (w.Contains('.') || w.Contains('/')) && !w.Contains('='))
                files.Add("?" + w); // "?": read when it exists, as the substitution's program would
        return files.Count == 0 ? ShellStateChanges.NotKnown : string.Join('\n', files);
    }

    /// <summary>Appends <paramref name="entry"/> to the string's list (newline-separated).</summary>
    internal static void Add(Dictionary<string, string> exported, string entry) =>
        exported[ShellStateChanges.Sourced] = exported.TryGetValue(ShellStateChanges.Sourced, out var had) ? had + "\n" + entry : entry;

    /// <summary>NAME as the sourced files set it: its value, <see cref="ShellStateChanges.NotKnown"/> when a
    /// file could not be read, or null when none sets it.</summary>
    internal static string? Lookup(IExecContext ctx, string list, string name)
    {
        if (name.StartsWith("AGENTSHELL_", StringComparison.Ordinal) || ShellOwn.Contains(name)) return null;
        string? value = null;
        bool unknown = false, anyRead = false, anyCandidate = false;
        foreach (var raw in list.Split('\n'))
        {
            if (raw == ShellStateChanges.NotKnown) { unknown = true; continue; }
            bool candidate = raw[0] == '?';
            var path = candidate ? raw[1..] : raw;
            if (path.StartsWith("~/", StringComparison.Ordinal) && ctx.GetEnvironmentVariable("HOME") is string home) path = home + path[1..];
            var file = ctx.ReadConfigFile(path);
            if (candidate) { anyCandidate = true; if (!file.Exists) continue; }
            if (!file.Exists || file.Unaccountable) { unknown = true; continue; }
            anyRead = true;
            // Later files win, as later sources do.
            if (file.Parsed(Parse).TryGetValue(name, out var v)) value = v;
        }
        if (anyCandidate && !anyRead) unknown = true;
        return value ?? (unknown ? ShellStateChanges.NotKnown : null);
    }

    private static Dictionary<string, string> Parse(ConfigFile f)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in Credentials.CredentialFileSet.Values(f.Text))
            if (key != null && key.Length > 0 && !key.Contains(' ')) d[key] = value;
        return d;
    }
}
