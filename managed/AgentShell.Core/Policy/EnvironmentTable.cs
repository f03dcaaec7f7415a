using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using AgentShell.Core.Model;

namespace AgentShell.Core.Policy;

/// <summary>Which profile source put a target into an environment.</summary>
public enum EnvironmentSourceKind : byte
{
    /// <summary><c>Hosts</c>: names, <c>*.</c> globs, IP literals, CIDRs.</summary>
    Hosts,
    /// <summary><c>KubeContexts</c> globs.</summary>
    KubeContexts,
    /// <summary><c>AwsProfiles</c> globs.</summary>
    AwsProfiles,
    /// <summary><c>GcpProjects</c> globs.</summary>
    GcpProjects,
    /// <summary><c>AzureSubscriptions</c> globs.</summary>
    AzureSubscriptions,
    /// <summary><c>TerraformWorkspaces</c> globs.</summary>
    TerraformWorkspaces,
    /// <summary><c>EnvVars</c>: a variable of the exec's environment with a value glob.</summary>
    EnvVars,
    /// <summary><c>Credentials</c>: a secret by SHA-256 (the pattern shows its name and a digest prefix).</summary>
    Credentials,
    /// <summary><c>CredentialFiles</c>: a file whose values are the environment's credentials.</summary>
    CredentialFiles,
    /// <summary><c>Apps</c> globs: platform apps, projects, services and sites by name (<c>fly -a acme-prod</c>).</summary>
    Apps,
    /// <summary><c>Repositories</c> globs: code-hosting repositories as <c>host/owner/repo</c> (<c>github.com/acme/api</c>),
    /// matched against a git remote, a gh/glab repository and a code host's API path (<see cref="CodeHosts"/>).</summary>
    Repositories,
}

/// <summary>One entry of an environment as loaded: e.g. production / Hosts / <c>*.prod.example.com</c>
/// from <c>/etc/agentshell/team.json</c>.</summary>
/// <param name="Environment">Environment name.</param>
/// <param name="Kind">Which key of the environment it came from.</param>
/// <param name="Pattern">The pattern text (for EnvVars: <c>NAME=value-glob</c>).</param>
/// <param name="Source">The profile file.</param>
/// <param name="Layer">Index of the file in layer order.</param>
public sealed record EnvironmentEntry(string Environment, EnvironmentSourceKind Kind, string Pattern, string Source, int Layer)
{
    /// <summary>"host *.prod.example.com in railway.json": what matched, for a person.</summary>
    public string Describe() => $"{KindLabel} {Pattern} in {System.IO.Path.GetFileName(Source)}";

    private string KindLabel => Kind switch
    {
        EnvironmentSourceKind.Hosts => Pattern.Contains('/') ? "network" : "host",
        EnvironmentSourceKind.KubeContexts => "kube context",
        EnvironmentSourceKind.AwsProfiles => "AWS profile",
        EnvironmentSourceKind.GcpProjects => "GCP project",
        EnvironmentSourceKind.AzureSubscriptions => "Azure subscription",
        EnvironmentSourceKind.TerraformWorkspaces => "Terraform workspace",
        EnvironmentSourceKind.Apps => "app",
        EnvironmentSourceKind.Repositories => "repository",
        _ => "variable",
    };
}

/// <summary>Compiled environment sources. Host names are looked up in hash tables (exact names,
/// then <c>*.</c> suffixes label by label), addresses against CIDRs, other names against exact
/// tables then globs by specificity. The most specific pattern wins; on a tie the later layer.</summary>
internal sealed class EnvironmentTable
{
    internal const int None = 0, Local = 1, Unknown = 2, FirstProfileEnvironment = 3;

    private readonly List<string> _names = ["none", "local", "unknown"];
    private readonly Dictionary<string, int> _ids = new(StringComparer.OrdinalIgnoreCase) { ["none"] = None, ["local"] = Local, ["unknown"] = Unknown };

    private readonly Dictionary<string, List<HostEntry>> _exactHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<HostEntry>> _suffixHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<HostEntry> _networks = [];
    private readonly NameTable[] _nameTables = [new(), new(), new(), new(), new(), new(), new()];
    private const int AppTable = 5, RepositoryTable = 6;
    // PERF: set by Seal; no URL is read for a repository unless a profile lists one.
    private bool _hasRepositories;
    private readonly List<(string Variable, GlobPattern Value, int Env, int Layer, EnvironmentEntry? Entry)> _envVars = [];
    // The distinct names of _envVars and each entry's index among them (set by Seal).
    private VariableNames _variables = new([]);
    private int[] _variableOf = [];
    private Dictionary<string, List<HostEntry>>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
    private Dictionary<string, List<HostEntry>>.AlternateLookup<ReadOnlySpan<char>> _suffixLookup;

