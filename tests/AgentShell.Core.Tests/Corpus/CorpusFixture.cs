using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Corpus;

/// <summary>A throw-away file tree the corpus and fuzz cases run in: a repository (with
/// <c>.git</c>, request bodies, SQL files, scripts, a Terraform workspace, a <c>.env</c>) and a
/// home directory with a kubeconfig whose current-context is <c>prod-eu</c>.</summary>
internal static class CorpusFixture
{
    private static readonly Lazy<string> RootDir = new(Create);

    public static string Root => RootDir.Value;
    public static string Repo => Path.Combine(Root, "repo");
    public static string Home => Path.Combine(Root, "home");

    public static IExecContext Context(string? cwd = null) => new LocalExecContext(
        new Dictionary<string, string> { ["HOME"] = Home, ["PATH"] = "/usr/bin:/bin", ["USER"] = "agent" },
        cwd ?? Repo);

    private static string Create()
    {
        var root = Path.Combine(Path.GetTempPath(), "agentshell-corpus-" + Environment.ProcessId);
        void Write(string rel, string text)
        {
            var p = Path.Combine(root, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, text);
        }
        Write("repo/.git/HEAD", "ref: refs/heads/main\n");
        Write("repo/.git/config", "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:acme/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n");
        Write("repo/railway-delete.json", "{\"query\":\"mutation { volumeDelete(volumeId: \\\"vol_123\\\") }\"}");
        Write("repo/railway-me.json", "{\"query\":\"query { me { id email } }\"}");
        Write("repo/drop.sql", "-- cleanup\nDROP TABLE users;\n");
        Write("repo/select.sql", "SELECT id, email FROM users WHERE id = 1;\n");
        Write("repo/deploy.sh", "#!/bin/sh\nset -e\npsql -h db.prod.example.com -c 'TRUNCATE orders'\n");
        Write("repo/safe.sh", "#!/bin/sh\nls -la\necho done\n");
        Write("repo/cleanup.js", "db.getSiblingDB('app').dropDatabase()\n");
        Write("repo/infra/.terraform/environment", "prod");
        Write("repo/.env", "DATABASE_URL=postgresql://app@db.prod.example.com:5432/app\n");
        Write("repo/src/app.txt", "x");
        Write("home/.kube/config", "apiVersion: v1\nkind: Config\ncurrent-context: prod-eu\ncontexts:\n- name: prod-eu\n");
        return root;
    }
}
