using System.Text;

namespace AgentShell.Core.Lexing;

/// <summary>Where a simple command's standard input comes from.</summary>
public enum StdinKind : byte
{
    /// <summary>Inherited (a terminal, or whatever the caller gave).</summary>
    Inherited,
    /// <summary>A here-doc or here-string: <see cref="ShellCommand.StdinText"/> holds it.</summary>
    Text,
    /// <summary>A redirection from a file: <see cref="ShellCommand.StdinFile"/>.</summary>
    File,
    /// <summary>The output of the previous command of a pipeline: <see cref="ShellCommand.PipeSource"/>.</summary>
    Pipe,
}

/// <summary>One simple command of a shell string, decoded.</summary>
public sealed class ShellCommand
{
    /// <summary>Words after assignments and redirections were taken out; Words[0] is the command name.</summary>
    public List<string> Words { get; } = [];
    /// <summary>Parallel to <see cref="Words"/>: the word held an expansion whose value is unknown.</summary>
    public List<bool> Dynamic { get; } = [];
    /// <summary><c>NAME=value</c> prefixes (the command's environment additions).</summary>
    public List<KeyValuePair<string, string>> Assignments { get; } = [];
    /// <summary>Where stdin comes from.</summary>
    public StdinKind Stdin { get; set; }
    /// <summary>Here-doc body or here-string (with its trailing newline).</summary>
    public string? StdinText { get; set; }
    /// <summary>File of a <c>&lt; FILE</c> redirection.</summary>
    public string? StdinFile { get; set; }
    /// <summary>The command whose output feeds this one.</summary>
    public ShellCommand? PipeSource { get; set; }
    /// <summary>Working directory after the script's earlier literal <c>cd</c>s (null: unchanged).</summary>
    public string? WorkingDirectory { get; set; }
    /// <summary>True when an earlier <c>cd</c> went somewhere that cannot be known.</summary>
    public bool WorkingDirectoryUnknown { get; set; }
    /// <summary>Byte offset in the script.</summary>
    public int Offset { get; init; }
    /// <summary>True when a redirection of this command writes a git config file (see <see cref="ShellStateChanges"/>).</summary>
    public bool WritesGitConfig { get; set; }
    /// <summary>Files this command's redirections write: the path, whether it appends (<c>&gt;&gt;</c>), and
    /// whether what goes there is the command's stdout (<c>&gt;</c>, <c>1&gt;</c>, <c>&amp;&gt;</c>), or null
    /// (PERF: most commands write none).</summary>
    public List<(string Path, bool Append, bool Stdout)>? WrittenFiles { get; set; }
}

/// <summary>A shell string split into simple commands (including those inside substitutions) and
/// the constructs that could not be understood.</summary>
public sealed class ShellScript
{
    /// <summary>Simple commands in source order; commands of substitutions come before the command
    /// whose words hold them (they run first).</summary>
    public List<ShellCommand> Commands { get; } = [];
    /// <summary>What could not be understood (unterminated quotes, too deep nesting).</summary>
    public List<string> Problems { get; } = [];
    /// <summary>Redirections to bash's <c>/dev/tcp/HOST/PORT</c> and <c>/dev/udp/HOST/PORT</c>: the
    /// shell itself opens a connection, with no program to exec and no argv to read.</summary>
    public List<string> NetworkRedirects { get; } = [];
    /// <summary>Files a <c>&gt;</c> redirection truncates that a default rule guards (see <see cref="FileRedirect"/>).</summary>
    public List<(string Path, AgentShell.Core.Model.Effect Effect)> TruncatedFiles { get; } = [];
    /// <summary>Functions defined with a brace or subshell body (<c>f() { …; }</c>, <c>function f { …; }</c>, <c>f() ( … )</c>): the
    /// name and the byte range of the body inside the braces, for a call that passes arguments.</summary>
    public List<(string Name, int Start, int End)> Functions { get; } = [];
    /// <summary>Names a bare <c>NAME=value</c> or <c>export</c> sets (no command with it): a shell that
    /// keeps its state keeps them for every later command. Null when none (PERF: most scripts set none).</summary>
    public List<string>? Assigned { get; internal set; }
}

