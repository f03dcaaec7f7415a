using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>ORM and framework CLIs that wipe databases. Targets come from the environment they
/// run in: DATABASE_URL (the process environment, then <c>.env</c> in the working directory, as
/// these tools load it) and the framework environment name (RAILS_ENV, <c>-e</c>, NODE_ENV).
/// <list type="bullet">
/// <item>prisma: <c>migrate reset</c> → wipe; <c>db push --accept-data-loss</c>/<c>--force-reset</c> → drop/wipe; <c>db execute</c> → its SQL; generate/validate/format → read.</item>
/// <item>drizzle-kit: <c>push</c> → drop (it drops columns and tables that left the schema); migrate → write; generate/check/studio/pull → read.</item>
/// <item>sequelize: <c>db:drop</c>, <c>db:migrate:undo[:all]</c> → drop; <c>db:seed:undo[:all]</c> → delete; db:seed[:all] → delete (seed scripts commonly empty their tables first); db:migrate/db:create → write.</item>
/// <item>rails/rake: <c>db:drop</c> → drop; <c>db:reset</c>/<c>db:schema:load</c>/<c>db:purge</c>/<c>db:migrate:reset</c>/<c>db:setup</c> on an existing db → wipe; <c>db:truncate_all</c> → truncate; <c>db:rollback</c> → drop; <c>runner</c>/<c>console</c>/<c>dbconsole</c> → unknown.</item>
/// </list></summary>
public static class OrmClis
{
    /// <summary>prisma.</summary>
    public static CommandIntent Prisma(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true)) return ToolHelp.Help("prisma", "--help");
        var evidence = new List<Evidence>();
        // db execute --url URL runs on URL, not on DATABASE_URL (the schema's datasource is not read then).
        var url = ToolHelp.Option(a, "--url");
        var targets = url == null ? DatabaseUrl(c, evidence) : UrlOption(url, evidence);
        var pos = ToolHelp.Positionals(a, new HashSet<string> { "--schema", "--url", "--file", "--name", "--from-url", "--to-url" });
        string cmd = string.Join(' ', pos.Take(2));
        Effect effect = cmd switch
        {
            "migrate reset" => Effect.Wipe,
            "db push" => a.Contains("--force-reset") ? Effect.Wipe : a.Contains("--accept-data-loss") ? Effect.Drop : Effect.Write,
            "db seed" => Effect.Delete, // a seed script commonly empties tables first (see sequelize)
            "migrate deploy" or "migrate dev" or "migrate resolve" => Effect.Write,
            "db execute" => Execute(a, c, evidence),
            "db pull" or "migrate status" or "migrate diff" or "generate" or "validate" or "format" or "version" or "init" => Effect.Read,
            _ => pos.Count > 0 && pos[0] is "generate" or "validate" or "format" or "version" or "init" or "studio" ? Effect.Read : Effect.Unknown,
        };
        if (a.Contains("--accept-data-loss")) evidence.Add(new("--accept-data-loss", "drops columns/tables that differ from the schema"));
        evidence.Add(new(cmd, $"prisma {cmd} → {effect.Name()}"));
        return ToolHelp.Intent("prisma", effect, cmd, targets, evidence);
    }

    private static Effect Execute(IReadOnlyList<string> a, ToolCall c, List<Evidence> evidence)
    {
        var file = ToolHelp.Option(a, "--file");
        string? sql = file != null ? ToolHelp.ReadText(c.Context, file) : a.Contains("--stdin") ? c.StdinText : null;
        if (sql == null) { evidence.Add(new("db execute", "SQL not visible")); return Effect.Unknown; }
        var r = SqlScanner.Scan(sql);
        evidence.Add(new(file ?? "--stdin", r));
        return r.Effect;
    }

    /// <summary>drizzle-kit.</summary>
    public static CommandIntent DrizzleKit(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true)) return ToolHelp.Help("drizzle-kit", "--help");
        var evidence = new List<Evidence>();
        var targets = DatabaseUrl(c, evidence);
        var verb = a.FirstOrDefault(x => !x.StartsWith('-')) ?? "";
        Effect effect = verb.Split(':')[0] switch
        {
            "push" => Effect.Drop,
            "migrate" => Effect.Write,
            "drop" or "generate" or "up" => Effect.Write, // local migration files
            "check" or "studio" or "pull" or "introspect" or "export" => Effect.Read,
            _ => Effect.Unknown,
        };
        if (verb.StartsWith("push", StringComparison.Ordinal)) evidence.Add(new(verb, "applies the schema directly, dropping what left it"));
        return ToolHelp.Intent("drizzle-kit", effect, verb, targets, evidence);
    }

    /// <summary>sequelize / sequelize-cli.</summary>
    public static CommandIntent Sequelize(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true)) return ToolHelp.Help("sequelize", "--help");
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        var url = ToolHelp.Option(a, "--url");
        if (url != null && DbUrl(url) is Target t) { targets.Add(t); evidence.Add(new($"--url {url}", $"database {t}")); }
        else targets.AddRange(DatabaseUrl(c, evidence));
        var env = ToolHelp.Option(a, "--env") ?? c.Context.GetEnvironmentVariable("NODE_ENV");
        if (env != null) { targets.Add(new Target { Kind = TargetKind.Environment, Name = env }); evidence.Add(new($"--env {env}", $"environment {env}")); }
        var verb = a.FirstOrDefault(x => !x.StartsWith('-')) ?? "";
        Effect effect = verb switch
        {
            "db:drop" or "db:migrate:undo:all" or "db:migrate:undo" => Effect.Drop,
            // A seed run against a database: seed scripts commonly empty their tables first (knex's
            // template does, Rails seeds often destroy_all): a delete, like the undo.
            "db:seed:undo:all" or "db:seed:undo" or "db:seed" or "db:seed:all" => Effect.Delete,
            "db:migrate" or "db:create" => Effect.Write,
            "db:migrate:status" or "init" or "migration:generate" or "model:generate" or "seed:generate" or "version" or "help" => Effect.Read,
            _ => Effect.Unknown,
        };
        evidence.Add(Evidence.Arrow(verb, effect));
        return ToolHelp.Intent("sequelize", effect, verb, targets, evidence);
    }

    /// <summary>rails and rake.</summary>
    public static CommandIntent Rails(string tool, ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true) || a.Contains("-T") || a.Contains("--tasks")) return ToolHelp.Help(tool, "--help");
        var evidence = new List<Evidence>();
        var targets = DatabaseUrl(c, evidence, includeLocalDefault: false);
        string? env = ToolHelp.Option(a, "-e", "--environment");
        var tasks = new List<string>();
        foreach (var x in a)
        {
            if (x.StartsWith("RAILS_ENV=", StringComparison.Ordinal)) env = x[10..];
            else if (!x.StartsWith('-') && !x.Contains('=')) tasks.Add(x);
        }
        if (env == null && c.Context.GetEnvironmentVariable("RAILS_ENV") is string re) { env = re; evidence.Add(new($"RAILS_ENV={re}", $"environment {re}")); }
        env ??= c.Context.GetEnvironmentVariable("RACK_ENV") ?? "development";
        // development and test use config/database.yml's local databases unless DATABASE_URL says otherwise.
        if (targets.Count == 0 && env is "development" or "test") evidence.Add(new($"environment {env}", "the local database of config/database.yml"));
        targets.Add(new Target { Kind = TargetKind.Environment, Name = targets.Count == 0 && env is "development" or "test" ? "local" : env });
        Effect effect = Effect.Read;
        string summary = "";
        foreach (var t in tasks)
        {
            Effect? e = t switch
            {
                "db:drop" or "db:drop:all" or "db:rollback" or "db:migrate:down" or "db:migrate:redo" => Effect.Drop,
                "db:reset" or "db:schema:load" or "db:structure:load" or "db:purge" or "db:purge:all" or "db:migrate:reset" or "db:setup" or "db:test:prepare" => Effect.Wipe,
                "db:truncate_all" => Effect.Truncate,
                "db:seed" => Effect.Delete, // seeds often destroy_all first (see sequelize)
                "db:migrate" or "db:create" or "db:prepare" or "db:migrate:up" or "db:seed:replant" or "generate" or "g" or "destroy" or "d" or "new" => Effect.Write,
                "runner" or "r" or "console" or "c" or "dbconsole" or "db" => Effect.Unknown,
                "db:version" or "db:migrate:status" or "routes" or "about" or "stats" or "notes" or "server" or "s" or "test" or "t" or "db:schema:dump" => Effect.Read,
                _ => t.StartsWith("db:", StringComparison.Ordinal) ? Effect.Unknown : null,
            };
            if (t == "db:seed:replant") e = Effect.Truncate;
            // db:migrate VERSION=0 runs every migration down.
            if (t == "db:migrate" && a.Contains("VERSION=0")) { e = Effect.Drop; evidence.Add(new("VERSION=0", "migrates every table down")); }
            if (e == null) continue;
            if (e.Value > effect || summary.Length == 0) summary = t;
            effect = ToolHelp.Max(effect, e.Value);
            if (t is "runner" or "r" && RunnerCode(c, t, evidence) is Effect code) { effect = ToolHelp.Max(effect, code); summary = t; }
            // A console fed code on stdin (rails c <<< 'Order.delete_all', echo SQL | rails db) runs it.
            if (t is "console" or "c" && c.StdinText is string ruby) { effect = ToolHelp.Max(effect, RubyCode.EffectOf(ruby, "stdin", evidence)); summary = t; }
            if (t is "dbconsole" or "db" && c.StdinText is string sql)
            {
                var r = SqlScanner.Scan(sql);
                evidence.Add(new(HttpBody.Short(sql), r));
                effect = ToolHelp.Max(effect, r.Effect);
                summary = t;
            }
            if (t is "runner" or "r" or "console" or "c" or "dbconsole" or "db") break; // the rest are its arguments
        }
        if (tasks.Count > 0 && summary.Length == 0) { effect = Effect.Unknown; summary = tasks[0]; }
        evidence.Add(new(summary, $"{tool} {summary} → {effect.Name()} (environment {env})"));
        return ToolHelp.Intent(tool, effect, summary, targets, evidence);
    }

    // rails runner CODE|FILE: the code (or the file's) as RubyCode reads it; null when there is none.
    private static Effect? RunnerCode(ToolCall c, string task, List<Evidence> evidence)
    {
        var a = c.Args;
        int i = 0;
        while (i < a.Count && a[i] != task) i++;
        for (i++; i < a.Count; i++)
        {
            if (a[i] is "-e" or "--environment") { i++; continue; }
            if (a[i].StartsWith('-')) continue;
            var arg = a[i];
            if (arg.EndsWith(".rb", StringComparison.Ordinal) && !arg.Contains(' ') && !arg.Contains('('))
            {
                var text = ToolHelp.ReadText(c.Context, arg);
                if (text == null) { evidence.Add(new(arg, "a script not read (unknown)")); return Effect.Unknown; }
                return RubyCode.EffectOf(text, arg, evidence);
            }
            return RubyCode.EffectOf(arg, arg, evidence);
        }
        return null;
    }

    /// <summary>DATABASE_URL from the environment, else from <c>.env</c> in the working directory.</summary>
    private static List<Target> DatabaseUrl(ToolCall c, List<Evidence> evidence, bool includeLocalDefault = true)
    {
        var url = c.Context.GetEnvironmentVariable("DATABASE_URL");
        string source = "DATABASE_URL";
        if (url == null && ToolHelp.ReadText(c.Context, ".env") is string dotenv)
        {
            foreach (var line in dotenv.Split('\n'))
            {
                var l = line.Trim();
                if (l.StartsWith("export ", StringComparison.Ordinal)) l = l[7..].TrimStart();
                if (!l.StartsWith("DATABASE_URL=", StringComparison.Ordinal)) continue;
                url = l[13..].Trim().Trim('"', '\'');
                source = ".env DATABASE_URL";
            }
        }
        if (url != null && DbUrl(url) is Target t)
        {
            evidence.Add(new(source, $"database {t}"));
            return [t];
        }
        if (!includeLocalDefault) return [];
        evidence.Add(new("DATABASE_URL", "not set: the database is not known"));
        return [new Target { Kind = TargetKind.Environment, Name = "unknown" }];
    }

    // A --url option: its database, or (a variable not set here, a form not read) unknown.
    private static List<Target> UrlOption(string url, List<Evidence> evidence)
    {
        if (!DbTarget.IsUnexpanded(url) && DbUrl(url) is Target t)
        {
            evidence.Add(new($"--url {url}", $"database {t}"));
            return [t];
        }
        evidence.Add(new($"--url {url}", "a database not read here: not known"));
        return [new Target { Kind = TargetKind.Environment, Name = "unknown" }];
    }

    private static Target? DbUrl(string url)
    {
        if (!DbTarget.TryParseUri(url, out var h, out var p, out var d)) return url.StartsWith("file:", StringComparison.Ordinal) ? new Target { Kind = TargetKind.LocalPath, Path = url[5..] } : null;
        var scheme = url[..url.IndexOf("://", StringComparison.Ordinal)].ToLowerInvariant();
        int port = scheme.StartsWith("mysql", StringComparison.Ordinal) ? 3306 : scheme.StartsWith("mongodb", StringComparison.Ordinal) ? 27017 : 5432;
        return DbTarget.Make(scheme == "postgres" ? "postgresql" : scheme, h, p, d, port);
    }
}
