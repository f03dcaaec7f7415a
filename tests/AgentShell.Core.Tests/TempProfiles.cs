namespace AgentShell.Core.Tests;

/// <summary>Profile files written to a temporary directory for one test, deleted afterwards.</summary>
internal sealed class TempProfiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("agentshell-profiles-").FullName;

    /// <summary>Writes <paramref name="json"/> (single quotes become double quotes) and returns its path.</summary>
    public string Write(string name, string json)
    {
        string path = Path.Combine(Dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.Replace('\'', '"'));
        return path;
    }

    /// <summary>The repository's shipped profiles directory.</summary>
    public static string ShippedDir
    {
        get
        {
            for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d != null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "profiles", "default.json")) && File.Exists(Path.Combine(d.FullName, "AgentShell.sln")))
                    return Path.Combine(d.FullName, "profiles");
            }
            throw new InvalidOperationException("profiles/default.json not found above the test directory");
        }
    }

    /// <summary>The profiles the end-to-end tests load (tests/profiles).</summary>
    public static string TestProfilesDir => Path.Combine(Path.GetDirectoryName(ShippedDir)!, "tests", "profiles");

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
