namespace AgentShell.Core.Classification;

/// <summary>The local modules a script file imports, as the interpreter would find them beside it:
/// Python's <c>import lib</c> / <c>from lib import f</c> / <c>from .lib import f</c> / <c>from pkg import
/// mod</c> (<c>lib.py</c>, <c>lib/__init__.py</c> under the script's directory, which is sys.path[0]) and
/// Node's <c>require('./x')</c>, <c>import … from './x.js'</c>, <c>import('./x')</c>, <c>export … from
/// './x'</c> (a relative specifier, with node's and TypeScript's extensions and <c>index</c> files).
/// Read by a scan of the text, not by the language: an import in a branch that never runs counts,
/// which is why what the modules show is only a refusal (BlockOnly) as the script's own text is.
/// Packages (no ./ or not beside the script) are not read.</summary>
internal static class ScriptImports
{
    /// <summary>How many imported files one script brings in, transitively (each within the script size bound).</summary>
    public const int MaxFiles = 16;

    /// <summary>Import candidates one file yields, lines one parenthesised list may join, and paths
    /// probed per script in all: a bound on the work a crafted file can cause (review42 F3).</summary>
    public const int MaxImports = 256, MaxJoinedLines = 512, MaxProbes = 512;

    private static readonly string[] JsSuffixes = ["", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx", "/index.js", "/index.mjs", "/index.ts"];

    /// <summary>True for the interpreters whose imports are read.</summary>
    public static bool Reads(string lang) => IsPython(lang) || IsJs(lang);

    private static bool IsPython(string lang) => lang.StartsWith("python", StringComparison.Ordinal);
    private static bool IsJs(string lang) => lang is "node" or "nodejs" or "tsx" or "ts-node" or "zx" or "bun" or "deno";

    /// <summary>For each import of <paramref name="code"/> (a file at <paramref name="file"/>), the paths
    /// it may resolve to, in the order the interpreter tries them.</summary>
    public static List<string[]> Of(string lang, string code, string file)
    {
        var found = new List<string[]>();
        var dir = Path.GetDirectoryName(file) ?? "";
        if (IsPython(lang)) Python(code, dir, found);
        else if (IsJs(lang)) Js(code, dir, found);
        return found;
    }

    private static void Python(string code, string dir, List<string[]> found)
    {
        var lines = code.Split('\n');
        for (int n = 0; n < lines.Length && found.Count < MaxImports; n++)
        {
            var line = Uncommented(lines[n]);
            if (!line.Contains("import", StringComparison.Ordinal)) continue;
            // from pkg import (a,\n b,\n): the list runs to its ), joined once per line and at most
            // MaxJoinedLines (a += per line with a Contains over the whole join was quadratic: 49 s on 260 KB).
            if (line.StartsWith("from ", StringComparison.Ordinal) && line.IndexOf('(') is int open and >= 0 && line.IndexOf(')', open) < 0)
            {
                var joined = new System.Text.StringBuilder(line);
                for (int last = Math.Min(lines.Length - 1, n + MaxJoinedLines); n < last;)
                {
                    var next = Uncommented(lines[++n]);
                    joined.Append(' ').Append(next);
                    if (next.Contains(')')) break;
                }
                line = joined.ToString();
            }
            // import lib; lib.wipe(): each ;-separated statement, with any blank after the keyword.
            foreach (var part in line.Replace('\t', ' ').Split(';'))
                Statement(part.Trim(), dir, found);
        }
    }

    private static void Statement(string line, string dir, List<string[]> found)
    {
        if (line.StartsWith("from ", StringComparison.Ordinal))
        {
            int imp = line.IndexOf(" import", StringComparison.Ordinal);
            if (imp < 0 || imp + 7 < line.Length && line[imp + 7] is not (' ' or '(')) return;
            var module = line[5..imp].Trim();
            int dots = 0;
            while (dots < module.Length && module[dots] == '.') dots++;
            var baseDir = dir;
            for (int k = 1; k < dots; k++) baseDir = Path.Combine(baseDir, "..");
            var rest = module[dots..];
            if (rest.Length > 0) Module(baseDir, rest, found);
            // from pkg import mod / from . import mod: a name may be a submodule.
            foreach (var name in Names(line[(imp + 7)..]))
                Module(rest.Length > 0 ? Path.Combine(baseDir, rest.Replace('.', '/')) : baseDir, name, found);
        }
        else if (line.StartsWith("import ", StringComparison.Ordinal))
            foreach (var name in Names(line[7..])) Module(dir, name, found);
    }

    private static string Uncommented(string raw)
    {
        var line = raw.Trim();
        int hash = line.IndexOf('#');
        return hash >= 0 ? line[..hash].TrimEnd() : line;
    }

    // "a, b as c, (d," → a, b, d.
    private static IEnumerable<string> Names(string list)
    {
        foreach (var part in list.Split(','))
        {
            var n = part.Trim().Trim('(', ')', '\\').Trim();
            int sp = n.IndexOf(' ');
            if (sp > 0) n = n[..sp];
            if (n.Length > 0 && n != "*" && n.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.')) yield return n;
        }
    }

    private static void Module(string dir, string module, List<string[]> found)
    {
        if (found.Count >= MaxImports) return;
        var rel = Path.Combine(dir, module.Replace('.', '/'));
        found.Add([rel + ".py", Path.Combine(rel, "__init__.py")]);
    }

    private static void Js(string code, string dir, List<string[]> found)
    {
        foreach (var key in (ReadOnlySpan<string>)["require(", "from ", "import(", "import "])
            for (int i = code.IndexOf(key, StringComparison.Ordinal); i >= 0; i = code.IndexOf(key, i + key.Length, StringComparison.Ordinal))
            {
                int p = i + key.Length;
                while (p < code.Length && code[p] == ' ') p++;
                if (p >= code.Length || code[p] is not ('\'' or '"' or '`')) continue;
                int end = code.IndexOf(code[p], p + 1);
                if (end < 0) continue;
                var spec = code[(p + 1)..end];
                if (!spec.StartsWith("./", StringComparison.Ordinal) && !spec.StartsWith("../", StringComparison.Ordinal)) continue;
                var rel = Path.Combine(dir, spec);
                if (found.Count >= MaxImports) return;
                found.Add([.. JsSuffixes.Select(s => rel + s)]);
            }
    }
}
