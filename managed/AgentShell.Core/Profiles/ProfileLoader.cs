using AgentShell.Core.Credentials;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Profiles;

/// <summary>Loads profile files in layer order and compiles them into a <see cref="Policy.Policy"/>.
/// Each file is read once, by <see cref="ProfileReader"/>, into a typed document; then what spans
/// files is checked (duplicate rule ids across layers, environments a rule names that no layer
/// defines), the settings are layered (<see cref="SettingsLayers"/>), environments and tools are
/// merged, and every rule's own cases run. Every problem is reported with its file, line, column
/// and key path; any problem throws <see cref="ProfileException"/>.</summary>
public static class ProfileLoader
{
    /// <summary>Loads <paramref name="files"/> in layer order (later layers' rules first).</summary>
    public static Policy.Policy Load(IReadOnlyList<string> files) => Load(files, null);

    /// <summary>As <see cref="Load(IReadOnlyList{string})"/>; the rules' own cases are skipped when
    /// <paramref name="cache"/> vouches that these very bytes passed them, and a pass is recorded there.</summary>
    public static Policy.Policy Load(IReadOnlyList<string> files, IRuleTestCache? cache)
    {
        var errors = new List<ProfileError>();
        var documents = new List<ProfileDocument>();
        var texts = new byte[]?[files.Count];
        for (int layer = 0; layer < files.Count; layer++) texts[layer] = ReadFile(files[layer], errors);
        // The cache is asked before the files are read: on a pass for these very bytes (its key
        // covers every byte and this build, so the same reader already found them valid and their
        // cases passing), the rules' Tests are skipped unread; everything else is read and checked.
        byte[][] all = errors.Count == 0 ? Array.ConvertAll(texts, t => t!) : [];
        var remembered = errors.Count == 0 ? cache?.Passed(files, all) : null;
        for (int layer = 0; layer < files.Count; layer++)
        {
            if (texts[layer] is byte[] text && ProfileReader.Read(files[layer], text, layer, errors, skipTests: remembered != null) is ProfileDocument doc)
                documents.Add(doc);
        }

        var parts = new PolicyParts { Files = files };
        var ruleIds = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase); // id -> file
        var credentials = new CredentialsBuilder();
        var clients = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var servers = new List<string>();
        foreach (var doc in documents)
        {
            foreach (var id in doc.RuleIds)
            {
                if (!ruleIds.TryAdd(id.Value, doc.File))
                    Error(errors, doc.File, id, $"duplicate rule id '{id.Value}' (already defined in {ruleIds[id.Value]}); rename one of them");
            }
            foreach (var env in doc.Environments)
            {
                AddEnvironment(parts, doc, env);
                credentials.Add(parts, doc, env, errors);
            }
            foreach (var tool in doc.Tools)
            {
                parts.Tools.RemoveAll(t => string.Equals(t.Name, tool.Name, StringComparison.Ordinal));
                parts.Tools.Add(tool);
                parts.ToolSources[tool.Name] = doc.File;
            }
            foreach (var (env, exes) in doc.NetworkClients)
            {
                if (!clients.TryGetValue(env, out var list)) clients[env] = list = [];
                list.AddRange(exes);
            }
            if (doc.NetworkClients.Count > 0) parts.SettingSources["Network:Clients"] = doc.File;
            servers.AddRange(doc.CommandServers);
        }
        foreach (var doc in documents)
        {
            foreach (var name in doc.EnvironmentReferences)
            {
                if (parts.Environments.IdOf(name.Value) < 0)
                    Error(errors, doc.File, name, $"no environment '{name.Value}' is defined by the profiles loaded{Suggest.Hint(name.Value, parts.Environments.Names)}");
            }
        }
        // The shipped rules, the wire layer and the unknown-client guard protect the environment
        // named "production" only: hosts listed under "prod" that no rule names would have their
        // destructive commands allowed. A look-alike name nothing refers to is taken for a slip.
        var referenced = documents.SelectMany(d => d.EnvironmentReferences).Select(l => l.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var doc in documents)
        {
            foreach (var env in doc.Environments)
            {
                if (env.Declared is { } at && LooksLikeProduction(env.Name) && !referenced.Contains(env.Name))
                    Error(errors, doc.File, at, $"environment '{env.Name}' is named by no rule, so destructive commands aimed at it would be allowed; "
                        + "call it 'production' (the environment the shipped rules, the wire layer and the unknown-client guard protect) or add rules naming it");
            }
        }
        if (errors.Count > 0) throw new ProfileException(errors);
        parts.Credentials = credentials.Build();

