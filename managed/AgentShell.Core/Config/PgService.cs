using AgentShell.Core.Model;

namespace AgentShell.Core.Config;

/// <summary>libpq's connection service file: a service named by <c>service=</c> in a conninfo or URI,
/// or by <c>PGSERVICE</c>, is looked up in <c>$PGSERVICEFILE</c> (else <c>~/.pg_service.conf</c>),
/// then in the system file (<c>$PGSYSCONFDIR/pg_service.conf</c>, else Debian's
/// <c>/etc/postgresql-common/pg_service.conf</c>). Its settings fill what the command line did not
/// set and beat the environment (<c>PGHOST</c>), as in libpq.</summary>
internal static class PgService
{
    private static readonly PathMemo UserFile = new(".pg_service.conf"), SystemFile = new("pg_service.conf");

    /// <summary>What a lookup found.</summary>
    internal enum Outcome : byte
    {
        /// <summary>The service's settings were read.</summary>
        Found,
        /// <summary>No file defines it: libpq refuses to connect.</summary>
        NotDefined,
        /// <summary>A service file could not be read in full: where the command connects is not known.</summary>
        Unaccountable,
    }

    /// <summary>Looks <paramref name="service"/> up; <paramref name="settings"/> holds its keys when found.</summary>
    internal static Outcome Lookup(IExecContext ctx, string service, List<Evidence> evidence, out IReadOnlyDictionary<string, string> settings)
    {
        settings = new Dictionary<string, string>();
        string? user = ctx.GetEnvironmentVariable("PGSERVICEFILE") is { Length: > 0 } f ? f
            : ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? UserFile.Combine(home) : null;
        string system = ctx.GetEnvironmentVariable("PGSYSCONFDIR") is { Length: > 0 } dir ? SystemFile.Combine(dir) : "/etc/postgresql-common/pg_service.conf";
        foreach (var file in user != null ? [user, system] : new[] { system })
        {
            var cf = ctx.ReadConfigFile(file);
            if (!cf.Exists) continue;
            if (cf.Unaccountable)
            {
                evidence.Add(new Evidence(file, $"service {service}: {cf.Problem} (target unknown)"));
                return Outcome.Unaccountable;
            }
            if (!cf.Parsed(Parse).TryGetValue(service, out var found)) continue;
            evidence.Add(new Evidence($"service={service}", $"connection settings from {file}"));
            settings = found;
            return Outcome.Found;
        }
        return Outcome.NotDefined;
    }

    /// <summary>The service file's sections: <c>[name]</c> then <c>key=value</c> lines.</summary>
    internal static Dictionary<string, IReadOnlyDictionary<string, string>> Parse(ConfigFile f)
    {
        var services = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var raw in f.Text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                var name = line[1..^1].Trim();
                // libpq uses the first section of a name.
                current = services.ContainsKey(name) ? null : new Dictionary<string, string>(StringComparer.Ordinal);
                if (current != null) services[name] = current;
                continue;
            }
            int eq = line.IndexOf('=');
            if (current == null || eq <= 0) continue;
            current.TryAdd(line[..eq].Trim(), line[(eq + 1)..].Trim());
        }
        return services;
    }
}
