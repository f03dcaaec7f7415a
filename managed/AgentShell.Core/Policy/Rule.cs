using AgentShell.Core.Model;

namespace AgentShell.Core.Policy;

/// <summary>A compiled rule: matches (tool, effect, environment, optionally host and path) and
/// names an action. An empty <see cref="Tools"/>, <see cref="Effects"/> or
/// <see cref="Environments"/> set matches anything — including every effect, so a rule with no
/// <c>Effects</c> applies to reads too; write the effects out when that is not meant.</summary>
public sealed class Rule
{
    private uint _effectMask = uint.MaxValue;
    private bool[]? _environmentIds;     // null = any environment
    private bool _usesContextPaths, _allHome;
    private uint _targetKindMask;        // 0 = any kind (and no target)
    private string[]? _rootPrefixes;     // every path glob is absolute: what each one's literal start shares, else their first segments
    // PERF: whether Tools, Hosts and Paths are to be read at all, set by Compile: three interface calls
    // per rule tried, for every decision, were made to find them empty. True until compiled: an
    // uncompiled rule reads them all.
    private bool _checkTools = true, _checkHosts = true, _checkPaths = true;

    /// <summary>Unique id, e.g. <c>demo.http:delete-on-production</c>.</summary>
    public required string Id { get; init; }
    /// <summary>Tools it applies to (canonical names, case-insensitive); empty = any.</summary>
    public IReadOnlySet<string> Tools { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
    /// <summary>Effects it applies to; empty = any.</summary>
    public IReadOnlySet<Effect> Effects { get; init; } = new HashSet<Effect>();
    /// <summary>Environments it applies to (a profile environment, <c>local</c>, <c>unknown</c> or
    /// <c>none</c> for an intent without a target); empty = any.</summary>
    public IReadOnlySet<string> Environments { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
    /// <summary>When not empty, the target must be of one of these kinds (profile key <c>TargetKinds</c>,
    /// e.g. <c>["local-path"]</c>); an intent without a target never matches such a rule.</summary>
    public IReadOnlySet<TargetKind> TargetKinds { get; init; } = new HashSet<TargetKind>();
    /// <summary>When not empty, the target's host must match one of these.</summary>
    public IReadOnlyList<HostPattern> Hosts { get; init; } = [];
    /// <summary>When not empty, the target's path (URL path, or local path resolved against the
    /// exec's HOME and working directory) must match one of these.</summary>
    public IReadOnlyList<GlobPattern> Paths { get; init; } = [];
    /// <summary>What to do on a match.</summary>
    public required PolicyAction Action { get; init; }
    /// <summary>One line for the agent.</summary>
    public string Reason { get; init; } = "";
    /// <summary>Text for the person approving.</summary>
    public string? Explanation { get; init; }
    /// <summary>File the rule came from.</summary>
    public string Source { get; init; } = "";
    /// <summary>Index of <see cref="Source"/> in layer order.</summary>
    public int Layer { get; init; }
    /// <summary>Key path of the rule in <see cref="Source"/> (<c>Rules:3</c>).</summary>
    public string KeyPath { get; init; } = "";
    /// <summary>The rule's own cases (checked at load).</summary>
    public RuleTests Tests { get; init; } = RuleTests.Empty;

    /// <summary>Resolves environment names to ids and effects to a mask; called once by the policy.</summary>
    internal void Compile(EnvironmentTable environments)
    {
        if (Effects.Count > 0)
        {
            _effectMask = 0;
            foreach (var e in Effects) _effectMask |= 1u << (int)e;
        }
        if (Environments.Count > 0)
        {
            _environmentIds = new bool[environments.Count];
            foreach (var name in Environments)
            {
                int id = environments.IdOf(name);
                if (id >= 0) _environmentIds[id] = true;
            }
        }
        _checkTools = Tools.Count > 0;
        _checkHosts = Hosts.Count > 0;
        _checkPaths = Paths.Count > 0;
        _targetKindMask = 0;
        foreach (var k in TargetKinds) _targetKindMask |= (int)k < 32 ? 1u << (int)k : throw new InvalidOperationException($"target kind {k} has no bit");
        _usesContextPaths = Paths.Any(p => p.Anchor != PathAnchor.Root);
        _allHome = Paths.Count > 0 && Paths.All(p => p.Anchor == PathAnchor.Home);
        // PERF: a path that does not start with what every pattern's literal start shares matches
        // none (the default profile's server-data-and-cron: 22 patterns under /var/ tried one by
        // one for every local delete). Only when all are absolute: the others are relative to HOME,
        // the working directory or the repository.
        // With no shared start, the distinct first segments (system-accounts-and-boot: /etc/ and /boot).
        if (Paths.Count > 0 && !_usesContextPaths)
        {
            string? common = null;
            List<string>? segments = [];
            foreach (var p in Paths)
            {
                int star = p.Text.IndexOf('*');
                string head = star < 0 ? LocalPaths.TrimTrailingSlash(p.Text) : p.Text[..star];
                int second = head.IndexOf('/', 1);
                string segment = second < 0 ? head : head[..(second + 1)];
                if (segment.Length <= 1) segments = null; // "/" or "/*": every path
                else if (segments != null && !segments.Contains(segment)) segments.Add(segment);
                if (common == null) common = head;
                else
                {
                    int n = 0;
                    while (n < common.Length && n < head.Length && common[n] == head[n]) n++;
                    common = common[..n];
                }
            }
            _rootPrefixes = common is { Length: > 1 } ? [common] : segments?.ToArray();
        }
    }

    /// <summary>True when the rule applies to this intent aimed at an environment (ignores
    /// <see cref="Hosts"/> and <see cref="Paths"/>, which need the target).</summary>
    public bool Matches(CommandIntent intent, string environment) =>
        (Tools.Count == 0 || Tools.Contains(intent.Tool) || (intent.ActsAs != null && Tools.Contains(intent.ActsAs))) &&
        (Effects.Count == 0 || Effects.Contains(intent.Effect)) &&
        (Environments.Count == 0 || Environments.Contains(environment));

    /// <summary>True when the rule's effects include <paramref name="effect"/> (the first test of
    /// the hot path, which the policy's per-effect rule index makes ahead of time).</summary>
    internal bool CanMatch(Effect effect) => (_effectMask & (1u << (int)effect)) != 0;

    /// <summary>The hot-path test: effect and environment bits first, then tool, host and path.</summary>
    internal bool Matches(CommandIntent intent, int environmentId, Target? target, IExecContext? ctx)
    {
        ResolvedPath resolved = default;
        return Matches(intent, environmentId, target, ctx, ref resolved);
    }

    /// <summary>As above; <paramref name="resolved"/> keeps the target's resolved local path for the
    /// next rule tried on the same target and context (PERF: resolved once, not once per rule).</summary>
    internal bool Matches(CommandIntent intent, int environmentId, Target? target, IExecContext? ctx, ref ResolvedPath resolved)
    {
        if ((_effectMask & (1u << (int)intent.Effect)) == 0) return false;
        if (_environmentIds != null && !_environmentIds[environmentId]) return false;
        if (_checkTools && Tools.Count > 0 && !Tools.Contains(intent.Tool) && (intent.ActsAs == null || !Tools.Contains(intent.ActsAs))) return false;
        // PERF: kinds, like effects, as a mask (was a set's Contains through its interface).
        if (_targetKindMask != 0 && (target == null || (_targetKindMask & (1u << (int)target.Kind)) == 0)) return false;
        if (_checkHosts && Hosts.Count > 0 && !HostMatches(target)) return false;
        if (_checkPaths && Paths.Count > 0 && !PathMatches(target, ctx, ref resolved)) return false;
        return true;
    }

    /// <summary>A target's path resolved against the exec's HOME and working directory, made at
    /// most once while the rules of one (intent, target) are tried.</summary>
    internal struct ResolvedPath
    {
        private string? _path;
        private bool _done;

        internal string? Of(Target target, string raw, IExecContext? ctx)
        {
            if (!_done) { _path = target.Kind == TargetKind.LocalPath ? LocalPaths.Resolve(raw, ctx) : raw; _done = true; }
            return _path;
        }
    }

    private static bool StartsWithAny(string path, string[] prefixes)
    {
        foreach (var p in prefixes) if (path.StartsWith(p, StringComparison.Ordinal)) return true;
        return false;
    }

    private bool HostMatches(Target? target)
    {
        if (target?.Host is not string host) return false;
        // PERF: by index: foreach over the interface boxed an enumerator per rule tried.
        for (int i = 0; i < Hosts.Count; i++) if (Hosts[i].Matches(host, target.Port)) return true;
        return false;
    }

    // PERF: the repository root is an ancestor of the working directory; an exact {repo}/X
    // pattern can only match a path whose prefix before X is such an ancestor, so most paths are
    // ruled out without reading .git.
    private static bool CouldBeInRepository(GlobPattern p, string path, string cwd)
    {
        if (!p.IsExact) return true;
        string body = p.Text[6..].TrimEnd('/');
        if (!path.EndsWith(body, StringComparison.Ordinal)) return false;
        string root = path[..^body.Length];
        return LocalPaths.Below(LocalPaths.Normalize(cwd), root.Length == 0 ? "/" : root) != null;
    }

    private bool PathMatches(Target? target, IExecContext? ctx, ref ResolvedPath resolved)
    {
        if (target?.Path is not string raw) return false;
        string? path = resolved.Of(target, raw, ctx);
        if (path == null) return false;
        if (_rootPrefixes != null && !StartsWithAny(path, _rootPrefixes)) return false;
        string? home = null, cwd = null, repo = null, belowHome = null;
        if (_usesContextPaths && target.Kind == TargetKind.LocalPath && ctx != null)
        {
            home = ctx.GetEnvironmentVariable("HOME");
            cwd = ctx.WorkingDirectory;
        }
        // PERF: a rule of ~ patterns only (credential-stores has twelve) takes the part below HOME once, and
        // a path outside HOME matches none of them.
        if (_allHome && (belowHome = LocalPaths.Below(path, home)) == null) return false;
        for (int i = 0; i < Paths.Count; i++) // PERF: by index, as Hosts
        {
            var p = Paths[i];
            string? body = p.Anchor switch
            {
                PathAnchor.Root => path,
                PathAnchor.Home => _allHome ? belowHome : LocalPaths.Below(path, home),
                PathAnchor.WorkingDirectory => LocalPaths.Below(path, cwd),
                _ => cwd == null || ctx == null || !CouldBeInRepository(p, path, cwd) ? null
                    : LocalPaths.Below(path, repo ??= LocalPaths.FindRepositoryRoot(cwd, ctx)),
            };
            if (body != null && p.Matches(body)) return true;
        }
        return false;
    }
}

/// <summary>One case of a rule's <c>Tests</c>: an argv, optionally with the exec's environment
/// variables and working directory (in JSON an array, or <c>{"Argv": [...], "Env": {...}, "Cwd": "/..."}</c>).</summary>
/// <param name="Argv">The command.</param>
/// <param name="Env">Environment variables of the exec (nothing else is visible to the case).</param>
/// <param name="WorkingDirectory">Working directory of the exec, or null.</param>
public sealed record RuleTestCase(IReadOnlyList<string> Argv, IReadOnlyDictionary<string, string> Env, string? WorkingDirectory)
{
    /// <summary>Line of the case in its profile (0 when not read from a file), for messages.</summary>
    internal int Line { get; init; }

    /// <summary>Column of the case in its profile.</summary>
    internal int Column { get; init; }

    /// <summary>The argv as a shell-like line, for messages.</summary>
    public override string ToString()
    {
        string argv = string.Join(' ', Argv.Select(a => a.Length == 0 || a.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"') ? $"'{a}'" : a));
        var vars = Env.Where(kv => kv.Key.Length > 0 && kv.Key[0] != '\0').Select(kv => $"{kv.Key}={kv.Value} ");
        return (WorkingDirectory != null ? $"(in {WorkingDirectory}) " : "") + string.Concat(vars) + argv;
    }
}

/// <summary>A rule's <c>Tests</c>: cases it must catch and look-alikes it must let through.</summary>
/// <param name="Match">Cases the rule must match.</param>
/// <param name="NoMatch">Cases the rule must not match.</param>
public sealed record RuleTests(IReadOnlyList<RuleTestCase> Match, IReadOnlyList<RuleTestCase> NoMatch)
{
    /// <summary>No cases.</summary>
    public static readonly RuleTests Empty = new([], []);
}
