using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Config;

/// <summary>What a tool's configuration files add to its intent beyond the options folded into its
/// arguments: an effect of their own (SQL a <c>~/.psqlrc</c> runs), and what could not be accounted
/// for (a file too large or unreadable, a line not understood), which makes the effect unknown.</summary>
internal sealed class ConfigFacts
{
    private List<Evidence>? _evidence;
    private List<Model.Target>? _targets;
    private Effect _effect;
    private string? _summary;

    /// <summary>True when anything was found.</summary>
    internal bool Any => _evidence is { Count: > 0 };

    /// <summary>Forgets everything, for the next command.</summary>
    internal void Clear()
    {
        _evidence?.Clear();
        _targets?.Clear();
        _effect = Effect.Read;
        _summary = null;
    }

    /// <summary>Records what a file contributed (quoted as evidence).</summary>
    internal void Note(string token, string fact) => (_evidence ??= []).Add(new Evidence(token, fact));

    /// <summary>Something the tool will act on that cannot be known: the effect becomes at least unknown.</summary>
    internal void Unknown(string token, string why)
    {
        Note(token, why);
        _effect = ToolHelp.Max(_effect, Effect.Unknown);
    }

    /// <summary>An effect of the configuration itself, with the summary to show when it is the worst.</summary>
    internal void Raise(Effect effect, string summary, string token, string fact)
    {
        Note(token, fact);
        if (effect > _effect) { _effect = effect; _summary = summary; }
    }

    /// <summary>A target the tool will also reach because of state set outside its argv (a kube
    /// context chosen earlier in the same shell string): added beside the parser's own.</summary>
    internal void AddTarget(Model.Target target, string token, string fact)
    {
        Note(token, fact);
        (_targets ??= []).Add(target);
    }

    /// <summary>The parser's intent with these facts added.</summary>
    internal CommandIntent Apply(CommandIntent intent)
    {
        if (_evidence is not { Count: > 0 }) return intent;
        bool raised = _effect > intent.Effect;
        return new CommandIntent
        {
            Tool = intent.Tool, Effect = raised ? _effect : intent.Effect,
            Targets = _targets is { Count: > 0 } && intent.Targets.Count > 0 ? [.. intent.Targets, .. _targets] : intent.Targets,
            Evidence = [.. intent.Evidence, .. _evidence], Summary = raised && _summary != null ? _summary : intent.Summary,
            Argv = intent.Argv, Credentials = intent.Credentials,
        };
    }
}
