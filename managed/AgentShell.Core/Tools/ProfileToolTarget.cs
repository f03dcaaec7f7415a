using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>One entry of a data tool's <c>Targets</c>: where a target comes from and what it is.
/// The source is at most one of <see cref="Flags"/> (each value given), <see cref="EnvVar"/>,
/// <see cref="Switches"/> (a flag without value) or <see cref="When"/> (subcommand patterns);
/// an entry without one always applies (the platform's API). Entries are read in order; one with
/// <see cref="Fallback"/> applies only when no entry before it gave a target.</summary>
public sealed class ProfileToolTarget
{
    /// <summary>Flags whose value names the target (<c>--app X</c>, <c>--app=X</c>, <c>-aX</c>; every occurrence counts).</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>An environment variable of the exec whose value names the target.</summary>
    public string? EnvVar { get; init; }

    /// <summary>Flags without a value whose presence selects this entry (<c>--linked</c>); they count
    /// anywhere in argv, even after <c>--</c>, so a switch that makes the target remote is never missed.</summary>
    public IReadOnlyList<string> Switches { get; init; } = [];

    /// <summary>Subcommand patterns that select this entry; when <see cref="Template"/> has <c>{}</c>,
    /// the word after the matched ones is the value (<c>gh repo delete OWNER/REPO</c>).</summary>
    public IReadOnlyList<string> When { get; init; } = [];

    /// <summary>What the target is.</summary>
    public required TargetKind Kind { get; init; }

    /// <summary>The target's text, <c>{}</c> standing for the value found: a URL for <c>url</c>, a
    /// <c>scheme://host:port/db</c> URI for <c>database</c>, a name for the other kinds.</summary>
    public string Template { get; init; } = "{}";

    /// <summary>The fact recorded as evidence (<c>app {}</c>); the target itself when null.</summary>
    public string? Fact { get; init; }

    /// <summary>The target is the kubeconfig's current context (<c>--kubeconfig</c>, else every
    /// <c>$KUBECONFIG</c> file, else <c>~/.kube/config</c>), read as kubectl reads it.</summary>
    public bool Kubeconfig { get; init; }

    /// <summary>The target is the repository of the working directory's git remote, as gh and glab
    /// infer it when no repository is named (<see cref="GitRemotes.Inferred"/>).</summary>
    public bool GitRemote { get; init; }

    /// <summary>Applies only when no entry before it gave a target.</summary>
    public bool Fallback { get; init; }

    /// <summary>The value names a platform app/project/service (a <c>url</c> target): the target
    /// carries it as its name, so a profile's <c>Apps</c> can put it in an environment.</summary>
    public bool App { get; init; }

    /// <summary>The values are names (a CloudFormation stack <c>ShopProdStack</c>, <c>api-production</c>)
    /// whose environment words are each a target (<see cref="EnvironmentWords"/>); the name itself is
    /// not one. With <see cref="When"/>, every word after the pattern is such a name (<c>cdk destroy A B</c>).</summary>
    public bool Words { get; init; }

    // Words that name an environment in a resource's name, as the Apps globs of the default profile and
    // common stage names spell them.
    private static readonly HashSet<string> EnvironmentWordSet = new(StringComparer.OrdinalIgnoreCase)
    {
        "prod", "production", "prd", "live", "staging", "stage", "stg", "preprod", "uat", "qa", "dev", "development", "test", "sandbox",
    };
    // PERF: looked up by span, in any letter case; the set's own (lower-case) spelling is what is returned.
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> EnvironmentWordLookup = EnvironmentWordSet.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>True when <paramref name="word"/> is an environment word that does not name production
    /// (staging, dev, qa, …; not prod, production, prd, live).</summary>
    public static bool IsNonProductionWord(string word) =>
        EnvironmentWordSet.Contains(word) && !(word.Equals("prod", StringComparison.OrdinalIgnoreCase) || word.Equals("production", StringComparison.OrdinalIgnoreCase)
            || word.Equals("prd", StringComparison.OrdinalIgnoreCase) || word.Equals("live", StringComparison.OrdinalIgnoreCase));

    /// <summary>The environment words of <paramref name="name"/>: split at every non-alphanumeric and at
    /// a lower-to-upper change (<c>ShopProdStack</c> → Shop, Prod, Stack), lower-cased, those that name an
    /// environment (prod, staging, …). Empty when none does.</summary>
    public static IReadOnlyList<string> EnvironmentWords(string name)
    {
        List<string>? found = null; // PERF: nothing allocated for a name without one (the common case)
        int from = 0;
        for (int i = 0; i <= name.Length; i++)
        {
            if (i < name.Length && i > from && !Boundary(name, i) && char.IsAsciiLetterOrDigit(name[i])) continue;
            if (i > from && EnvironmentWordLookup.TryGetValue(name.AsSpan(from, i - from), out var word) && found?.Contains(word) != true) (found ??= []).Add(word);
            from = i < name.Length && char.IsAsciiLetterOrDigit(name[i]) ? i : i + 1;
        }
        return found ?? (IReadOnlyList<string>)[];
    }

