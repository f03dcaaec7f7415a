using System.Buffers;

namespace AgentShell.Core.Audit;

/// <summary>Which options carry a secret, per tool: the names of secret long options (and the
/// look-alikes that do not: <c>--tokenizer</c>, <c>--no-password</c>), the tools' short ones, the
/// spellings each tool's option table accepts for them, and curl's and mysql's clusters of short
/// options. <see cref="RedactArgv"/> masks what follows them; CredentialScan asks
/// <see cref="IsSecretFlag(ReadOnlySpan{char})"/> too.</summary>
public static partial class Redactor
{
    private static readonly HashSet<string> SecretFlagNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "token", "password", "passwd", "secret", "api-key", "apikey", "access-token", "auth-token",
        "client-secret", "secret-key", "secret-access-key", "private-token", "refresh-token", "oauth2-bearer", "bearer",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> SecretFlagNamesBySpan = SecretFlagNames.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly string[] SecretFlagSuffixes = ["-token", "-password", "-secret", "-api-key"];
    private static readonly string[] BooleanFlagPrefixes = ["no-", "ask-", "prompt-", "show-", "require-"];

    private static readonly HashSet<string> MysqlTools = new(StringComparer.Ordinal)
    {
        "mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlshow", "mysqlcheck", "mysqlpump", "mysqlsh",
        "mariadb", "mariadb-dump", "mariadb-admin",
    };

    // Tools whose --password (without '=') only asks for a prompt: the next token is not a secret.
    private static readonly HashSet<string> PromptPasswordTools = new(StringComparer.Ordinal)
    {
        "psql", "pg_dump", "pg_dumpall", "pg_restore", "createdb", "dropdb", "pg_isready",
    };

    // Short flags whose next token is a password or token, per tool (the same letter is something
    // else in other tools: pulumi -t is --target, sam -t --template-file). docker's, podman's and
    // az's -p and glab's -t are secrets only after "login" (docker run -p 8080:80 is a port mapping,
    // glab mr create -t a title); see ShortSecretFlag.
    private static readonly Dictionary<string, string> ShortSecretFlags = new(StringComparer.Ordinal)
    {
        ["redis-cli"] = "-a", ["sshpass"] = "-p", ["mongo"] = "-p", ["mongosh"] = "-p", ["docker"] = "-p", ["podman"] = "-p",
        ["vercel"] = "-t", ["doctl"] = "-t", ["fly"] = "-t", ["flyctl"] = "-t", ["influx"] = "-t", ["sqlcmd"] = "-P", ["bcp"] = "-P",
        ["supabase"] = "-p", ["az"] = "-p", ["glab"] = "-t", ["cqlsh"] = "-p", ["rabbitmqadmin"] = "-p",
    };

    // Tools that read a single-dash word of several letters as one long option (Go's flag package:
    // influx 1.x's -host, -password; its 2.x -t is a short option alone): never a cluster of letters.
    private static readonly HashSet<string> SingleDashLongTools = new(StringComparer.Ordinal) { "influx" };

    /// <summary>True when <paramref name="tool"/> reads <c>-word</c> as the long option <c>word</c>.</summary>
    internal static bool ReadsSingleDashWordsAsLong(string tool) => SingleDashLongTools.Contains(tool);

    private static readonly HashSet<string> LoginOnlyShortSecrets = new(StringComparer.Ordinal) { "docker", "podman", "az", "glab" };

    // Long options that carry a token under a name no other tool gives a secret (netlify --auth).
    private static readonly Dictionary<string, string> LongSecretFlags = new(StringComparer.Ordinal) { ["netlify"] = "auth", ["ntl"] = "auth" };

    private static readonly HashSet<string> HeaderArgTools = new(StringComparer.Ordinal) { "http", "https", "xh", "xhs" };

    // curl short options that take no value and may precede -u/-U/-H in one token (-su user:pass).
    private static readonly SearchValues<char> CurlBooleanShorts = SearchValues.Create("sSvkLfiIgGNnqlj46#Z:");

    /// <summary>The long option <paramref name="name"/> (no dashes) as the tool's own table reads
    /// it: an abbreviation or another letter case gives the option's first long name. Unchanged
    /// when the tool has no table or the name selects no single option.</summary>
    private static string CanonicalLong(string tool, string name)
    {
        var table = tool switch
        {
            "curl" => Tools.Curl.Options,
            "wget" => Tools.Wget.Options,
            "http" or "https" or "xh" or "xhs" => Tools.Httpie.Options,
            "psql" => Tools.Psql.Options,
            "mysql" or "mariadb" => Tools.Mysql.Options,
            "mysqladmin" or "mariadb-admin" => Tools.Mysql.AdminOptions,
            "mongosh" => Tools.Mongosh.Options,
            "redis-cli" => Tools.RedisCli.Options,
            "pg_restore" => Tools.PostgresTools.PgRestoreOptions,
            "dropdb" => Tools.PostgresTools.DropDbOptions,
            _ => null,
        };
        if (table == null || name.Length == 0) return name;
        var spec = table.Long(name, out bool negated, out bool ambiguous);
        return spec == null || negated || ambiguous || spec.Longs.Count == 0 ? name : spec.Longs[0];
    }

    /// <summary>True when <paramref name="letter"/> is <paramref name="tool"/>'s short secret option
    /// (login-only ones included: the credential scan reads liberally).</summary>
    internal static bool IsShortSecretFlag(string tool, char letter) =>
        ShortSecretFlags.TryGetValue(tool, out string? flag) && flag.Length == 2 && flag[1] == letter;

    private static bool ShortSecretFlag(string tool, string token, bool login) =>
        ShortSecretFlags.TryGetValue(tool, out string? flag) && token == flag && (login || !LoginOnlyShortSecrets.Contains(tool));

    private static bool IsShortCluster(string tool, string token) =>
        token[1] != '-' && (tool == "curl" || MysqlTools.Contains(tool));

    internal static bool IsSecretFlag(string name) => IsSecretFlag(name.AsSpan());

    /// <summary>As <see cref="IsSecretFlag(string)"/>, for a name inside a longer string.</summary>
    internal static bool IsSecretFlag(ReadOnlySpan<char> name)
    {
        // PERF: every name this is true of ends in token, password, passwd, secret, key or bearer (the
        // names and the suffixes above): most option names are out at their last two letters, before
        // a case-blind hash and nine case-blind compares (the credential scan asks for every long option).
        if (name.Length < 5) return false;
        char a = name[^2], b = name[^1];
        if (a < 0x80 && b < 0x80 && ((a | 0x20), (b | 0x20)) is not (('e', 'n') or ('e', 'y') or ('e', 'r') or ('r', 'd') or ('w', 'd') or ('e', 't'))) return false;
        if (SecretFlagNamesBySpan.Contains(name)) return true;
        foreach (string prefix in BooleanFlagPrefixes)
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        foreach (string suffix in SecretFlagSuffixes)
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>curl short options in one token: <c>-u</c>, <c>-U</c>, <c>-H</c>, possibly after boolean ones
    /// (<c>-su</c>, <c>-sSH</c>). <paramref name="at"/> is the index of the option letter.</summary>
    private static bool CurlShortValue(string token, out int at, out char option)
    {
        for (at = 1; at < token.Length; at++)
        {
            option = token[at];
            if (option is 'u' or 'U' or 'H' or 'b') return true;
            if (!CurlBooleanShorts.Contains(option)) break;
        }
        option = '\0';
        return false;
    }
}
