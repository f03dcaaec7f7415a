using AgentShell.Core.Model;
using AgentShell.Core.Profiles;

namespace AgentShell.Core.Tools;

/// <summary>Platform CLIs whose subcommand words decide the effect (<c>railway volume delete</c>,
/// <c>fly apps destroy</c>, <c>heroku pg:reset</c>): fly, heroku, gh, supabase, railway, doctl and
/// pulumi. Each is data, <c>Tools/NAME.json</c>: a profile with only a <c>Tools</c> section,
/// embedded in this assembly (nothing to install beside the binary) and read by the profile
/// reader the first time the tool is seen, so start-up does not pay for tools a run never uses.</summary>
public static class BuiltInTools
{
    /// <summary>Names of the built-in data tools (their intents' tool names).</summary>
    public static readonly IReadOnlyList<string> Names = ["fly", "heroku", "gh", "supabase", "railway", "doctl", "pulumi"];

    private static readonly Dictionary<string, Lazy<ProfileTool>> Tools = Names.ToDictionary(
        n => n, n => new Lazy<ProfileTool>(() => Load(n)), StringComparer.Ordinal);

    /// <summary>Classifies a call of built-in tool <paramref name="name"/>.</summary>
    public static CommandIntent Parse(string name, ToolCall c) => Tools[name].Value.Parse(c);

    /// <summary>The compiled tool (tests, <c>profiles show</c>).</summary>
    public static ProfileTool Get(string name) => Tools[name].Value;

    /// <summary>The JSON text of a built-in tool, as embedded.</summary>
    public static byte[] Text(string name)
    {
        using var s = typeof(BuiltInTools).Assembly.GetManifestResourceStream($"tools/{name}.json")
            ?? throw new InvalidOperationException($"built-in tool table tools/{name}.json is missing from the assembly");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    // A table that does not read is a defect of this build (a test reads every one): fail loudly,
    // never classify with a partial table.
    private static ProfileTool Load(string name)
    {
        var errors = new List<ProfileError>();
        var doc = ProfileReader.Read($"tools/{name}.json", Text(name), 0, errors);
        if (doc == null || errors.Count > 0) throw new ProfileException(errors.Count > 0 ? errors : [new ProfileError($"tools/{name}.json", "", "unreadable")]);
        var def = doc.Tools.Single(t => t.Name == name);
        return new ProfileTool(def, name == "gh" ? GhApi.TryParse : null);
    }
}
