namespace AgentShell.Core.Model;

/// <summary>The rest of a fact that <see cref="Evidence"/> builds only when it is read.</summary>
internal interface IFactText
{
    /// <summary>The text after the fact's fixed head.</summary>
    string FactText();
}

/// <summary>Which argv token produced which fact, quoted in messages and the audit log.</summary>
/// <remarks>PERF: a fact is often a fixed text and one variable part ("target " and a URL,
/// "DELETE FROM t" and " → delete"). Built with <see cref="Evidence(string, string, object)"/> it
/// keeps the two parts and joins them only when <see cref="Fact"/> is read (a decision printed,
/// checked or audited), so a decision that is only allowed never builds it. Equality, hashing and
/// the text form are those of the joined fact, as when it was a record of two strings.</remarks>
public readonly struct Evidence : IEquatable<Evidence>
{
    private readonly string _head;
    private readonly object? _tail; // null, a string or anything whose ToString is the rest of the fact

    /// <param name="Token">The token as it appeared (e.g. <c>-XDELETE</c>).</param>
    /// <param name="Fact">What it established (e.g. <c>method DELETE</c>).</param>
    public Evidence(string Token, string Fact)
    {
        this.Token = Token;
        _head = Fact;
        _tail = null;
    }

    /// <summary>A fact that reads <paramref name="head"/> then <paramref name="tail"/>'s text, joined when read.</summary>
    internal Evidence(string token, string head, object tail)
    {
        Token = token;
        _head = head;
        _tail = tail;
    }

    /// <summary>The token as it appeared (e.g. <c>-XDELETE</c>).</summary>
    public string Token { get; init; }

    /// <summary>What it established (e.g. <c>method DELETE</c>).</summary>
    public string Fact
    {
        get => _tail switch
        {
            null => _head,
            IFactText f => string.Concat(_head, f.FactText()),
            _ => string.Concat(_head, _tail.ToString()),
        };
        init { _head = value; _tail = null; }
    }

    /// <summary>True when the fact starts with <paramref name="prefix"/>; a fact joined when read is
    /// not built for it when its head decides.</summary>
    internal bool FactStartsWith(string prefix) =>
        _tail == null || _head.Length >= prefix.Length ? _head.StartsWith(prefix, StringComparison.Ordinal) : Fact.StartsWith(prefix, StringComparison.Ordinal);

    /// <summary>The token and the fact.</summary>
    public void Deconstruct(out string Token, out string Fact)
    {
        Token = this.Token;
        Fact = this.Fact;
    }

    /// <inheritdoc/>
    public bool Equals(Evidence other) => string.Equals(Token, other.Token) && string.Equals(Fact, other.Fact);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Evidence e && Equals(e);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Token, Fact);

    /// <summary>As a record prints it: <c>Evidence { Token = …, Fact = … }</c>.</summary>
    public override string ToString() => $"Evidence {{ Token = {Token}, Fact = {Fact} }}";

    /// <summary>Equal token and fact.</summary>
    public static bool operator ==(Evidence a, Evidence b) => a.Equals(b);

    /// <summary>Different token or fact.</summary>
    public static bool operator !=(Evidence a, Evidence b) => !a.Equals(b);
}
