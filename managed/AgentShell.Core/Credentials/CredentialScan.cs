using System.Text;
using AgentShell.Core.Audit;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Credentials;

/// <summary>Finds the credential-bearing parts of one parsed command, a pass of its own beside
/// the tool's parser: auth headers (<c>Authorization: Bearer|Basic|Token …</c>, <c>X-Api-Key</c>,
/// <c>*-Token</c>, cookies), <c>user:password</c> values (<c>curl -u</c>, <c>http -a</c>,
/// <c>--user</c>), a URL's user and password, <c>password=</c> in a conninfo or query string,
/// options named like a secret (<c>--token</c>, <c>--password</c>, <c>--api-key</c>, mysql
/// <c>-pX</c>, <c>redis-cli -a</c>), curl <c>-H @file</c> header files, and the variables each tool
/// reads its secret from (<c>PGPASSWORD</c>, <c>RAILWAY_TOKEN</c>, <c>GITHUB_TOKEN</c>,
/// <c>AWS_SECRET_ACCESS_KEY</c>, a <c>DATABASE_URL</c>'s password …).</summary>
/// <remarks>Deliberately liberal: a found value only matters when its SHA-256 equals a credential a
/// profile lists, so reading a non-secret as a candidate changes nothing, while missing a carrier
/// would let a listed token through unrecognised. PERF: nothing is allocated for arguments that
/// carry nothing (the common case).</remarks>
internal static class CredentialScan
{
    private enum Kind : byte { None, Secret, UserPassword, Header, Cookie }

    private static readonly Dictionary<ToolId, string[]> EnvironmentSecrets = new()
    {
        [ToolId.Psql] = ["PGPASSWORD"], [ToolId.PgRestore] = ["PGPASSWORD"], [ToolId.Dropdb] = ["PGPASSWORD"],
        [ToolId.PgDump] = ["PGPASSWORD"], [ToolId.PgClient] = ["PGPASSWORD"],
        [ToolId.Mysql] = ["MYSQL_PWD"], [ToolId.MysqlAdmin] = ["MYSQL_PWD"], [ToolId.RedisCli] = ["REDISCLI_AUTH"],
        [ToolId.Railway] = ["RAILWAY_TOKEN", "RAILWAY_API_TOKEN"],
        [ToolId.Gh] = ["GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"],
        [ToolId.Aws] = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"],
        [ToolId.Fly] = ["FLY_API_TOKEN", "FLY_ACCESS_TOKEN"], [ToolId.Heroku] = ["HEROKU_API_KEY"],
        [ToolId.Doctl] = ["DIGITALOCEAN_ACCESS_TOKEN"], [ToolId.Supabase] = ["SUPABASE_ACCESS_TOKEN", "SUPABASE_DB_PASSWORD"],
        [ToolId.Pulumi] = ["PULUMI_ACCESS_TOKEN"], [ToolId.Az] = ["AZURE_CLIENT_SECRET"],
        [ToolId.Gcloud] = ["CLOUDSDK_AUTH_ACCESS_TOKEN"], [ToolId.Gsutil] = ["CLOUDSDK_AUTH_ACCESS_TOKEN"],
        [ToolId.Prisma] = ["DATABASE_URL"], [ToolId.DrizzleKit] = ["DATABASE_URL"], [ToolId.Sequelize] = ["DATABASE_URL"], [ToolId.Rails] = ["DATABASE_URL"],
    };

