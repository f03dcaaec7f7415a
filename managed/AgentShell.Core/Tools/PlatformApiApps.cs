namespace AgentShell.Core.Tools;

/// <summary>A platform's REST API that names the app in its path (api.heroku.com/apps/APP,
/// api.machines.dev/v1/apps/APP, api.vercel.com/v9/projects/APP, api.netlify.com/api/v1/sites/SITE):
/// the URL target carries APP as its name, so a profile's <c>Apps</c> decide its environment as they
/// do for the platform's CLI table (curl -X DELETE …/apps/api-prod was an unknown host, paused).</summary>
internal static class PlatformApiApps
{
    // PERF: compared only when the host is one of these; every other URL pays one switch on its host.
    public static string? Name(string host, string path) => host switch
    {
        "api.heroku.com" => After(path, "/apps/"),
        "api.machines.dev" or "api.fly.io" => After(path, "/v1/apps/"),
        "api.netlify.com" => Trim(After(path, "/api/v1/sites/"), ".netlify.app"),
        "api.vercel.com" => Versioned(path, "/projects/"),
        _ => null,
    };

    // PREFIX then the app, up to the next '/', '?' or '#'.
    private static string? After(string path, string prefix)
    {
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = path.AsSpan(prefix.Length);
        int end = rest.IndexOfAny('/', '?', '#');
        var app = end < 0 ? rest : rest[..end];
        return app.Length == 0 ? null : app.ToString();
    }

    // /vN/projects/APP (Vercel versions each endpoint).
    private static string? Versioned(string path, string prefix)
    {
        if (path.Length < 3 || path[1] != 'v') return null;
        int slash = path.IndexOf('/', 1);
        return slash < 0 ? null : After(path[slash..], prefix);
    }

    private static string? Trim(string? name, string suffix) =>
        name != null && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? name[..^suffix.Length] : name;
}