    private readonly record struct HostEntry(HostPattern Pattern, int Env, int Layer, EnvironmentEntry? Entry);

    /// <summary>Environment names by id.</summary>
    internal IReadOnlyList<string> Names => _names;

    /// <summary>Number of ids (built-in and profile environments).</summary>
    internal int Count => _names.Count;

    /// <summary>Id of an environment name, or -1.</summary>
    internal int IdOf(string name) => _ids.TryGetValue(name, out int id) ? id : -1;

    /// <summary>Declares an environment (idempotent) and returns its id.</summary>
    internal int Declare(string name)
    {
        if (_ids.TryGetValue(name, out int id)) return id;
        id = _names.Count;
        _names.Add(name);
        _ids[name] = id;
        return id;
    }

    internal void AddHost(HostPattern p, int env, int layer, EnvironmentEntry? entry = null)
    {
        var e = new HostEntry(p, env, layer, entry);
        if (p.ExactName != null) Add(_exactHosts, p.ExactName, e);
        else if (p.Suffix != null) Add(_suffixHosts, p.Suffix, e);
        else _networks.Add(e);
    }

    internal void AddName(EnvironmentSourceKind kind, GlobPattern g, int env, int layer, EnvironmentEntry? entry = null) =>
        _nameTables[kind switch { EnvironmentSourceKind.Apps => AppTable, EnvironmentSourceKind.Repositories => RepositoryTable, _ => (int)kind - 1 }].Add(g, env, layer, entry);

    internal void AddEnvVar(string variable, GlobPattern value, int env, int layer, EnvironmentEntry? entry = null) =>
        _envVars.Add((variable, value, env, layer, entry));

