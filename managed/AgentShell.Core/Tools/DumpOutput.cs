namespace AgentShell.Core.Tools;

/// <summary>What a database dump prints, for a client it is piped into (<c>pg_dump --clean … | psql
/// -h prod</c>, <c>mysqldump … | mysql -h prod</c>): the kinds of statement the dump holds, written
/// as SQL for the scanner, not the dump itself. A plain pg_dump creates and fills tables (a write);
/// with <c>-c</c>/<c>--clean</c> it first drops each one, and pg_dumpall <c>--clean</c> drops each
/// database. mysqldump drops each table before creating it unless told not to
/// (<c>--skip-add-drop-table</c>, <c>--compact</c>, <c>--skip-opt</c>, <c>-t</c>/<c>--no-create-info</c>),
/// and <c>--add-drop-database</c> drops the database. Output to a file (<c>-f</c>, <c>-r</c>,
/// <c>--tab</c>) prints nothing; a format the client cannot run (pg_dump <c>-Fc</c>, mysqldump
/// <c>--xml</c>) or an option not read here is null: not known.</summary>
internal static class DumpOutput
{
    // pg_dump/pg_dumpall short options that take a value (getopt: "abBcCd:e:E:f:F:h:j:l:n:N:Op:RsS:t:T:U:vwWxZ:").
    private const string PgValued = "deEfFhjlnNpStTUZ";

    /// <summary>The statements <paramref name="program"/> with <paramref name="words"/> prints, or null.</summary>
    internal static string? Sql(string program, IReadOnlyList<string> words) => program switch
    {
        "pg_dump" or "pg_dumpall" => Pg(program == "pg_dumpall", words),
        "mysqldump" or "mariadb-dump" => MySql(words),
        _ => null,
    };

    private static string? Pg(bool all, IReadOnlyList<string> w)
    {
        bool clean = false;
        for (int i = 1; i < w.Count; i++)
        {
            var a = w[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                int eq = a.IndexOf('=');
                var name = eq > 0 ? a[2..eq] : a[2..];
                string? value = eq > 0 ? a[(eq + 1)..] : null;
                if (name.Length >= 2 && "clean".StartsWith(name, StringComparison.Ordinal)) clean = true; // getopt takes --cl
                else if (name is "file" or "format")
                {
                    value ??= i + 1 < w.Count ? w[++i] : null;
                    if (name == "file" && ToFile(value)) return "";
                    if (name == "format" && value is not ("p" or "plain")) return null;
                }
                continue;
            }
            if (a.Length < 2 || a[0] != '-') continue;
            for (int k = 1; k < a.Length; k++)
            {
                char o = a[k];
                if (o == 'c') clean = true;
                if (PgValued.IndexOf(o) < 0) continue;
                var value = k + 1 < a.Length ? a[(k + 1)..] : i + 1 < w.Count ? w[++i] : null;
                if (o == 'f' && ToFile(value)) return "";
                if (o == 'F' && value is not ("p" or "plain")) return null;
                break;
            }
        }
        var drop = all ? "DROP DATABASE IF EXISTS \"each database pg_dumpall --clean dumps\";\n" : "DROP TABLE IF EXISTS \"each table pg_dump --clean dumps\";\n";
        return (clean ? drop : "") + "CREATE TABLE \"each table the dump holds\" (x int);\nINSERT INTO \"each table the dump holds\" VALUES (1);\n";
    }

    private static string? MySql(IReadOnlyList<string> w)
    {
        bool dropTable = true, dropDatabase = false;
        for (int i = 1; i < w.Count; i++)
        {
            var a = w[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                // -r FILE / -rFILE: the dump goes to a file; -t: no CREATE (so no DROP) TABLE.
                if (a.Length >= 2 && a[0] == '-' && a[1] == 'r' && ToFile(a.Length > 2 ? a[2..] : i + 1 < w.Count ? w[i + 1] : null)) return "";
                if (a == "-t") dropTable = false;
                continue;
            }
            var name = a.IndexOf('=') is int eq and > 0 ? a[2..eq] : a[2..];
            switch (name)
            {
                case "result-file" when ToFile(a.IndexOf('=') is int e2 and > 0 ? a[(e2 + 1)..] : i + 1 < w.Count ? w[i + 1] : null): return "";
                case "tab": return "";
                case "xml": return null;
                case "skip-add-drop-table" or "compact" or "skip-opt" or "no-create-info": dropTable = false; break;
                case "add-drop-table": dropTable = true; break;
                case "add-drop-database": dropDatabase = true; break;
            }
        }
        return (dropDatabase ? "DROP DATABASE IF EXISTS `each database mysqldump --add-drop-database dumps`;\n" : "")
            + (dropTable ? "DROP TABLE IF EXISTS `each table mysqldump dumps`;\n" : "")
            + "CREATE TABLE IF NOT EXISTS `each table the dump holds` (x int);\nINSERT INTO `each table the dump holds` VALUES (1);\n";
    }

    // The dump goes to a file, not down the pipe: a name that is not stdout under another spelling.
    private static bool ToFile(string? value) => value is not (null or "-" or "/dev/stdout" or "/dev/fd/1" or "/proc/self/fd/1");
}
