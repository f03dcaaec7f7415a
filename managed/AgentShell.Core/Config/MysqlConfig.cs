using System.Security.Cryptography;
using System.Text;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Config;

/// <summary>mysql's option files folded into its arguments: the file of <c>--defaults-file</c> alone,
/// else <c>$MYSQL_HOME/my.cnf</c>, the file of <c>--defaults-extra-file</c> and <c>~/.my.cnf</c>; then
/// <c>~/.mylogin.cnf</c> or <c>$MYSQL_TEST_LOGIN_FILE</c> (read even with <c>--no-defaults</c>, decrypted as mysql does). These
/// startup options must come first on mysql's command line. Options of the groups a client reads
/// (<c>[client]</c>, <c>[mysql]</c> or <c>[mysqladmin]</c>, <c>[client-server]</c>, the MariaDB
/// ones, each also with <c>--defaults-group-suffix</c>, else <c>$MARIADB_GROUP_SUFFIX</c>/<c>$MYSQL_GROUP_SUFFIX</c>) become <c>--name=value</c> arguments in
/// front of the command line, which overrides them; <c>init-command</c> is SQL the parser scans.
/// <c>!include</c> is followed; <c>!includedir</c> (a directory cannot be listed here) and files
/// that cannot be read are not accounted for (unknown). The system files under <c>/etc</c> are
/// not read: they are the administrator's, not the agent's.</summary>
internal static class MysqlConfig
{
    private const int MaxDepth = 4;
    private static readonly PathMemo HomeFile = new("my.cnf"), UserFile = new(".my.cnf"), LoginFile = new(".mylogin.cnf");

    /// <summary>(group, option) pairs of one file, in order, and a problem.</summary>
    internal sealed record Parsed(IReadOnlyList<(string Group, string Option)> Options, IReadOnlyList<string> Includes, string? Problem);

