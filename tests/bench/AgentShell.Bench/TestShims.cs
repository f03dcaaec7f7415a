namespace AgentShell.Core.Tests;

/// <summary>What the corpus tests' fixture (compiled in from AgentShell.Core.Tests) needs of
/// their TempProfiles, without NUnit: the shipped profiles' directory.</summary>
internal static class TempProfiles
{
    public static string ShippedDir
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (Directory.Exists(Path.Combine(d.FullName, "tests", "corpus"))) return Path.Combine(d.FullName, "profiles");
            throw new DirectoryNotFoundException("profiles (run from the repository)");
        }
    }
}
