using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What a path named in argv is, as far as its name tells: a file whose content a parser
/// may read, the process's stdin under another name (<c>/dev/stdin</c>, <c>/dev/fd/0</c>,
/// <c>/proc/self/fd/0</c>), or a special file whose content the supervisor cannot read as the tool
/// will (another descriptor such as <c>&lt;(…)</c>'s <c>/dev/fd/63</c>, a device, anything under
/// <c>/proc</c> or <c>/sys</c>). Reading one of those from the supervisor would read the
/// supervisor's own descriptors, or block.</summary>
public static class InputPaths
{
    /// <summary>Kinds of path.</summary>
    public enum Kind : byte
    {
        /// <summary>An ordinary path: its content can be read.</summary>
        File,
        /// <summary>The process's standard input.</summary>
        Stdin,
        /// <summary>A descriptor, device or kernel file: its content cannot be known.</summary>
        Special,
    }

    /// <summary>Classifies <paramref name="path"/> (relative to <paramref name="cwd"/> when given);
    /// <c>-</c> is stdin when <paramref name="dashIsStdin"/>.</summary>
    public static Kind Classify(string path, string? cwd, bool dashIsStdin = false)
    {
        if (path == "-") return dashIsStdin ? Kind.Stdin : Kind.File;
        // PERF: most paths are relative names in the working directory; only absolute ones (or a
        // cwd under a special tree, or ..) need normalising.
        if (path.Length == 0 || (path[0] != '/' && !path.Contains("..") && (cwd == null || !IsSpecialRoot(cwd)))) return Kind.File;
        string full = Normalize(path[0] == '/' || cwd == null ? path : cwd + "/" + path);
        if (full is "/dev/stdin" or "/dev/fd/0" or "/proc/self/fd/0" or "/proc/thread-self/fd/0") return Kind.Stdin;
        return IsSpecialRoot(full) ? Kind.Special : Kind.File;
    }

    /// <summary>The text a tool would read from <paramref name="path"/>: stdin's when known, a
    /// file's; null (with <paramref name="why"/>) when it cannot be known.</summary>
    public static string? Read(ToolCall? call, IExecContext ctx, string path, bool dashIsStdin, out string why)
    {
        switch (Classify(path, ctx.WorkingDirectory, dashIsStdin))
        {
            case Kind.Stdin:
                why = call?.StdinOpaque == true ? "stdin, a pipe whose content is unknown" : "stdin, which cannot be read";
                return call?.StdinText;
            case Kind.Special:
                why = $"{path}, a descriptor or device whose content cannot be known";
                return null;
            default:
                why = $"{path}, which cannot be read";
                return ToolHelp.ReadText(ctx, path);
        }
    }

    private static bool IsSpecialRoot(string p) =>
        p.StartsWith("/dev/", StringComparison.Ordinal) || p.StartsWith("/proc/", StringComparison.Ordinal)
        || p.StartsWith("/sys/", StringComparison.Ordinal) || p is "/dev" or "/proc" or "/sys";

    // Lexical: "//dev/./fd/../stdin" → "/dev/stdin".
    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var seg in path.Split('/'))
        {
            if (seg.Length == 0 || seg == ".") continue;
            if (seg == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(seg);
        }
        return "/" + string.Join('/', parts);
    }
}
