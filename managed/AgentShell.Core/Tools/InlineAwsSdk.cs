using System.Text;

namespace AgentShell.Core.Tools;

/// <summary>AWS SDK calls in a one-liner (<c>python -c</c> with boto3, <c>node -e</c> with the
/// JavaScript SDK v2 or v3), read as the <c>aws</c> command that does the same, so the aws parser
/// judges the operation and the profile: <c>boto3.Session(profile_name='prod').client('s3').delete_bucket(Bucket='x')</c>
/// is <c>aws --profile prod s3api delete-bucket --bucket x</c>. The SDK talks to AWS's shared
/// endpoints, which no host list marks as production, so neither the connect gate nor the wire
/// layer can tell this call from a read: the reading here is the only one there is, under run too.
/// A scan of calls with literal arguments, not a parser of the language: an operation is a call
/// whose name is an SDK operation (snake_case in Python, camelCase in v2, <c>new XxxCommand</c> in
/// v3) beginning with a verb aws commands use; its service is the client or resource made last
/// before it. Keyword or object arguments with literal values become the operation's options.</summary>
internal static class InlineAwsSdk
{
    /// <summary>Operations read from one piece of code; past it the rest is an unknown operation (the
    /// reading stays linear in the code's size, and what is not read is never a read).</summary>
    internal const int MaxOperations = 256;
    private const int MaxCallLength = 8192; // a call's arguments looked at for options
    /// <summary>The aws argv of each operation <paramref name="code"/> calls (empty when it uses no AWS SDK).</summary>
    public static List<string[]> Read(string code)
    {
        var found = new List<string[]>();
        bool python = code.Contains("boto3", StringComparison.Ordinal);
        bool js = code.Contains("aws-sdk", StringComparison.Ordinal);
        if (!python && !js) return found;
        var globals = new List<string> { "aws" };
        if ((InlineCode.ValueOf(code, python ? "profile_name" : "profile") ?? Assigned(code, "AWS_PROFILE")) is string profile) globals.AddRange(["--profile", profile]);
        if (InlineCode.ValueOf(code, python ? "region_name" : "region") is string region) globals.AddRange(["--region", region]);
        // Each client or resource made, by position: the service an operation after it goes to.
        var services = new List<(int At, string Service)>();
        foreach (var maker in (ReadOnlySpan<string>)["client", "resource"])
            for (int i = code.IndexOf(maker + "(", StringComparison.Ordinal); i >= 0; i = code.IndexOf(maker + "(", i + 1, StringComparison.Ordinal))
                if (InlineCode.Literal(code, i + maker.Length + 1, out var svc, out _)) services.Add((i, svc));
        // JavaScript: new S3Client(…) / new AWS.S3(…) / require('@aws-sdk/client-s3').
        for (int i = code.IndexOf("new ", StringComparison.Ordinal); i >= 0; i = code.IndexOf("new ", i + 4, StringComparison.Ordinal))
        {
            int p = i + 4;
            if (code.AsSpan(p).StartsWith("AWS.")) p += 4;
            int end = p; while (end < code.Length && char.IsAsciiLetterOrDigit(code[end])) end++;
            var name = code[p..end];
            if (name.EndsWith("Client", StringComparison.Ordinal) && name.Length > 6) services.Add((i, name[..^6].ToLowerInvariant()));
            else if (p == i + 8 && name.Length > 0) services.Add((i, name.ToLowerInvariant()));
        }
        for (int i = code.IndexOf("client-", StringComparison.Ordinal); i >= 0; i = code.IndexOf("client-", i + 1, StringComparison.Ordinal))
        {
            int end = i + 7; while (end < code.Length && (char.IsAsciiLetterOrDigit(code[end]) || code[end] == '-')) end++;
            if (end > i + 7) services.Add((i, code[(i + 7)..end]));
        }
        services.Sort((a, b) => a.At.CompareTo(b.At));
        for (int i = 0; i < code.Length; i++)
        {
            if (!IsCallAt(code, i, out var name, out int open)) continue;
            var extra = new List<string>();
            string? op = Operation(code, i, name, python, extra);
            if (op == null) continue;
            if (found.Count == MaxOperations) { found.Add([.. globals, "sdk", "more-operations-than-read"]); break; }
            // The client made last before the call, else (a comprehension names it after) the first one.
            string service = services.Count > 0 ? services[0].Service : "unknown";
            foreach (var (at, s) in services) if (at < i) service = s;
            if (service == "s3") service = "s3api";
            var argv = new List<string>(globals) { service, op };
            argv.AddRange(extra);
            int close = InlineCode.Balanced(code, open, '(', ')', MaxCallLength) - 1; // at the ')', or -2
            // A parameter not read (a variable, an expression, past the bound) of a call that changes
            // something may be the one that disarms a safeguard (BackupRetentionPeriod=n): unknown.
            if (!Options(code, open + 1, close < 0 ? Math.Min(code.Length, open + MaxCallLength) : close, argv) && CliVerbs.Of(op) is not Model.Effect.Read)
                argv[globals.Count + 1] = "parameters-not-read";
            found.Add([.. argv]);
            i = open;
        }
        return found;
    }

