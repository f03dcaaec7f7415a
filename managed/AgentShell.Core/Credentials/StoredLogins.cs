using AgentShell.Core.Config;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Credentials;

/// <summary>Logins a tool reads by itself from a file or variable its argv never names: curl's
/// <c>~/.netrc</c> (<c>-n</c>, <c>--netrc</c>, <c>--netrc-optional</c>, <c>--netrc-file F</c>), wget's
/// (read by default), libpq's <c>~/.pgpass</c>/<c>$PGPASSFILE</c> (psql, pg_dump, pg_restore, dropdb
/// and the other clients), and Terraform's <c>TF_TOKEN_&lt;host&gt;</c> and
/// <c>~/.terraform.d/credentials.tfrc.json</c>, and aws's shared credentials file.</summary>
/// <remarks>The entries for the command's hosts are taken (a netrc <c>machine</c>, a pgpass host
/// field, <c>default</c> and <c>*</c> lines too); when the command names no host every entry is,
/// since which one the tool picks is then not known. A file that cannot be read adds nothing: the
/// host's environment decides, as before the file existed.</remarks>
internal static class StoredLogins
{
    internal static void Find(ToolId id, ToolCall c, IReadOnlyList<Target> targets, ref List<Model.Credential>? found)
    {
        switch (id)
        {
            case ToolId.Curl when CurlNetrc(c) is string file:
                if (Read(c.Context, file, file == "~/.netrc" ? NetrcFile : null) is string curlNetrc) Netrc(curlNetrc, file, Hosts(targets, TargetKind.Url), ref found);
                break;
            case ToolId.Wget:
                if (Read(c.Context, "~/.netrc", NetrcFile) is string wgetNetrc) Netrc(wgetNetrc, "~/.netrc", Hosts(targets, TargetKind.Url), ref found);
                break;
            case ToolId.Psql or ToolId.PgDump or ToolId.PgRestore or ToolId.Dropdb or ToolId.PgClient:
            {
                // PERF: the file first: the hosts are collected only when there is one (most homes have none).
                var (path, memo) = c.Context.GetEnvironmentVariable("PGPASSFILE") is { Length: > 0 } f ? (f, null) : ("~/.pgpass", PgpassFile);
                if (Read(c.Context, path, memo) is string pgpass) Pgpass(pgpass, path, Hosts(targets, TargetKind.Database), ref found);
                break;
            }
            case ToolId.Terraform:
                TerraformTokens(c.Context, ref found);
                break;
        }
    }

