namespace AgentShell.Core.Profiles;

/// <summary>A profile that cannot be used. The message names the file, the key and the fix;
/// nothing may run when one is thrown.</summary>
public sealed class ProfileException(string file, string path, string message)
    : Exception($"{file}: {(path.Length > 0 ? path + ": " : "")}{message}")
{
    /// <summary>The profile file.</summary>
    public string File { get; } = file;
    /// <summary>The JSON path of the offending key (Configuration style, e.g. <c>Rules:0:Action</c>).</summary>
    public string KeyPath { get; } = path;
}
