using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What a GraphQL document would do.</summary>
/// <param name="Effect">Most severe effect over the operations that would run.</param>
/// <param name="Fields">Top-level fields of mutations and their effects (queries: empty).</param>
/// <param name="Operation">"query", "mutation", "subscription" (the most severe one run).</param>
/// <param name="Error">Set when the document could not be parsed (then Effect is unknown).</param>
public sealed record GraphQLResult(Effect Effect, IReadOnlyList<(string Field, Effect Effect)> Fields, string Operation, string? Error)
{
    /// <summary>Repositories the document names by id: the string or <c>$variable</c> given to a
    /// <c>repositoryId</c> argument (GitHub's node id) and any <c>gid://gitlab/Project/N</c> string
    /// (<see cref="Policy.CodeHosts.NodeRepository"/> reads them).</summary>
    public IReadOnlyList<string> RepositoryIds { get; init; } = [];
}

/// <summary>A small GraphQL parser (the executable-definition part of the October 2021 spec):
/// operations, variable definitions, directives, selection sets, aliases, arguments with every
/// value form (nested objects and lists, strings, block strings, variables, enums), fragments and
/// inline fragments, comments and commas. Each top-level field of a mutation is classified by its
/// name; queries and subscriptions read, whatever their fields are called.
/// <para>Delete-class verbs: delete/remove/destroy/archive → delete; drop → drop; truncate →
/// truncate; purge/wipe/erase → wipe (reset of a volume/database/..., or of all data → wipe, else write); revoke/deprovision/
/// decommission/uninstall → delete; deactivate (alone or of a user/account/org/service/key) and disable of those → terminate;
/// terminate/kill/stop/shutdown → terminate. A delete of
/// a volume, database, project, environment, cluster, bucket, backup or snapshot counts as wipe:
/// the data behind it goes with it (the Railway volumeDelete incident). create/update/upsert/
/// insert/set/add/... → write; any other mutation field → unknown.</para></summary>
public static class GraphQL
{
    private static readonly HashSet<string> WipeObjects = new(StringComparer.Ordinal)
    {
        "volume", "volumes", "database", "databases", "db", "project", "projects", "environment", "environments",
        "cluster", "clusters", "bucket", "buckets", "backup", "backups", "snapshot", "snapshots", "workspace", "account", "organization", "team",
    };

    // deactivate/disable of these takes a user, an organisation or a service out of use (disableFeatureFlag does not).
    private static readonly HashSet<string> AccountObjects = new(StringComparer.Ordinal)
    {
        "user", "users", "account", "accounts", "organization", "organizations", "org", "team", "member", "members", "tenant", "tenants",
        "service", "services", "project", "projects", "database", "databases", "api", "key", "keys", "token", "tokens", "all",
    };

    /// <summary>True when a word of <paramref name="path"/> names something whose loss takes its data (a volume, a database, ...).</summary>
    internal static bool NamesWipeObject(ReadOnlySpan<char> path)
    {
        foreach (var seg in path.ToString().Split('/', StringSplitOptions.RemoveEmptyEntries))
            foreach (var w in ToolHelp.Words(seg)) if (WipeObjects.Contains(w)) return true;
        return false;
    }

    private static readonly HashSet<string> WriteVerbs = new(StringComparer.Ordinal)
    {
        "create", "update", "upsert", "insert", "set", "add", "patch", "edit", "rename", "connect", "link", "deploy", "redeploy",
        "restart", "rollback", "trigger", "invite", "accept", "send", "publish", "enable", "disable", "attach", "start", "resume",
        "login", "logout", "register", "verify", "change", "save", "upload", "move", "copy", "clone", "merge", "assign", "unassign",
        "disconnect", "unlink", "detach", "mark", "toggle", "transfer", "issue", "generate", "refresh", "sync", "import", "run", "apply",
        "replace", "submit", "approve", "reject", "close", "open", "lock", "unlock", "pin", "unpin", "follow", "unfollow", "like", "star",
        "unstar", "subscribe", "unsubscribe", "commit", "new", "make", "configure", "scale", "request", "reorder", "duplicate", "reactivate", "activate",
    };

