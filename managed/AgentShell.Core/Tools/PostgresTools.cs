using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>PostgreSQL's other clients that change data: <c>pg_restore</c> (<c>--clean</c> drops
/// before restoring → drop; otherwise write; <c>-l</c> lists → read; without <c>-d</c> it only
/// prints a script → read) and <c>dropdb</c> (drop).</summary>
public static class PostgresTools
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "-d", "-h", "-p", "-U", "-f", "-F", "-j", "-I", "-n", "-N", "-P", "-S", "-t", "-T", "-L", "--dbname", "--host", "--port",
        "--username", "--file", "--format", "--jobs", "--index", "--schema", "--exclude-schema", "--function", "--superuser",
        "--table", "--trigger", "--use-list", "--role", "--maintenance-db",
    };

    /// <summary>Parses pg_restore's arguments.</summary>
    public static CommandIntent PgRestore(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: false) || a.Contains("-?")) return ToolHelp.Help("pg_restore", "--help");
        var evidence = new List<Evidence>();
        var db = ToolHelp.Option(a, "-d", "--dbname");
        var target = Psql.ResolveTarget(db, ToolHelp.Option(a, "-h", "--host"), ToolHelp.Option(a, "-p", "--port"), c.Context, evidence);
        if (a.Contains("-l") || a.Contains("--list")) return ToolHelp.Intent("pg_restore", Effect.Read, "list archive", [target], evidence);
        if (db == null) return ToolHelp.Intent("pg_restore", Effect.Read, "print restore script", [], evidence);
        bool clean = a.Contains("--clean") || ToolHelp.HasShortFlag(a, 'c', "dhpUfFjINnPStTL");
        if (clean) evidence.Add(new("--clean", "drops database objects before recreating them"));
        return ToolHelp.Intent("pg_restore", clean ? Effect.Drop : Effect.Write, clean ? "restore --clean (drops objects)" : "restore", [target], evidence);
    }

    /// <summary>Parses dropdb's arguments.</summary>
    public static CommandIntent DropDb(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: false) || a.Contains("-?")) return ToolHelp.Help("dropdb", "--help");
        var evidence = new List<Evidence>();
        var pos = ToolHelp.Positionals(a, Valued);
        var name = pos.Count > 0 ? pos[0] : null;
        var target = Psql.ResolveTarget(null, ToolHelp.Option(a, "-h", "--host"), ToolHelp.Option(a, "-p", "--port"), c.Context, evidence);
        target = new Target { Kind = TargetKind.Database, Scheme = target.Scheme, Host = target.Host, Port = target.Port, Database = name };
        evidence.Add(new(name ?? "dropdb", $"drops database {name}"));
        return ToolHelp.Intent("dropdb", Effect.Drop, $"DROP DATABASE {name}", [target], evidence);
    }
}
