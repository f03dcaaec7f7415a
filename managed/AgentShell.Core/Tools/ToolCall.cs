using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>One unwrapped command handed to a tool parser.</summary>
public sealed class ToolCall
{
    /// <summary>Arguments after the command name.</summary>
    public required IReadOnlyList<string> Args { get; init; }
    /// <summary>The environment and cwd the command runs with (wrapper assignments applied).</summary>
    public required IExecContext Context { get; init; }
    /// <summary>What the command reads on stdin when known (here-doc, echo | ...); null otherwise.</summary>
    public string? StdinText { get; init; }
    /// <summary>True when stdin is fed by something whose content cannot be known (a pipe from an
    /// opaque program, a file that cannot be read).</summary>
    public bool StdinOpaque { get; init; }

    /// <summary>Convenience for tests.</summary>
    public static ToolCall Of(IExecContext ctx, params string[] args) => new() { Args = args, Context = ctx };
}

/// <summary>Helpers shared by tool parsers.</summary>
public static class ToolHelp
{
    /// <summary>Largest file a parser reads (request bodies, SQL files, scripts, configs).</summary>
    public const int MaxFileBytes = 256 * 1024;

    /// <summary>True when any argument asks for help or the version (nothing is done).</summary>
    public static bool AsksForHelp(IReadOnlyList<string> args, bool shortH = true) => AsksForHelp(Span(args), shortH);

    private static bool AsksForHelp(ReadOnlySpan<string> args, bool shortH)
    {
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") return false;
            if (a is "--help" or "--version" || (shortH && a == "-h")) return true;
        }
        return false;
    }

    // PERF: argv as a span. The classifier's args are arrays (and parsers' own lists are Lists), so
    // NativeAOT reads them without an interface dispatch per word; anything else is copied once
    // (only in helpers that read every word anyway: the copy never makes a call more than linear).
    internal static ReadOnlySpan<string> Span(IReadOnlyList<string> args) =>
        args is string[] a ? a : args is List<string> l ? System.Runtime.InteropServices.CollectionsMarshal.AsSpan(l) : System.Linq.Enumerable.ToArray(args);

    /// <summary>A read intent for a help request.</summary>
    public static CommandIntent Help(string tool, string token) => new()
    {
        Tool = tool, Effect = Effect.Read, Summary = "help",
        Evidence = [new Evidence(token, "prints help, does nothing")],
    };

    /// <summary>Positional words (not starting with '-') with the values of
    /// <paramref name="valued"/> options skipped; <c>--opt=value</c> forms are skipped whole.</summary>
    public static List<string> Positionals(IReadOnlyList<string> argList, ISet<string> valued, int max = int.MaxValue)
    {
        var args = Span(argList);
        var r = new List<string>();
        for (int i = 0; i < args.Length && r.Count < max; i++)
        {
            var a = args[i];
            if (a == "--") { for (i++; i < args.Length && r.Count < max; i++) r.Add(args[i]); break; }
            if (a.Length > 1 && a[0] == '-')
            {
                if (!a.Contains('=') && valued.Contains(a)) i++;
                continue;
            }
            r.Add(a);
        }
        return r;
    }

    /// <summary>Value of an option given as <c>--name value</c>, <c>--name=value</c> or (for
    /// one-letter names) <c>-nvalue</c>; the last occurrence wins. PERF: the names are a span: no
    /// array per call.</summary>
    public static string? Option(IReadOnlyList<string> argList, params ReadOnlySpan<string> names)
    {
        var args = Span(argList);
        string? value = null;
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") break;
            foreach (var n in names)
            {
                if (a == n) { if (i + 1 < args.Length) value = args[i + 1]; }
                else if (a.Length > n.Length && a.StartsWith(n, StringComparison.Ordinal))
                {
                    if (a[n.Length] == '=') value = a[(n.Length + 1)..];
                    else if (n.Length == 2 && n[0] == '-' && n[1] != '-') value = a[n.Length..];
                }
            }
        }
        return value;
    }

    /// <summary>True when a flag appears (exactly, or as <c>--flag=...</c>).</summary>
    public static bool HasFlag(IReadOnlyList<string> argList, string flag)
    {
        var args = Span(argList);
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") return false;
            if (a == flag || (a.StartsWith(flag, StringComparison.Ordinal) && a.Length > flag.Length && a[flag.Length] == '=')) return true;
        }
        return false;
    }

    /// <summary>Reads the argument at <paramref name="i"/> of a getopt-style CLI and advances past
    /// any value it takes: <c>--name=value</c>; <c>--name value</c> when <paramref name="longValued"/>
    /// holds the name; <c>-xVALUE</c>/<c>-x VALUE</c> when <paramref name="shortValued"/> holds the
    /// letter; other <c>-x</c>/<c>--name</c> flags have no value. A positional has a null name.
    /// <paramref name="token"/> is the text to quote as evidence.</summary>
    public static string? NextOption(IReadOnlyList<string> args, ref int i, ISet<string> longValued, string shortValued, out string? value, out string token)
    {
        var a = args[i];
        value = null;
        token = a;
        string name;
        if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
        {
            int eq = a.IndexOf('=');
            name = eq > 0 ? a[..eq] : a;
            if (eq > 0) { value = a[(eq + 1)..]; return name; }
            if (longValued.Contains(name)) value = i + 1 < args.Count ? args[++i] : "";
        }
        else if (a.Length >= 2 && a[0] == '-')
        {
            name = a[..2];
            if (shortValued.IndexOf(a[1]) >= 0) value = a.Length > 2 ? a[2..] : i + 1 < args.Count ? args[++i] : "";
        }
        else return null;
        if (value != null && a.Length == name.Length) token = $"{a} {value}";
        return name;
    }

    /// <summary>Builds an intent. PERF: the targets are any read-only list, so a parser's
    /// <c>[target]</c> is the compiler's one-element list, not a List and its array.</summary>
    public static CommandIntent Intent(string tool, Effect effect, string summary, IReadOnlyList<Target>? targets, List<Evidence> evidence) => new()
    {
        Tool = tool, Effect = effect, Summary = summary, Targets = targets ?? [], Evidence = evidence,
    };

    /// <summary>The more severe of two effects.</summary>
    public static Effect Max(Effect a, Effect b) => a >= b ? a : b;

    /// <summary>Reads a file through the context, as text; null when it cannot be read, or when
    /// it is stdin, a descriptor or a device under another name (<see cref="InputPaths"/>).</summary>
    public static string? ReadText(IExecContext ctx, string path)
    {
        if (InputPaths.Classify(path, ctx.WorkingDirectory) != InputPaths.Kind.File) return null;
        // One byte more than the limit: a file larger than a parser reads is not read at all (a
        // decision on its first part would miss what follows).
        var bytes = ctx.ReadFile(path, MaxFileBytes + 1);
        return bytes == null || bytes.Length > MaxFileBytes ? null : System.Text.Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Splits a camelCase, snake_case, kebab-case or dotted name into lower-case words.</summary>
    public static List<string> Words(string name)
    {
        var r = new List<string>();
        int start = 0;
        for (int i = 1; i <= name.Length; i++)
        {
            bool boundary = i == name.Length || name[i] is '_' or '-' or '.' or ':' or ' '
                || (char.IsUpper(name[i]) && !char.IsUpper(name[i - 1]));
            if (!boundary) continue;
            var w = name[start..i].Trim('_', '-', '.', ':', ' ');
            if (w.Length > 0) r.Add(w.ToLowerInvariant());
            start = i;
        }
        return r;
    }
}