    /// <summary>Effect of a mutation field from its name (<c>volumeDelete</c>, <c>delete_user</c>).</summary>
    public static Effect FieldEffect(string name)
    {
        var words = ToolHelp.Words(name);
        Effect best = Effect.Unknown;
        bool known = false;
        foreach (var w in words)
        {
            Effect e;
            switch (w)
            {
                case "delete" or "deletes" or "remove" or "removes" or "destroy" or "archive" or "del" or "unset" or "clear" or "evict":
                    e = words.Any(WipeObjects.Contains) ? Effect.Wipe : Effect.Delete; break;
                case "drop": e = Effect.Drop; break;
                case "truncate": e = Effect.Truncate; break;
                case "purge" or "wipe" or "erase" or "nuke" or "flush": e = Effect.Wipe; break;
                case "reset": e = words.Any(WipeObjects.Contains) || words.Contains("all") || words.Contains("data") ? Effect.Wipe : Effect.Write; break;
                // revokeAllTokens, deactivateUser, deprovisionDatabase: access or a resource taken away.
                case "revoke" or "revokes" or "deprovision" or "decommission" or "uninstall":
                    e = words.Any(WipeObjects.Contains) ? Effect.Wipe : Effect.Delete; break;
                case "deactivate" when words.Count == 1 || words.Any(AccountObjects.Contains): e = Effect.Terminate; break;
                case "disable" when words.Any(AccountObjects.Contains): e = Effect.Terminate; break;
                case "terminate" or "kill" or "stop" or "shutdown" or "suspend" or "pause" or "cancel" or "abort" or "down": e = Effect.Terminate; break;
                default:
                    if (WriteVerbs.Contains(w)) { if (!known) { best = Effect.Write; known = true; } }
                    continue;
            }
            if (!known || e > best) best = e;
            known = true;
        }
        return best;
    }

    /// <summary>Parses <paramref name="document"/> and classifies the operation that would run
    /// (<paramref name="operationName"/>, or every operation when it is absent).</summary>
    public static GraphQLResult Classify(string document, string? operationName = null)
    {
        var p = new Parser(document);
        List<Operation> ops;
        try
        {
            ops = p.Document();
        }
        catch (FormatException e)
        {
            return new GraphQLResult(Effect.Unknown, [], "unknown", e.Message);
        }
        var run = operationName != null ? ops.Where(o => o.Name == operationName).ToList() : ops;
        if (run.Count == 0) run = ops;
        Effect effect = Effect.Read;
        string kind = "query";
        var fields = new List<(string, Effect)>();
        foreach (var op in run)
        {
            if (op.Kind != "mutation") continue;
            kind = "mutation";
            var top = new List<string>();
            p.TopFields(op.Selection, top, 0);
            if (top.Count == 0) effect = ToolHelp.Max(effect, Effect.Unknown);
            foreach (var f in top)
            {
                var fe = FieldEffect(f);
                // updateUser(input: {deleted: true}): an update that marks the record deleted.
                if (fe == Effect.Write && p.MarksDeleted(f)) fe = Effect.Delete;
                // updateService(input: {suspended: true}): an update that puts it out of use.
                else if (fe == Effect.Write && p.MarksSuspended(f)) fe = Effect.Terminate;
                fields.Add((f, fe));
                effect = ToolHelp.Max(effect, fe);
            }
        }
        if (kind == "query" && run.Any(o => o.Kind == "subscription")) kind = "subscription";
        return new GraphQLResult(effect, fields, kind, null) { RepositoryIds = p.RepositoryIds ?? (IReadOnlyList<string>)[] };
    }

    private sealed record Operation(string Kind, string? Name, List<Selection> Selection);

    private sealed record Selection(string? Field, string? Spread, List<Selection>? Inline);

    private enum Tok : byte { End, Punct, Name, Number, String }

    private sealed class Parser(string src)
    {
        private int _pos;
        private Tok _kind;
        private string _text = "";
        private readonly Dictionary<string, List<Selection>> _fragments = new(StringComparer.Ordinal);
        private int _depth;

        public List<Operation> Document()
        {
            Advance();
            var ops = new List<Operation>();
            while (_kind != Tok.End)
            {
                // A description before an operation or fragment (September 2025 spec; graphql-js 17, graphql-java).
                if (_kind == Tok.String) Advance();
                if (IsPunct("{")) { ops.Add(new Operation("query", null, SelectionSet())); continue; }
                if (_kind != Tok.Name) throw Fail("expected an operation or fragment");
                switch (_text)
                {
                    case "query" or "mutation" or "subscription":
                    {
                        string kind = _text;
                        Advance();
                        string? name = null;
                        if (_kind == Tok.Name) { name = _text; Advance(); }
                        if (IsPunct("(")) VariableDefinitions();
                        Directives();
                        ops.Add(new Operation(kind, name, SelectionSet()));
                        break;
                    }
                    case "fragment":
                    {
                        Advance();
                        string name = ExpectName();
                        if (ExpectName() != "on") throw Fail("expected 'on'");
                        ExpectName();
                        Directives();
                        _fragments[name] = SelectionSet();
                        break;
                    }
                    default:
                        throw Fail($"unexpected '{_text}'");
                }
            }
            if (ops.Count == 0) throw Fail("no operation");
            return ops;
        }

