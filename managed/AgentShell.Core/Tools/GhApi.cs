using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary><c>gh api</c> and <c>glab api</c>: HTTP clients, not subcommand tables (the rest of gh
/// and glab is data in <c>gh.json</c>, <c>glab.json</c>). The effect is the method's (<c>-X DELETE</c>
/// → delete; fields imply POST → write, unless they mark the resource out of use (<c>-F archived=true</c>:
/// delete, as <see cref="SoftDelete"/> reads a JSON body); GET → read), or for <c>api graphql</c> the GraphQL document's
/// (<c>-f query=...</c>, <c>@file</c> read through the exec context). Target: the endpoint under the
/// API of the host (<c>--hostname</c>, else the default host <see cref="CodeHostClis"/> reads).</summary>
internal static class GhApi
{
    /// <summary>The intent of <c>gh api ...</c>; null when the subcommand is not <c>api</c>.</summary>
    internal static CommandIntent? TryParse(ToolCall c, List<string> words, List<Evidence> evidence) => TryParse("gh", c, words, evidence);

    /// <summary>The intent of <c>glab api ...</c>; null when the subcommand is not <c>api</c>.</summary>
    internal static CommandIntent? TryParseGlab(ToolCall c, List<string> words, List<Evidence> evidence) => TryParse("glab", c, words, evidence);

    private static CommandIntent? TryParse(string tool, ToolCall c, List<string> words, List<Evidence> evidence)
    {
        if (words.Count == 0 || words[0] != "api") return null;
        var a = c.Args;
        var method = ToolHelp.Option(a, "-X", "--method")?.ToUpperInvariant();
        bool fields = a.Any(x => x is "-f" or "-F" or "--field" or "--raw-field" or "--input");
        method ??= fields ? "POST" : "GET";
        var endpoint = words.Count > 1 ? Placeholders(tool, c, words[1], evidence) : "";
        Effect effect = Curl.MethodEffect(method);
        string? query = null;
        GraphQLResult? graph = null;
        for (int i = 0; i < a.Count - 1; i++)
        {
            if (a[i] is "-f" or "-F" or "--field" or "--raw-field" && a[i + 1].StartsWith("query=", StringComparison.Ordinal)) query = a[i + 1][6..];
        }
        if (endpoint == "graphql" && query != null)
        {
            if (query.StartsWith('@')) query = ToolHelp.ReadText(c.Context, query[1..]);
            var r = graph = query == null ? null : GraphQL.Classify(query);
            effect = r == null || r.Error != null ? Effect.Unknown : r.Effect;
            if (r != null) foreach (var (f, fe) in r.Fields) evidence.Add(new(f, $"GraphQL mutation field {f}: {fe.Name()}"));
        }
        else if (fields && method is not ("GET" or "HEAD") && FieldsBody(a) is { } body && SoftDelete.Of(body.RootElement, endpoint, evidence) is Effect marked && marked > effect)
            effect = marked; // -F archived=true, -f deleted=true: the body marks the resource out of use
        var url = endpoint.StartsWith("http", StringComparison.Ordinal) ? endpoint : ApiBase(tool, c, endpoint == "graphql") + endpoint.TrimStart('/');
        var target = CliVerbs.Api(url);
        evidence.Add(new(endpoint, $"{method} {target}"));
        var targets = new List<Target> { target };
        // A mutation naming a repository by id (deleteRepository(input: {repositoryId: "R_…"}), -f id=R_… for
        // $id): that repository, as its REST URL names it by number, whose environment a profile may give.
        foreach (var id in graph?.RepositoryIds ?? [])
        {
            var value = id.StartsWith('$') ? Field(a, id[1..]) : id;
            if (value != null && Policy.CodeHosts.NodeRepository(target, value) is Target repository)
            {
                targets.Add(repository);
                evidence.Add(new(value, $"GraphQL repository id: {repository}"));
            }
        }
        return ToolHelp.Intent(tool, effect, $"{method} {target}", targets, evidence);
    }

    // gh fills {owner} and {repo} from GH_REPO, else the git remote it infers; glab fills :fullpath, :id
    // and :repo from the remote (an encoded path serves where glab puts the numeric id). Unfilled, the
    // path names no repository (its environment is the API host's).
    private static string Placeholders(string tool, ToolCall c, string endpoint, List<Evidence> evidence)
    {
        bool gh = tool == "gh";
        if (gh ? !endpoint.Contains('{') : !endpoint.Contains(':')) return endpoint;
        string? path = gh && c.Context.GetEnvironmentVariable("GH_REPO") is string env ? env : null;
        string source = "GH_REPO";
        if (path == null && GitRemotes.Inferred(c.Context, tool) is var (remote, url) && UrlParser.TryParse(GitRemotes.ScpToUrl(url), "ssh", out var t))
        {
            path = t.Path;
            source = $"git remote {remote}";
        }
        path = path?.Trim('/');
        if (path != null && path.EndsWith(".git", StringComparison.Ordinal)) path = path[..^4];
        int slash = path?.LastIndexOf('/') ?? -1;
        if (path == null || slash <= 0) return endpoint;
        var filled = gh
            ? endpoint.Replace("{owner}", path[(path.LastIndexOf('/', slash - 1) + 1)..slash], StringComparison.Ordinal).Replace("{repo}", path[(slash + 1)..], StringComparison.Ordinal)
            : endpoint.Replace(":fullpath", path.Replace("/", "%2F", StringComparison.Ordinal), StringComparison.Ordinal).Replace(":id", path.Replace("/", "%2F", StringComparison.Ordinal), StringComparison.Ordinal).Replace(":repo", path[(slash + 1)..], StringComparison.Ordinal);
        if (filled != endpoint) evidence.Add(new(endpoint, $"{filled} (from {source})"));
        return filled;
    }

    // The last -f/-F KEY=VALUE for name (gh sends the fields other than query as the GraphQL variables).
    private static string? Field(IReadOnlyList<string> a, string name)
    {
        string? found = null;
        for (int i = 0; i < a.Count - 1; i++)
            if (a[i] is "-f" or "-F" or "--field" or "--raw-field" && a[i + 1].StartsWith(name + "=", StringComparison.Ordinal)) found = a[i + 1][(name.Length + 1)..];
        return found;
    }

    // -f/-F/--field/--raw-field KEY=VALUE as the JSON object gh sends. true/false/null/numbers are typed for
    // -f too (gh sends them as strings there; an API may coerce them, so the typed reading is the safe one).
    private static System.Text.Json.JsonDocument? FieldsBody(IReadOnlyList<string> a)
    {
        var obj = new System.Text.Json.Nodes.JsonObject();
        for (int i = 0; i < a.Count - 1; i++)
        {
            if (a[i] is not ("-f" or "-F" or "--field" or "--raw-field")) continue;
            var kv = a[++i];
            int eq = kv.IndexOf('=');
            if (eq <= 0 || kv.IndexOf('[') is int br && br >= 0 && br < eq) continue;
            var v = kv[(eq + 1)..];
            obj[kv[..eq]] = v switch
            {
                "true" => true, "false" => false, "null" => null,
                _ when long.TryParse(v, out long n) => n,
                _ => v,
            };
        }
        return obj.Count == 0 ? null : System.Text.Json.JsonDocument.Parse(obj.ToJsonString());
    }

    // gh: api.github.com, GitHub Enterprise at HOST/api/v3/ (GraphQL at HOST/api/graphql); glab: HOST/api/v4/.
    private static string ApiBase(string tool, ToolCall c, bool graphql)
    {
        // --hostname, else the tool's default host (GH_HOST, GITLAB_HOST/GL_HOST, or its config file's).
        var host = ToolHelp.Option(c.Args, "--hostname") is string named ? CodeHostClis.Normalise(named, false)
            : CodeHostClis.Read(c.Context, tool) is { } hosts ? hosts.Default : "unknown.invalid";
        if (tool == "gh")
            return host == null || host == "github.com" ? "https://api.github.com/" : graphql ? $"https://{host}/api/" : $"https://{host}/api/v3/";
        return $"https://{host ?? "gitlab.com"}/api/" + (graphql ? "" : "v4/");
    }
}
