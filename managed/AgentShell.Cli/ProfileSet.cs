using AgentShell.Core.Policy;

namespace AgentShell.Cli;

/// <summary>Resolves which profile files a command loads, and loads them once.</summary>
internal static class ProfileSet
{
    /// <summary>Loads the profiles for a run and says which files were loaded.</summary>
    internal static Policy LoadForRun(IReadOnlyList<string> profiles, TextWriter log)
    {
        var files = profiles.Select(System.IO.Path.GetFullPath).ToList();
        var policy = Policy.Load(files);
        log.WriteLine(files.Count == 0
            ? "agentshell: no profile loaded"
            : $"agentshell: profiles: {string.Join(", ", files)}");
        return policy;
    }
}