/// <summary>Builds <see cref="ShellScript"/>s from <see cref="ShellLexer"/> tokens. Control
/// keywords (<c>if</c>, <c>while</c>, <c>for</c>, <c>case</c>, <c>{</c>, functions) are stepped
/// over so the commands inside them are seen; subshells are groups. Variables assigned by a bare
/// <c>NAME=value</c> with a literal value are remembered for later expansions, and literal
/// <c>cd DIR</c> updates the working directory later commands see.</summary>
public static class ShellParser
{
    /// <summary>Maximum nesting of command substitutions parsed.</summary>
    public const int MaxDepth = 8;

    private static readonly HashSet<string> SkipKeywords = new(StringComparer.Ordinal)
    {
        "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac", "in", "]]",
    };

    /// <summary>Parses <paramref name="source"/>. <paramref name="lookup"/> answers environment
    /// variables; <paramref name="workingDirectory"/> seeds <c>cd</c> tracking.</summary>
    public static ShellScript Parse(ReadOnlySpan<byte> source, Func<string, string?>? lookup, string? workingDirectory = null)
    {
        var script = new ShellScript();
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        string? Lookup(string n) => vars.TryGetValue(n, out var v) ? v : lookup?.Invoke(n);
        var state = new State { Cwd = workingDirectory };
        ParseInto(source, Lookup, vars, script, 0, state);
        return script;
    }

    private sealed class State
    {
        public string? Cwd;
        public bool CwdUnknown;
        public readonly Dictionary<string, string> Exported = new(StringComparer.Ordinal);
    }

