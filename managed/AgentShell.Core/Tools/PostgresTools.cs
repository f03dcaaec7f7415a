using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>PostgreSQL's other clients that change data, read with getopt_long as
/// <see cref="Psql"/> is: <c>pg_restore</c> (<c>--clean</c> drops before restoring → drop;
/// otherwise write; <c>-l</c> lists → read; without <c>-d</c> it only prints a script → read) and
/// <c>dropdb</c> (drop).</summary>
public static class PostgresTools
{
    /// <summary>pg_restore's options (PostgreSQL 15, <c>pg_restore --help</c>).</summary>
    public static readonly OptionTable PgRestoreOptions = new("pg_restore", OptionRules.Getopt, """
        -d --dbname <name>
        -f --file <filename>
        -F --format <format>
        -l --list
        -v --verbose
        -V --version
        -? --help
        -a --data-only
        -c --clean
        -C --create
        -e --exit-on-error
        -I --index <name>
        -j --jobs <num>
        -L --use-list <filename>
        -n --schema <name>
        -N --exclude-schema <name>
        -O --no-owner
        -P --function <name>
        -s --schema-only
        -S --superuser <name>
        -t --table <name>
        -T --trigger <name>
        -x --no-privileges --no-acl
        -1 --single-transaction
        -h --host <hostname>
        -p --port <port>
        -U --username <name>
        -w --no-password
        -W --password
           --disable-triggers
           --enable-row-security
           --if-exists
           --no-comments
           --no-data-for-failed-tables
           --no-publications
           --no-security-labels
           --no-subscriptions
           --no-table-access-method
           --no-tablespaces
           --restrict-key <key>
           --section <section>
           --strict-names
           --use-set-session-authorization
           --role <rolename>
        """);

    /// <summary>dropdb's options (PostgreSQL 15, <c>dropdb --help</c>).</summary>
    public static readonly OptionTable DropDbOptions = new("dropdb", OptionRules.Getopt, """
        -e --echo
        -f --force
        -i --interactive
        -V --version
        -? --help
        -h --host <hostname>
        -p --port <port>
        -U --username <username>
        -w --no-password
        -W --password
           --if-exists
           --maintenance-db <dbname>
        """);

    /// <summary>Parses pg_restore's arguments.</summary>
    public static CommandIntent PgRestore(ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? db = null, host = null, port = null;
        bool list = false, clean = false, help = false, unknown = false;
        var reader = new OptionReader(PgRestoreOptions, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) continue; // the archive
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            switch (t.Name)
            {
                case "--dbname": db = t.Value; break;
                case "--host": host = t.Value; break;
                case "--port": port = t.Value; break;
                case "--list": list = true; break;
                case "--clean": clean = true; evidence.Add(new(t.Text, "drops database objects before recreating them")); break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("pg_restore", "--help");
        var target = Psql.ResolveTarget(db, host, port, c.Context, evidence);
        Effect effect = list ? Effect.Read : db == null ? Effect.Read : clean ? Effect.Drop : Effect.Write;
        string summary = list ? "list archive" : db == null ? "print restore script" : clean ? "restore --clean (drops objects)" : "restore";
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent("pg_restore", effect, summary, db == null && !list && !unknown ? [] : [target], evidence);
    }

    /// <summary>Parses dropdb's arguments.</summary>
    public static CommandIntent DropDb(ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? name = null, host = null, port = null;
        bool help = false;
        var reader = new OptionReader(DropDbOptions, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { name ??= t.Value; continue; }
            if (OptionProblems.Note(t, evidence)) continue; // drop already is more severe than unknown
            switch (t.Name)
            {
                case "--host": host = t.Value; break;
                case "--port": port = t.Value; break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("dropdb", "--help");
        var target = Psql.ResolveTarget(null, host, port, c.Context, evidence);
        target = new Target { Kind = TargetKind.Database, Scheme = target.Scheme, Host = target.Host, Port = target.Port, Database = name };
        evidence.Add(new(name ?? "dropdb", $"drops database {name}"));
        return ToolHelp.Intent("dropdb", Effect.Drop, $"DROP DATABASE {name}", [target], evidence);
    }
}
