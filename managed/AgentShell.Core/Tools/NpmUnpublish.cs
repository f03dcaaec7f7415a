using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary><c>npm unpublish</c> (and pnpm's, which hands it to npm): removes a published version, or
/// without one the whole package, from the registry; the version can never be published again, and
/// every project that pinned it breaks. Delete, aimed at the registry (<c>--registry</c>, else
/// <c>npm_config_registry</c>, else the <c>.npmrc</c> files npm reads (see <see cref="Config.Npmrc"/>), else
/// registry.npmjs.org; a scoped package's <c>@scope:registry</c> first); <c>--dry-run</c> reads. <c>npm deprecate</c> and <c>cargo yank</c> can be undone and stay unparsed.</summary>
public static class NpmUnpublish
{
    private const string DefaultRegistry = "https://registry.npmjs.org/";

    /// <summary>Parses the arguments after <c>unpublish</c>.</summary>
    public static CommandIntent Parse(string tool, ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? registry = null, package = null;
        bool dryRun = false;
        for (int i = 0; i < c.Args.Count; i++)
        {
            var a = c.Args[i];
            if (a == "--registry" && i + 1 < c.Args.Count) registry = c.Args[++i];
            else if (a.StartsWith("--registry=", StringComparison.Ordinal)) registry = a["--registry=".Length..];
            else if (a is "--dry-run" or "--dry-run=true") dryRun = true;
            else if (ValueOptions.Contains(a)) i++; // --userconfig F, -w WORKSPACE: F is no package
            else if (a.Length > 0 && a[0] != '-') package ??= a;
        }
        string source = "--registry";
        if (registry == null && (c.Context.GetEnvironmentVariable("npm_config_registry") ?? c.Context.GetEnvironmentVariable("NPM_CONFIG_REGISTRY")) is { Length: > 0 } env)
            (registry, source) = (env, "npm_config_registry");
        var targets = new List<Target>();
        string? userconfig = null;
        for (int i = 0; i + 1 < c.Args.Count; i++) if (c.Args[i] == "--userconfig") userconfig = c.Args[i + 1];
        string? problem = null;
        var fromFile = registry == null ? Config.Npmrc.Registry(c.Context, package, userconfig, out problem) : null;
        if (fromFile is var (r, file)) (registry, source) = (r, file);
        else if (registry == null && problem != null)
        {
            // An .npmrc that cannot be accounted for: the registry is not known (paused, never taken for npmjs.org).
            evidence.Add(new(".npmrc", $"registry unknown: {problem}"));
            targets.Add(new Target { Kind = TargetKind.Url, Scheme = "https" });
        }
        if (registry == null && targets.Count == 0) (registry, source) = (DefaultRegistry, "the default registry");
        if (registry != null && UrlParser.TryParse(registry, "https", out var t)) { targets.Add(t); evidence.Add(new(source, t)); }
        else if (registry != null) evidence.Add(new(registry, "registry URL not understood"));
        if (dryRun)
        {
            evidence.Add(new("--dry-run", "reports what would be unpublished"));
            return ToolHelp.Intent(tool, Effect.Read, "unpublish --dry-run", targets, evidence);
        }
        evidence.Add(new(package ?? "unpublish", package == null || package.IndexOf('@', 1) < 0 ? "removes the package from the registry" : "removes a published version from the registry"));
        return ToolHelp.Intent(tool, targets.Count == 0 ? Effect.Unknown : Effect.Delete, $"unpublish {package}", targets, evidence);
    }

    // npm's options that take a value (the rest before the command are switches or --name=value).
    private static readonly HashSet<string> ValueOptions = new(StringComparer.Ordinal)
    {
        "--registry", "--userconfig", "--globalconfig", "--prefix", "-C", "--workspace", "-w", "--otp", "--cache", "--loglevel", "--scope", "--tag", "--dir",
    };

    /// <summary>The index of npm's command when options come first (<c>npm --registry X unpublish</c>), or null.</summary>
    public static int? VerbAfterOptions(string[] w, int start)
    {
        int i = start;
        while (i < w.Length && w[i].StartsWith('-') && w[i] != "--") i += ValueOptions.Contains(w[i]) ? 2 : 1;
        return i > start && i < w.Length ? i : null;
    }
}
