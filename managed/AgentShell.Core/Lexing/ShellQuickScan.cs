namespace AgentShell.Core.Lexing;

/// <summary>The quick path of shell-string classification: one allocation-free pass over the
/// tokens that says whether any command in the string could matter. A string matters when a word in
/// command position is a name the caller knows (tools, wrappers, shells, eval),
/// is quoted or built by an expansion or substitution (its name is not plain), or when the string
/// holds a substitution anywhere, redirects to bash's /dev/tcp or /dev/udp, or is malformed. Everything else (<c>ls -la &amp;&amp; npm test</c>)
/// needs no parse.</summary>
public static class ShellQuickScan
{
    /// <summary>Decides whether <paramref name="script"/> needs the full parse.</summary>
    public static bool MayMatter(ReadOnlySpan<byte> script, IsKnownName isKnown, IsTrigger? trigger = null)
    {
        var lexer = new ShellLexer(script);
        bool commandPosition = true, skipName = false;
        ReadOnlySpan<byte> conditional = default; // a command that matters only with certain arguments
        for (int guard = 0; ; guard++)
        {
            var t = lexer.Next();
            switch (t.Kind)
            {
                case ShellTokenKind.End:
                    return lexer.SawUnterminated;
                case ShellTokenKind.Word:
                {
                    if ((t.Flags & (ShellWordFlags.CommandSubstitution | ShellWordFlags.Unterminated)) != 0) return true;
                    var w = t.Text;
                    if (w.SequenceEqual("{"u8) || w.SequenceEqual("}"u8)) { commandPosition = true; continue; } // a group opens or closes
                    if (!commandPosition)
                    {
                        if (!conditional.IsEmpty && (t.Flags != 0 || trigger == null || trigger(conditional, w))) return true;
                        continue;
                    }
                    if (skipName) { skipName = false; continue; } // "function NAME"
                    if ((t.Flags & (ShellWordFlags.Quoted | ShellWordFlags.Expansion)) != 0) return true;
                    if (IsAssignment(w)) continue;          // still in command position
                    if (w.SequenceEqual("function"u8)) { skipName = true; continue; }
                    if (IsKeyword(w)) continue;
                    int slash = w.LastIndexOf((byte)'/');
                    var name = slash >= 0 ? w[(slash + 1)..] : w;
                    switch (isKnown(name))
                    {
                        case KnownName.Yes: return true;
                        case KnownName.WithArguments: conditional = name; break;
                    }
                    commandPosition = false;
                    continue;
                }
                case ShellTokenKind.Redirect:
                case ShellTokenKind.HereString:
                {
                    var target = lexer.Next();
                    if (target.Kind != ShellTokenKind.Word) return true; // malformed: the full parse reports it
                    if ((target.Flags & (ShellWordFlags.CommandSubstitution | ShellWordFlags.Unterminated)) != 0) return true;
                    // bash's /dev/tcp and /dev/udp: the shell connects by itself.
                    if (target.Text.IndexOf("/dev/tcp/"u8) >= 0 || target.Text.IndexOf("/dev/udp/"u8) >= 0) return true;
                    // : > /var/lib/postgresql/…/PG_VERSION, > /dev/sda: the shell truncates by itself.
                    if (t.Kind == ShellTokenKind.Redirect && FileRedirect.Truncates(t.Text) && FileRedirect.Of(target.Text) != null) return true;
                    continue;
                }
                case ShellTokenKind.HereDoc:
                    // An unquoted body is expanded: a substitution there runs.
                    if ((t.Flags & ShellWordFlags.QuotedDelimiter) == 0 && (t.Body.IndexOf("$("u8) >= 0 || t.Body.IndexOf((byte)'`') >= 0)) return true;
                    if ((t.Flags & ShellWordFlags.Unterminated) != 0) return true;
                    continue;
                case ShellTokenKind.CaseEnd:
                    return true; // case arms (and the syntax error of a stray ';;') take the full parse
                default:
                    commandPosition = true;
                    conditional = default;
                    continue;
            }
        }
    }

    /// <summary>Whether a command basename is one the classifier handles.</summary>
    public enum KnownName : byte
    {
        /// <summary>Not handled: the command cannot matter.</summary>
        No,
        /// <summary>Handled: the string needs the full parse.</summary>
        Yes,
        /// <summary>Handled only with certain arguments (<c>git push</c>): ask <see cref="IsTrigger"/> per word.</summary>
        WithArguments,
    }

    /// <summary>Answers whether a command basename is one the classifier handles.</summary>
    public delegate KnownName IsKnownName(ReadOnlySpan<byte> name);

    /// <summary>Answers whether <paramref name="word"/> (raw) makes a <see cref="KnownName.WithArguments"/>
    /// command matter.</summary>
    public delegate bool IsTrigger(ReadOnlySpan<byte> command, ReadOnlySpan<byte> word);

    private static bool IsAssignment(ReadOnlySpan<byte> w)
    {
        int eq = w.IndexOf((byte)'=');
        if (eq <= 0 || !ShellWord.IsNameStart(w[0])) return false;
        foreach (byte b in w[..eq]) if (!ShellWord.IsNameChar(b)) return false;
        return true;
    }

    private static bool IsKeyword(ReadOnlySpan<byte> w) =>
        w.SequenceEqual("if"u8) || w.SequenceEqual("then"u8) || w.SequenceEqual("else"u8) || w.SequenceEqual("elif"u8)
        || w.SequenceEqual("do"u8) || w.SequenceEqual("while"u8) || w.SequenceEqual("until"u8) || w.SequenceEqual("!"u8)
        || w.SequenceEqual("{"u8) || w.SequenceEqual("}"u8) || w.SequenceEqual("fi"u8) || w.SequenceEqual("done"u8)
        || w.SequenceEqual("esac"u8) || w.SequenceEqual("time"u8);
}