        parts.Network = new NetworkSettings { Clients = clients.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)c.Value, StringComparer.OrdinalIgnoreCase),
            CommandServers = servers.Distinct(StringComparer.Ordinal).ToArray() };
        try { SettingsLayers.Apply(documents, parts); }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            // Unreachable while the reader checks what Configuration layers; never a silent default.
            throw new ProfileException(files[^1], "", $"the settings could not be layered: {e.Message}");
        }

        // Later layers first: a user's --profile can put a stricter rule in front.
        for (int i = documents.Count - 1; i >= 0; i--) parts.Rules.AddRange(documents[i].Rules);
        var policy = new Policy.Policy(parts);
        // Credential files are read from this machine when the policy is built, and a case's verdict
        // can depend on them: such a set is not the files' bytes alone, so it is never cached (and
        // an entry for one, which no run records, is not believed: read again, cases and all).
        if (parts.Credentials.HasFiles)
        {
            if (remembered != null) return Load(files, null);
            cache = null;
        }
        if (remembered != null)
        {
            policy.Warnings = remembered;
            return policy;
        }
        RuleTestRunner.Run(policy, errors, out var warnings);
        if (errors.Count > 0) throw new ProfileException(errors);
        policy.Warnings = warnings;
        cache?.RecordPass(files, all, warnings);
        return policy;
    }

    // prod, prod-eu, PROD_US, prd, live, a misspelt production; not preprod, nonprod, staging.
    private static bool LooksLikeProduction(string name) =>
        !name.Equals("production", StringComparison.OrdinalIgnoreCase)
        && (name.StartsWith("prod", StringComparison.OrdinalIgnoreCase) || name.Equals("prd", StringComparison.OrdinalIgnoreCase)
            || name.Equals("live", StringComparison.OrdinalIgnoreCase) || Suggest.Closest(name, ["production"]) != null);

    private static void Error(List<ProfileError> errors, string file, Located at, string message) =>
        errors.Add(new ProfileError(file, at.Path, message) { Line = at.At.Line, Column = at.At.Column });

    private static byte[]? ReadFile(string file, List<ProfileError> errors)
    {
        string full;
        try { full = Path.GetFullPath(file); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            errors.Add(new ProfileError(file, "", $"not a usable path: {e.Message}"));
            return null;
        }
        if (!File.Exists(full))
        {
            errors.Add(new ProfileError(file, "", "file not found"));
            return null;
        }
        try { return File.ReadAllBytes(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ProfileError(file, "", $"not a valid profile: {e.Message}"));
            return null;
        }
    }

    private static void AddEnvironment(PolicyParts parts, ProfileDocument doc, ProfileEnvironment env)
    {
        int id = parts.Environments.Declare(env.Name);
        string name = parts.Environments.Names[id];
        // Each entry is kept by the table too, so a decision can say which one matched.
        foreach (var h in env.Hosts)
        {
            var entry = new EnvironmentEntry(name, EnvironmentSourceKind.Hosts, h.Text, doc.File, doc.Layer);
            parts.Environments.AddHost(h, id, doc.Layer, entry);
            parts.EnvironmentEntries.Add(entry);
        }
        foreach (var (kind, glob) in env.Names)
        {
            var entry = new EnvironmentEntry(name, kind, glob.Text, doc.File, doc.Layer);
            parts.Environments.AddName(kind, glob, id, doc.Layer, entry);
            parts.EnvironmentEntries.Add(entry);
        }
        foreach (var (variable, value) in env.EnvVars)
        {
            var entry = new EnvironmentEntry(name, EnvironmentSourceKind.EnvVars, $"{variable}={value.Text}", doc.File, doc.Layer);
            parts.Environments.AddEnvVar(variable, value, id, doc.Layer, entry);
            parts.EnvironmentEntries.Add(entry);
        }
        if (env.WireHttp != null || env.WirePostgres != null || env.WirePinnedHosts.Count > 0)
        {
            // A later layer's switch wins; pinned hosts add up.
            var was = parts.Wire.GetValueOrDefault(name, WireSettings.Default);
            parts.Wire[name] = new WireSettings
            {
                Http = env.WireHttp ?? was.Http, Postgres = env.WirePostgres ?? was.Postgres,
                PinnedHosts = [.. was.PinnedHosts, .. env.WirePinnedHosts],
            };
            parts.SettingSources[$"Environments:{name}:Wire"] = doc.File;
        }
        foreach (var (cred, digest) in env.Credentials)
            parts.EnvironmentEntries.Add(new EnvironmentEntry(name, EnvironmentSourceKind.Credentials, $"{cred.Value} (sha256 {Convert.ToHexStringLower(digest)[..12]}…)", doc.File, doc.Layer));
        foreach (var (cred, prefix) in env.CredentialPrefixes)
            parts.EnvironmentEntries.Add(new EnvironmentEntry(name, EnvironmentSourceKind.Credentials, $"{cred.Value} (every key starting {prefix})", doc.File, doc.Layer));
        foreach (var f in env.CredentialFiles)
            parts.EnvironmentEntries.Add(new EnvironmentEntry(name, EnvironmentSourceKind.CredentialFiles, f.Value, doc.File, doc.Layer));
    }

    /// <summary>Collects credentials across layers: a name given twice, or one secret listed in two
    /// environments, is an error (which environment would it mark?).</summary>
    private sealed class CredentialsBuilder
    {
        private readonly List<CredentialEntry> _entries = [];
        private readonly List<CredentialPrefix> _prefixes = [];
        private readonly Dictionary<string, string> _names = new(StringComparer.OrdinalIgnoreCase); // name -> file
        private readonly List<(string, string, int, string)> _files = [];

        internal void Add(PolicyParts parts, ProfileDocument doc, ProfileEnvironment env, List<ProfileError> errors)
        {
            int id = parts.Environments.IdOf(env.Name);
            string envName = parts.Environments.Names[id];
            foreach (var (name, digest) in env.Credentials)
            {
                if (!_names.TryAdd(name.Value, doc.File))
                {
                    Error(errors, doc.File, name, $"duplicate credential name '{name.Value}' (already listed in {_names[name.Value]}); give each credential its own name");
                    continue;
                }
                if (_entries.FirstOrDefault(e => e.Digest.AsSpan().SequenceEqual(digest)) is { Name: not null } same && same.EnvironmentId != id)
                    Error(errors, doc.File, name, $"credential '{name.Value}' is the same secret as '{same.Name}' of environment {same.Environment}; one secret can mark only one environment");
                _entries.Add(new CredentialEntry(name.Value, id, envName, digest));
            }
            foreach (var (name, prefix) in env.CredentialPrefixes)
            {
                if (!_names.TryAdd(name.Value, doc.File))
                {
                    Error(errors, doc.File, name, $"duplicate credential name '{name.Value}' (already listed in {_names[name.Value]}); give each credential its own name");
                    continue;
                }
                // Overlapping prefixes in two environments (sk_ and sk_live_) would mark one key twice.
                if (_prefixes.FirstOrDefault(e => e.EnvironmentId != id && (e.Prefix.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(e.Prefix, StringComparison.Ordinal))) is { Name: not null } same)
                    Error(errors, doc.File, name, $"credential prefix '{prefix}' of '{name.Value}' overlaps '{same.Prefix}' of '{same.Name}' in environment {same.Environment}; a key can mark only one environment");
                _prefixes.Add(new CredentialPrefix(name.Value, id, envName, prefix));
            }
            foreach (var f in env.CredentialFiles)
            {
                string path = f.Value;
                if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
                    path = (Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)) + path[1..];
                try { path = Path.GetFullPath(path); }
                catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
                {
                    Error(errors, doc.File, f, $"credential file '{f.Value}' is not a usable path: {e.Message}");
                    continue;
                }
                _files.Add((path, f.Value, id, envName));
            }
        }

        internal CredentialTable Build() =>
            _entries.Count == 0 && _files.Count == 0 && _prefixes.Count == 0 ? CredentialTable.Empty
                : new CredentialTable([.. _entries], _files.Count > 0 ? new CredentialFileSet(_files) : null, [.. _prefixes]);
    }
}
