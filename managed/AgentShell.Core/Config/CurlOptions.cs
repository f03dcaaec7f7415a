using AgentShell.Core.Tools;

namespace AgentShell.Core.Config;

/// <summary>curl's options for its configuration files, from the one table the command line is
/// read with (<see cref="Curl.Options"/>): a name may be abbreviated (a unique prefix) and is not
/// case-sensitive; a flag may be negated with <c>no-</c>; <c>expand-NAME</c> is NAME with
/// variables expanded.</summary>
internal static class CurlOptions
{
    /// <summary>The canonical long name a spelling resolves to (exact, case-insensitive, then a
    /// unique prefix; <c>no-X</c> for a flag X, <c>expand-X</c>) and whether it takes a value; false
    /// when curl would not know it or it is ambiguous.</summary>
    internal static bool TryResolve(string word, out string name, out bool valued)
    {
        name = "";
        valued = false;
        var spec = Curl.Options.Long(word, out bool negated, out _, out bool expanded);
        if (spec == null) return false;
        var canonical = spec.Longs.Count > 0 ? spec.Longs[0] : spec.Name.TrimStart('-');
        name = negated ? "no-" + canonical : expanded ? "expand-" + canonical : canonical;
        valued = !negated && spec.Arity == OptionArity.Required;
        return true;
    }

    /// <summary>True when <paramref name="letter"/> is one of curl's short options.</summary>
    internal static bool IsShort(char letter) => Curl.Options.Short(letter) != null;

    /// <summary>True when short option <paramref name="letter"/> takes a value.</summary>
    internal static bool ShortTakesValue(char letter) => Curl.Options.Short(letter)?.Arity == OptionArity.Required;
}
