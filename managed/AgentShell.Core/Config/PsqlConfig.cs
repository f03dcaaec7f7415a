using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Config;

/// <summary>What psql runs besides its arguments: the startup files (the system <c>psqlrc</c> in
/// <c>$PGSYSCONFDIR</c>, else Debian's <c>/etc/postgresql-common/psqlrc</c>; then <c>$PSQLRC</c>,
/// else <c>~/.psqlrc</c>), run before any <c>-c</c>/<c>-f</c> unless <c>-X</c>/<c>--no-psqlrc</c>;
/// and the files that <c>\i</c>/<c>\ir</c>/<c>\include</c> lines of a script pull in.</summary>
internal static class PsqlConfig
{
    private const int MaxIncludeDepth = 8;
    private static readonly PathMemo SystemRc = new("psqlrc"), UserRc = new(".psqlrc");
    private static readonly VariableNames Variables = new(["PGSYSCONFDIR", "PSQLRC", "HOME"]); // bits 1, 2, 4

    /// <summary>Adds the SQL of psql's startup files to <paramref name="facts"/>.</summary>
    internal static void Startup(ToolCall call, ConfigFacts facts)
    {
        if (MaySkipPsqlrc(call.Args) && Psql.NoPsqlrc(call.Args)) return;
        var ctx = call.Context;
        // PERF: one pass over the exec's environment says which are set; an unset one is not looked up.
        ulong set = ctx.VariablesSet(Variables);
        string system = (set & 1) != 0 && ctx.GetEnvironmentVariable("PGSYSCONFDIR") is { Length: > 0 } dir ? SystemRc.Combine(dir) : "/etc/postgresql-common/psqlrc";
        string? user = (set & 2) != 0 && ctx.GetEnvironmentVariable("PSQLRC") is { Length: > 0 } rc ? rc
            : (set & 4) != 0 && ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? UserRc.Combine(home) : null;
        Run(system, ctx, facts);
        if (user != null) Run(user, ctx, facts);
    }

    // PERF: psql's options are read a second time (Psql.NoPsqlrc) only when one could be -X (in a
    // bundle too) or a long option that could name --no-psqlrc (any letter case, any abbreviation):
    // without an 'X' or a "--n…" word it cannot be there.
    private static bool MaySkipPsqlrc(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.Contains('X') || (a.Length > 2 && a[0] == '-' && a[1] == '-' && (a[2] | 0x20) == 'n')) return true;
        }
        return false;
    }

    private static void Run(string file, IExecContext ctx, ConfigFacts facts)
    {
        var f = ctx.ReadConfigFile(file);
        if (!f.Exists) return;
        if (f.Unaccountable) { facts.Unknown(file, $"startup SQL from {f.Problem} (unknown)"); return; }
        var evidence = new List<Evidence>();
        // PERF: a startup file without includes is scanned once per file version.
        var r = f.Text.Contains("\\i", StringComparison.Ordinal)
            ? SqlScanner.Scan(Includes(f.Text, Path.GetDirectoryName(file), ctx, evidence), SqlDialect.Postgres)
            : f.Parsed(static cf => SqlScanner.Scan(cf.Text, SqlDialect.Postgres));
        foreach (var e in evidence) facts.Note(e.Token, e.Fact);
        if (r.Effect != Effect.Read)
            facts.Raise(r.Effect, $"{r.Summary} (in {file})", file, $"startup file runs first: {r.Summary} → {r.Effect.Name()}");
    }

    /// <summary><paramref name="sql"/> with each line that is an <c>\i</c>, <c>\include</c>,
    /// <c>\ir</c> or <c>\include_relative</c> meta-command replaced by the file it names (read through
    /// the context: <c>\i</c> from the working directory, <c>\ir</c> from <paramref name="scriptDir"/>),
    /// recursively. A file that cannot be read, a name with a psql variable, or an include further
    /// in a line is left as it is, and the scanner makes it unknown.</summary>
    internal static string Includes(string sql, string? scriptDir, IExecContext ctx, List<Evidence> evidence, int depth = 0)
    {
        if (!sql.Contains("\\i", StringComparison.Ordinal)) return sql;
        var lines = sql.Split('\n');
        bool changed = false;
        for (int n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (!line.StartsWith("\\i", StringComparison.Ordinal)) continue;
            int space = line.IndexOfAny([' ', '\t']);
            if (space < 0) continue;
            var cmd = line[..space];
            if (cmd is not ("\\i" or "\\include" or "\\ir" or "\\include_relative")) continue;
            var name = line[(space + 1)..].Trim();
            if (name.Length >= 2 && name[0] == '\'' && name[^1] == '\'') name = name[1..^1];
            if (name.Length == 0 || name.Contains(':') || name == "-" || depth >= MaxIncludeDepth) continue;
            bool relative = cmd is "\\ir" or "\\include_relative";
            var path = relative && scriptDir != null && !Path.IsPathRooted(name) ? Path.Combine(scriptDir, name) : name;
            if (ToolHelp.ReadText(ctx, path) is not string included) continue;
            evidence.Add(new Evidence($"{cmd} {name}", $"SQL included from {path}"));
            lines[n] = Includes(included, Path.GetDirectoryName(path) ?? scriptDir, ctx, evidence, depth + 1);
            changed = true;
        }
        return changed ? string.Join('\n', lines) : sql;
    }
}
