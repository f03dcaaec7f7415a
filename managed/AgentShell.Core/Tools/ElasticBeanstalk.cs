using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What eb works on when its command line does not say, read from the project's
/// <c>.elasticbeanstalk/config.yml</c> as eb reads it (the nearest one from the working directory up):
/// a command on an environment without one named takes the current git branch's
/// <c>branch-defaults.BRANCH.environment</c>, else <c>branch-defaults.default.environment</c>;
/// <c>eb terminate --all</c> removes the application (<c>global.application_name</c>) with every
/// environment, so each is a target: the application by name (the profile's Apps judge it) and every
/// environment the file names. A file that is missing, unreadable or names nothing is an unknown target
/// (eb would ask AWS, which is not asked here).</summary>
internal static class ElasticBeanstalk
{
    private const int MaxParents = 32;

    private static readonly HashSet<string> OnEnvironment = new(StringComparer.Ordinal)
    {
        "terminate", "deploy", "setenv", "scale", "swap", "restore", "restart", "upgrade", "abort", "status", "health",
        "events", "logs", "printenv", "ssh", "clone",
    };

    private sealed record Config(string? Application, Dictionary<string, string> BranchEnvironments, List<string> Environments);

    /// <summary>The targets the table could not give (see the type); called after the table's.</summary>
    internal static void Targets(ToolCall c, List<string> words, List<Target> targets, List<Evidence> evidence)
    {
        bool all = words.Count > 0 && words[0] == "terminate" && c.Args.Contains("--all");
        bool named = targets.Exists(t => t.Kind == TargetKind.Environment);
        string? name = ToolHelp.Option(c.Args, "-e", "--environment", "--env") ?? (words.Count > 1 && OnEnvironment.Contains(words[0]) ? words[1] : null);
        // A name without an environment word is judged as an app is (the profile's Apps may list it).
        if (!named && name != null) Add(targets, evidence, name, $"environment {name}");
        if (!all && name != null) return;
        if (words.Count == 0 || !OnEnvironment.Contains(words[0]))
        {
            if (!named) Add(targets, evidence, "unknown", "no environment named");
            return;
        }
        var (config, where) = Read(c.Context);
        if (config == null) { Add(targets, evidence, "unknown", where); return; }
        if (all)
        {
            Add(targets, evidence, config.Application ?? "unknown", $"application {config.Application ?? "(not named)"} and every environment of it ({where})");
            foreach (var env in config.Environments) Add(targets, evidence, env, $"environment {env} of the application ({where})");
            return;
        }
        var branch = GitDirectory.Find(c.Context, null)?.CurrentBranch();
        var current = (branch != null && config.BranchEnvironments.TryGetValue(branch, out var b) ? b : null)
            ?? (config.BranchEnvironments.TryGetValue("default", out var d) ? d : null);
        Add(targets, evidence, current ?? "unknown", current == null ? $"no default environment for branch {branch ?? "(none)"} in {where}" : $"branch {branch ?? "default"}'s environment {current} ({where})");
    }

    // As the table's Words targets: each environment word of the name (shop-prod → prod); a name without one
    // is judged as an app is (the profile's Apps).
    private static void Add(List<Target> targets, List<Evidence> evidence, string name, string fact)
    {
        var words = ProfileToolTarget.EnvironmentWords(name);
        foreach (var word in words.Count > 0 ? words : [name]) targets.Add(new Target { Kind = TargetKind.Environment, Name = word });
        evidence.Add(new(name, fact));
    }

    // The nearest .elasticbeanstalk/config.yml from the working directory up; null with why when not read.
    private static (Config?, string) Read(IExecContext ctx)
    {
        var dir = ctx.WorkingDirectory;
        for (int i = 0; dir != null && i < MaxParents; i++, dir = Path.GetDirectoryName(dir))
        {
            var path = Path.Combine(dir, ".elasticbeanstalk", "config.yml");
            var file = ctx.ReadConfigFile(path);
            if (file.Unaccountable) return (null, $"{path}: {file.Problem}");
            if (file.Exists) return (file.Parsed(f => Parse(f.Text)), path);
        }
        return (null, ".elasticbeanstalk/config.yml not found (eb asks AWS; not asked here)");
    }

    // The YAML eb writes: two-space nested mappings of scalars. Keys are tracked by indentation.
    private static Config Parse(string text)
    {
        var path = new List<(int Indent, string Key)>();
        string? app = null;
        var branches = new Dictionary<string, string>(StringComparer.Ordinal);
        var envs = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var body = line.TrimStart(' ');
            if (body.Length == 0 || body[0] == '#') continue;
            int indent = line.Length - body.Length, colon = body.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0 && body.EndsWith(':')) colon = body.Length - 1;
            if (colon <= 0) continue;
            var key = body[..colon].Trim().Trim('\'', '"');
            var value = colon + 1 < body.Length ? body[(colon + 1)..].Trim().Trim('\'', '"') : "";
            while (path.Count > 0 && path[^1].Indent >= indent) path.RemoveAt(path.Count - 1);
            if (path.Count == 0 && key.Length > 0) { path.Add((indent, key)); continue; }
            string top = path[0].Key;
            bool scalar = value.Length > 0 && value != "null" && value != "~";
            if (path.Count == 1 && top == "global" && key == "application_name" && scalar) app = value;
            else if (path.Count == 1 && top == "environment-defaults" && !envs.Contains(key)) envs.Add(key);
            else if (path.Count == 2 && top == "branch-defaults" && key == "environment" && scalar)
            {
                branches[path[1].Key] = value;
                if (!envs.Contains(value)) envs.Add(value);
            }
            path.Add((indent, key));
        }
        return new Config(app, branches, envs);
    }
}