    /// <summary>Orders every list by specificity then later layer first; call once after adding.</summary>
    internal void Seal()
    {
        static int ByPortThenLayer(HostEntry a, HostEntry b) =>
            a.Pattern.Port.HasValue != b.Pattern.Port.HasValue ? (a.Pattern.Port.HasValue ? -1 : 1) : b.Layer.CompareTo(a.Layer);
        foreach (var l in _exactHosts.Values) l.Sort(ByPortThenLayer);
        foreach (var l in _suffixHosts.Values) l.Sort(ByPortThenLayer);
        _networks.Sort((a, b) => a.Pattern.PrefixBits != b.Pattern.PrefixBits ? b.Pattern.PrefixBits.CompareTo(a.Pattern.PrefixBits) : ByPortThenLayer(a, b));
        foreach (var t in _nameTables) t.Seal();
        _hasRepositories = _nameTables[RepositoryTable].Count > 0;
        _envVars.Sort((a, b) => b.Layer.CompareTo(a.Layer));
        var names = new List<string>();
        _variableOf = new int[_envVars.Count];
        for (int i = 0; i < _envVars.Count; i++)
        {
            int k = names.IndexOf(_envVars[i].Variable);
            if (k < 0) { k = names.Count; names.Add(_envVars[i].Variable); }
            _variableOf[i] = k;
        }
        _variables = new VariableNames(names);
        _exactLookup = _exactHosts.GetAlternateLookup<ReadOnlySpan<char>>();
        _suffixLookup = _suffixHosts.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Environment id of a target from its own facts: a profile environment, Local or Unknown.</summary>
    internal int Classify(Target t) => Classify(t, out _);

    /// <summary>As <see cref="Classify(Target)"/>; <paramref name="matched"/> is the profile entry
    /// that put the target there (null for the built-in environments and a named environment).</summary>
    internal int Classify(Target t, out EnvironmentEntry? matched)
    {
        matched = null;
        switch (t.Kind)
        {
            case TargetKind.LocalPath:
                return Local;
            case TargetKind.Environment:
                if (t.Name == null) return Unknown;
                if (_ids.TryGetValue(t.Name, out int named))
                    return named >= FirstProfileEnvironment ? named : named == Local ? Local : Unknown;
                // A stage, --env or stack named as the profiles name apps (`--stage prod`, `-e acme-prod`):
                // the default profile lists prod, prod-*, *-prod for production, as it does for kube
                // contexts and workspaces; only an environment's own name matched before, so
                // `serverless remove --stage prod` was unknown while `--stage production` was production.
                return _nameTables[AppTable].Lookup(t.Name, out matched);
            case TargetKind.KubeContext:
            case TargetKind.AwsProfile:
            case TargetKind.GcpProject:
            case TargetKind.AzureSubscription:
                return t.Name == null ? Unknown : _nameTables[NameTableIndex(t.Kind)].Lookup(t.Name, out matched);
            case TargetKind.TerraformWorkspace:
                if (t.Name == null) return Unknown;
                int ws = _nameTables[NameTableIndex(t.Kind)].Lookup(t.Name, out matched);
                // The default workspace of a directory-per-environment layout: the directory names it.
                return ws == Unknown && t.Name == "default" && t.Path != null ? DirectoryWorkspace(t.Path, out matched) : ws;
        }
        // A repository a profile lists (a git remote, a gh/glab repository, api.github.com/repos/O/R):
        // its environment, whatever the host's (github.com serves every environment).
        if (_hasRepositories && t.Kind == TargetKind.Url && RepositoryEnvironment(t, out matched) is int repo) return repo;
        // A platform API URL that names an app (api.fly.io/apps/acme-prod): the app's environment
        // when a profile lists it, else the host's.
        if (t.Kind == TargetKind.Url && t.Name != null && _nameTables[AppTable].Lookup(t.Name, out matched) is int app && app != Unknown) return app;
        if (t.Host == null) return t.Kind is TargetKind.Database or TargetKind.Url ? Local : Unknown; // unix socket / no host: this machine
        // No host name or address holds a comma: it is a list a parser did not split (each client
        // that takes one tries every entry). Its text matched the glob of whichever entry came last
        // (db.prod…,db.staging… was staging): what it reaches is not known.
        if (t.Host.Contains(',')) return Unknown;
        int env = LookupHost(t.Host, t.Port, out matched);
        if (env >= 0) return env;
        return IsLoopback(t.Host) ? Local : Unknown;
    }

    private int? RepositoryEnvironment(Target t, out EnvironmentEntry? matched)
    {
        matched = null;
        Span<char> key = stackalloc char[CodeHosts.MaxKey];
        int n = CodeHosts.RepositoryKey(t, key);
        if (n <= 0) return null;
        int env = _nameTables[RepositoryTable].Lookup(key[..n], out matched);
        return env == Unknown ? null : env;
    }

    /// <summary>The environment of the deepest component of <paramref name="dir"/> that the workspace
    /// names list (<c>live/prod/us-east-1/vpc</c> → prod), or Unknown.</summary>
    private int DirectoryWorkspace(string dir, out EnvironmentEntry? matched)
    {
        var table = _nameTables[NameTableIndex(TargetKind.TerraformWorkspace)];
        // PERF: the parts are read as slices from the last (no array, no string per part).
        var rest = dir.AsSpan();
        while (!rest.IsEmpty)
        {
            int slash = rest.LastIndexOf('/');
            var part = rest[(slash + 1)..];
            rest = slash < 0 ? default : rest[..slash];
            if (part.IsEmpty || part is "." or "..") continue;
            int env = table.Lookup(part, out matched);
            if (env != Unknown) return env;
        }
        matched = null;
        return Unknown;
    }

    /// <summary>Environment id named by the exec's environment variables, or -1.</summary>
    internal int FromContext(IExecContext? ctx) => FromContext(ctx, out _);

    /// <summary>As <see cref="FromContext(IExecContext?)"/>, with the entry that matched.</summary>
    internal int FromContext(IExecContext? ctx, out EnvironmentEntry? matched)
    {
        matched = null;
        if (ctx == null) return -1;
        // PERF: one scan of the exec's environment says which of the names are set; only those are
        // looked up (the default profile's six names were six lookups, in the supervisor six scans of
        // envp, for every target whose environment is unknown: every URL and database it names).
        ulong set = ctx.VariablesSet(_variables);
        for (int i = 0; i < _envVars.Count; i++)
        {
            int k = _variableOf[i];
            if (k < VariableNames.MaskBits && (set & (1UL << k)) == 0) continue;
            var (variable, value, env, _, entry) = _envVars[i];
            string? v = ctx.GetEnvironmentVariable(variable);
            if (v != null && value.Matches(v)) { matched = entry; return env; }
        }
        return -1;
    }

    /// <summary>True when any profile environment is selected by an env var (so callers can skip the lookup).</summary>
    internal bool HasEnvVars => _envVars.Count > 0;

    private int LookupHost(string host, int? port, out EnvironmentEntry? matched)
    {
        matched = null;
        ReadOnlySpan<char> h = host.AsSpan().TrimEnd('.');
        if (h.IsEmpty) return -1;
        // PERF: no hash of the name for a table no profile fills (the default profile lists no host).
        if (_exactHosts.Count > 0 && _exactLookup.TryGetValue(h, out var exact) && First(exact, port) is { } e) { matched = e.Entry; return e.Env; }
        // PERF: walk the labels from the left, so the first suffix found is the longest.
        for (int i = 1; i < h.Length && _suffixHosts.Count > 0; i++)
        {
            if (h[i] == '.' && _suffixLookup.TryGetValue(h[i..], out var suf) && First(suf, port) is { } s) { matched = s.Entry; return s.Env; }
        }
        if (_networks.Count > 0)
        {
            // PERF: the address is parsed once into stack bytes; each CIDR is a prefix compare.
            Span<byte> bytes = stackalloc byte[16];
            int len = HostPattern.AddressBytes(h, bytes);
            if (len > 0)
            {
                foreach (var n in _networks)
                {
                    if ((n.Pattern.Port is not int want || want == port) && n.Pattern.Matches(bytes[..len])) { matched = n.Entry; return n.Env; }
                }
            }
        }
        return -1;
    }

    private static HostEntry? First(List<HostEntry> entries, int? port)
    {
        foreach (var e in entries)
        {
            if (e.Pattern.Port is not int want || want == port) return e;
        }
        return null;
    }

    private static int NameTableIndex(TargetKind k) => k switch
    {
        TargetKind.KubeContext => 0,
        TargetKind.AwsProfile => 1,
        TargetKind.GcpProject => 2,
        TargetKind.AzureSubscription => 3,
        _ => 4,
    };

    private static readonly System.Buffers.SearchValues<char> Ipv4Chars = System.Buffers.SearchValues.Create("0123456789abcdefABCDEFxX.");

    private static bool IsLoopback(string host)
    {
        var h = host.AsSpan().TrimEnd('.');
        if (h.Equals("localhost", StringComparison.OrdinalIgnoreCase) || h.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        // PERF: a name with a letter no address form uses (IPv4 in any inet_aton base: digits, hex
        // digits, 'x' and dots; IPv6: ':' is needed) is not parsed as an address.
        if (!h.Contains(':') && h.ContainsAnyExcept(Ipv4Chars)) return false;
        if (!IPAddress.TryParse(h, out var ip)) return false;
        if (ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return IPAddress.IsLoopback(ip);
    }

    private static void Add(Dictionary<string, List<HostEntry>> d, string key, HostEntry e)
    {
        if (!d.TryGetValue(key, out var l)) d[key] = l = [];
        l.Add(e);
    }

    /// <summary>Exact names in a hash table, globs by literal length (most specific first).</summary>
    private sealed class NameTable
    {
        private readonly Dictionary<string, (int Env, int Layer, EnvironmentEntry? Entry)> _exact = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<(GlobPattern Glob, int Env, int Layer, EnvironmentEntry? Entry)> _globs = [];
        // PERF: what Lookup reads once sealed: a frozen copy of _exact, looked up by span (a kube
        // context, profile, project or app name per decision; a workspace directory's parts).
        private FrozenDictionary<string, (int Env, int Layer, EnvironmentEntry? Entry)>.AlternateLookup<ReadOnlySpan<char>> _sealed;
        private bool _isSealed;

        internal int Count => _exact.Count + _globs.Count;

        internal void Add(GlobPattern g, int env, int layer, EnvironmentEntry? entry)
        {
            if (!g.IsExact) { _globs.Add((g, env, layer, entry)); return; }
            if (!_exact.TryGetValue(g.Text, out var have) || have.Layer <= layer) _exact[g.Text] = (env, layer, entry);
        }

        internal void Seal()
        {
            _globs.Sort((a, b) =>
                a.Glob.LiteralLength != b.Glob.LiteralLength ? b.Glob.LiteralLength.CompareTo(a.Glob.LiteralLength) : b.Layer.CompareTo(a.Layer));
            _sealed = _exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
            _isSealed = true;
        }

        internal int Lookup(ReadOnlySpan<char> name, out EnvironmentEntry? matched)
        {
            if (_isSealed ? _sealed.TryGetValue(name, out var e) : _exact.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out e)) { matched = e.Entry; return e.Env; }
            foreach (var (g, env, _, entry) in _globs) if (g.Matches(name)) { matched = entry; return env; }
            matched = null;
            return Unknown;
        }
    }
}
