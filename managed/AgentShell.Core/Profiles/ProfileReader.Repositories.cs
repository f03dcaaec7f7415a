using System.Text.Json;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Profiles;

internal static partial class ProfileReader
{
    internal static readonly string[] RepositoryKeys = ["Repository", "Id"];

    /// <summary><c>"Repositories": ["github.com/acme/api", {"Repository": "gitlab.com/acme/shop", "Id": 4217}]</c>:
    /// a <c>host/owner/repo</c> glob, or one repository with its numeric id on that host (GitLab's project id,
    /// GitHub's repository id), so <c>projects/4217</c>, <c>repositories/4217</c> and a GraphQL node id that
    /// encodes it are judged as the repository is (<see cref="CodeHosts.IdKey"/>).</summary>
    private static void ReadRepositories(ref Utf8JsonReader r, ProfileJson json, string path, ProfileEnvironment env)
    {
        if (r.TokenType == JsonTokenType.Null) return;
        if (r.TokenType != JsonTokenType.StartArray)
        {
            json.Error(path, r.TokenStartIndex, "'Repositories' must be an array of \"host/owner/repo\" globs or {\"Repository\": \"host/owner/repo\", \"Id\": NUMBER}");
            r.Skip();
            return;
        }
        for (int i = 0; r.Read() && r.TokenType != JsonTokenType.EndArray; i++)
        {
            string itemPath = ProfileJson.Child(path, i);
            var at = json.PositionOf(r.TokenStartIndex);
            if (r.TokenType == JsonTokenType.String) { AddRepository(json, env, r.GetString() ?? "", itemPath, at); continue; }
            if (!json.IsObject(ref r, itemPath, "each repository")) continue;
            string? repository = null;
            long? id = null;
            var seen = new ProfileJson.Keys();
            while (json.NextProperty(ref r, itemPath, ref seen, out string key, out var keyAt))
            {
                string? known = Known(key, RepositoryKeys);
                string keyPath = ProfileJson.Child(itemPath, known ?? key);
                var valueAt = json.PositionOf(r.TokenStartIndex);
                switch (known)
                {
                    case "Repository": repository = json.String(ref r, keyPath, known); break;
                    case "Id":
                        if (r.TokenType == JsonTokenType.Number && r.TryGetInt64(out long n) && n > 0) id = n;
                        else { json.Error(keyPath, valueAt, "'Id' must be the repository's positive numeric id (GitLab: the project ID on its page; GitHub: `gh api repos/O/R --jq .id`)"); r.Skip(); }
                        break;
                    default: json.UnknownKey(ref r, itemPath, key, keyAt, RepositoryKeys); break;
                }
            }
            if (repository == null) { json.Error(ProfileJson.Child(itemPath, "Repository"), at, "each repository object needs a 'Repository' (host/owner/repo)"); continue; }
            if (!AddRepository(json, env, repository, ProfileJson.Child(itemPath, "Repository"), at) || id == null) continue;
            if (repository.Contains('*')) { json.Error(ProfileJson.Child(itemPath, "Id"), at, $"an 'Id' names one repository: '{repository}' is a glob"); continue; }
            if (GlobPattern.TryParseName(CodeHosts.IdKey(repository[..repository.IndexOf('/')], id.Value), out var g, out _)) env.Names.Add((EnvironmentSourceKind.Repositories, g));
        }
    }

    private static bool AddRepository(ProfileJson json, ProfileEnvironment env, string value, string path, JsonPosition at)
    {
        if (CodeHosts.CheckPattern(value) is string why) { json.Error(path, at, $"{why} in repository '{value}'"); return false; }
        if (!GlobPattern.TryParseName(value, out var g, out var err)) { json.Error(path, at, $"{err} in repository '{value}'"); return false; }
        env.Names.Add((EnvironmentSourceKind.Repositories, g));
        return true;
    }
}
