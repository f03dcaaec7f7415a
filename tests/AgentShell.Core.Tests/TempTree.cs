namespace AgentShell.Core.Tests;

/// <summary>A temporary tree of real files (a repository, a home directory) for one test; removed on Dispose.</summary>
internal sealed class TempTree : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "agentshell-tree-" + Guid.NewGuid().ToString("N"));

    /// <summary>Writes <paramref name="text"/> at <paramref name="rel"/> under the root, making its directories; the full path.</summary>
    public string Write(string rel, string text)
    {
        var p = Path.Combine(Root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
        return p;
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