    /// <summary>The arguments with the option files' options in front (the same list when there are none).</summary>
    internal static IReadOnlyList<string> Fold(ToolCall call, ConfigFacts facts)
    {
        var args = call.Args;
        var ctx = call.Context;
        string? defaultsFile = null, extraFile = null, suffix = null, loginPath = null;
        bool noDefaults = false;
        int lead = 0;
        for (; lead < args.Count; lead++)
        {
            var a = args[lead];
            if (a == "--no-defaults") noDefaults = true;
            else if (a.StartsWith("--defaults-file=", StringComparison.Ordinal)) defaultsFile = a[16..];
            else if (a.StartsWith("--defaults-extra-file=", StringComparison.Ordinal)) extraFile = a[22..];
            else if (a.StartsWith("--defaults-group-suffix=", StringComparison.Ordinal)) suffix = a[24..];
            else if (a.StartsWith("--login-path=", StringComparison.Ordinal)) loginPath = a[13..];
            else if (a == "--print-defaults") continue;
            else break;
        }
        var groups = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "client", "mysql", "mysqladmin", "client-server", "client-mariadb", "mariadb-client" };
        // Without --defaults-group-suffix mysys takes MARIADB_GROUP_SUFFIX (MariaDB only), then MYSQL_GROUP_SUFFIX:
        // which client this is is not known here, so each one set adds its groups.
        string? s1 = suffix ?? (ctx.GetEnvironmentVariable("MARIADB_GROUP_SUFFIX") is { Length: > 0 } ms ? ms : null);
        string? s2 = suffix == null && ctx.GetEnvironmentVariable("MYSQL_GROUP_SUFFIX") is { Length: > 0 } ys && ys != s1 ? ys : null;
        if (s1 != null || s2 != null)
            foreach (var g in groups.ToList()) { if (s1 != null) groups.Add(g + s1); if (s2 != null) groups.Add(g + s2); }
        if (loginPath != null) groups.Add(loginPath);
        string? home = ctx.GetEnvironmentVariable("HOME");
        var files = new List<string>();
        if (!noDefaults)
        {
            if (defaultsFile != null) files.Add(defaultsFile);
            else
            {
                if (ctx.GetEnvironmentVariable("MYSQL_HOME") is { Length: > 0 } mh) files.Add(HomeFile.Combine(mh));
                if (extraFile != null) files.Add(extraFile);
                if (home != null) files.Add(UserFile.Combine(home));
            }
        }
        var options = new List<string>();
        foreach (var file in files) Read(file, groups, options, call, facts, 0, login: false);
        // mysys reads MYSQL_TEST_LOGIN_FILE in place of ~/.mylogin.cnf when it is set.
        if (ctx.GetEnvironmentVariable("MYSQL_TEST_LOGIN_FILE") is { Length: > 0 } loginFile) Read(loginFile, groups, options, call, facts, 0, login: true);
        else if (home != null) Read(LoginFile.Combine(home), groups, options, call, facts, 0, login: true);
        if (options.Count == 0) return args;
        facts.Note("option files", "options from mysql option files: " + string.Join(' ', options.Select(o => o.StartsWith("--password=", StringComparison.Ordinal) ? "--password=" + Audit.Redactor.Mask : o)));
        return [.. args.Take(lead), .. options, .. args.Skip(lead)];
    }

    private static void Read(string file, HashSet<string> groups, List<string> options, ToolCall call, ConfigFacts facts, int depth, bool login)
    {
        if (depth > MaxDepth) { facts.Unknown(file, $"option files nested deeper than {MaxDepth} (unknown)"); return; }
        var f = call.Context.ReadConfigFile(file);
        if (!f.Exists) return;
        if (f.Unaccountable) { facts.Unknown(file, $"options from {f.Problem} (unknown)"); return; }
        var parsed = f.Parsed<Parsed>(login ? ParseLogin : Parse);
        if (parsed.Problem != null) facts.Unknown(file, $"{file}: {parsed.Problem} (unknown)");
        foreach (var (group, option) in parsed.Options)
            if (groups.Contains(group)) options.Add("--" + option);
        foreach (var include in parsed.Includes) Read(include, groups, options, call, facts, depth + 1, login: false);
    }

    /// <summary>An option file: <c>[group]</c>, <c>name=value</c> or <c>name</c> (<c>_</c> is <c>-</c>,
    /// a <c>loose-</c> prefix is dropped, values unquoted with mysql's escapes), <c>#</c>/<c>;</c> comments.</summary>
    internal static Parsed Parse(ConfigFile f) => ParseText(f.Text, Path.GetDirectoryName(f.Path));

    private static Parsed ParseText(string text, string? dir)
    {
        var options = new List<(string, string)>();
        var includes = new List<string>();
        string? problem = null;
        string group = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line.StartsWith("!includedir", StringComparison.Ordinal)) { problem ??= $"'{line}' includes a directory that is not read"; continue; }
            if (line.StartsWith("!include", StringComparison.Ordinal))
            {
                var path = line[8..].Trim();
                includes.Add(Path.IsPathRooted(path) || dir == null ? path : Path.Combine(dir, path));
                continue;
            }
            if (line[0] == '[') { group = line.Trim('[', ']', ' '); continue; }
            int eq = line.IndexOf('=');
            var name = (eq < 0 ? line : line[..eq]).Trim().Replace('_', '-');
            if (name.StartsWith("loose-", StringComparison.Ordinal)) name = name[6..];
            options.Add((group, eq < 0 ? name : $"{name}={Value(line[(eq + 1)..].Trim())}"));
        }
        return new Parsed(options, includes, problem);
    }

    private static string Value(string v)
    {
        if (v.Length >= 2 && (v[0] == '"' && v[^1] == '"' || v[0] == '\'' && v[^1] == '\'')) v = v[1..^1];
        else
        {
            int hash = v.IndexOf(" #", StringComparison.Ordinal);
            if (hash >= 0) v = v[..hash].TrimEnd();
        }
        if (!v.Contains('\\')) return v;
        var sb = new StringBuilder(v.Length);
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] != '\\' || i + 1 == v.Length) { sb.Append(v[i]); continue; }
            char c = v[++i];
            sb.Append(c switch { 'b' => '\b', 't' => '\t', 'n' => '\n', 'r' => '\r', 's' => ' ', _ => c });
        }
        return sb.ToString();
    }

    /// <summary><c>.mylogin.cnf</c>: 4 unused bytes, a 20-byte key folded into an AES-128 key, then
    /// chunks of a 4-byte length and AES-128-ECB ciphertext of the option file's lines.</summary>
    internal static Parsed ParseLogin(ConfigFile f)
    {
        var b = f.Bytes;
        if (b.Length < 24) return new([], [], "not a login path file");
        var key = new byte[16];
        for (int i = 0; i < 20; i++) key[i % 16] ^= b[4 + i];
        var text = new StringBuilder();
        using var aes = Aes.Create();
        aes.Key = key;
        try
        {
            for (int at = 24; at + 4 <= b.Length;)
            {
                int n = BitConverter.ToInt32(b.Slice(at, 4));
                at += 4;
                if (n <= 0 || at + n > b.Length) return new([], [], "a login path file that cannot be decrypted");
                text.Append(Encoding.UTF8.GetString(aes.DecryptEcb(b.Slice(at, n), PaddingMode.PKCS7)));
                at += n;
            }
        }
        catch (CryptographicException) { return new([], [], "a login path file that cannot be decrypted"); }
        var parsed = ParseText(text.ToString(), null);
        return parsed with { Includes = [] };
    }
}
