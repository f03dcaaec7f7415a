using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What an ORM code reader (<see cref="RubyCode"/>, <see cref="PythonOrmCode"/>,
/// <see cref="OrmCode"/>) found in one piece of code: the worst effect and the evidence for each
/// call, the SQL a call hands over as a literal (read by the SQL scanner; anything else unknown),
/// and unknown when nothing was found: the language can do anything.</summary>
internal sealed class OrmFindings(string token, List<Evidence> evidence)
{
    private Effect? _worst;

    /// <summary>True when <paramref name="code"/> holds any of <paramref name="tokens"/> (a where, a find).</summary>
    internal static bool AnyOf(string code, string[] tokens)
    {
        foreach (var n in tokens) if (code.Contains(n, StringComparison.Ordinal)) return true;
        return false;
    }

    internal void Found(Effect e, string why)
    {
        evidence.Add(new(HttpBody.Short(token), why));
        _worst = _worst is Effect w ? ToolHelp.Max(w, e) : e;
    }

    /// <summary>The SQL <paramref name="call"/> hands over, <paramref name="literal"/> when it is a
    /// literal the reader could take out (else, or with an interpolation, unknown).</summary>
    internal void Sql(string call, string? literal)
    {
        if (literal == null || literal.Contains("#{", StringComparison.Ordinal))
        {
            Found(Effect.Unknown, $"{call} of SQL built at run time (unknown)");
            return;
        }
        var r = SqlScanner.Scan(literal);
        Found(r.Effect, $"{call}: {HttpBody.Short(literal)} → {r.Effect.Name()}");
    }

    /// <summary>The worst effect found, or unknown (said in the evidence) when nothing was.</summary>
    internal Effect Result(string language)
    {
        if (_worst is Effect found) return found;
        evidence.Add(new(HttpBody.Short(token), $"{language} code with no database call read here (unknown)"));
        return Effect.Unknown;
    }
}
