using System.Text;

namespace AgentShell.Core.Audit;

/// <summary>The readable table of <c>agentshell log</c>: time (local), outcome, rule id, environment, tool and a
/// shortened, shell-quoted argv. Columns widen to fit the rows they have seen, up to a cap.</summary>
public sealed class AuditTable
{
    /// <summary>Column titles.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["TIME", "OUTCOME", "RULE", "ENV", "TOOL", "COMMAND"];

    private static readonly int[] MaxWidths = [19, 8, 44, 12, 12, 100];
    private const string Ellipsis = "…";

    private readonly TimeZoneInfo _zone;
    private readonly int[] _widths;

    /// <summary>A table showing times in <paramref name="zone"/>.</summary>
    public AuditTable(TimeZoneInfo zone)
    {
        _zone = zone;
        _widths = Columns.Select(c => c.Length).ToArray();
    }

    /// <summary>The cells of one record, each within its column's cap.</summary>
    public string[] Cells(AuditRecord record)
    {
        var local = TimeZoneInfo.ConvertTime(record.Time, _zone);
        string command = record.Argv.Count > 0 ? ShortArgv(record.Argv, MaxWidths[5])
            : string.Join(' ', record.Targets);
        string[] cells =
        [
            local.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
            record.Outcome,
            record.RuleId,
            record.Environment,
            record.Tool ?? "-",
            command.Length == 0 ? record.Syscall : command,
        ];
        for (int i = 0; i < cells.Length; i++) cells[i] = Truncate(Printable(cells[i]), MaxWidths[i]);
        return cells;
    }

    /// <summary>Widens the columns to fit <paramref name="rows"/>.</summary>
    public void Fit(IEnumerable<string[]> rows)
    {
        foreach (var row in rows)
            for (int i = 0; i < _widths.Length; i++)
                _widths[i] = Math.Max(_widths[i], row[i].Length);
    }

    /// <summary>The title line.</summary>
    public string HeaderLine() => Line([.. Columns]);

    /// <summary>One row, padded to the current widths (widening them first when a cell is wider).</summary>
    public string Line(string[] cells)
    {
        Fit([cells]);
        var sb = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            if (i == cells.Length - 1) { sb.Append(cells[i]); break; }
            sb.Append(cells[i].PadRight(_widths[i])).Append("  ");
        }
        return sb.ToString();
    }

    /// <summary>The argv as a shell would take it back (quoted where needed, control characters as
    /// <c>$'\n'</c>), cut to <paramref name="max"/> characters with an ellipsis.</summary>
    public static string ShortArgv(IReadOnlyList<string> argv, int max)
    {
        var sb = new StringBuilder();
        foreach (string arg in argv)
        {
            if (sb.Length > 0) sb.Append(' ');
            AppendQuoted(sb, arg);
            if (sb.Length > max) break;
        }
        return Truncate(sb.ToString(), max);
    }

    private static void AppendQuoted(StringBuilder sb, string arg)
    {
        if (arg.Length > 0 && arg.All(IsSafe)) { sb.Append(arg); return; }
        if (arg.Any(char.IsControl))
        {
            sb.Append("$'");
            foreach (char c in arg)
            {
                switch (c)
                {
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\'': sb.Append("\\'"); break;
                    default:
                        if (char.IsControl(c)) sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('\'');
            return;
        }
        sb.Append('\'').Append(arg.Replace("'", "'\\''")).Append('\'');
    }

    private static bool IsSafe(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '=' or ',' or '+' or '@' or '%' || c > 127 && !char.IsWhiteSpace(c);

    // Cells other than the argv never hold control characters in a well-formed log; a hand-edited one might.
    private static string Printable(string s) => s.Any(char.IsControl) ? new string(s.Select(c => char.IsControl(c) ? '?' : c).ToArray()) : s;

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - Ellipsis.Length)] + Ellipsis;
}