        public void TopFields(List<Selection> set, List<string> into, int depth)
        {
            if (depth > 16) return;
            foreach (var s in set)
            {
                if (s.Field != null) into.Add(s.Field);
                else if (s.Inline != null) TopFields(s.Inline, into, depth + 1);
                else if (s.Spread != null && _fragments.TryGetValue(s.Spread, out var frag)) TopFields(frag, into, depth + 1);
                else if (s.Spread != null) into.Add(s.Spread); // undefined fragment: judge by its name
            }
        }

        private List<Selection> SelectionSet()
        {
            if (++_depth > 256) throw Fail("nesting too deep");
            Expect("{");
            var r = new List<Selection>();
            while (!IsPunct("}"))
            {
                if (_kind == Tok.End) throw Fail("unterminated selection set");
                if (IsPunct("..."))
                {
                    Advance();
                    if (_kind == Tok.Name && _text == "on")
                    {
                        Advance(); ExpectName(); Directives();
                        r.Add(new Selection(null, null, SelectionSet()));
                    }
                    else if (_kind == Tok.Name)
                    {
                        var n = _text; Advance(); Directives();
                        r.Add(new Selection(null, n, null));
                    }
                    else { Directives(); r.Add(new Selection(null, null, SelectionSet())); }
                    continue;
                }
                string name = ExpectName();
                if (IsPunct(":")) { Advance(); name = ExpectName(); } // alias: field
                if (IsPunct("("))
                {
                    _marks = _suspends = false;
                    Arguments();
                    if (_marks) (_deleting ??= new(StringComparer.Ordinal)).Add(name);
                    if (_suspends) (_suspending ??= new(StringComparer.Ordinal)).Add(name);
                }
                Directives();
                if (IsPunct("{")) SelectionSet();
                r.Add(new Selection(name, null, null));
            }
            Advance();
            _depth--;
            return r;
        }

        private void Arguments()
        {
            Expect("(");
            while (!IsPunct(")"))
            {
                var key = ExpectName();
                Expect(":");
                Note(key);
                Value();
            }
            Advance();
        }

        // Set while a field's arguments are read: one of them (or of their input objects) marks a record deleted.
        private bool _marks;
        private HashSet<string>? _deleting;

        /// <summary>True when a field named <paramref name="field"/> had arguments marking a record deleted.</summary>
        public bool MarksDeleted(string field) => _deleting != null && _deleting.Contains(field);

        // The same for arguments that put a record out of use (SoftDelete.Suspends).
        private bool _suspends;
        private HashSet<string>? _suspending;

        /// <summary>True when a field named <paramref name="field"/> had arguments putting a record out of use.</summary>
        public bool MarksSuspended(string field) => _suspending != null && _suspending.Contains(field);

        // Set by Note for a repositoryId argument, read by the Value() that follows (a $variable).
        private bool _repositoryKey;
        // PERF: where the current string token's text is (_text stays "" for strings); made a string only for an id.
        private int _stringFrom, _stringLength;

        /// <summary>Repository ids the document names (see <see cref="GraphQLResult.RepositoryIds"/>).</summary>
        public List<string>? RepositoryIds;

        // The literal value about to be read for key (the current token), checked before Value() consumes it.
        private void Note(string key)
        {
            _repositoryKey = key.Equals("repositoryId", StringComparison.OrdinalIgnoreCase);
            if (_kind == Tok.String && _stringLength > 0 && src.AsSpan(_stringFrom, _stringLength) is var text
                && (_repositoryKey || text.StartsWith("gid://gitlab/Project/", StringComparison.Ordinal))) (RepositoryIds ??= []).Add(text.ToString());
            if (_kind is Tok.Name or Tok.String or Tok.Number && SoftDelete.Marks(key, _text, _kind == Tok.String, _kind == Tok.Number)) _marks = true;
            if (_kind is Tok.Name or Tok.String && SoftDelete.Suspends(key, _text, _kind == Tok.String)) _suspends = true;
        }

        private void VariableDefinitions()
        {
            Expect("(");
            while (!IsPunct(")"))
            {
                if (_kind == Tok.String) Advance(); // a variable's description
                Expect("$"); ExpectName(); Expect(":"); Type();
                if (IsPunct("=")) { Advance(); Value(); }
                Directives();
            }
            Advance();
        }