    // A call NAME( at i, NAME an identifier not preceded by one (a method, a function or new NAME).
    private static bool IsCallAt(string code, int i, out string name, out int open)
    {
        name = ""; open = -1;
        if (!char.IsAsciiLetter(code[i]) || i > 0 && (char.IsAsciiLetterOrDigit(code[i - 1]) || code[i - 1] == '_')) return false;
        int end = i; while (end < code.Length && (char.IsAsciiLetterOrDigit(code[end]) || code[end] == '_')) end++;
        if (end >= code.Length || code[end] != '(') return false;
        name = code[i..end]; open = end;
        return true;
    }

    // The aws operation a call names, or null: delete_bucket (boto3), deleteBucket (v2), new
    // DeleteBucketCommand (v3); a resource's own delete()/terminate() acts on what it was made for.
    private static string? Operation(string code, int at, string name, bool python, List<string> extra)
    {
        string kebab;
        bool method = at > 0 && code[at - 1] == '.';
        if (name.EndsWith("Command", StringComparison.Ordinal) && name.Length > 7 && at >= 4 && code.AsSpan(at - 4, 4).SequenceEqual("new "))
            kebab = Kebab(name[..^7]);
        else if (!method) return null;
        else if (name.Contains('_')) kebab = name.Replace('_', '-');
        else if (name.Any(char.IsAsciiLetterUpper)) kebab = Kebab(name);
        else
        {
            // boto3 resources: Bucket('b').delete(), .objects.all().delete(), Table('t').delete(), Instance(i).terminate().
            if (!python || CliVerbs.Of(name) is not { } e || e < Model.Effect.Delete) return null;
            if (Before(code, at, ".objects.") || Before(code, at, ".object_versions."))
            {
                if (Resource(code, at, "Bucket") is { } bucket) extra.AddRange(["--bucket", bucket]);
                return name + "-objects";
            }
            int dot = code.LastIndexOf(").", at, StringComparison.Ordinal);
            int start = dot < 0 ? -1 : code.LastIndexOf('.', dot);
            int nameEnd = start < 0 ? -1 : code.IndexOf('(', start);
            var resource = nameEnd > start ? code[(start + 1)..nameEnd] : "";
            // A resource's own delete()/terminate() whose resource is not named here (for b in
            // s3.buckets.all(): b.delete()) is still that: a delete of what the session reaches.
            // Other verbs of one word (a list's remove()) are not boto3's.
            if (resource.Length == 0 || !char.IsAsciiLetterUpper(resource[0])) return name is "delete" or "terminate" ? name + "-resource" : null;
            // Its name, as the operation's name option: Table('orders-prod') → --table-name orders-prod.
            if (InlineCode.Literal(code, nameEnd + 1, out var named, out _)) extra.AddRange([resource == "Bucket" ? "--bucket" : $"--{Kebab(resource)}-name", named]);
            return name + "-" + Kebab(resource) + (name == "terminate" ? "s" : "");
        }
        return CliVerbs.Of(kebab) is null ? null : kebab;
    }

    // The literal name of a resource made in the same chain before at (.Bucket('assets')), or null.
    private static string? Resource(string code, int at, string resource)
    {
        int from = Math.Max(code.LastIndexOf(';', at), code.LastIndexOf('\n', at));
        int hit = code.IndexOf("." + resource + "(", from + 1, StringComparison.Ordinal);
        return hit >= 0 && hit < at && InlineCode.Literal(code, hit + resource.Length + 2, out var v, out _) ? v : null;
    }

