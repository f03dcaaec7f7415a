using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>A CLI described as data rather than by a parser: a profile's <c>Tools</c> section, and
/// the built-in tables of platform CLIs (<see cref="BuiltInTools"/>). What a call does is decided
/// by its subcommand words (the positional arguments, with the values of <see cref="ValueFlags"/>
/// skipped): the first of <see cref="Subcommands"/> (then <see cref="Destructive"/>) whose words
/// glob-match the leading words wins; else, with <see cref="CommonVerbs"/>, a common verb among
/// the first three words; else <see cref="Otherwise"/>. What it acts on comes from
/// <see cref="Targets"/> and <see cref="TargetFlags"/>. <c>profiles/schema.json</c> documents the
/// JSON shape.</summary>
public sealed class ProfileToolDefinition
{
    /// <summary>The help arguments of a tool that does not list its own: <c>--help</c> and <c>--version</c>.</summary>
    public static readonly IReadOnlyList<string> DefaultHelp = ["--help", "--version"];

    /// <summary>Executable name (argv[0] basename), e.g. <c>mycli</c>; also the tool name of its intents.</summary>
    public required string Name { get; init; }

    /// <summary>What the tool is (for people reading the profile).</summary>
    public string? Description { get; init; }

    /// <summary>Subcommand patterns and their effect, in order (first match wins), e.g.
    /// <c>["apps destroy", "wipe"]</c>. A pattern is words separated by spaces; each word is a
    /// case-sensitive glob where <c>*</c> matches any run of characters.</summary>
    public IReadOnlyList<SubcommandEffect> Subcommands { get; init; } = [];

    /// <summary>Sub-command patterns that destroy data, e.g. <c>db drop</c>, <c>nuke *</c>: effect
    /// delete (the profile says destructive, not how). Tried after <see cref="Subcommands"/>.</summary>
    public IReadOnlyList<string> Destructive { get; init; } = [];

    /// <summary>Flags that take a value (<c>-a app</c>), so the value is not read as a subcommand word.</summary>
    public IReadOnlyList<string> ValueFlags { get; init; } = [];

    /// <summary>Flags that name the target, and its kind: <c>--env</c> → <c>environment</c>
    /// (shorthand for a <see cref="Targets"/> entry with <see cref="ProfileToolTarget.Flags"/>).</summary>
    public IReadOnlyDictionary<string, string> TargetFlags { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the target comes from: flags, an environment variable, a subcommand, or fixed (the platform's API).</summary>
    public IReadOnlyList<ProfileToolTarget> Targets { get; init; } = [];

    /// <summary>Arguments that ask for help or the version (nothing is done): a flag counts
    /// anywhere before <c>--</c>, a word only as the first argument (<c>fly help</c>).</summary>
    public IReadOnlyList<string> Help { get; init; } = DefaultHelp;

    /// <summary>When no pattern matches, a common verb (delete, list, create, ...) among the first
    /// three subcommand words decides (<see cref="CliVerbs"/>).</summary>
    public bool CommonVerbs { get; init; }

    /// <summary>The effect when nothing matched. Write for a profile's tool (its author listed what destroys).</summary>
    public Effect Otherwise { get; init; } = Effect.Write;

    /// <summary>The effect of a call with no subcommand word at all; <see cref="Otherwise"/> when null.</summary>
    public Effect? NoSubcommand { get; init; }

    /// <summary>Flags whose presence (before <c>--</c>) decides the effect whatever the subcommand (<c>pulumi --preview-only</c> → read).</summary>
    public IReadOnlyDictionary<string, Effect> EffectFlags { get; init; } = new Dictionary<string, Effect>();
}

/// <summary>One entry of a tool's <c>Subcommands</c>: <c>["apps destroy", "wipe"]</c>.</summary>
/// <param name="Pattern">Space-separated word globs.</param>
/// <param name="Effect">The effect of a call whose leading subcommand words match.</param>
public sealed record SubcommandEffect(string Pattern, Effect Effect);