    // The built-in tables' tools (ToolId.Table), by the table's name: the variables each reads its
    // token or password from (a URL's password for DATABASE_URL-style ones). cdk, sam, copilot,
    // serverless and sst act with the AWS keys.
    private static readonly Dictionary<string, string[]> TableSecrets = new(StringComparer.Ordinal)
    {
        ["vercel"] = ["VERCEL_TOKEN"], ["netlify"] = ["NETLIFY_AUTH_TOKEN"], ["render"] = ["RENDER_API_KEY"],
        ["neonctl"] = ["NEON_API_KEY"], ["pscale"] = ["PLANETSCALE_SERVICE_TOKEN"], ["turso"] = ["TURSO_API_TOKEN"],
        ["firebase"] = ["FIREBASE_TOKEN"], ["wrangler"] = ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY"],
        ["vault"] = ["VAULT_TOKEN"], ["consul"] = ["CONSUL_HTTP_TOKEN"], ["nomad"] = ["NOMAD_TOKEN"],
        ["argocd"] = ["ARGOCD_AUTH_TOKEN"], ["glab"] = ["GITLAB_TOKEN", "GLAB_TOKEN"], ["influx"] = ["INFLUX_TOKEN"],
        ["etcdctl"] = ["ETCDCTL_PASSWORD"], ["flyway"] = ["FLYWAY_PASSWORD"], ["liquibase"] = ["LIQUIBASE_COMMAND_PASSWORD"],
        ["hcloud"] = ["HCLOUD_TOKEN"], ["linode-cli"] = ["LINODE_CLI_TOKEN"], ["bq"] = ["CLOUDSDK_AUTH_ACCESS_TOKEN"],
        ["cdk"] = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"], ["sam"] = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"],
        ["copilot"] = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"], ["sst"] = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"],
        ["serverless"] = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SERVERLESS_ACCESS_KEY"],
        ["alembic"] = ["DATABASE_URL"], ["knex"] = ["DATABASE_URL"], ["django"] = ["DATABASE_URL"], ["dbmate"] = ["DATABASE_URL"],
        ["diesel"] = ["DATABASE_URL"], ["sqlx"] = ["DATABASE_URL"], ["typeorm"] = ["DATABASE_URL"], ["mikro-orm"] = ["DATABASE_URL"],
        ["flask"] = ["DATABASE_URL"], ["mix"] = ["DATABASE_URL"], ["goose"] = ["GOOSE_DBSTRING"], ["artisan"] = ["DB_PASSWORD"],
        ["stripe"] = ["STRIPE_API_KEY"],
    };

    /// <summary>The credentials <paramref name="c"/> carries when run as tool <paramref name="id"/>
    /// (<paramref name="tool"/>: the intent's tool name, which names a built-in table's tool).</summary>
    internal static IReadOnlyList<Credential> Find(ToolId id, ToolCall c, string? tool = null, IReadOnlyList<Target>? targets = null)
    {
        List<Credential>? found = null;
        var args = c.Args;
        Dictionary<string, string>? curlVars = null; // curl --variable, for --expand-* values
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.Length < 2) continue;
            string? next = i + 1 < args.Count ? args[i + 1] : null;
            if (id == ToolId.Curl && a.StartsWith("--expand-", StringComparison.Ordinal) && next != null)
            {
                curlVars ??= CurlVariables(c);
                Option(id, "--" + a[9..], Expand(next, curlVars), c.Context, ref found);
                continue;
            }
            if (a[0] == '-') { Option(id, a, next, c.Context, ref found, tool); continue; }
            // PERF: every carrier below needs a ':' or an '='; most arguments have neither.
            int colon = a.IndexOf(':');
            if (colon > 0)
            {
                if (a.AsSpan(colon).StartsWith("://")) UrlUserInfo(a, "URL", ref found);
                else Header(a, ref found);
            }
            if (a.Contains('=')) SecretParameters(a, ref found);
        }
        if (EnvironmentSecrets.TryGetValue(id, out var variables) || id == ToolId.Table && tool != null && TableSecrets.TryGetValue(tool, out variables))
        {
            foreach (var v in variables)
            {
                if (c.Context.GetEnvironmentVariable(v) is not { Length: > 0 } value) continue;
                if (v is "DATABASE_URL" or "GOOSE_DBSTRING") { UrlUserInfo(value, v, ref found); SecretParameters(value, ref found); }
                else Add(ref found, v, value);
            }
            if (Array.IndexOf(variables, "DATABASE_URL") >= 0 && c.Context.GetEnvironmentVariable("DATABASE_URL") == null)
                DotEnvDatabaseUrl(c.Context, ref found);
        }
        // The key set by aws configure set earlier in the same shell string (Lexing.ShellStateChanges): beside the others.
        if (id == ToolId.Aws && Lexing.ShellStateChanges.Get(c.Context, Lexing.ShellStateChanges.AwsSecretKey) is { Length: > 0 } configured)
            Add(ref found, "aws configure set aws_secret_access_key (earlier)", configured);
        if (id == ToolId.Aws) StoredLogins.AwsSharedCredentials(c, ref found);
        if (id is ToolId.Curl or ToolId.Wget or ToolId.Httpie or ToolId.Psql or ToolId.PgDump or ToolId.PgRestore or ToolId.Dropdb or ToolId.PgClient or ToolId.Terraform)
        {
            // Request bodies and stored logins (BodySecrets.cs, StoredLogins.cs): rarer carriers, each in a file of its own.
            BodySecrets.Find(id, c, ref found);
            StoredLogins.Find(id, c, targets ?? [], ref found);
        }
        if (found != null) Substitutions(c.Context, ref found);
        return found ?? (IReadOnlyList<Credential>)[];
    }

    /// <summary>A secret written as a command substitution that reads a file (<c>$(cat token.txt)</c>,
    /// <c>$(&lt; .env.production)</c>, <c>$(jq -r .token ~/.railway/config.json)</c>, <c>$(grep KEY .env | cut
    /// -d= -f2)</c>): the file's values are the candidates (its whole text, and each value as a
    /// credential file's are read), since what the pipeline picks out of it is not evaluated.</summary>
    private static void Substitutions(IExecContext ctx, ref List<Credential>? found)
    {
        int n = found!.Count;
        for (int i = 0; i < n; i++)
        {
            var (carrier, secret) = (found![i].Carrier, found[i].Secret);
            // PERF: a literal secret (the common case) has neither.
            if (!secret.Contains("$(", StringComparison.Ordinal) && !secret.Contains('`')) continue;
            foreach (var word in secret.Split([' ', '\t', '|', ';', '(', ')', '`', '<', '>', '"', '\''], StringSplitOptions.RemoveEmptyEntries))
            {
                if (word[0] is '-' or '$' or '.' && !word.StartsWith("./", StringComparison.Ordinal) && !word.StartsWith(".env", StringComparison.Ordinal)) continue;
                var path = word.StartsWith("~/", StringComparison.Ordinal) && ctx.GetEnvironmentVariable("HOME") is string home ? home + word[1..] : word;
                if (ToolHelp.ReadText(ctx, path) is not string text) continue;
                Add(ref found, $"{carrier} (from {word})", text);
                foreach (var (_, value) in CredentialFileSet.Values(text))
                    if (value.Length >= CredentialFileSet.MinLength) Add(ref found, $"{carrier} (from {word})", value);
            }
        }
    }

    /// <summary>An option argument: long options named like a secret, <c>--user</c>/<c>--auth</c>
    /// user:password values, <c>--header</c>; and the tools' short secret options, in clusters too.</summary>
    private static void Option(ToolId id, string a, string? next, IExecContext ctx, ref List<Credential>? found, string? tool = null)
    {
        // A single-dash long option with its value (flyway -password=X, -user=…): named like a secret.
        if (a[1] != '-' && a.IndexOf('=') is int eq1 and > 2 && Redactor.IsSecretFlag(a.AsSpan(1, eq1 - 1)))
        {
            Add(ref found, a[..eq1], a[(eq1 + 1)..]);
            return;
        }
        if (a[1] == '-')
        {
            int eq = a.IndexOf('=');
            // PERF: the name stays a span: most long options carry nothing, and allocate nothing here.
            var name = eq > 0 ? a.AsSpan(2, eq - 2) : a.AsSpan(2);
            if ((eq < 0 && next == null) || name.Length == 0) return;
            var kind = LongKind(name);
            // An abbreviation or another letter case the tool accepts (curl --us, --HEADER) names
            // the same option: read it as the tool's option table does.
            if (kind == Kind.None && Table(id) is OptionTable table && table.Long(name, out bool negated, out _) is { Longs.Count: > 0 } spec && !negated)
                kind = LongKind(spec.Longs[0]);
            if (kind == Kind.None) return;
            string value = eq > 0 ? a[(eq + 1)..] : next!;
            switch (kind)
            {
                case Kind.Secret: Add(ref found, string.Concat("--", name), value); break;
                case Kind.UserPassword: UserPassword(ref found, string.Concat("--", name), value); break;
                case Kind.Header: HeaderValue(value, id, ctx, ref found); break;
                case Kind.Cookie: Cookies(value, "--" + name.ToString(), ref found); break;
            }
            return;
        }
        // A single-dash word of a Go-flag tool (influx -password X) is one long option, not letters.
        if (a.Length > 2 && tool != null && Redactor.ReadsSingleDashWordsAsLong(tool))
        { if (next != null && a.IndexOf('=') < 0 && Redactor.IsSecretFlag(a.AsSpan(1))) Add(ref found, a, next); return; }
        // Short options: a cluster (-su user:pass) up to the first letter that takes a value.
        string valued = ShortValued(id);
        for (int k = 1; k < a.Length; k++)
        {
            char letter = a[k];
            var kind = ShortKind(id, letter);
            // A built-in table's tool: the short secret options the Redactor masks (vercel -t, rabbitmqadmin -p).
            if (kind == Kind.None && id == ToolId.Table && tool != null && Redactor.IsShortSecretFlag(tool, letter)) kind = Kind.Secret;
            bool takesValue = kind != Kind.None || valued.Contains(letter) || tool != null && BuiltInTools.ShortTakesValue(tool, letter);
            if (!takesValue) continue;
            // The cluster ends at a letter that takes a value; one that carries nothing (curl -XDELETE) ends it unread.
            if (kind == Kind.None) return;
            bool attached = k + 1 < a.Length;
            // mysql's -p takes its password only attached (-pSECRET); alone it prompts.
            string? value = attached ? a[(k + 1)..] : id is ToolId.Mysql or ToolId.MysqlAdmin ? null : next;
            if (value != null)
            {
                switch (kind)
                {
                    case Kind.Secret: Add(ref found, "-" + letter, value); break;
                    case Kind.UserPassword: UserPassword(ref found, "-" + letter, value); break;
                    case Kind.Header: HeaderValue(value, id, ctx, ref found); break;
                    case Kind.Cookie: Cookies(value, "-" + letter, ref found); break;
                }
            }
            return;
        }
    }

    /// <summary>curl's <c>--variable</c>s: <c>%NAME</c> (from the environment, <c>%NAME=default</c>),
    /// <c>NAME=content</c>, <c>NAME@file</c>.</summary>
    private static Dictionary<string, string> CurlVariables(ToolCall c)
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < c.Args.Count; i++)
        {
            if (c.Args[i] != "--variable") continue;
            var v = c.Args[++i];
            if (v.StartsWith('%'))
            {
                int eq = v.IndexOf('=');
                var name = eq > 0 ? v[1..eq] : v[1..];
                var value = c.Context.GetEnvironmentVariable(name) ?? (eq > 0 ? v[(eq + 1)..] : null);
                if (value != null) vars[name] = value;
                continue;
            }
            int sep = v.IndexOfAny(['=', '@']);
            if (sep <= 0) continue;
            var content = v[sep] == '=' ? v[(sep + 1)..] : v[(sep + 1)..] == "-" ? c.StdinText : ToolHelp.ReadText(c.Context, v[(sep + 1)..]);
            if (content != null) vars[v[..sep]] = content;
        }
        return vars;
    }

    /// <summary>A value with its <c>{{NAME}}</c> / <c>{{NAME:function}}</c> references replaced.</summary>
    private static string Expand(string value, Dictionary<string, string> vars)
    {
        if (!value.Contains("{{", StringComparison.Ordinal)) return value;
        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            int close = value[i] == '{' && i + 1 < value.Length && value[i + 1] == '{' ? value.IndexOf("}}", i + 2, StringComparison.Ordinal) : -1;
            if (close < 0) { sb.Append(value[i]); continue; }
            var name = value[(i + 2)..close].Split(':')[0];
            sb.Append(vars.GetValueOrDefault(name, ""));
            i = close + 1;
        }
        return sb.ToString();
    }

    private static Kind LongKind(ReadOnlySpan<char> name)
    {
        // PERF: lower-cased on the stack (option names are short), not into a new string.
        Span<char> n = name.Length <= 128 ? stackalloc char[name.Length] : new char[name.Length];
        name.ToLowerInvariant(n);
        if (n is "user" or "proxy-user" or "auth" or "http-user" or "ftp-user" or "username") return Kind.UserPassword;
        if (n is "header" or "proxy-header") return Kind.Header;
        if (n is "cookie") return Kind.Cookie;
        if (n is "pass" or "oauth2-bearer" or "bearer" or "http-password" or "ftp-password" or "proxy-password" || Redactor.IsSecretFlag(n)) return Kind.Secret;
        return Kind.None;
    }

    private static Kind ShortKind(ToolId id, char letter) => (id, letter) switch
    {
        (ToolId.Curl, 'u' or 'U') => Kind.UserPassword,
        (ToolId.Curl, 'H') => Kind.Header,
        (ToolId.Curl, 'b') => Kind.Cookie,
        (ToolId.Httpie, 'a') => Kind.UserPassword,
        (ToolId.Mysql or ToolId.MysqlAdmin, 'p') => Kind.Secret,
        (ToolId.RedisCli, 'a') => Kind.Secret,
        (ToolId.Mongosh, 'p') => Kind.Secret,
        (ToolId.Cqlsh, 'p') => Kind.Secret,
        (ToolId.Doctl or ToolId.Fly, 't') => Kind.Secret,
        (ToolId.Sqlcmd, 'P') => Kind.Secret,
        (ToolId.Supabase, 'p') => Kind.Secret,
        (ToolId.Wget, _) => Kind.None,
        _ => Kind.None,
    };

    private static OptionTable? Table(ToolId id) => id switch
    {
        ToolId.Curl => Curl.Options, ToolId.Wget => Wget.Options, ToolId.Httpie => Httpie.Options, ToolId.Psql => Psql.Options,
        ToolId.Mysql => Mysql.Options, ToolId.MysqlAdmin => Mysql.AdminOptions, ToolId.RedisCli => RedisCli.Options,
        ToolId.Mongosh => Mongosh.Options, ToolId.Aws => Aws.Options, ToolId.Gcloud => Gcloud.Options, ToolId.Az => Az.Options,
        ToolId.Kubectl => Kubectl.Options, ToolId.Helm => Helm.Options,
        _ => null,
    };

    // Letters that take a value, so a cluster ends there (curl's table; others take no clusters that matter).
    private static string ShortValued(ToolId id) => id == ToolId.Curl ? Curl.ShortWithArg : "";

    /// <summary>A header given to an HTTP client (<c>Name: value</c>, HTTPie's <c>Name:value</c>), or
    /// curl's <c>@file</c> of header lines.</summary>
    private static void HeaderValue(string value, ToolId id, IExecContext ctx, ref List<Credential>? found)
    {
        if (id == ToolId.Curl && value.StartsWith('@') && value.Length > 1)
        {
            if (ToolHelp.ReadText(ctx, value[1..]) is string lines)
                foreach (var line in lines.Split('\n')) Header(line.TrimEnd('\r'), ref found);
            return;
        }
        Header(value, ref found);
    }

    private static void Header(string h, ref List<Credential>? found)
    {
        int colon = h.IndexOf(':');
        if (colon <= 0 || colon > 64) return;
        var name = h.AsSpan(0, colon).Trim();
        if (name.IsEmpty || !char.IsAsciiLetter(name[0]) || !Redactor.IsSecretHeader(name)) return;
        var value = h.AsSpan(colon + 1);
        if (value.StartsWith("=")) value = value[1..]; // HTTPie's Header:=json is still the header's value
        var v = value.Trim().ToString();
        if (v.Length == 0) return;
        string carrier = $"{name.ToString()} header";
        if (name.Equals("cookie", StringComparison.OrdinalIgnoreCase) || name.Equals("set-cookie", StringComparison.OrdinalIgnoreCase)) Cookies(v, carrier, ref found);
        int space = v.IndexOf(' ');
        if (space > 0)
        {
            var scheme = v[..space];
            var rest = v[(space + 1)..].Trim();
            if (scheme.Equals("basic", StringComparison.OrdinalIgnoreCase) && Base64(rest) is string userPass)
            {
                UserPassword(ref found, carrier, userPass);
                Add(ref found, carrier, rest);
                return;
            }
            if (rest.Length > 0) Add(ref found, carrier, rest);
        }
        Add(ref found, carrier, v);
    }

    private static string? Base64(string s)
    {
        var bytes = new byte[s.Length];
        return Convert.TryFromBase64String(s, bytes, out int n) ? Encoding.UTF8.GetString(bytes, 0, n) : null;
    }

    /// <summary><c>user:password</c>: the password, and the whole value (a token given as a user name, <c>-u TOKEN:</c>).</summary>
    private static void UserPassword(ref List<Credential>? found, string carrier, string value)
    {
        int colon = value.IndexOf(':');
        if (colon >= 0 && colon + 1 < value.Length) Add(ref found, carrier + " password", value[(colon + 1)..]);
        if (colon > 0) Add(ref found, carrier + " user", value[..colon]);
        Add(ref found, carrier, value);
    }

    /// <summary>scheme://user:password@host: both parts, percent-decoded.</summary>
    private static void UrlUserInfo(string url, string carrier, ref List<Credential>? found)
    {
        int start = url.IndexOf("://", StringComparison.Ordinal);
        if (start <= 0) return;
        start += 3;
        // PERF: the authority stays a span: most URLs carry no user.
        var rest = url.AsSpan(start);
        int end = rest.IndexOfAny('/', '?', '#');
        var authority = end < 0 ? rest : rest[..end];
        int at = authority.LastIndexOf('@');
        if (at <= 0) return;
        var info = authority[..at].ToString();
        int colon = info.IndexOf(':');
        string user = Unescape(colon >= 0 ? info[..colon] : info);
        if (colon >= 0 && colon + 1 < info.Length) Add(ref found, $"{carrier} password", Unescape(info[(colon + 1)..]));
        if (user.Length > 0) Add(ref found, $"{carrier} user", user);
    }

    // Parameter names that carry a secret in a libpq conninfo or a URL's query string (?access_token=…).
    private static readonly string[] SecretParameterNames = ["password", "access_token", "api_key", "apikey", "token", "private_token", "auth_token", "client_secret"];

    /// <summary><c>password=…</c> in a libpq conninfo (quoted values too), and the secret-named
    /// parameters of a query string (<c>?access_token=…</c>, <c>&amp;api_key=…</c>).</summary>
    private static void SecretParameters(string s, ref List<Credential>? found)
    {
        // PERF: from each '=' back to its name, not a case-blind search per name: SQL is full of '='
        // (WHERE a = b), and eight IndexOf(OrdinalIgnoreCase) passes over it cost a microsecond.
        for (int eq = s.IndexOf('='); eq >= 0; eq = eq + 1 < s.Length ? s.IndexOf('=', eq + 1) : -1)
        {
            int start = eq;
            while (start > 0 && (char.IsAsciiLetterOrDigit(s[start - 1]) || s[start - 1] == '_')) start--;
            // The whole name: "token=" is not the end of "csrf_token=" or "next_page_token=".
            if (start == eq || start > 0 && s[start - 1] is not ('?' or '&' or ' ' or ';' or '\'' or '"')) continue;
            var name = s.AsSpan(start, eq - start);
            string? key = null;
            foreach (var n in SecretParameterNames) if (name.Equals(n, StringComparison.OrdinalIgnoreCase)) { key = n; break; }
            if (key == null) continue;
            int at = eq + 1;
            string value;
            if (at < s.Length && s[at] == '\'')
            {
                int close = s.IndexOf('\'', at + 1);
                value = close < 0 ? s[(at + 1)..] : s[(at + 1)..close];
            }
            else
            {
                int end = s.AsSpan(at).IndexOfAny(" &;#");
                if (end >= 0) end += at;
                value = end < 0 ? s[at..] : s[at..end];
            }
            if (value.Length > 0) Add(ref found, key + " parameter", Unescape(value));
        }
    }

    /// <summary>A cookie string (<c>a=1; session=TOKEN</c>): each cookie's value, and the whole text.
    /// A curl <c>-b</c> value without <c>=</c> names a cookie file, which is not read.</summary>
    private static void Cookies(string value, string carrier, ref List<Credential>? found)
    {
        if (!value.Contains('=')) return;
        foreach (var pair in value.Split(';'))
        {
            int eq = pair.IndexOf('=');
            if (eq > 0 && eq + 1 < pair.Length) Add(ref found, carrier + " cookie", pair[(eq + 1)..].Trim().Trim('"'));
        }
    }

    private static void DotEnvDatabaseUrl(IExecContext ctx, ref List<Credential>? found)
    {
        if (ToolHelp.ReadText(ctx, ".env") is not string dotenv) return;
        foreach (var line in dotenv.Split('\n'))
        {
            var l = line.Trim();
            if (l.StartsWith("export ", StringComparison.Ordinal)) l = l[7..].TrimStart();
            if (l.StartsWith("DATABASE_URL=", StringComparison.Ordinal)) UrlUserInfo(l[13..].Trim().Trim('"', '\''), ".env DATABASE_URL", ref found);
        }
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('%')) return s;
        try { return Uri.UnescapeDataString(s); }
        catch (UriFormatException) { return s; } // not percent-encoded after all: the text as given
    }

    internal static void Add(ref List<Credential>? found, string carrier, string secret)
    {
        secret = secret.Trim();
        if (secret.Length == 0) return;
        if (found != null) foreach (var f in found) if (f.Secret == secret) return; // one carrier is enough to name it
        (found ??= []).Add(new Credential(carrier, secret));
    }
}