    // True when TEXT occurs in the same chain of calls before at (on this line, after the last ';').
    private static bool Before(string code, int at, string text)
    {
        int from = Math.Max(code.LastIndexOf(';', at), code.LastIndexOf('\n', at));
        int hit = code.IndexOf(text, from + 1, StringComparison.Ordinal);
        return hit >= 0 && hit < at;
    }

    // Key=literal (Python) or Key: literal (JavaScript) inside the call: --key VALUE for a string or a
    // number, --key for True, --no-key for False (the CLI's spelling: DeletionProtection=False is
    // --no-deletion-protection). False when a parameter's value is not a literal, or past 32 of them.
    private static bool Options(string code, int from, int to, List<string> argv)
    {
        int i = from, first = argv.Count;
        bool all = true;
        while (i < to)
        {
            if (argv.Count - first >= 64) return false; // an SDK call names a handful: a bound on the work
            if (!char.IsAsciiLetterUpper(code[i]) || i > 0 && char.IsAsciiLetterOrDigit(code[i - 1])) { i++; continue; }
            int end = i; while (end < to && char.IsAsciiLetterOrDigit(code[end])) end++;
            int p = InlineCode.SkipSpace(code, end);
            if (p >= to || code[p] is not ('=' or ':') || p + 1 < to && code[p + 1] == '=') { i = end; continue; }
            var key = "--" + Kebab(code[i..end]);
            if (InlineCode.Literal(code, p + 1, out var v, out int after)) { argv.AddRange([key, v]); i = after; continue; }
            int q = InlineCode.SkipSpace(code, p + 1), w = q;
            while (w < to && (char.IsAsciiLetterOrDigit(code[w]) || code[w] is '-' or '.' or '_')) w++;
            var word = code[q..w];
            if (word is "True" or "true") argv.Add(key);
            else if (word is "False" or "false") argv.Add("--no-" + key[2..]);
            else if (word.Length > 0 && (char.IsAsciiDigit(word[0]) || word[0] == '-') && double.TryParse(word, System.Globalization.CultureInfo.InvariantCulture, out _)) argv.AddRange([key, word]);
            else all = false;
            i = Math.Max(w, q + 1);
        }
        return all;
    }

    // Keys given to a client or session in the code, and the variables the aws command reads them from.
    private static readonly (string Python, string Js, string Variable)[] CredentialKeys =
    [
        ("aws_access_key_id", "accessKeyId", "AWS_ACCESS_KEY_ID"),
        ("aws_secret_access_key", "secretAccessKey", "AWS_SECRET_ACCESS_KEY"),
        ("aws_session_token", "sessionToken", "AWS_SESSION_TOKEN"),
    ];

    /// <summary>Credentials written into the code as literals (<c>aws_secret_access_key='…'</c>,
    /// <c>credentials: {secretAccessKey: '…'}</c>), as the variables the aws command reads: a
    /// found production key marks the call production as it does the command's.</summary>
    public static List<KeyValuePair<string, string>> Credentials(string code)
    {
        var found = new List<KeyValuePair<string, string>>();
        bool python = code.Contains("boto3", StringComparison.Ordinal);
        if (!python && !code.Contains("aws-sdk", StringComparison.Ordinal)) return found;
        foreach (var (py, js, variable) in CredentialKeys)
            if (InlineCode.ValueOf(code, python ? py : js) is { Length: > 0 } v) found.Add(new(variable, v));
        return found;
    }

    // os.environ['AWS_PROFILE'] = 'prod', process.env.AWS_PROFILE = "prod": the variable the SDK reads, set by the code.
    private static string? Assigned(string code, string variable)
    {
        for (int i = code.IndexOf(variable, StringComparison.Ordinal); i >= 0; i = code.IndexOf(variable, i + 1, StringComparison.Ordinal))
        {
            int p = i + variable.Length;
            while (p < code.Length && code[p] is '\'' or '"' or ']' or ' ') p++;
            if (p < code.Length && code[p] == '=' && (p + 1 >= code.Length || code[p + 1] != '=') && InlineCode.Literal(code, p + 1, out var v, out _)) return v;
        }
        return null;
    }

    /// <summary>DBInstanceIdentifier → db-instance-identifier, deleteBucket → delete-bucket.</summary>
    internal static string Kebab(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool upper = char.IsAsciiLetterUpper(c);
            if (upper && i > 0 && (!char.IsAsciiLetterUpper(name[i - 1]) || i + 1 < name.Length && char.IsAsciiLetterLower(name[i + 1]))) sb.Append('-');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
