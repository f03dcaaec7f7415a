namespace AgentShell.Core.Classification;

public sealed partial class CommandClassifier
{
    /// <summary>Every program name that has a parser of its own (<c>curl</c>, <c>psql</c>,
    /// <c>mariadb</c>, <c>aws</c>, <c>kubectl</c>, <c>rm</c>, ...), in the classifier's table order;
    /// wrappers (<c>sudo</c>, <c>env</c>) and shells are not included. The supervisor recognises
    /// renamed copies of these programs by content.</summary>
    public static IReadOnlyList<string> KnownTools { get; } =
        ToolTable.Names.Where(n => HasParser(n.Id)).Select(n => n.Name).ToArray();

    // The tools section of ToolId starts at Curl: every id from there on has a case in Run.Parse.
    private static bool HasParser(ToolId id) => id >= ToolId.Curl;
}