        private void Type()
        {
            if (IsPunct("[")) { Advance(); Type(); Expect("]"); }
            else ExpectName();
            if (IsPunct("!")) Advance();
        }

        private void Directives()
        {
            while (IsPunct("@"))
            {
                Advance(); ExpectName();
                if (IsPunct("(")) Arguments();
            }
        }

        private void Value()
        {
            if (++_depth > 256) throw Fail("nesting too deep");
            bool repositoryKey = _repositoryKey;
            _repositoryKey = false;
            if (IsPunct("$")) { Advance(); var variable = ExpectName(); if (repositoryKey) (RepositoryIds ??= []).Add("$" + variable); }
            else if (IsPunct("["))
            {
                Advance();
                while (!IsPunct("]")) { if (_kind == Tok.End) throw Fail("unterminated list"); Value(); }
                Advance();
            }
            else if (IsPunct("{"))
            {
                Advance();
                while (!IsPunct("}")) { var key = ExpectName(); Expect(":"); Note(key); Value(); }
                Advance();
            }
            else if (_kind is Tok.Name or Tok.Number or Tok.String) Advance();
            else throw Fail("expected a value");
            _depth--;
        }

        private bool IsPunct(string p) => _kind == Tok.Punct && _text == p;

        private void Expect(string p)
        {
            if (!IsPunct(p)) throw Fail($"expected '{p}'");
            Advance();
        }

        private string ExpectName()
        {
            if (_kind != Tok.Name) throw Fail("expected a name");
            var n = _text;
            Advance();
            return n;
        }

        private FormatException Fail(string what) => new($"GraphQL: {what} at offset {_pos}");

        private void Advance()
        {
            var s = src;
            while (_pos < s.Length)
            {
                char c = s[_pos];
                if (c is ' ' or '\t' or '\n' or '\r' or ',' or '\uFEFF') { _pos++; continue; }
                if (c == '#') { while (_pos < s.Length && s[_pos] != '\n' && s[_pos] != '\r') _pos++; continue; }
                break;
            }
            if (_pos >= s.Length) { _kind = Tok.End; _text = ""; return; }
            char ch = s[_pos];
            int start = _pos;
            if (ch == '.' )
            {
                if (_pos + 2 < s.Length && s[_pos + 1] == '.' && s[_pos + 2] == '.') { _pos += 3; _kind = Tok.Punct; _text = "..."; return; }
                throw Fail("stray '.'");
            }
            if ("!$&()=:@[]{}|".IndexOf(ch) >= 0) { _pos++; _kind = Tok.Punct; _text = ch.ToString(); return; }
            if (char.IsAsciiLetter(ch) || ch == '_')
            {
                while (_pos < s.Length && (char.IsAsciiLetterOrDigit(s[_pos]) || s[_pos] == '_')) _pos++;
                _kind = Tok.Name; _text = s[start.._pos]; return;
            }
            if (char.IsAsciiDigit(ch) || ch == '-')
            {
                _pos++;
                while (_pos < s.Length && (char.IsAsciiLetterOrDigit(s[_pos]) || s[_pos] is '.' or '+' or '-')) _pos++;
                _kind = Tok.Number; _text = s[start.._pos]; return;
            }
            if (ch == '"')
            {
                if (_pos + 2 < s.Length && s[_pos + 1] == '"' && s[_pos + 2] == '"')
                {
                    _pos += 3;
                    while (true)
                    {
                        if (_pos + 2 >= s.Length) throw Fail("unterminated block string");
                        if (s[_pos] == '\\' && s.AsSpan(_pos + 1).StartsWith("\"\"\"")) { _pos += 4; continue; }
                        if (s[_pos] == '"' && s[_pos + 1] == '"' && s[_pos + 2] == '"') { _pos += 3; break; }
                        _pos++;
                    }
                    _kind = Tok.String; _text = ""; return;
                }
                int from = ++_pos;
                while (true)
                {
                    if (_pos >= s.Length || s[_pos] is '\n' or '\r') throw Fail("unterminated string");
                    if (s[_pos] == '\\') { _pos += 2; continue; }
                    if (s[_pos] == '"') { _pos++; break; }
                    _pos++;
                }
                // An id is read as written; one with an escape is not taken for any id (left unread).
                (_stringFrom, _stringLength) = (from, s.AsSpan(from, _pos - 1 - from).IndexOf('\\') < 0 ? _pos - 1 - from : 0);
                _kind = Tok.String; _text = ""; return;
            }
            throw Fail($"unexpected character '{ch}'");
        }
    }
}