    // A word starts at i: lower→Upper (ShopProd), UPPER→Upper-lower (PRODStack: S), letter↔digit (prod2).
    private static bool Boundary(string s, int i) =>
        char.IsAsciiLetterUpper(s[i]) && char.IsAsciiLetterLower(s[i - 1])
        || char.IsAsciiLetterUpper(s[i]) && char.IsAsciiLetterUpper(s[i - 1]) && i + 1 < s.Length && char.IsAsciiLetterLower(s[i + 1])
        || char.IsAsciiDigit(s[i]) != char.IsAsciiDigit(s[i - 1]) && char.IsAsciiLetterOrDigit(s[i - 1]);

    /// <summary>True when the entry needs a value from its source (its template has <c>{}</c>).</summary>
    public bool TakesValue => Template.Contains("{}", StringComparison.Ordinal);

    /// <summary>The target for <paramref name="value"/> (null for a template without <c>{}</c>);
    /// null when the text is not a valid target of <see cref="Kind"/>.</summary>
    public Target? Make(string? value)
    {
        if (value != null) return MakeOf(value);
        // PERF: the template alone (a platform's API URL) is parsed once, not per call: a Target is
        // immutable, so every intent may share it. A race makes two equal ones; either is kept.
        var made = _fixed;
        if (made == null) _fixed = made = (object?)MakeOf(null) ?? NoTarget;
        return made as Target;
    }

    /// <summary>A server list in one value, each server as the tool reaches it: several URLs
    /// (<c>http://a:2379,http://b:2379</c>: etcdctl, nats), one URL with several hosts
    /// (<c>mongodb://a,b/db</c>: a replica set's seeds), or bare <c>host:port</c>s (<c>a:9092,b:9092</c>:
    /// a Kafka bootstrap list; a Mongo <c>rs0/a,b</c> without its set's name). Each client tries or
    /// joins every one, so each is a target. Null when the value is not such a list (a comma only in a
    /// path or query). PERF: called only for a url or database value with a comma.</summary>
    internal static List<string>? ServerList(string value)
    {
        int sep = value.IndexOf("://", StringComparison.Ordinal);
        var list = new List<string>();
        if (sep > 0 && value.IndexOf("://", sep + 3, StringComparison.Ordinal) < 0)
        {
            var rest = value[(sep + 3)..];
            int end = rest.IndexOfAny(['/', '?']);
            var authority = end >= 0 ? rest[..end] : rest;
            if (!authority.Contains(',')) return null;
            int at = authority.LastIndexOf('@');
            string head = value[..(sep + 3)] + (at >= 0 ? authority[..(at + 1)] : ""), tail = end >= 0 ? rest[end..] : "";
            foreach (var h in authority[(at + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) list.Add(head + h + tail);
            return list;
        }
        if (sep > 0)
        {
            // Each URL with its scheme; a piece without one takes the scheme before it.
            string scheme = value[..(sep + 3)];
            foreach (var piece in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int ps = piece.IndexOf("://", StringComparison.Ordinal);
                if (ps > 0) scheme = piece[..(ps + 3)];
                list.Add(ps > 0 ? piece : scheme + piece);
            }
            return list;
        }
        int comma = value.IndexOf(','), slash = value.IndexOf('/');
        var hosts = slash >= 0 && slash < comma ? value[(slash + 1)..] : value;
        foreach (var h in hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) list.Add(h);
        return list.Count > 1 ? list : null;
    }

    /// <summary>The text of <see cref="Fact"/> before and after its one <c>{}</c>; false when it has
    /// none or more than one. PERF: split once per entry, not per call.</summary>
    internal bool TryFactParts(out string head, out string tail)
    {
        var parts = _factParts ??= SplitFact();
        (head, tail) = parts.Length == 2 ? (parts[0], parts[1]) : ("", "");
        return parts.Length == 2;
    }

    private string[] SplitFact()
    {
        if (Fact is not string f) return [];
        int hole = f.IndexOf("{}", StringComparison.Ordinal);
        return hole < 0 || f.IndexOf("{}", hole + 2, StringComparison.Ordinal) >= 0 ? [] : [f[..hole], f[(hole + 2)..]];
    }

    private string[]? _factParts; // [before, after] the fact's one {}, or empty (a race makes two equal ones)

    private static readonly object NoTarget = new();
    private object? _fixed; // Make(null): its Target, or NoTarget

    private Target? MakeOf(string? value)
    {
        // PERF: a bare "{}" template is the value itself (no copy of it).
        string text = value == null ? Template : Template == "{}" ? value : Template.Replace("{}", value, StringComparison.Ordinal);
        if (text.Length == 0) return null;
        switch (Kind)
        {
            case TargetKind.Url:
                return UrlParser.TryParse(text, "https", App ? value : null, out var url) ? url : null;
            case TargetKind.Database:
                // JDBC URLs (Flyway, Liquibase) are a URI after "jdbc:".
                if (text.StartsWith("jdbc:", StringComparison.OrdinalIgnoreCase)) text = text[5..];
                // Go's MySQL DSN (goose, migrate): user:pw@tcp(host:port)/db.
                if (DbTarget.TryParseGoMysql(text, out var gh, out var gp, out var gd)) return DbTarget.Make("mysql", gh, gp, gd, 3306);
                if (!DbTarget.TryParseUri(text, out var host, out var port, out var database)) return KeyValueDatabase(text);
                var (scheme, defaultPort) = DatabaseScheme(text[..text.IndexOf("://", StringComparison.Ordinal)]);
                var t = DbTarget.Make(scheme, host, port, database, defaultPort);
                return t.Port == 0 ? new Target { Kind = t.Kind, Scheme = t.Scheme, Host = t.Host, Database = t.Database } : t;
            case TargetKind.LocalPath:
                return new Target { Kind = TargetKind.LocalPath, Path = text };
            case TargetKind.Socket:
                return UrlParser.TryParse(text, "tcp", out var s) ? new Target { Kind = TargetKind.Socket, Host = s.Host, Port = s.Port } : null;
            default:
                return new Target { Kind = Kind, Name = text };
        }
    }

    // A connection string of key=value pairs: a libpq conninfo (host=h port=5 dbname=d: goose's DSN) or an
    // ADO.NET one (Host=h;Database=d, Server=tcp:h,1433;Initial Catalog=d: dotnet ef --connection). Only
    // with a host: without one the server depends on what is not read here (PGHOST, a socket), so no target.
    private static Target? KeyValueDatabase(string text)
    {
        string? host = null, port = null, database = null;
        bool ado = text.Contains(';');
        IEnumerable<KeyValuePair<string, string>> pairs;
        if (ado)
        {
            var list = new List<KeyValuePair<string, string>>();
            foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int eq = part.IndexOf('=');
                if (eq > 0) list.Add(new(part[..eq].Trim(), part[(eq + 1)..].Trim().Trim('"', '\'')));
            }
            pairs = list;
        }
        else if (DbTarget.TryParseConninfo(text, out var ci)) pairs = ci;
        else return null;
        foreach (var (key, value) in pairs)
        {
            switch (key.ToLowerInvariant())
            {
                case "host" or "server" or "data source" or "datasource" or "address" or "addr" or "hostaddr": host ??= value; break;
                case "port": port = value; break;
                case "dbname" or "database" or "initial catalog": database = value; break;
            }
        }
        if (string.IsNullOrEmpty(host)) return null;
        if (host.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase)) host = host[4..];
        int comma = host.IndexOf(',');
        if (comma > 0) { port ??= host[(comma + 1)..]; host = host[..comma]; }
        var t = DbTarget.Make(ado ? "db" : "postgresql", host, port, database, ado ? 0 : 5432);
        return t.Port == 0 ? new Target { Kind = t.Kind, Scheme = t.Scheme, Host = t.Host, Database = t.Database } : t;
    }

