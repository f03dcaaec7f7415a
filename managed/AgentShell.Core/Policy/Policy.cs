using AgentShell.Core.Model;
using AgentShell.Core.Profiles;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Policy;

/// <summary>The compiled policy: environments, rules and settings from layered profiles. Built
/// once at start; <see cref="Decide(IReadOnlyList{CommandIntent}, IExecContext?)"/> does no I/O
/// (beyond what a rule's <c>{repo}</c> path asks of the exec context), reads no configuration and
/// builds no matcher.</summary>
public sealed class Policy
{
    private readonly EnvironmentTable _environments;
    private readonly Rule[] _rules;
    private readonly Rule[][] _rulesByEffect;
    private readonly Dictionary<string, WireSettings> _wire;

    internal Policy(PolicyParts parts)
    {
        Files = parts.Files;
        _environments = parts.Environments;
        _environments.Seal();
        _rules = [.. parts.Rules];
        foreach (var r in _rules) r.Compile(_environments);
        // PERF: the rules that can match an effect, in evaluation order, looked up by the intent's
        // effect: a rule for other effects is never tried (most effects have none or a few).
        int effects = Enum.GetValues<Effect>().Max(e => (int)e) + 1;
        _rulesByEffect = new Rule[effects][];
        for (int e = 0; e < effects; e++) _rulesByEffect[e] = [.. _rules.Where(r => r.CanMatch((Effect)e))];
        EnvironmentEntries = parts.EnvironmentEntries;
        Pause = parts.Pause;
        Audit = parts.Audit;
        Telemetry = parts.Telemetry;
        Network = parts.Network;
        _wire = parts.Wire;
        Tools = parts.Tools;
        SettingSources = parts.SettingSources;
        ToolSources = parts.ToolSources;
        Credentials = parts.Credentials;
    }

    /// <summary>The credentials the profiles list, by fingerprint, and their credential files: a
    /// command carrying one is judged in that credential's environment too, whatever its host says.
    /// The wire layer matches request headers and passwords through it.</summary>
    public Credentials.CredentialTable Credentials { get; }

    /// <summary>Profile files loaded, in layer order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Rules in evaluation order (later layers first, then file order).</summary>
    public IReadOnlyList<Rule> Rules => _rules;

    /// <summary>Every environment entry with the file it came from (for <c>profiles show</c>).</summary>
    public IReadOnlyList<EnvironmentEntry> EnvironmentEntries { get; }

    /// <summary>Environments defined by the profiles (without the built-in <c>local</c>, <c>unknown</c>, <c>none</c>).</summary>
    public IReadOnlyList<string> EnvironmentNames => _environments.Names.Skip(EnvironmentTable.FirstProfileEnvironment).ToList();

    /// <summary>Pause behaviour (<c>Pause</c> section; later layers override).</summary>
    public PauseSettings Pause { get; }

    /// <summary>What the audit log records (<c>Audit</c> section; later layers override).</summary>
    public AuditSettings Audit { get; }

    /// <summary>Where decisions are exported (<c>Telemetry</c> section; later layers override key by key).</summary>
    public TelemetrySettings Telemetry { get; }

    /// <summary>Network behaviour (<c>Network</c> section; later layers override the action and add clients).</summary>
    public NetworkSettings Network { get; }

    /// <summary>The wire layer's settings for <paramref name="environment"/> (<c>Environments.NAME.Wire</c>).</summary>
    public WireSettings WireFor(string environment) => _wire.GetValueOrDefault(environment, WireSettings.Default);

    /// <summary>Tools defined in the profiles' <c>Tools</c> sections (a later layer replaces a tool of the same name).</summary>
    public IReadOnlyList<ProfileToolDefinition> Tools { get; }

    /// <summary>Which file set each setting (<c>Pause:TimeoutSeconds</c>, <c>Network:UnknownClientToProduction</c>, ...);
    /// settings absent here are built-in defaults.</summary>
    public IReadOnlyDictionary<string, string> SettingSources { get; }

