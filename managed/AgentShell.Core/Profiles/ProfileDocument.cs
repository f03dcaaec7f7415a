using AgentShell.Core.Policy;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Profiles;

/// <summary>One profile file as read by <see cref="ProfileReader"/>: typed values (compiled
/// patterns, effects, actions, rules, tool definitions), each with the key path and position that
/// a check made later, across files, may need to name. Nothing in it is re-read or re-parsed.</summary>
internal sealed class ProfileDocument
{
    /// <summary>The file as given.</summary>
    internal required string File { get; init; }

    /// <summary>Index of the file in layer order.</summary>
    internal required int Layer { get; init; }

    /// <summary>The profile's <c>Description</c>.</summary>
    internal string? Description { get; set; }

    /// <summary>Environments in file order.</summary>
    internal List<ProfileEnvironment> Environments { get; } = [];

    /// <summary>Rules in file order (those read without a problem).</summary>
    internal List<Rule> Rules { get; } = [];

    /// <summary>Every rule id read, in file order, where it was written (duplicates are found across layers).</summary>
    internal List<Located> RuleIds { get; } = [];

    /// <summary>Environment names used by rules and <c>Network.Clients</c> (they must be defined by some layer).</summary>
    internal List<Located> EnvironmentReferences { get; } = [];

    /// <summary>Tools of the <c>Tools</c> section.</summary>
    internal List<ProfileToolDefinition> Tools { get; } = [];

    /// <summary><c>Network.Clients</c>: executables per environment (they add up across layers).</summary>
    internal List<(string Environment, List<string> Executables)> NetworkClients { get; } = [];
    /// <summary><c>Network.CommandServers</c>: socket path patterns (they add up across layers).</summary>
    internal List<string> CommandServers { get; } = [];

    /// <summary>The file's <c>Pause</c>, <c>Audit</c> and <c>Network</c> sections as written, wrapped
    /// in one JSON object, for <see cref="SettingsLayers"/>; null when it has none.</summary>
    internal byte[]? Settings { get; set; }
}

/// <summary>One entry of a profile's <c>Environments</c>.</summary>
internal sealed class ProfileEnvironment(string name)
{
    internal string Name { get; } = name;
    /// <summary>Where the profile declares it (null for one the reader makes itself).</summary>
    internal Located? Declared { get; init; }
    internal List<HostPattern> Hosts { get; } = [];
    internal List<(EnvironmentSourceKind Kind, GlobPattern Glob)> Names { get; } = [];
    internal List<(string Variable, GlobPattern Value)> EnvVars { get; } = [];
    internal bool? WireHttp { get; set; }
    internal bool? WirePostgres { get; set; }
    internal List<HostPattern> WirePinnedHosts { get; } = [];
    internal List<(Located Name, byte[] Digest)> Credentials { get; } = [];
    internal List<(Located Name, string Prefix)> CredentialPrefixes { get; } = [];
    internal List<Located> CredentialFiles { get; } = [];
}
