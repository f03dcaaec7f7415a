using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>psql: SQL from <c>-c</c>/<c>--command</c>, <c>-f</c>/<c>--file</c> (read through the
/// context) or stdin (here-doc, <c>echo … |</c>, <c>&lt; file</c>); the target from
/// <c>-h</c>/<c>-p</c>/<c>-d</c>, a URI or conninfo as the dbname, then PGHOST/PGPORT/PGDATABASE.
/// SQL that cannot be seen (interactive, opaque stdin, unreadable file) → unknown.</summary>
public static partial class Psql
{
    /// <summary>Parses psql's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var ctx = c.Context;
        var evidence = new List<Evidence>();
        string? host = null, port = null, db = null, cluster = null;
        // PERF: the first script (one -c or -f, the common case) in locals; a list only from the second.
        // Dir: a -f script's directory, where its \ir lines are looked for (null: -c, from the working directory).
        // PERF: the option, not its Text: "-c SQL" is joined only for a script quoted as evidence (not a read).
        (string Text, OptionToken Option, string? Dir) firstSql = default;
        List<(string Text, OptionToken Option, string? Dir)>? moreSql = null;
        int scripts = 0;
        void AddSql(string text, in OptionToken option, string? dir = null)
        {
            if (scripts++ == 0) firstSql = (text, option, dir);
            else (moreSql ??= []).Add((text, option, dir));
        }
        bool unknown = false, list = false, help = false;
        string? firstPositional = null; // PERF: only the first operand is read (the dbname): no list
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { firstPositional ??= t.Value!; continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            string? value = t.Value;
            switch (t.Name)
            {
                case "--command": AddSql(value ?? "", t); break;
                case "--file":
                {
                    var text = InputPaths.Read(c, ctx, value ?? "", dashIsStdin: true, out var why);
                    if (text == null) { unknown = true; evidence.Add(new(t.Text, $"SQL from {why}")); }
                    else AddSql(text, t, value is { Length: > 0 } and not "-" ? Path.GetDirectoryName(value) : null);
                    break;
                }
                case "--host": host = value; evidence.Add(Evidence.Joined(t, "host ", value)); break;
                case "--port": port = value; break;
                case "--dbname": db = value; break;
                case "--cluster": cluster = value; evidence.Add(new(t.Text, $"cluster {value} (pg_wrapper)")); break;
                case "--list": list = true; break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("psql", "--help");
        if (db == null && firstPositional != null) db = firstPositional;
        var servers = ResolveTargets(db, host, port, ctx, evidence, cluster);
        var target = servers[0];
        SqlResult? result = null;
        List<SqlResult>? connecting = null; // PERF: the scripts with a \connect, in order; most have none
        if (scripts > 0)
        {
            for (int i = 0; i < scripts; i++)
            {
                var (text, option, dir) = i == 0 ? firstSql : moreSql![i - 1];
                var r = SqlScanner.Scan(Config.PsqlConfig.Includes(text, dir, ctx, evidence), SqlDialect.Postgres);
                if (r.Connects.Count > 0) (connecting ??= []).Add(r);
                if (result == null || r.Effect > result.Effect) result = r;
                if (r.Effect != Effect.Read) evidence.Add(new(HttpBody.Short(option.Text), r));
            }
        }
        else if (!unknown && !list)
        {
            if (c.StdinText != null)
            {
                result = SqlScanner.Scan(Config.PsqlConfig.Includes(c.StdinText, null, ctx, evidence), SqlDialect.Postgres);
                if (result.Connects.Count > 0) connecting = [result];
                evidence.Add(new("stdin", result));
            }
            else { unknown = true; evidence.Add(new("psql", c.StdinOpaque ? "SQL from a pipe whose content is unknown" : "interactive or SQL from stdin (unknown)")); }
        }
        Effect effect = result?.Effect ?? Effect.Read;
        if (EngineKey(db, ctx, evidence)) unknown = true;
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        string summary = result?.Summary ?? (list ? "list databases" : "SQL not visible");
        if (connecting == null) return ToolHelp.Intent("psql", effect, summary, servers, evidence);
        var targets = new List<Target>(servers);
        foreach (var r in connecting) foreach (var conn in r.Connects) Reconnect(conn, target, ctx, evidence, targets);
        return ToolHelp.Intent("psql", effect, summary, targets, evidence);
    }

    /// <summary>True when psql is told to skip its startup files: <c>-X</c> (alone or in a bundle
    /// such as <c>-tAX</c>) or <c>--no-psqlrc</c> (or a prefix getopt accepts), read as psql reads
    /// its options.</summary>
    internal static bool NoPsqlrc(IReadOnlyList<string> args)
    {
        var reader = new OptionReader(Options, args);
        while (reader.Next(out var t)) if (t.Kind == OptionTokenKind.Option && t.Name == "--no-psqlrc") return true;
        return false;
    }

    // \connect [DBNAME [USER [HOST [PORT]]]] | conninfo | URI: the statements after it run there
    // ("-" keeps that part of the current connection).
    private static void Reconnect(string arg, Target current, IExecContext ctx, List<Evidence> evidence, List<Target> targets)
    {
        var a = arg.Trim().Trim('"', '\'');
        string? db, host = current.Host, port = current.Port?.ToString();
        if (a.Contains('=') || a.Contains("://", StringComparison.Ordinal))
        {
            foreach (var t in ResolveTargets(a, null, null, ctx, evidence))
            {
                // A part the conninfo leaves out is the current connection's; a server that cannot be known stays unknown.
                var target = t.Kind != TargetKind.Database ? t : DbTarget.Make("postgresql", t.Host ?? current.Host, t.Port?.ToString() ?? port, t.Database, 5432);
                evidence.Add(new("\\connect " + arg, $"later statements run on {target}"));
                targets.Add(target);
            }
            return;
        }
        var p = a.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        string? Part(int i) => i < p.Length && p[i] != "-" ? p[i] : null;
        db = Part(0) ?? current.Database;
        port = Part(3) ?? port;
        // \connect DB USER a,b: libpq tries each host.
        foreach (var h in (Part(2) ?? host ?? "").Split(','))
        {
            var target = DbTarget.Make("postgresql", h.Length == 0 ? null : h, port, db, 5432);
            evidence.Add(new("\\connect " + arg, $"later statements run on {target}"));
            targets.Add(target);
        }
    }

    /// <summary>Every server a PostgreSQL client may reach, as libpq resolves them: dbname may be a
    /// URI or conninfo; flags beat a service, which beats the environment (PGHOST, PGHOSTADDR,
    /// PGPORT, PGDATABASE). libpq takes lists: <c>host=a,b</c>, <c>-h a,b</c>,
    /// <c>postgresql://a:1,b:2/db</c> try each host in turn, so each is a target; and
    /// <c>hostaddr</c> is the address connected to whatever <c>host</c> says (the name is kept for
    /// TLS and authentication), so it is a target beside the host. PERF: one server (the common
    /// case) is the compiler's one-element list, not a List and its array.</summary>
    public static IReadOnlyList<Target> ResolveTargets(string? db, string? host, string? port, IExecContext ctx, List<Evidence> evidence, string? cluster = null)
    {
        // Debian's pg_wrapper: --cluster (or PGCLUSTER, when PGHOST is unset) VERSION/HOST:PORT is a
        // network cluster and sets the host; VERSION/NAME is a local one.
        cluster ??= host == null && ctx.GetEnvironmentVariable("PGHOST") == null ? ctx.GetEnvironmentVariable("PGCLUSTER") : null;
        if (host == null && cluster != null && cluster.IndexOf('/') is int slash and > 0 && cluster[(slash + 1)..] is var name && name.LastIndexOf(':') is int colon and > 0)
        {
            host = name[..colon];
            port ??= colon + 1 < name.Length ? name[(colon + 1)..] : null;
            evidence.Add(new(cluster, $"network cluster host {host}"));
        }
        // psql "$DATABASE_URL" where the variable is not set here (check, a hook): the shell will put
        // a URI there, whose server cannot be known, not the name of a local database.
        if (host == null && db != null && DbTarget.IsUnexpanded(db))
        {
            evidence.Add(new(db, "connection from a variable not set here: the server is not known"));
            return [new Target { Kind = TargetKind.Environment, Name = "unknown" }];
        }
        string? service = null, hostaddr = null;
        List<(string Host, string? Port)>? uriHosts = null;
        // Any scheme: usql and pgcli (psql-compatible clients) take pg://, pgsql://, mysql://, … URLs.
        if (db != null && db.Contains("://", StringComparison.Ordinal))
        {
            DbTarget.TryParseUri(db, out var uh, out var up, out var ud);
            evidence.Add(new(db, $"connection URI host {uh}"));
            service = UriParameter(db, "service");
            hostaddr = UriParameter(db, "hostaddr");
            if (host == null && UriParameter(db, "host") == null && DbTarget.UriHosts(db) is { Count: > 1 } several) uriHosts = several;
            host ??= uh; port ??= up; db = ud;
        }
        else if (db != null && DbTarget.TryParseConninfo(db, out var ci))
        {
            evidence.Add(new(db, "conninfo string"));
            hostaddr = ci.GetValueOrDefault("hostaddr");
            host ??= ci.GetValueOrDefault("host");
            port ??= ci.GetValueOrDefault("port");
            service = ci.GetValueOrDefault("service");
            db = ci.GetValueOrDefault("dbname");
        }
        // A connection service's settings beat the environment and lose to the command line (libpq).
        if ((service ?? ctx.GetEnvironmentVariable("PGSERVICE")) is { Length: > 0 } svc)
        {
            var found = Config.PgService.Lookup(ctx, svc, evidence, out var settings);
            if (found == Config.PgService.Outcome.Unaccountable) return [new Target { Kind = TargetKind.Environment, Name = "unknown" }];
            if (host == null && uriHosts == null) hostaddr ??= settings.GetValueOrDefault("hostaddr");
            host ??= settings.GetValueOrDefault("host");
            port ??= settings.GetValueOrDefault("port");
            db ??= settings.GetValueOrDefault("dbname");
        }
        if (host == null && uriHosts == null && ctx.GetEnvironmentVariable("PGHOST") is string eh) { host = eh; evidence.Add(Evidence.Joined($"PGHOST={eh}", "host ", eh)); }
        if (hostaddr == null && ctx.GetEnvironmentVariable("PGHOSTADDR") is { Length: > 0 } ea) { hostaddr = ea; evidence.Add(Evidence.Joined($"PGHOSTADDR={ea}", "address ", ea)); }
        port ??= ctx.GetEnvironmentVariable("PGPORT");
        db ??= ctx.GetEnvironmentVariable("PGDATABASE");
        // PERF: one host, no address: the common case, one target.
        if (uriHosts == null && hostaddr == null && (host == null || !host.Contains(','))) return [DbTarget.Make("postgresql", host ?? hostaddr, port, db, 5432)];
        var targets = new List<Target>();
        var ports = port?.Split(',');
        string? PortAt(int i) => ports == null ? null : ports.Length == 1 ? ports[0] : i < ports.Length ? ports[i] : null;
        if (uriHosts != null) foreach (var (h, p) in uriHosts) targets.Add(DbTarget.Make("postgresql", h, p ?? port, db, 5432));
        else if (host != null) { var hs = host.Split(','); for (int i = 0; i < hs.Length; i++) targets.Add(DbTarget.Make("postgresql", hs[i], PortAt(i), db, 5432)); }
        if (hostaddr != null)
        {
            var addrs = hostaddr.Split(',');
            for (int i = 0; i < addrs.Length; i++) if (addrs[i].Length > 0) targets.Add(DbTarget.Make("postgresql", addrs[i], PortAt(i), db, 5432));
            evidence.Add(new("hostaddr=" + hostaddr, "the address connected to, whatever the host name says"));
        }
        if (targets.Count == 0) targets.Add(DbTarget.Make("postgresql", null, PortAt(0), db, 5432));
        return targets;
    }

    /// <summary>True (and evidence) when libpq's <c>sslkey</c> is ENGINE:KEY with a path for ENGINE
    /// (a URI's or conninfo's, a service's, PGSSLKEY): OpenSSL's ENGINE_by_id dlopens an id that is a
    /// path, when libpq sets up TLS, after the connect, so code of the command's choosing runs in psql
    /// holding a connection to the server.</summary>
    private static bool EngineKey(string? db, IExecContext ctx, List<Evidence> evidence)
    {
        string? service = null, key = null, from = null;
        if (db != null && db.Contains("://", StringComparison.Ordinal)) { key = UriParameter(db, "sslkey"); service = UriParameter(db, "service"); from = db; }
        else if (db != null && DbTarget.TryParseConninfo(db, out var ci)) { key = ci.GetValueOrDefault("sslkey"); service = ci.GetValueOrDefault("service"); from = db; }
        if (key == null && (service ?? ctx.GetEnvironmentVariable("PGSERVICE")) is { Length: > 0 } svc
            && Config.PgService.Lookup(ctx, svc, [], out var settings) == Config.PgService.Outcome.Found)
            (key, from) = (settings.GetValueOrDefault("sslkey"), "service " + svc);
        if (key == null && ctx.GetEnvironmentVariable("PGSSLKEY") is { } env) (key, from) = (env, "PGSSLKEY=" + env);
        if (key is null || key.IndexOf(':') is not (> 0 and var colon) || !key.AsSpan(0, colon).Contains('/')) return false;
        evidence.Add(new(HttpBody.Short(from!), $"sslkey loads {key[..colon]} into psql as an OpenSSL engine (code that runs in psql: unknown)"));
        return true;
    }

    private static string? UriParameter(string uri, string key)
    {
        int q = uri.IndexOf('?');
        if (q < 0) return null;
        foreach (var kv in uri[(q + 1)..].Split('&'))
        {
            int eq = kv.IndexOf('=');
            if (eq > 0 && kv[..eq] == key) return Uri.UnescapeDataString(kv[(eq + 1)..]);
        }
        return null;
    }
}
