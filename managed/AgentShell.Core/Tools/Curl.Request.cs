using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

public static partial class Curl
{
    /// <summary>One request group: what curl sends to the URLs given before the next <c>--next</c>.</summary>
    private sealed class Request
    {
        public string? Method, ProtoDefault, RequestTarget, DataToken, OverrideMethod;
        public bool Head, Get, HasData, Form, Upload, Commands, BodyUnknown, GlobOff;
        public readonly List<(string Url, string Token)> Urls = new(1); // PERF: most requests name one URL
        // PERF: most requests have no body, query option or reroute: allocated on first use.
        private List<string>? _bodies, _queries;
        private List<(string Value, string Token)>? _reroutes;
        public List<string> Bodies => _bodies ??= [];
        public List<string> Queries => _queries ??= [];
        public List<(string Value, string Token)> Reroutes => _reroutes ??= [];

        public void Data(string token) { HasData = true; DataToken ??= token; }

        public void Override(string? method, string token, List<Evidence> evidence)
        {
            if (method == null) return;
            OverrideMethod = method;
            evidence.Add(new(token, $"method overridden to {method}"));
        }

        // --next starts a fresh group; curl keeps the global options (here: none that matter).
        public Request Next() => new();

        /// <summary>The group's effect and summary (a string, or for one target the summary made
        /// when read); adds its targets.</summary>
        public (Effect, object) Evaluate(List<Target> all, List<Evidence> evidence)
        {
            string method = Method ?? (Head ? "HEAD" : HasData && !Get ? "POST" : Upload ? "PUT" : "GET");
            if (Method == null && HasData && !Get && DataToken != null) evidence.Add(new(DataToken, "request body (POST)"));
            bool graphQLMethod = method is "POST" or "GET";
            Effect http = MethodEffect(method);
            string? body = _bodies is not { Count: > 0 } ? null : _bodies.Count == 1 ? _bodies[0] : string.Join('&', _bodies);
            Effect? bodyEffect = body == null ? null : HttpBody.Analyze(body, DataToken ?? body, evidence);
            if (_queries != null)
                foreach (var q in _queries)
                    if (HttpBody.Analyze(q, q, evidence) is Effect qe) bodyEffect = bodyEffect is Effect b ? ToolHelp.Max(b, qe) : qe;
            if (bodyEffect is Effect be) http = graphQLMethod ? be : ToolHelp.Max(http, be);
            var over = OverrideMethod ?? FormMethod(body, evidence);
            if (over != null) http = ToolHelp.Max(http, MethodEffect(over));
            if (BodyUnknown) http = ToolHelp.Max(http, Effect.Unknown);

            Effect effect = Effect.Read;
            bool any = false;
            // PERF: this group's targets go straight into all (they were a list of their own, then copied).
            int first = all.Count;
            foreach (var (url, token) in Urls)
            {
                bool cut = false;
                // PERF: a URL without glob characters is itself; no list.
                var expanded = GlobOff || url.AsSpan().IndexOfAny('{', '[') < 0 ? null : Glob(url, out cut);
                if (cut) { effect = ToolHelp.Max(effect, Effect.Unknown); evidence.Add(new(token, $"URL glob of more than {MaxGlob} URLs (unknown)")); }
                for (int k = 0; k < (expanded?.Count ?? 1); k++)
                {
                    var u = expanded?[k] ?? url;
                    if (NamesNoHost(u))
                    {
                        evidence.Add(new(token, "names no host curl can resolve (a path: nothing is sent)"));
                        continue;
                    }
                    if (!TryTarget(u, ProtoDefault, out var t))
                    {
                        effect = ToolHelp.Max(effect, Effect.Unknown);
                        evidence.Add(new(token, "URL not understood (unknown)"));
                        continue;
                    }
                    if (RequestTarget != null && t.Scheme is "http" or "https")
                        t = new Target { Kind = t.Kind, Scheme = t.Scheme, Host = t.Host, Port = t.Port, Path = RequestTarget.StartsWith('/') ? RequestTarget : "/" + RequestTarget };
                    evidence.Add(new(token, t));
                    all.Add(t);
                    any = true;
                    if (HasControl(u)) { effect = ToolHelp.Max(effect, Effect.Unknown); evidence.Add(new(HttpBody.Short(token), "URL with a control character (unknown)")); }
                    if (SchemeEffect(t.Scheme!, this) is Effect se)
                    {
                        effect = ToolHelp.Max(effect, se);
                        evidence.Add(new(token, se == Effect.Read ? $"{t.Scheme} download" : $"{t.Scheme}: sends bytes a method does not describe (unknown)"));
                        continue;
                    }
                    var ue = graphQLMethod ? HttpBody.AnalyzeUrl(u, evidence) : null;
                    // A SQL endpoint's query= is SQL, not a GraphQL document it cannot parse (SqlOverHttp reads it).
                    if (ue == Effect.Unknown && SqlOverHttp.IsEndpoint(t)) ue = null;
                    var ume = FormMethod(Query(u), evidence);
                    effect = ToolHelp.Max(effect, ue is Effect q ? ToolHelp.Max(http, q) : http);
                    // PERF: only a request that writes has its action segment read (POST /v1/users/7/delete).
                    if (http == Effect.Write && ActionOf(t.Path) is Effect ae) { effect = ToolHelp.Max(effect, ae); evidence.Add(new(token, $"{method} to an action named {ae.Name()}")); }
                    if (http == Effect.Write && ServiceSwitch.Of(t.Path, body, token, evidence) is Effect sw) effect = ToolHelp.Max(effect, sw);
                    // PERF: only a writing request whose path has a "/_" segment is read as a search-engine API (SearchApi).
                    if (http == Effect.Write && SearchApi.MayBe(t.Path) && SearchApi.Of(t.Path!, Query(u), body, token, evidence) is Effect sa) effect = ToolHelp.Max(effect, sa);
                    if (ume != null) effect = ToolHelp.Max(effect, MethodEffect(ume));
                    // PERF: only a request with a body or a query string can carry SQL (ClickHouse :8123, /_sql, {"sql": …}).
                    if ((body != null || u.Contains('?') || _queries != null) && SqlOverHttp.Of(t, _queries == null ? u : string.Concat(u, u.Contains('?') ? "&" : "?", string.Join('&', _queries)), body, evidence) is Effect sqe)
                        effect = ToolHelp.Max(effect, sqe);
                }
            }
            if (!any) effect = ToolHelp.Max(effect, http);
            if (bodyEffect != null) Policy.CodeHosts.AddGraphQLRepositories(all, first, evidence); // deleteRepository(input: {repositoryId: …})
            // PERF: no empty list when there is no reroute (`?? []` made one per request).
            if (_reroutes != null)
            {
                foreach (var (value, token) in _reroutes)
                {
                    foreach (var host in RerouteHosts(value))
                    {
                        if (!UrlParser.TryParse("http://" + host, "http", out var t)) continue;
                        evidence.Add(new(token, $"connects to {t.Host} instead"));
                        all.Add(new Target { Kind = TargetKind.Url, Scheme = "http", Host = t.Host, Port = t.Port, Path = "/" });
                    }
                }
            }
            int count = all.Count - first;
            // PERF: one target (the common case): "METHOD URL" is made only when read (a decision
            // printed, checked or audited), so an allowed request formats no URL.
            return (effect, count == 0 ? method : count == 1 ? new CommandIntent.HeadAndTarget(method, all[first])
                : $"{method} {string.Join(' ', all.GetRange(first, count))}");
        }
    }

