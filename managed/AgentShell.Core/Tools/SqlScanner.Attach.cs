namespace AgentShell.Core.Tools;

/// <summary>A database an <c>ATTACH</c> statement attaches (DuckDB, SQLite): its path, or null when
/// the path is not a string literal (<c>ATTACH getenv('URL')</c>); <paramref name="Server"/> when the
/// statement's options name a server extension (<c>(TYPE postgres)</c>, <c>(TYPE mysql)</c>).</summary>
public readonly record struct SqlAttach(string? Path, bool Server);

// ATTACH [DATABASE] [IF NOT EXISTS] 'PATH' [AS alias] [(options)]: read with the scanner's words, so a
// comment, a quoted string or a dollar quote never hides or fakes one (Tools/DuckDbAttach.cs judges PATH).
public static partial class SqlScanner
{
    private static void Attach(List<Word> w, int from, int to, Context cx)
    {
        int j = from + 1;
        if (j < to && w[j].Text == "DATABASE") j++;
        if (j < to && w[j].Text == "IF") j++;
        if (j < to && w[j].Text == "NOT") j++;
        if (j < to && w[j].Text == "EXISTS") j++;
        string? path = j < to && w[j].Text == "'" ? Content(w[j], cx) : null;
        bool server = false;
        for (int k = j + 1; k < to && !server; k++)
        {
            var text = w[k].Text is "'" or "\"" or "$$" ? Content(w[k], cx) ?? "" : w[k].Text;
            server = text.Contains("postgres", StringComparison.OrdinalIgnoreCase) || text.Contains("mysql", StringComparison.OrdinalIgnoreCase);
        }
        cx.Attach(new SqlAttach(path, server));
    }
}
