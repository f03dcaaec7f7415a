using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary><c>npm unpublish</c> (and pnpm's, which hands it to npm): removes a published version, or
/// without one the whole package, from the registry; the version can never be published again, and
/// every project that pinned it breaks. Delete, aimed at the registry (<c>--registry</c>, else
/// <c>npm_config_registry</c>, else registry.npmjs.org; <c>.npmrc</c> is not read); <c>--dry-run</c>
/// reads. <c>npm deprecate</c> and <c>cargo yank</c> can be undone and stay unparsed.</summary>
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
            else if (a.Length > 0 && a[0] != '-') package ??= a;
        }
        string source = "--registry";
        if (registry == null && (c.Context.GetEnvironmentVariable("npm_config_registry") ?? c.Context.GetEnvironmentVariable("NPM_CONFIG_REGISTRY")) is { Length: > 0 } env)
            (registry, source) = (env, "npm_config_registry");
        if (registry == null) (registry, source) = (DefaultRegistry, "the default registry");
        var targets = new List<Target>();
        if (UrlParser.TryParse(registry, "https", out var t)) { targets.Add(t); evidence.Add(new(source, t)); }
        else evidence.Add(new(registry, "registry URL not understood"));
        if (dryRun)
        {
            evidence.Add(new("--dry-run", "reports what would be unpublished"));
            return ToolHelp.Intent(tool, Effect.Read, "unpublish --dry-run", targets, evidence);
        }
        evidence.Add(new(package ?? "unpublish", package == null || package.IndexOf('@', 1) < 0 ? "removes the package from the registry" : "removes a published version from the registry"));
        return ToolHelp.Intent(tool, targets.Count == 0 ? Effect.Unknown : Effect.Delete, $"unpublish {package}", targets, evidence);
    }
}