    /// <summary>The destructive effect an RPC-style URL names in its last path segment, read as a
    /// GraphQL mutation field is (<c>/users/7/delete</c>, <c>/cache/flush</c>,
    /// <c>chat.delete</c>, <c>/admin/reset-database</c>); null for any other (<c>/reset-password</c>, <c>/search</c>, an id).</summary>
    internal static Effect? ActionOf(string? path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        int q = path.AsSpan().IndexOfAny('?', '#'); // PERF: string.IndexOfAny takes an array, made per call
        var p = (q >= 0 ? path[..q] : path).TrimEnd('/');
        int slash = p.LastIndexOf('/');
        var last = p[(slash + 1)..];
        if (last.Length < 3 || !char.IsAsciiLetter(last[0]) && last[0] != '_') return null;
        var e = GraphQL.FieldEffect(last);
        // A bare /reset names no object: the path before it does (/v1/databases/main/reset wipes;
        // /users/7/password/reset does not).
        if (e == Effect.Write && last.Equals("reset", StringComparison.OrdinalIgnoreCase) && slash > 0 && GraphQL.NamesWipeObject(p.AsSpan(0, slash))) e = Effect.Wipe;
        return e >= Effect.Delete ? e : null;
    }

    private static string? Query(string url)
    {
        int q = url.IndexOf('?');
        if (q < 0) return null;
        int hash = url.IndexOf('#', q);
        return hash < 0 ? url[(q + 1)..] : url[(q + 1)..hash];
    }

    // _method=DELETE in a form body or query string: Rails, Laravel and method-override honour it.
    internal static string? FormMethod(string? form, List<Evidence> evidence)
    {
        if (form == null || !form.Contains("_method=", StringComparison.OrdinalIgnoreCase)) return null;
        foreach (var part in form.Split('&'))
        {
            if (!part.StartsWith("_method=", StringComparison.OrdinalIgnoreCase)) continue;
            var m = Uri.UnescapeDataString(part[8..].Replace('+', ' ')).Trim().ToUpperInvariant();
            evidence.Add(new(part, $"method overridden to {m}"));
            return m;
        }
        return null;
    }

    // --connect-to HOST1:PORT1:HOST2:PORT2 → HOST2; --resolve [+]HOST:PORT:ADDR[,ADDR]... → ADDRs.
    private static IEnumerable<string> RerouteHosts(string value)
    {
        var v = value.TrimStart('+');
        if (v.StartsWith('-')) yield break; // --resolve -HOST:PORT removes an entry
        var parts = SplitHostList(v);
        if (parts.Count == 4) { if (parts[2].Length > 0) yield return parts[3].Length > 0 ? $"{parts[2]}:{parts[3]}" : parts[2]; yield break; }
        if (parts.Count >= 3)
            foreach (var addr in string.Join(':', parts.Skip(2)).Split(',', StringSplitOptions.RemoveEmptyEntries))
                yield return addr.Trim();
    }

    // Splits on ':' outside [ ] (IPv6 literals).
    private static List<string> SplitHostList(string v)
    {
        var r = new List<string>();
        int start = 0, depth = 0;
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] == '[') depth++;
            else if (v[i] == ']') depth--;
            else if (v[i] == ':' && depth == 0) { r.Add(v[start..i]); start = i + 1; }
        }
        r.Add(v[start..]);
        return r;
    }
}
