using System.Buffers;
using System.Text.RegularExpressions;

namespace AgentShell.Core.Audit;

/// <summary>Removes secrets from argv and free text before anything is written to the audit log.
/// A secret is replaced by <see cref="Mask"/>; what identifies it (header name, user name, variable name,
/// flag, auth scheme) is kept so a reader still sees what was sent.</summary>
/// <remarks>
/// Two layers. <see cref="RedactArgv"/> knows argv context: the value after <c>--token</c>/<c>--password</c>/
/// <c>--api-key</c>/<c>--secret</c> (and <c>-token</c>, <c>--github-token</c>, ... but not <c>--tokenizer</c>,
/// <c>--token-file</c>, <c>--no-password</c>), curl's <c>-H</c>/<c>--header</c> and <c>-u</c>/<c>--user</c>
/// (inline or next token, also after combined boolean flags such as <c>-su</c>), httpie's <c>Header:value</c>,
/// <c>redis-cli -a</c>, <c>sshpass -p</c>, <c>mongosh -p</c>, <c>docker login -p</c> (not <c>docker run -p</c>), the CLIs'
/// short token options (<c>vercel -t</c>, <c>sqlcmd -P</c>, …; which options carry a secret: Redactor.SecretOptions.cs),
/// mysql's <c>-pSECRET</c> (mysql <c>-p</c> alone prompts and the next token is a database, so it stays), and whole
/// <c>NAME=value</c> tokens (the value may hold spaces) whose name ends in PASSWORD/TOKEN/SECRET/API_KEY/ACCESS_KEY/PRIVATE_KEY, _PWD or _AUTH (REDISCLI_AUTH).
/// The token after <c>-c</c> is read as a shell string (free text). Tool-specific rules apply from the first token whose basename is that tool, so wrappers
/// (<c>sudo -u root mysql -pX</c>) do not hide it. Then every token goes through <see cref="RedactText"/>,
/// which works on free text such as a <c>bash -c</c> string: URL passwords, sensitive header lines,
/// <c>Bearer</c>/<c>Basic</c> credentials, <c>password=</c>/<c>token=</c> in conninfo and query strings, secret
/// environment assignments, JSON string fields named like a secret, <c>--token VALUE</c>, mysql <c>-pX</c> and
/// curl <c>-u user:pass</c> inside a command string.
/// Deliberate choices: SQL text such as <c>SELECT password FROM t</c> stays (it names a column, not a secret),
/// but <c>SET password='x'</c> is masked by the <c>password=</c> rule; <c>PWD=</c> (the working directory) stays;
/// in free text a sensitive header's value runs to a quote or the end of the line (a cookie holds spaces);
/// <c>Basic</c> followed by an ordinary word stays, <c>Bearer</c> followed by 8+ token characters never does.
/// Redaction is idempotent: redacting its own output changes nothing.
/// </remarks>
public static partial class Redactor
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    // PERF: every text rule needs one of these characters; a token without them is returned as is.
    private static readonly SearchValues<char> TextTriggers = SearchValues.Create(":= \t\r\n");

    /// <summary>Returns <paramref name="argv"/> with secrets masked; the same instance when nothing was secret.</summary>
    public static IReadOnlyList<string> RedactArgv(IReadOnlyList<string> argv)
    {
        string[]? result = null;
        string tool = "";
        var pending = Slot.None;
        bool shellString = false;   // the previous token was -c: this one is a command string, read as text
        bool login = false;         // a "login" subcommand followed the tool (docker login -p)
        for (int i = 0; i < argv.Count; i++)
        {
            string token = argv[i];
            string red;
            if (shellString)
            {
                red = RedactText(token);
                shellString = false;
            }
            else if (pending != Slot.None)
            {
                red = RedactValue(pending, token);
                pending = Slot.None;
            }
            else
            {
                if (ShortSecretFlag(tool, token, login) || IsSecretSettingName(token))
                {
                    red = token;
                    pending = Slot.Secret;
                }
                else red = RedactToken(token, tool, out pending);
                string name = Basename(token);
                if (name == "curl" || MysqlTools.Contains(name) || HeaderArgTools.Contains(name) || PromptPasswordTools.Contains(name)
                    || ShortSecretFlags.ContainsKey(name) || LongSecretFlags.ContainsKey(name))
                {
                    tool = name;
                    login = false;
                }
                else if (token == "login") login = true;
                shellString = token == "-c";
            }
            if (red != token)
            {
                result ??= argv.ToArray();
                result[i] = red;
            }
        }
        return result ?? argv;
    }

    /// <summary>Masks secrets in free text (a <c>bash -c</c> string, a reason, a target).</summary>
    public static string RedactText(string text)
    {
        var span = text.AsSpan();
        if (span.IndexOfAny(TextTriggers) < 0) return text;
        // PERF: each rule runs only when the text holds what its pattern cannot match without.
        bool colon = span.Contains(':'), equals = span.Contains('='), space = span.IndexOfAny(" \t") >= 0;
        string s = text;
        if (colon && span.Contains("://", StringComparison.Ordinal)) s = UrlPassword().Replace(s, "${pre}" + Mask + "@");
        if (colon) s = HeaderLine().Replace(s, RedactHeaderLine);
        if (space && (span.Contains("bearer", StringComparison.OrdinalIgnoreCase) || span.Contains("basic", StringComparison.OrdinalIgnoreCase)))
            s = AuthScheme().Replace(s, RedactAuthScheme);
        if (equals)
        {
            s = KeyValue().Replace(s, "${key}=" + Mask);
            s = EnvAssignment().Replace(s, "${name}=" + Mask);
        }
        if (colon && span.Contains('"')) s = JsonField().Replace(s, "${pre}" + Mask + "\"");
        if ((space || equals) && span.Contains('-'))
        {
            s = FlagInText().Replace(s, RedactFlagInText);
            if (space && (span.Contains("mysql", StringComparison.Ordinal) || span.Contains("mariadb", StringComparison.Ordinal)))
                s = MysqlPasswordInText().Replace(s, "${pre}" + Mask);
            if (space && span.Contains("curl", StringComparison.Ordinal)) s = CurlUserInText().Replace(s, "${pre}" + Mask);
        }
        if (space && span.Contains("aws_s", StringComparison.OrdinalIgnoreCase)) s = SecretSettingInText().Replace(s, "${pre}" + Mask);
        return s;
    }

    /// <summary><see cref="RedactText(string)"/>, and every secret the command was found to carry masked
    /// wherever it stands: a parser that does not know an option takes a value (a table tool's
    /// <c>--token X</c> read as a subcommand) may quote it as evidence.</summary>
    public static string RedactCarried(string text, IReadOnlyList<Model.Credential> carried) => MaskCarried(RedactText(text), carried);

    /// <summary>Only the secrets in <paramref name="carried"/> masked, for text already redacted (a redacted argv, quoted).</summary>
    public static string MaskCarried(string text, IReadOnlyList<Model.Credential> carried)
    {
        foreach (var c in carried)
        {
            // A user name is shown as the argv rules show it (deploy:***), unless it is as long as a token (-u TOKEN:,
            // GitHub's TOKEN:x-oauth-basic); a very short value would mask ordinary words.
            bool user = c.Carrier.EndsWith(" user", StringComparison.Ordinal) || c.Carrier.EndsWith(" login", StringComparison.Ordinal);
            if (c.Secret.Length < (user ? 16 : Credentials.CredentialFileSet.MinLength)) continue;
            text = text.Replace(c.Secret, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>A copy of <paramref name="record"/> with its argv, cwd, targets and reason redacted.</summary>
    public static AuditRecord Redact(AuditRecord record) => new()
    {
        Time = record.Time,
        RunId = record.RunId,
        Syscall = record.Syscall,
        Pid = record.Pid,
        PidChain = record.PidChain,
        Argv = RedactArgv(record.Argv),
        Cwd = record.Cwd == null ? null : RedactText(record.Cwd),
        Tool = record.Tool,
        Effect = record.Effect,
        Targets = record.Targets.Select(RedactText).ToArray(),
        Environment = record.Environment,
        RuleId = record.RuleId,
        Action = record.Action,
        Outcome = record.Outcome,
        ApprovedBy = record.ApprovedBy,
        WaitedMs = record.WaitedMs,
        Reason = record.Reason == null ? null : RedactText(record.Reason),
    };

    private enum Slot : byte { None, Secret, UserPassword, Header, Auth, Cookie }

    private static string RedactValue(Slot slot, string token) => slot switch
    {
        Slot.Secret => token.Length == 0 ? token : Mask,
        Slot.UserPassword => RedactUserPassword(token),
        Slot.Auth => RedactAuth(token),
        Slot.Cookie => RedactCookies(token),
        _ => RedactHeader(token),
    };

    /// <summary>curl <c>-b</c>: <c>NAME=VALUE; NAME2=VALUE2</c> → each value masked; a value without
    /// '=' names a cookie file and stays.</summary>
    private static string RedactCookies(string value)
    {
        if (!value.Contains('=')) return value;
        var parts = value.Split(';');
        for (int i = 0; i < parts.Length; i++)
        {
            int eq = parts[i].IndexOf('=');
            if (eq >= 0 && eq < parts[i].Length - 1) parts[i] = parts[i][..(eq + 1)] + Mask;
        }
        return string.Join(';', parts);
    }

    /// <summary>HTTPie/xh <c>--auth</c>: <c>user:password</c>, or a bearer token alone.</summary>
    private static string RedactAuth(string value) =>
        value.Length == 0 ? value : value.Contains(':') ? RedactUserPassword(value) : Mask;

    /// <summary>One token outside a value slot; sets <paramref name="next"/> when the token is a flag whose value follows.</summary>
    private static string RedactToken(string token, string tool, out Slot next)
    {
        next = Slot.None;
        if (token.Length > 1 && token[0] == '-')
        {
            string flag = token.TrimStart('-');
            int eq = flag.IndexOf('=');
            string name = eq < 0 ? flag : flag[..eq];
            bool longForm = token.StartsWith("--", StringComparison.Ordinal) || name.Length > 1 && !IsShortCluster(tool, token);
            // A spelling the tool accepts for a carrier (curl --proxy-us, mongosh --PASSW) is that carrier.
            if (longForm) name = CanonicalLong(tool, name);
            if (longForm && (IsSecretFlag(name) || LongSecretFlags.TryGetValue(tool, out string? own) && name == own))
            {
                if (eq < 0)
                {
                    bool prompts = name.Equals("password", StringComparison.OrdinalIgnoreCase)
                        && (MysqlTools.Contains(tool) || PromptPasswordTools.Contains(tool));
                    next = prompts ? Slot.None : Slot.Secret;
                    return token;
                }
                return flag.Length == eq + 1 ? token : token[..(token.Length - flag.Length + eq + 1)] + Mask;
            }
            if (HeaderArgTools.Contains(tool))
            {
                // HTTPie/xh -a/--auth: user:password, or (--auth-type bearer) the token itself.
                if (longForm && name == "auth")
                {
                    if (eq < 0) { next = Slot.Auth; return token; }
                    return token[..(token.Length - flag.Length + eq + 1)] + RedactAuth(flag[(eq + 1)..]);
                }
                if (token == "-a") { next = Slot.Auth; return token; }
                if (token.StartsWith("-a", StringComparison.Ordinal) && token.Length > 2) return "-a" + RedactAuth(token[2..]);
            }
            if (tool == "curl")
            {
                if (name is "user" or "proxy-user")
                {
                    if (eq < 0) { next = Slot.UserPassword; return token; }
                    return token[..(token.Length - flag.Length + eq + 1)] + RedactUserPassword(flag[(eq + 1)..]);
                }
                if (name is "header" or "proxy-header")
                {
                    if (eq < 0) { next = Slot.Header; return token; }
                    return token[..(token.Length - flag.Length + eq + 1)] + RedactHeader(flag[(eq + 1)..]);
                }
                if (name == "cookie" && token.StartsWith("--", StringComparison.Ordinal))
                {
                    if (eq < 0) { next = Slot.Cookie; return token; }
                    return token[..(token.Length - flag.Length + eq + 1)] + RedactCookies(flag[(eq + 1)..]);
                }
                if (token[1] != '-' && CurlShortValue(token, out int at, out char option))
                {
                    Slot slot = option switch { 'H' => Slot.Header, 'b' => Slot.Cookie, _ => Slot.UserPassword };
                    if (at == token.Length - 1) { next = slot; return token; }
                    return token[..(at + 1)] + RedactValue(slot, token[(at + 1)..]);
                }
            }
            if (MysqlTools.Contains(tool) && token.Length > 2 && token[1] == 'p' && token != "-p" + Mask)
                return "-p" + Mask;
        }
        else if (EnvAssignmentToken().IsMatch(token))
        {
            return token[..(token.IndexOf('=') + 1)] + Mask;
        }
        else if (HeaderArgTools.Contains(tool) || tool == "curl")
        {
            string h = RedactHeader(token);
            if (h != token) return h;
        }
        return RedactText(token);
    }

    /// <summary><c>user:pass</c> → <c>user:***</c>; a value without a colon (curl prompts) stays.</summary>
    private static string RedactUserPassword(string value)
    {
        int colon = value.IndexOf(':');
        if (colon < 0 || value.Length == colon + 1) return value;
        return value[..(colon + 1)] + Mask;
    }

    /// <summary>A whole header argument (<c>Authorization: Bearer x</c>, httpie <c>X-Api-Key:x</c>): the value of a
    /// sensitive header is masked, keeping an auth scheme; other headers stay.</summary>
    private static string RedactHeader(string header)
    {
        var m = HeaderArgument().Match(header);
        if (!m.Success || !IsSecretHeader(m.Groups["header"].ValueSpan)) return RedactText(header);
        string value = m.Groups["value"].Value;
        return value.Length == 0 ? header : m.Groups["name"].Value + MaskKeepingScheme(value);
    }

    private static string RedactHeaderLine(Match m) =>
        IsSecretHeader(m.Groups["header"].ValueSpan) ? m.Groups["name"].Value + MaskKeepingScheme(m.Groups["value"].Value) : m.Value;

    /// <summary>Authorization, Proxy-Authorization, Cookie, Set-Cookie, *Api-Key / *ApiKey, *-Token, *-Secret, Token, Secret.</summary>
    internal static bool IsSecretHeader(ReadOnlySpan<char> name) =>
        name.Equals("authorization", StringComparison.OrdinalIgnoreCase)
        || name.Equals("proxy-authorization", StringComparison.OrdinalIgnoreCase)
        || name.Equals("cookie", StringComparison.OrdinalIgnoreCase)
        || name.Equals("set-cookie", StringComparison.OrdinalIgnoreCase)
        || name.Equals("token", StringComparison.OrdinalIgnoreCase)
        || name.Equals("secret", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("api-key", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("apikey", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("-token", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("-secret", StringComparison.OrdinalIgnoreCase);

    private static string MaskKeepingScheme(string value)
    {
        var m = SchemePrefix().Match(value);
        return m.Success ? m.Value + Mask : Mask;
    }

    private static string RedactAuthScheme(Match m)
    {
        string credential = m.Groups["cred"].Value;
        bool bearer = m.Groups["scheme"].Value.Equals("bearer", StringComparison.OrdinalIgnoreCase);
        return bearer || LooksLikeCredential(credential) ? m.Groups["pre"].Value + Mask : m.Value;
    }

    /// <summary>A random-looking token rather than a word: a digit, an upper-case letter after the first, or base64 punctuation.</summary>
    private static bool LooksLikeCredential(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsAsciiDigit(c) || c is '+' or '/' or '=' || i > 0 && char.IsAsciiLetterUpper(c)) return true;
        }
        return false;
    }

    private static string RedactFlagInText(Match m)
    {
        string name = m.Groups["flag"].Value.TrimStart('-');
        return IsSecretFlag(name) ? m.Groups["flag"].Value + m.Groups["sep"].Value + Mask : m.Value;
    }

    private static string Basename(string token)
    {
        int slash = token.LastIndexOf('/');
        return slash < 0 ? token : token[(slash + 1)..];
    }

    // scheme://user:password@ — the password runs to the last '@' of the authority.
    [GeneratedRegex(@"(?<pre>[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s:@'""]*:)(?<pw>[^/?#\s'""]*)@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();

    // A header line in text: the value runs to a quote or the end of the line.
    [GeneratedRegex(@"(?<![\w\-/.:@])(?<name>(?<header>[A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*)(?<value>[^\s'""\\][^\r\n'""]*)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeaderLine();

    // A whole header argument: the value is everything after the colon.
    [GeneratedRegex(@"^(?<name>\s*(?<header>[A-Za-z][A-Za-z0-9-]*)[ \t]*:=?[ \t]*)(?<value>.*)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex HeaderArgument();

    [GeneratedRegex(@"^(?:Bearer|Basic|Token|Digest|Bot|AWS4-HMAC-SHA256)[ \t]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SchemePrefix();

    [GeneratedRegex(@"(?<![\w-])(?<pre>(?<scheme>Bearer|Basic)\s+)(?<cred>[A-Za-z0-9\-._~+/]{8,}=*)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthScheme();

    // conninfo and query strings: password=..., token=..., also quoted conninfo values.
    // Names ending like a secret (api_token, accessToken, db_password, secret_key), as BodySecrets reads form fields.
    [GeneratedRegex(@"(?<![\w-])(?<key>[A-Za-z0-9_\-]*(?:password|passwd|token|secret|api_?key|access_?key|private_?key|secret_?key)|auth|pass|bearer)=(?<v>'(?:[^'\\]|\\.)*'|""(?:[^""\\]|\\.)*""|[^\s&;'""]+)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValue();

    private const string SecretEnvName = @"[A-Z0-9_]*(?:PASSWORD|PASSWD|TOKEN|SECRET|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY)|[A-Z0-9_]*_PWD|[A-Z0-9_]+_AUTH";

    [GeneratedRegex(@"(?<![\w$])(?<name>" + SecretEnvName + @")=(?<v>'[^']*'|""(?:[^""\\]|\\.)*""|[^\s'""]+)", RegexOptions.CultureInvariant)]
    private static partial Regex EnvAssignment();

    [GeneratedRegex(@"^(?:" + SecretEnvName + @")=.", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex EnvAssignmentToken();

    // aws configure set aws_secret_access_key VALUE (and the session token): the setting's value is the secret.
    private static bool IsSecretSettingName(string token) =>
        token.Equals("aws_secret_access_key", StringComparison.OrdinalIgnoreCase) || token.Equals("aws_session_token", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"(?<pre>(?<![\w-])(?:aws_secret_access_key|aws_session_token)[ \t]+['""]?)(?<v>(?!\*\*\*)[^\s'""]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretSettingInText();

    // JSON fields BodySecrets reads as a credential: names ending like a secret, and auth, pass, pwd, bearer.
    [GeneratedRegex(@"(?<pre>""(?:[A-Za-z0-9_\-]*(?:token|password|passwd|secret|api_?key|api-key|access_?key|access-key|private_?key|private-key|secret_?key|secret-key|credentials?)|auth|authorization|pass|pwd|bearer)""\s*:\s*"")(?<v>(?:[^""\\]|\\.)*)""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex JsonField();

    [GeneratedRegex(@"(?<![\w-])(?<flag>--?[A-Za-z0-9][A-Za-z0-9-]*)(?<sep>=|[ \t]+)(?<v>'[^']*'|""[^""]*""|[^\s'""\-][^\s'""]*)",
        RegexOptions.CultureInvariant)]
    private static partial Regex FlagInText();

    [GeneratedRegex(@"(?<pre>(?<![\w-])(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)(?=\s)[^;|&\r\n]*?\s-p)(?<pw>(?!\*\*\*)[^\s'"";|&]+)",
        RegexOptions.CultureInvariant)]
    private static partial Regex MysqlPasswordInText();

    [GeneratedRegex(@"(?<pre>(?<![\w-])curl(?=\s)[^;|&\r\n]*?\s(?:-u|-U|--user|--proxy-user)(?:\s+|=)?['""]?[^\s:'""]*:)(?<pw>(?!\*\*\*)[^\s'""]+)",
        RegexOptions.CultureInvariant)]
    private static partial Regex CurlUserInText();
}
