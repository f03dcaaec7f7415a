using AgentShell.Core.Model;

namespace AgentShell.Core.Config;

/// <summary>The registry npm's configuration files name, in npm's order: the project's <c>.npmrc</c>
/// (in the nearest directory up from the working directory that holds a <c>package.json</c>, else the working directory), then the user's (<c>--userconfig</c>,
/// <c>npm_config_userconfig</c>, else <c>~/.npmrc</c>). A scoped package's <c>@scope:registry</c>
/// comes before <c>registry</c>. Values' <c>${VAR}</c> are the environment's.</summary>
/// <remarks>The global file (<c>$PREFIX/etc/npmrc</c>) is not read. A file that cannot be read
/// before the one that answers, or a <c>${VAR}</c> the environment does not set, makes the registry
/// not known (<c>problem</c>).</remarks>
internal static class Npmrc
{
    private const int MaxLevels = 32;

    internal static (string Registry, string File)? Registry(IExecContext ctx, string? package, string? userconfig, out string? problem)
    {
        problem = null;
        string? scope = package is ['@', ..] && package.IndexOf('/') is int slash and > 1 ? package[..slash] : null;
        foreach (var file in Files(ctx, userconfig))
        {
            var f = ctx.ReadConfigFile(file);
            if (!f.Exists) continue;
            if (f.Unaccountable) { problem = $"{file}: {f.Problem}"; return null; }
            string? plain = null, scoped = null;
            foreach (var raw in f.Text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] is '#' or ';') continue;
                int eq = line.IndexOf('=');
                if (eq <= 0) continue;
                var key = line[..eq].Trim();
                var value = line[(eq + 1)..].Trim().Trim('"', '\'');
                if (key == "registry") plain = value;
                else if (scope != null && key == scope + ":registry") scoped = value;
            }
            if ((scoped ?? plain) is not string found) continue;
            if (Expand(found, ctx) is not string expanded) { problem = $"{file}: {found} names a variable the environment does not set"; return null; }
            return (expanded, file);
        }
        return null;
    }

    private static IEnumerable<string> Files(IExecContext ctx, string? userconfig)
    {
        if (ctx.WorkingDirectory is string cwd)
        {
            string project = cwd;
            for (var dir = cwd; dir != null && dir.Length > 0; dir = Path.GetDirectoryName(dir))
            {
                if (ctx.ReadConfigFile(Path.Combine(dir, "package.json")).Exists) { project = dir; break; }
                if (dir.Count(ch => ch == '/') > MaxLevels) break;
            }
            yield return Path.Combine(project, ".npmrc");
        }
        var user = userconfig ?? ctx.GetEnvironmentVariable("npm_config_userconfig") ?? ctx.GetEnvironmentVariable("NPM_CONFIG_USERCONFIG");
        if (user != null) yield return user;
        else if (ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home) yield return Path.Combine(home, ".npmrc");
    }

    // npm's ${VAR} (and ${VAR?}) in a value; null when a variable is not set.
    private static string? Expand(string value, IExecContext ctx)
    {
        int at;
        while ((at = value.IndexOf("${", StringComparison.Ordinal)) >= 0)
        {
            int close = value.IndexOf('}', at);
            if (close < 0) return null;
            var name = value[(at + 2)..close].TrimEnd('?');
            if (ctx.GetEnvironmentVariable(name) is not string v) return null;
            value = string.Concat(value.AsSpan(0, at), v, value.AsSpan(close + 1));
        }
        return value;
    }
}