    /// <summary>The netrc file curl reads, or null when it reads none: <c>--netrc-file F</c>, else
    /// <c>~/.netrc</c> for <c>-n</c> (also in a cluster such as <c>-sn</c>), <c>--netrc</c>, <c>--netrc-optional</c>.</summary>
    private static string? CurlNetrc(ToolCall c)
    {
        string? file = null;
        bool on = false;
        var args = c.Args;
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a is "--netrc" or "--netrc-optional") on = true;
            else if (a == "--netrc-file" && i + 1 < args.Count) file = args[++i];
            else if (a.StartsWith("--netrc-file=", StringComparison.Ordinal)) file = a[13..];
            else if (a.Length > 1 && a[0] == '-' && a[1] != '-')
            {
                for (int k = 1; k < a.Length; k++)
                {
                    if (a[k] == 'n') { on = true; break; }
                    if (Curl.ShortWithArg.Contains(a[k])) { if (k + 1 == a.Length) i++; break; } // its value follows: skip it
                }
            }
        }
        return file ?? (on ? "~/.netrc" : null);
    }

    private static List<string>? Hosts(IReadOnlyList<Target> targets, TargetKind kind)
    {
        List<string>? hosts = null;
        foreach (var t in targets)
            if (t.Kind == kind && t.Host is { Length: > 0 } h) (hosts ??= []).Add(h);
        return hosts;
    }

    // PERF: the fixed ~/ paths are built once per HOME, not once per decision.
    private static readonly PathMemo NetrcFile = new(".netrc"), PgpassFile = new(".pgpass"), TerraformCredentials = new(".terraform.d", "credentials.tfrc.json");

    private static string? Read(IExecContext ctx, string path, PathMemo? underHome = null)
    {
        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            if (ctx.GetEnvironmentVariable("HOME") is not { Length: > 0 } home) return null;
            path = underHome != null && !home.EndsWith('/') ? underHome.Combine(home) : home + path[1..];
        }
        // Through the configuration cache (path, inode, mtime): a loop of execs reads the file once.
        var f = ctx.ReadConfigFile(path);
        return f.Exists && !f.Unaccountable ? f.Text : null;
    }

    /// <summary>netrc: <c>machine H login L password P</c> (tokens across lines), <c>default</c>, <c>macdef</c> bodies skipped.</summary>
    private static void Netrc(string text, string path, List<string>? hosts, ref List<Model.Credential>? found)
    {
        string carrier = "netrc " + path;
        bool take = false;
        var lines = text.Split('\n');
        for (int l = 0; l < lines.Length; l++)
        {
            var words = lines[l].Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            for (int w = 0; w < words.Length; w++)
            {
                var word = words[w];
                string? value = w + 1 < words.Length ? words[w + 1].Trim('"') : null;
                switch (word)
                {
                    case "machine":
                        take = value != null && (hosts == null || hosts.Exists(h => h.Equals(value, StringComparison.OrdinalIgnoreCase)));
                        w++;
                        break;
                    case "default": take = true; break;
                    case "login" or "password" or "account":
                        if (take && value != null) CredentialScan.Add(ref found, $"{carrier} {word}", value);
                        w++;
                        break;
                    case "macdef": // a macro runs to the next empty line
                        while (l + 1 < lines.Length && lines[l + 1].Trim().Length > 0) l++;
                        w = words.Length;
                        break;
                }
            }
        }
    }

    /// <summary>pgpass: <c>host:port:database:user:password</c>, <c>\:</c> and <c>\\</c> escaped, <c>*</c> any.</summary>
    private static void Pgpass(string text, string path, List<string>? hosts, ref List<Model.Credential>? found)
    {
        string carrier = "pgpass " + path;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = new List<string>(5);
            var cur = new System.Text.StringBuilder();
            for (int i = 0; i < line.Length; i++)
            {
                if (line[i] == '\\' && i + 1 < line.Length) { cur.Append(line[++i]); continue; }
                if (line[i] == ':' && fields.Count < 4) { fields.Add(cur.ToString()); cur.Clear(); continue; }
                cur.Append(line[i]);
            }
            if (fields.Count < 4) continue;
            var host = fields[0];
            // libpq compares the host as given (a socket directory or no host is "localhost").
            bool match = hosts == null || host == "*" || hosts.Exists(h => h.Equals(host, StringComparison.OrdinalIgnoreCase))
                || host == "localhost" && hosts.Exists(h => h.StartsWith('/'));
            if (match) CredentialScan.Add(ref found, carrier, cur.ToString());
        }
    }

    /// <summary>Terraform's token for its default host (<c>TF_TOKEN_app_terraform_io</c>, and
    /// <c>TF_CLOUD_HOSTNAME</c>'s), and every token of <c>credentials.tfrc.json</c>.</summary>
    private static void TerraformTokens(IExecContext ctx, ref List<Model.Credential>? found)
    {
        if (ctx.GetEnvironmentVariable(DefaultHostToken) is { Length: > 0 } token) CredentialScan.Add(ref found, DefaultHostToken, token);
        if (ctx.GetEnvironmentVariable("TF_CLOUD_HOSTNAME") is { Length: > 0 } host)
        {
            var name = TokenVariable(host);
            if (ctx.GetEnvironmentVariable(name) is { Length: > 0 } hostToken) CredentialScan.Add(ref found, name, hostToken);
        }
        if (Read(ctx, "~/.terraform.d/credentials.tfrc.json", TerraformCredentials) is string json)
            foreach (var (key, value) in CredentialFileSet.Values(json))
                if (key == "token") CredentialScan.Add(ref found, "~/.terraform.d/credentials.tfrc.json token", value);
    }

    // terraform's name for a host's token: '.' is '_', '-' is "__".
    private static string TokenVariable(string host) => "TF_TOKEN_" + host.Replace("-", "__").Replace('.', '_');

    private static readonly string DefaultHostToken = TokenVariable("app.terraform.io");

    /// <summary>aws's shared credentials file (<c>$AWS_SHARED_CREDENTIALS_FILE</c>, else
    /// <c>~/.aws/credentials</c>): the keys of the profiles the command acts as, unless the
    /// environment holds the key (which aws then uses instead).</summary>
    internal static void AwsSharedCredentials(ToolCall c, ref List<Model.Credential>? found)
    {
        if (c.Context.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") != null) return;
        string? opt = ProfileOption(c);
        string profile = Tools.Aws.Profile(c.Context, opt);
        AwsSection(CloudConfig.AwsSecrets(c.Context, profile), ref found);
        if (Tools.Aws.OtherProfile(c.Context, opt, profile) is { } other) AwsSection(CloudConfig.AwsSecrets(c.Context, other), ref found);
    }

    private static void AwsSection(Dictionary<string, string>? section, ref List<Model.Credential>? found)
    {
        if (section == null) return;
        foreach (var key in CloudConfig.AwsSecretKeys)
            if (section.GetValueOrDefault(key) is { Length: > 0 } v) CredentialScan.Add(ref found, "~/.aws/credentials " + key, v);
    }

    // aws's --profile option; the profiles it acts as are Aws.Profile's and Aws.OtherProfile's.
    private static string? ProfileOption(ToolCall c)
    {
        for (int i = 0; i < c.Args.Count; i++)
        {
            if (c.Args[i] == "--profile" && i + 1 < c.Args.Count) return c.Args[i + 1];
            if (c.Args[i].StartsWith("--profile=", StringComparison.Ordinal)) return c.Args[i][10..];
        }
        return null;
    }
}