    /// <summary>A URI scheme's canonical name and default port (<c>postgres</c> → postgresql, 5432);
    /// port 0 for a scheme not listed.</summary>
    internal static (string Scheme, int DefaultPort) DatabaseScheme(string scheme) => scheme.ToLowerInvariant() switch
    {
        "postgres" or "postgresql" => ("postgresql", 5432),
        "mysql" or "mariadb" => ("mysql", 3306),
        "redis" or "rediss" => (scheme.ToLowerInvariant(), 6379),
        "mongodb" or "mongodb+srv" => ("mongodb", 27017),
        var other => (other, 0),
    };
}

/// <summary>Profile spellings of <see cref="TargetKind"/> (<c>TargetKinds</c>, <c>TargetFlags</c>, a tool target's <c>Kind</c>).</summary>
public static class TargetKindNames
{
    private static readonly string[] Names =
        ["url", "database", "kube-context", "aws-profile", "gcp-project", "azure-subscription", "terraform-workspace", "local-path", "environment", "socket"];

    /// <summary>Every spelling, in <see cref="TargetKind"/> order.</summary>
    public static IReadOnlyList<string> All => Names;

    /// <summary>Parses <c>kube-context</c> or <c>KubeContext</c> (case-insensitive, dashes optional).</summary>
    public static bool TryParse(string text, out TargetKind kind)
    {
        string flat = text.Replace("-", "", StringComparison.Ordinal);
        for (int i = 0; i < Names.Length; i++)
        {
            if (flat.Equals(Names[i].Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)) { kind = (TargetKind)i; return true; }
        }
        kind = TargetKind.Environment;
        return false;
    }

    /// <summary>The profile spelling of a kind.</summary>
    public static string Name(TargetKind kind) => Names[(int)kind];
}