    /// <summary>Rule cases that could not be checked because no parser understood their command
    /// (the rule is still enforced whenever a parser reports a matching intent).</summary>
    public IReadOnlyList<string> Warnings { get; internal set; } = [];

    /// <summary>Which file defined each tool of <see cref="Tools"/>.</summary>
    public IReadOnlyDictionary<string, string> ToolSources { get; }

    /// <summary>Loads, validates and compiles profiles in layer order. Throws <see cref="ProfileException"/>.</summary>
    public static Policy Load(IReadOnlyList<string> files) => ProfileLoader.Load(files);

    /// <summary>As <see cref="Load(IReadOnlyList{string})"/>, the rules' own cases skipped where
    /// <paramref name="cache"/> vouches these bytes passed them (<see cref="IRuleTestCache"/>).</summary>
    public static Policy Load(IReadOnlyList<string> files, IRuleTestCache? cache) => ProfileLoader.Load(files, cache);

    /// <summary>The environment a target belongs to by its own facts: a profile environment,
    /// <c>local</c> (loopback and <c>localhost</c> unless a profile lists them, local paths, unix
    /// sockets) or <c>unknown</c>.</summary>
    public string EnvironmentOf(Target target) => _environments.Names[_environments.Classify(target)];

    /// <summary>As <see cref="EnvironmentOf(Target)"/>, and a target that would be <c>unknown</c>
    /// takes the environment named by the exec's variables (<c>EnvVars</c>, e.g.
    /// <c>RAILWAY_ENVIRONMENT=production</c>) when <paramref name="ctx"/> has one.</summary>
    public string EnvironmentOf(Target target, IExecContext? ctx) => _environments.Names[EnvironmentIdOf(target, ctx, out _)];

    /// <summary>The profile entry that puts <paramref name="target"/> in its environment (as
    /// <see cref="EnvironmentOf(Target, IExecContext?)"/> decides it), or null when none does.</summary>
    public EnvironmentEntry? EnvironmentMatch(Target target, IExecContext? ctx)
    {
        EnvironmentIdOf(target, ctx, out var matched);
        return matched;
    }

    /// <summary>Decides the intents of one exec without an exec context (env-var environments do not apply).</summary>
    public Decision Decide(IReadOnlyList<CommandIntent> intents) => Decide(intents, null);

    /// <summary>Decides the intents of one exec: within one (intent, target) the first matching
    /// rule wins; over every intent and target the most severe action wins (the first on a tie).
    /// An intent without targets is judged in environment <c>none</c>, or the environment its
    /// exec's variables name. An intent carrying a credential a profile lists is judged in that
    /// credential's environment as well, whatever its targets' hosts say, and the decision names
    /// the credential when it decided.</summary>
    public Decision Decide(IReadOnlyList<CommandIntent> intents, IExecContext? ctx)
    {
        Decision best = Decision.DefaultAllow;
        int fromCtx = -2; // not looked up yet
        EnvironmentEntry? ctxEntry = null;
        for (int i = 0; i < intents.Count; i++)
        {
            var intent = intents[i];
            // PERF: no rule for this effect (a read, under the default profile): no environment to work out.
            if (_rulesByEffect[(int)intent.Effect].Length == 0) continue;
            var targets = intent.Targets;
            // PERF: the command's credentials are scanned, and hashed, only when a profile lists credentials.
            var credential = !Credentials.IsEmpty && intent.Credentials.Count > 0 ? Credentials.Match(intent.Credentials) : null;
            if (targets.Count == 0)
            {
                int env = ContextEnvironment(ctx, ref fromCtx, ref ctxEntry);
                ConsiderWith(intent, null, env < 0 ? EnvironmentTable.None : env, env < 0 ? null : ctxEntry, credential, ctx, ref best);
            }
            for (int t = 0; t < targets.Count; t++)
            {
                int env = _environments.Classify(targets[t], out var matched);
                if (env == EnvironmentTable.Unknown && ContextEnvironment(ctx, ref fromCtx, ref ctxEntry) is int c and >= 0) (env, matched) = (c, ctxEntry);
                ConsiderWith(intent, targets[t], env, matched, credential, ctx, ref best);
            }
            if (best.Action == PolicyAction.Block) break; // nothing is more severe
        }
        return best;
    }

