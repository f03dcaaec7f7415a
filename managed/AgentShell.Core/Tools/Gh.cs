using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>GitHub CLI: <c>repo delete</c> → wipe; release/issue/secret/variable/run/cache/
/// label/ssh-key/gpg-key/codespace/gist delete → delete; <c>repo archive</c> → write;
/// <c>gh api</c> → the method (<c>-X DELETE</c> → delete; fields imply POST → write; GET → read;
/// a GraphQL <c>query=</c> field is parsed). Target: the API (api.github.com) with the repo
/// (<c>-R</c>/<c>--repo</c> or the positional of <c>repo delete</c>) in its path.</summary>
public static class Gh
{
    private static readonly (string, Effect)[] Rules =
    [
        ("repo delete", Effect.Wipe), ("* delete", Effect.Delete), ("* remove", Effect.Delete), ("* rm", Effect.Delete),
        ("repo archive", Effect.Write), ("run cancel", Effect.Terminate), ("pr merge", Effect.Write), ("pr close", Effect.Write),
        ("* list", Effect.Read), ("* view", Effect.Read), ("* status", Effect.Read), ("* diff", Effect.Read), ("* checks", Effect.Read),
        ("* create", Effect.Write), ("* edit", Effect.Write), ("* clone", Effect.Read), ("* checkout", Effect.Read), ("auth *", Effect.Write),
        ("search *", Effect.Read), ("browse", Effect.Read), ("run watch", Effect.Read), ("run view", Effect.Read), ("workflow run", Effect.Write),
        ("codespace ssh", Effect.Unknown), ("extension *", Effect.Write), ("* sync", Effect.Write), ("* set", Effect.Write), ("* comment", Effect.Write),
        ("* review", Effect.Write), ("* reopen", Effect.Write), ("* close", Effect.Write), ("* rename", Effect.Write), ("* fork", Effect.Write),
    ];

    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "-R", "--repo", "-X", "--method", "-f", "--field", "-F", "--raw-field", "-H", "--header", "--jq", "-q", "-t", "--template",
        "-b", "--body", "--title", "-l", "--label", "-B", "--base", "--hostname", "--input", "-L", "--limit", "-s", "--state",
    };

    /// <summary>Parses gh's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        var pos = ToolHelp.Positionals(a, Valued);
        var repo = ToolHelp.Option(a, "-R", "--repo") ?? (pos.Count > 2 && pos[0] == "repo" && pos[1] == "delete" ? pos[2] : null);
        var api = CliVerbs.Api(repo != null ? $"https://api.github.com/repos/{repo}" : "https://api.github.com/");
        if (repo != null) evidence.Add(new(repo, $"repository {repo}"));
        if (pos.Count > 0 && pos[0] == "api") return Api(a, pos, c, evidence);
        return SubcommandCli.Classify("gh", c, Rules, Valued, [api], evidence);
    }

    private static CommandIntent Api(IReadOnlyList<string> a, List<string> pos, ToolCall c, List<Evidence> evidence)
    {
        if (ToolHelp.AsksForHelp(a, shortH: true)) return ToolHelp.Help("gh", "--help");
        var method = ToolHelp.Option(a, "-X", "--method")?.ToUpperInvariant();
        bool fields = a.Any(x => x is "-f" or "-F" or "--field" or "--raw-field" or "--input");
        method ??= fields ? "POST" : "GET";
        var endpoint = pos.Count > 1 ? pos[1] : "";
        Effect effect = Curl.MethodEffect(method);
        string? query = null;
        for (int i = 0; i < a.Count - 1; i++)
        {
            if (a[i] is "-f" or "-F" or "--field" or "--raw-field" && a[i + 1].StartsWith("query=", StringComparison.Ordinal)) query = a[i + 1][6..];
        }
        if (endpoint == "graphql" && query != null)
        {
            if (query.StartsWith('@')) query = ToolHelp.ReadText(c.Context, query[1..]);
            var r = query == null ? null : GraphQL.Classify(query);
            effect = r == null || r.Error != null ? Effect.Unknown : r.Effect;
            if (r != null) foreach (var (f, fe) in r.Fields) evidence.Add(new(f, $"GraphQL mutation field {f}: {fe.Name()}"));
        }
        var url = endpoint.StartsWith("http", StringComparison.Ordinal) ? endpoint : "https://api.github.com/" + endpoint.TrimStart('/');
        var target = CliVerbs.Api(url);
        evidence.Add(new(endpoint, $"{method} {target}"));
        return ToolHelp.Intent("gh", effect, $"{method} {target}", [target], evidence);
    }
}
