using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>sqlcmd (SQL Server, the ODBC tool and go-sqlcmd): T-SQL from <c>-Q</c> (run and exit),
/// <c>-q</c> (run, then interactive: unknown as well) or <c>-i</c> files, read by the SQL scanner
/// (DROP DATABASE/TABLE → drop, TRUNCATE → truncate, DELETE without WHERE → wipe); interactive or
/// stdin → unknown. Target: <c>-S</c> (<c>[tcp:]host[\instance][,port]</c>, else SQLCMDSERVER,
/// else localhost), port 1433, the database of <c>-d</c> (else SQLCMDDBNAME). The startup script of
/// <c>SQLCMDINI</c> runs first and is scanned as well (unreadable: unknown).</summary>
public static class Sqlcmd
{
    // Options that take a value (sqlcmd's getopt string; -? and the one-letter flags take none).
    private const string Valued = "SdUPQqiolHtahswWfcLkKvAxXyYrMNGFz";

    /// <summary>Parses sqlcmd's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        if (a.Contains("-?") || a.Contains("--help") || a.Contains("--version")) return ToolHelp.Help("sqlcmd", "-?");
        string? server = null, db = null, exit = null, query = null;
        var files = new List<string>();
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            if (x.Length < 2 || x[0] != '-' || x[1] == '-' || Valued.IndexOf(x[1]) < 0) continue;
            // -Q "…" or -Q"…"; flags without a value (-E, -b, -X) never reach here.
            string? v = x.Length > 2 ? x[2..] : i + 1 < a.Count ? a[++i] : null;
            switch (x[1])
            {
                case 'S': server = v; break;
                case 'd': db = v; break;
                case 'Q': exit = v; break;
                case 'q': query = v; break;
                case 'i': if (v != null) files.AddRange(v.Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
            }
        }
        server ??= c.Context.GetEnvironmentVariable("SQLCMDSERVER");
        db ??= c.Context.GetEnvironmentVariable("SQLCMDDBNAME");
        var target = DbTarget.Make("mssql", Host(server, out var port), port, db, 1433);
        var evidence = new List<Evidence>();
        if (server != null) evidence.Add(new($"-S {server}", $"server {target}"));
        var scripts = new List<(string Token, string? Text)>();
        // SQLCMDINI names a startup script sqlcmd runs before anything else (the ODBC sqlcmd and go-sqlcmd).
        if (c.Context.GetEnvironmentVariable("SQLCMDINI") is { Length: > 0 } ini) scripts.Add((ini, ToolHelp.ReadText(c.Context, ini)));
        bool onlyIni = scripts.Count > 0;
        if (exit != null) scripts.Add(("-Q", exit));
        if (query != null) scripts.Add(("-q", query));
        foreach (var f in files) scripts.Add((f, ToolHelp.ReadText(c.Context, f)));
        if (scripts.Count == (onlyIni ? 1 : 0))
        {
            if (c.StdinText != null) scripts.Add(("stdin", c.StdinText));
            else
            {
                evidence.Add(new("sqlcmd", "interactive or T-SQL from stdin (unknown)"));
                return ToolHelp.Intent("sqlcmd", Effect.Unknown, "SQL not visible", [target], evidence);
            }
        }
        Effect effect = Effect.Read;
        string summary = "";
        foreach (var (token, text) in scripts)
        {
            if (text == null) { evidence.Add(new(token, "file cannot be read (unknown)")); effect = ToolHelp.Max(effect, Effect.Unknown); continue; }
            // T-SQL batches end at a line "GO": not SQL, dropped before the scan.
            var r = SqlScanner.Scan(string.Join('\n', text.Split('\n').Where(l => !l.Trim().Equals("GO", StringComparison.OrdinalIgnoreCase))));
            evidence.Add(new(HttpBody.Short(token == "-Q" || token == "-q" ? text : token), r));
            if (r.Effect >= effect) { effect = r.Effect; summary = r.Summary; }
        }
        // -q runs the query, then reads more from the terminal.
        if (query != null && exit == null) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent("sqlcmd", effect, summary.Length > 0 ? summary : "SQL", [target], evidence);
    }

    // [tcp:|np:|lpc:]host[\instance][,port]
    private static string? Host(string? server, out string? port)
    {
        port = null;
        if (server == null) return null;
        int colon = server.IndexOf(':');
        if (colon > 0 && server[..colon] is "tcp" or "np" or "lpc" or "admin") server = server[(colon + 1)..];
        int comma = server.IndexOf(',');
        if (comma >= 0) { port = server[(comma + 1)..]; server = server[..comma]; }
        int slash = server.IndexOf('\\');
        if (slash >= 0) server = server[..slash];
        return server is "." or "(local)" ? "localhost" : server;
    }
}