    private static void ParseInto(ReadOnlySpan<byte> source, Func<string, string?> lookup, Dictionary<string, string> vars,
        ShellScript script, int depth, State state)
    {
        if (depth > MaxDepth) { script.Problems.Add($"nesting deeper than {MaxDepth}"); return; }
        var lexer = new ShellLexer(source);
        ShellCommand? cur = null;
        ShellCommand? pipeFrom = null;
        var subs = new List<string>();
        bool skipToSeparator = false;  // "for x in a b c" header
        bool caseHeader = false;       // "case WORD in"
        bool casePattern = false;      // "a|b)" of a case arm
        int caseDepth = 0;
        int parenDepth = 0;
        string? fnName = null; // a function whose brace body is next or open
        int fnStart = -1, fnDepth = 0;
        int fnParen = 0; // a subshell body f() ( … ): the paren depth its ')' closes; 0 for a brace body
        int arrayAt = -1; // where a '(' would start an array literal (just after NAME=)
        while (true)
        {
            var t = lexer.Next();
            switch (t.Kind)
            {
                case ShellTokenKind.End:
                    Finish();
                    if (lexer.SawUnterminated) script.Problems.Add("unterminated quote, substitution or here-doc");
                    return;
                case ShellTokenKind.Word:
                {
                    var text = ShellWord.Decode(t.Text, lookup, subs, out bool dyn);
                    FlushSubstitutions();
                    if (skipToSeparator) { if (caseHeader && text == "in" && !dyn) { skipToSeparator = caseHeader = false; casePattern = true; } continue; }
                    if (casePattern) { if (text == "esac" && !dyn) { casePattern = false; caseDepth = Math.Max(0, caseDepth - 1); } continue; }
                    if (cur == null || cur.Words.Count == 0)
                    {
                        if (!dyn && (t.Flags & ShellWordFlags.Quoted) == 0)
                        {
                            if (fnName != null && fnParen == 0)
                            {
                                if (text == "{") { if (fnStart < 0) { fnStart = t.Offset + 1; fnDepth = 1; } else fnDepth++; }
                                else if (text == "}" && fnStart >= 0 && --fnDepth == 0) { script.Functions.Add((fnName, fnStart, t.Offset)); fnName = null; fnStart = -1; }
                                else if (fnStart < 0) fnName = null;
                            }
                            if (SkipKeywords.Contains(text)) continue;
                            if (text is "for" or "select") { skipToSeparator = true; continue; }
                            if (text == "case") { skipToSeparator = caseHeader = true; caseDepth++; continue; }
                            if (text == "esac") { caseDepth = Math.Max(0, caseDepth - 1); continue; }
                            if (text == "function") { skipToSeparator = false; cur ??= NewCommand(t.Offset); cur.Words.Add("function"); cur.Dynamic.Add(false); continue; }
                            if (text == "[[") { if (!SkipUntil(ref lexer, "]]"u8)) script.Problems.Add("'[[' without ']]'"); continue; }
                        }
                        int eq = text.IndexOf('=');
                        if (eq > 0 && IsName(text.AsSpan(0, eq)) && IsAssignmentRaw(t.Text))
                        {
                            cur ??= NewCommand(t.Offset);
                            cur.Assignments.Add(new(text[..eq], TildeAfterEquals(text, eq, t.Text, lookup)));
                            arrayAt = eq == text.Length - 1 ? t.Offset + t.Text.Length : -1; // NAME=( follows?
                            continue;
                        }
                    }
                    cur ??= NewCommand(t.Offset);
                    if (cur.Words.Count == 1 && cur.Words[0] == "function") { cur.Words.Clear(); cur.Dynamic.Clear(); if (fnStart < 0) fnName = text; continue; }
                    // bash expands it in the arguments of its declaration builtins too (export KUBECONFIG=~/.kube/prod).
                    if (cur.Words.Count > 0 && cur.Words[0] is "export" or "declare" or "local" or "readonly" or "typeset" && !cur.Dynamic[0]
                        && text.IndexOf('=') is int aeq && aeq > 0 && IsName(text.AsSpan(0, aeq)) && IsAssignmentRaw(t.Text))
                        text = text[..(aeq + 1)] + TildeAfterEquals(text, aeq, t.Text, lookup);
                    if (dyn && ShellArrays.Elements(t.Text, vars) is string[] elems) { foreach (var e in elems) { cur.Words.Add(e); cur.Dynamic.Add(false); } continue; }
                    if (!dyn && ShellFieldSplit.Words(t, text, vars, lookup) is string[] fields) { foreach (var f in fields) { cur.Words.Add(f); cur.Dynamic.Add(false); } continue; }
                    cur.Words.Add(text);
                    cur.Dynamic.Add(dyn);
                    continue;
                }
                case ShellTokenKind.Redirect:
                {
                    var op = t.Text;
                    var target = lexer.Next();
                    if (target.Kind != ShellTokenKind.Word) { script.Problems.Add("redirection without a target"); continue; }
                    var file = ShellWord.Decode(target.Text, lookup, subs, out _);
                    FlushSubstitutions();
                    if (file.StartsWith("/dev/tcp/", StringComparison.Ordinal) || file.StartsWith("/dev/udp/", StringComparison.Ordinal))
                        script.NetworkRedirects.Add(file);
                    else if (FileRedirect.Truncates(op) && FileRedirect.Of(file) is { } cut)
                        script.TruncatedFiles.Add((file, cut));
                    if (op.IndexOf((byte)'>') >= 0 && ShellStateChanges.IsGitConfigFile(file)) (cur ??= NewCommand(t.Offset)).WritesGitConfig = true;
                    if (op.IndexOf((byte)'>') >= 0 && op.IndexOf((byte)'<') < 0 && !op.EndsWith(">&"u8) && !file.StartsWith("/dev/", StringComparison.Ordinal))
                        ((cur ??= NewCommand(t.Offset)).WrittenFiles ??= []).Add((file, op.IndexOf(">>"u8) >= 0, op[0] is (byte)'>' or (byte)'1' or (byte)'&'));
                    if (op.Length > 0 && op[^1] == '<' && (op.Length == 1 || op[0] == '0' && op.Length == 2))
                    {
                        cur ??= NewCommand(t.Offset);
                        cur.Stdin = StdinKind.File;
                        cur.StdinFile = file;
                    }
                    continue;
                }
                case ShellTokenKind.HereDoc:
                {
                    cur ??= NewCommand(t.Offset);
                    cur.Stdin = StdinKind.Text;
                    // An unquoted delimiter expands the body; commands substituted there run too.
                    if ((t.Flags & ShellWordFlags.QuotedDelimiter) == 0)
                    {
                        cur.StdinText = DecodeHereDocBody(t.Body, lookup, subs);
                        FlushSubstitutions();
                    }
                    else cur.StdinText = Encoding.UTF8.GetString(t.Body);
                    continue;
                }
                case ShellTokenKind.HereString:
                {
                    var w = lexer.Next();
                    if (w.Kind != ShellTokenKind.Word) { script.Problems.Add("here-string without a word"); continue; }
                    cur ??= NewCommand(t.Offset);
                    cur.Stdin = StdinKind.Text;
                    cur.StdinText = ShellWord.Decode(w.Text, lookup, subs, out _) + "\n";
                    FlushSubstitutions();
                    continue;
                }
                case ShellTokenKind.Pipe when casePattern:
                    continue;
                case ShellTokenKind.Pipe:
                {
                    var from = cur;
                    Finish();
                    pipeFrom = from ?? new ShellCommand { Offset = t.Offset }; // "(...) | x": opaque source
                    continue;
                }
                case ShellTokenKind.OpenParen when casePattern:
                    continue;
                case ShellTokenKind.CloseParen when casePattern:
                    casePattern = false;
                    continue;
                case ShellTokenKind.OpenParen when arrayAt == t.Offset && cur is { Words.Count: 0, Assignments.Count: > 0 }:
                    cur.Assignments[^1] = new(cur.Assignments[^1].Key, ShellArrays.Read(ref lexer, cur.Assignments[^1].Key, lookup, subs, vars));
                    FlushSubstitutions();
                    continue;
                case ShellTokenKind.OpenParen:
                    // f() ( … ): the body runs in a subshell each call; kept as a brace body is.
                    if (fnName != null && fnStart < 0 && (cur == null || cur.Words.Count == 0))
                    {
                        Finish();
                        parenDepth++;
                        fnStart = t.Offset + 1;
                        fnParen = parenDepth;
                        continue;
                    }
                    // "name ( )" defines a function: the name is not a command.
                    if (cur != null && cur.Words.Count == 1 && cur.Assignments.Count == 0)
                    {
                        if (fnStart < 0) fnName = cur.Words[0];
                        cur = null;
                        continue;
                    }
                    Finish();
                    parenDepth++;
                    continue;
                case ShellTokenKind.CloseParen:
                    // "pattern)" in a case arm.
                    if (parenDepth == 0) { cur = null; pipeFrom = null; continue; }
                    if (fnParen > 0 && parenDepth == fnParen)
                    {
                        if (fnName != null && fnStart <= t.Offset) script.Functions.Add((fnName, fnStart, t.Offset));
                        fnName = null; fnStart = -1; fnParen = 0;
                    }
                    parenDepth--;
                    Finish();
                    continue;
                case ShellTokenKind.CaseEnd:
                    Finish();
                    pipeFrom = null;
                    if (caseDepth > 0) casePattern = true;
                    else script.Problems.Add("';;' outside a case");
                    continue;
                case ShellTokenKind.Separator:
                case ShellTokenKind.Background:
                case ShellTokenKind.AndIf:
                case ShellTokenKind.OrIf:
                    Finish();
                    pipeFrom = null;
                    skipToSeparator = skipToSeparator && caseHeader;
                    continue;
            }
        }

        ShellCommand NewCommand(int offset)
        {
            var c = new ShellCommand { Offset = offset, WorkingDirectory = state.Cwd, WorkingDirectoryUnknown = state.CwdUnknown };
            if (pipeFrom != null)
            {
                c.Stdin = StdinKind.Pipe;
                c.PipeSource = pipeFrom;
                pipeFrom = null;
            }
            return c;
        }

        void Finish()
        {
            if (cur == null) return;
            var c = cur;
            cur = null;
            if (c.Words.Count == 0)
            {
                // Bare assignments set shell variables for later words.
                foreach (var (k, v) in c.Assignments) { vars[k] = v; (script.Assigned ??= []).Add(k); }
                return;
            }
            // pushd DIR moves as cd DIR does; pushd alone, pushd +N/-N and popd go to a directory of the stack (not kept).
            if (c.Words[0] is "pushd" or "popd" && !c.Dynamic[0] && (c.Words[0] == "popd" || c.Words.Count < 2 || c.Words[1] is ['-' or '+', ..]))
            {
                state.Cwd = null; state.CwdUnknown = true;
                return;
            }
            if (c.Words[0] is "cd" or "pushd" && !c.Dynamic[0])
            {
                string? dir = c.Words.Count > 1 ? c.Words[1] : lookup("HOME");
                if (dir != null && (c.Words.Count < 2 || !c.Dynamic[1]) && dir != "-" && (state.Cwd != null || Path.IsPathRooted(dir)))
                {
                    state.Cwd = Path.GetFullPath(state.Cwd != null ? Path.Combine(state.Cwd, dir) : dir);
                    state.CwdUnknown = false;
                }
                else { state.Cwd = null; state.CwdUnknown = true; }
                return;
            }
            if (c.Words[0] is "export" or "unset" && !c.Dynamic[0])
            {
                // export NAME=value / export NAME: later commands get it in their environment.
                for (int i = 1; i < c.Words.Count; i++)
                {
                    var w = c.Words[i];
                    if (w.StartsWith('-')) continue;
                    int eq = w.IndexOf('=');
                    string name = eq > 0 ? w[..eq] : w;
                    if (c.Words[0] == "unset") { vars.Remove(name); state.Exported.Remove(name); continue; }
                    (script.Assigned ??= []).Add(name);
                    // export $(grep -v '^#' .env | xargs): the file's variables, as source reads them.
                    if (eq < 0 && c.Dynamic[i]) { Classification.SourcedFiles.Add(state.Exported, Classification.SourcedFiles.Entry(w, true)); continue; }
                    // A value from a substitution is kept as its text, as a bare NAME=$(…) is: a secret read by
                    // $(cat F) is F's (CredentialScan), and a target built from it is unknown, never the old value.
                    if (eq > 0) vars[name] = w[(eq + 1)..];
                    if (vars.TryGetValue(name, out var v)) state.Exported[name] = v;
                }
                return;
            }
            if (c.Words[0] is "declare" or "typeset" or "local" or "readonly" or "set" or "read" or "printf" && !c.Dynamic[0] && ShellBuiltinState.Apply(c, vars, state.Exported, script))
                return;
            // env $(cat .env | xargs) CMD: CMD's environment holds the file's variables.
            if (c.Words[0] == "env" && !c.Dynamic[0])
                for (int i = 1; i < c.Words.Count && (c.Words[i].Contains('=') || c.Dynamic[i] || c.Words[i].StartsWith('-')); i++)
                    if (c.Dynamic[i] && !c.Words[i].Contains('=')) c.Assignments.Add(new(ShellStateChanges.Sourced, Classification.SourcedFiles.Entry(c.Words[i], true)));
            if (state.Exported.Count > 0)
            {
                var own = c.Assignments.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
                c.Assignments.InsertRange(0, state.Exported.Where(kv => !own.Contains(kv.Key)));
            }
            script.Commands.Add(c);
            // What it changes for the commands after it (kubectl config use-context, terraform workspace select, …).
            ShellStateChanges.Apply(c, state.Exported);
        }

        void FlushSubstitutions()
        {
            if (subs.Count == 0) return;
            var inner = subs.ToArray();
            subs.Clear();
            foreach (var s in inner)
            {
                // PERF: substitutions are rare; they are re-encoded and parsed on their own.
                ParseInto(Encoding.UTF8.GetBytes(s), lookup, vars, script, depth + 1, state);
            }
        }
    }