    /// <summary>Decides intents whose targets are known to be in <paramref name="environment"/>
    /// whatever their host says: a connection the supervisor intercepted because its address is in
    /// that environment (the wire layer), where the host may be an address no profile names.
    /// An environment no profile defines counts as <c>unknown</c>. A <paramref name="credential"/>
    /// the wire saw (a header, a cleartext password) is considered besides the environment, as
    /// <see cref="Decide(IReadOnlyList{CommandIntent}, IExecContext?)"/> considers one from argv,
    /// and named by the decision when it decided.</summary>
    public Decision DecideIn(IReadOnlyList<CommandIntent> intents, string environment, Credentials.CredentialMatch? credential = null)
    {
        int env = _environments.IdOf(environment);
        if (env < 0) env = EnvironmentTable.Unknown;
        Decision best = Decision.DefaultAllow;
        for (int i = 0; i < intents.Count && best.Action != PolicyAction.Block; i++)
        {
            var intent = intents[i];
            // The address decided the environment, not a profile entry matched here: none is named.
            if (intent.Targets.Count == 0) ConsiderWith(intent, null, env, null, credential, null, ref best);
            for (int t = 0; t < intent.Targets.Count; t++) ConsiderWith(intent, intent.Targets[t], env, null, credential, null, ref best);
        }
        return best;
    }

    /// <summary>The first rule that matches one (intent, target) pair, or null (rule tests and <c>check</c>).</summary>
    public Rule? FirstMatch(CommandIntent intent, Target? target, IExecContext? ctx)
    {
        int env = EnvironmentIdOf(target, ctx);
        foreach (var rule in _rules) if (rule.Matches(intent, env, target, ctx)) return rule;
        return null;
    }

    /// <summary>True when <paramref name="rule"/> matches any (intent, target) of <paramref name="intents"/>,
    /// in the target's environment or in that of a credential the intent carries.</summary>
    public bool RuleMatches(Rule rule, IReadOnlyList<CommandIntent> intents, IExecContext? ctx)
    {
        foreach (var intent in intents)
        {
            int credentialEnv = !Credentials.IsEmpty && intent.Credentials.Count > 0 && Credentials.Match(intent.Credentials) is { } m ? m.EnvironmentId : -1;
            if (intent.Targets.Count == 0 && (rule.Matches(intent, EnvironmentIdOf(null, ctx), null, ctx) || credentialEnv >= 0 && rule.Matches(intent, credentialEnv, null, ctx))) return true;
            foreach (var t in intent.Targets)
                if (rule.Matches(intent, EnvironmentIdOf(t, ctx), t, ctx) || credentialEnv >= 0 && rule.Matches(intent, credentialEnv, t, ctx)) return true;
        }
        return false;
    }

    /// <summary>The credential a profile lists among those an intent carries, or null.</summary>
    public Credentials.CredentialMatch? CredentialOf(CommandIntent intent) =>
        !Credentials.IsEmpty && intent.Credentials.Count > 0 ? Credentials.Match(intent.Credentials) : null;

    private int EnvironmentIdOf(Target? target, IExecContext? ctx) => EnvironmentIdOf(target, ctx, out _);

    private int EnvironmentIdOf(Target? target, IExecContext? ctx, out EnvironmentEntry? matched)
    {
        int fromCtx = -2;
        EnvironmentEntry? ctxEntry = null;
        matched = null;
        int env = target == null ? EnvironmentTable.None : _environments.Classify(target, out matched);
        if ((env == EnvironmentTable.Unknown || target == null) && ContextEnvironment(ctx, ref fromCtx, ref ctxEntry) is int c and >= 0)
            (env, matched) = (c, ctxEntry);
        return env;
    }

    private int ContextEnvironment(IExecContext? ctx, ref int cached, ref EnvironmentEntry? entry)
    {
        if (cached == -2) cached = _environments.HasEnvVars ? _environments.FromContext(ctx, out entry) : -1;
        return cached;
    }

    // A credential's environment is considered besides the host's, never instead of it: a staging
    // token sent to a production host is still judged as production.
    private void ConsiderWith(CommandIntent intent, Target? target, int env, EnvironmentEntry? matched, Credentials.CredentialMatch? credential, IExecContext? ctx, ref Decision best)
    {
        if (credential == null) { Consider(intent, target, env, matched, ctx, ref best); return; }
        if (credential.EnvironmentId != env) Consider(intent, target, env, matched, ctx, ref best);
        Consider(intent, target, credential.EnvironmentId, null, ctx, ref best, credential.Name);
    }

    // A target whose connections the gate takes under run, where the wire layer judges each request
    // (or the gate the connect): a production address by a profile entry the gate resolves to
    // addresses (an address, a network, an exact name: never a *. glob, which AddressEnvironments
    // cannot resolve), and no proxy variable in the exec's environment (the connection would go to
    // the proxy's address, and the tunnel to production unjudged). Not by a credential or the exec's
    // variables: the gate goes by address.
    private bool GateTakes(Target? target, IExecContext? ctx)
    {
        if (target?.Host is not { Length: > 0 } || _environments.Classify(target, out var matched) != _environments.IdOf(Production)) return false;
        if (matched is not { Kind: EnvironmentSourceKind.Hosts } || !HostPattern.TryParse(matched.Pattern, out var p, out _) || p.IsName && p.ExactName == null) return false;
        foreach (var v in ProxyVariables) if (ctx?.GetEnvironmentVariable(v) is { Length: > 0 }) return false;
        return true;
    }

    private static readonly string[] ProxyVariables = ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"];

    private const string Production = "production";

    private void Consider(CommandIntent intent, Target? target, int env, EnvironmentEntry? matched, IExecContext? ctx, ref Decision best, string? credential = null)
    {
        Rule.ResolvedPath resolved = default;
        foreach (var rule in _rulesByEffect[(int)intent.Effect])
        {
            if (!rule.Matches(intent, env, target, ctx, ref resolved)) continue;
            if (intent.BlockOnly && rule.Action != PolicyAction.Block) return; // counts only when refused
            if (intent.WireJudged && rule.Action != PolicyAction.Block && GateTakes(target, ctx)) return; // judged again as it connects
            if (best == Decision.DefaultAllow || rule.Action > best.Action)
            {
                best = new Decision
                {
                    Action = rule.Action, RuleId = rule.Id, Reason = rule.Reason, Explanation = rule.Explanation,
                    Intent = intent, Target = target, Environment = _environments.Names[env], MatchedBy = matched, Credential = credential,
                };
            }
            return; // first matching rule wins for this (intent, target)
        }
    }
}

/// <summary>What the loader hands the policy to compile.</summary>
internal sealed class PolicyParts
{
    internal required IReadOnlyList<string> Files { get; init; }
    internal EnvironmentTable Environments { get; } = new();
    internal List<EnvironmentEntry> EnvironmentEntries { get; } = [];
    internal List<Rule> Rules { get; } = [];
    internal PauseSettings Pause { get; set; } = PauseSettings.Default;
    internal NetworkSettings Network { get; set; } = NetworkSettings.Default;
    internal Dictionary<string, WireSettings> Wire { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal AuditSettings Audit { get; set; } = AuditSettings.Default;
    internal TelemetrySettings Telemetry { get; set; } = TelemetrySettings.Default;
    internal List<ProfileToolDefinition> Tools { get; } = [];
    internal Dictionary<string, string> SettingSources { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, string> ToolSources { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Credentials.CredentialTable Credentials { get; set; } = Core.Credentials.CredentialTable.Empty;
}