    private static bool SkipUntil(ref ShellLexer lexer, ReadOnlySpan<byte> word)
    {
        while (true)
        {
            var t = lexer.Next();
            if (t.Kind == ShellTokenKind.End) return false;
            if (t.Kind == ShellTokenKind.Word && t.Text.SequenceEqual(word)) return true;
        }
    }

    /// <summary>An assignment's value, with an unquoted <c>~</c> right after its <c>=</c> expanded to
    /// the home directory as bash does (<c>KUBECONFIG=~/.kube/prod</c>).</summary>
    private static string TildeAfterEquals(string text, int eq, ReadOnlySpan<byte> raw, Func<string, string?> lookup)
    {
        var value = text[(eq + 1)..];
        if (raw.Length > eq + 1 && raw[eq + 1] == '~' && (raw.Length == eq + 2 || raw[eq + 2] == '/')
            && value.StartsWith('~') && lookup("HOME") is string home)
            return home + value[1..];
        return value;
    }

    private static bool IsName(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || !(char.IsAsciiLetter(s[0]) || s[0] == '_')) return false;
        foreach (char c in s) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }

    // The name part of an assignment must be unquoted: "A"=b is a command named A=b.
    private static bool IsAssignmentRaw(ReadOnlySpan<byte> raw)
    {
        int eq = raw.IndexOf((byte)'=');
        if (eq <= 0) return false;
        foreach (byte b in raw[..eq]) if (!ShellWord.IsNameChar(b)) return false;
        return true;
    }

    private static string DecodeHereDocBody(ReadOnlySpan<byte> body, Func<string, string?> lookup, List<string> subs)
    {
        if (body.IndexOf((byte)'$') < 0 && body.IndexOf((byte)'`') < 0) return Encoding.UTF8.GetString(body);
        // Expand line by line as inside double quotes (quotes themselves are literal in a body).
        var sb = new StringBuilder(body.Length);
        int start = 0;
        while (start <= body.Length)
        {
            int e = body[start..].IndexOf((byte)'$');
            int b = body[start..].IndexOf((byte)'`');
            int next = e < 0 ? b : b < 0 ? e : Math.Min(e, b);
            if (next < 0) { sb.Append(Encoding.UTF8.GetString(body[start..])); break; }
            sb.Append(Encoding.UTF8.GetString(body.Slice(start, next)));
            int p = start + next;
            int end = ExpansionEnd(body, p);
            sb.Append(ShellWord.Decode(body[p..end], lookup, subs, out _));
            start = end;
            if (start >= body.Length) break;
        }
        return sb.ToString();
    }

    private static int ExpansionEnd(ReadOnlySpan<byte> s, int p)
    {
        // Lex just this expansion as a word: it ends where a word would.
        var lexer = new ShellLexer(s[p..]);
        var t = lexer.Next();
        if (t.Kind != ShellTokenKind.Word || t.Text.Length == 0) return p + 1;
        // A word runs on to the next blank; stop the plain-text tail at the first quote-free
        // non-name byte after a simple $NAME so "$x," keeps its comma as text.
        if (s[p] == '$' && p + 1 < s.Length && ShellWord.IsNameStart(s[p + 1]))
        {
            int q = p + 1;
            while (q < s.Length && ShellWord.IsNameChar(s[q])) q++;
            return q;
        }
        return p + t.Text.Length;
    }
}
