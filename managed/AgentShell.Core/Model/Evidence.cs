namespace AgentShell.Core.Model;

/// <summary>A fact that <see cref="Evidence"/> builds only when it is read.</summary>
internal interface IFactText
{
    /// <summary>The fact's text.</summary>
    string FactText(string token);

    /// <summary>The fixed start of the fact (for a prefix test without building it).</summary>
    string Head(string token);
}

/// <summary>Which argv token produced which fact, quoted in messages and the audit log.</summary>
/// <remarks>PERF: a common fact is made of parts the intent holds anyway: "SQL: " and a SQL result,
/// "target " and a target, the token and " → delete". Built with <see cref="Evidence(string, IFactText)"/>
/// it keeps the object and makes the text only when <see cref="Fact"/> is read (a decision
/// printed, checked or audited), so a decision that is only allowed never builds it; the struct
/// stays two references. Equality, hashing and the text form are those of the fact's text, as when
/// it was a record of two strings.</remarks>
public readonly struct Evidence : IEquatable<Evidence>
{
    private readonly object? _token; // the token's string, or an OptionFact that makes it
    private readonly object? _fact; // the fact's string, or an IFactText that makes it

    /// <param name="Token">The token as it appeared (e.g. <c>-XDELETE</c>).</param>
    /// <param name="Fact">What it established (e.g. <c>method DELETE</c>).</param>
    public Evidence(string Token, string Fact)
    {
        _token = Token;
        _fact = Fact;
    }

    // An option and its value given as two words: the token and the fact are one object.
    private Evidence(OptionFact fact)
    {
        _token = fact;
        _fact = fact;
    }

    /// <summary>A fact made by <paramref name="fact"/> when read.</summary>
    internal Evidence(string token, IFactText fact)
    {
        _token = token;
        _fact = fact;
    }

    /// <summary>"TOKEN → effect": a verb or subcommand and the effect it has, built when read.</summary>
    internal static Evidence Arrow(string token, Effect effect) => new(token, TokenArrow.Of(effect));

    /// <summary>"HEAD VALUE TAIL" (<c>host db.prod…</c>, <c>kube context prod-eu</c>, <c>delete →
    /// drop</c>), built when read: the fact <c>$"{head}{value}{tail}"</c> would be, as a
    /// null value or tail adds nothing.</summary>
    internal static Evidence Joined(string token, string head, string? value, string? tail = null) => new(token, new HeadValue(head, value, tail));

    /// <summary>As <see cref="Joined(string, string, string?, string?)"/> with the option's
    /// <see cref="Tools.OptionToken.Text"/> as the token. PERF: an option whose value is the next
    /// word (<c>-h db.prod…</c>) is quoted as "ARG VALUE", joined only when read.</summary>
    internal static Evidence Joined(in Tools.OptionToken option, string head, string? value, string? tail = null) =>
        option.ValueSeparate ? new(new OptionFact(option.Arg, option.Value!, head, value, tail)) : Joined(option.Arg, head, value, tail);

    /// <summary>A fact that is <paramref name="text"/>'s <c>ToString()</c> (a target, a summary), made when read.</summary>
    internal static Evidence TextOf(string token, object text) => new(token, new Later(text));

    /// <summary>The token as it appeared (e.g. <c>-XDELETE</c>).</summary>
    public string Token
    {
        get => _token is OptionFact o ? o.Token : (string)_token!;
        init => _token = value;
    }

    /// <summary>What it established (e.g. <c>method DELETE</c>).</summary>
    public string Fact
    {
        get => _fact is IFactText f ? f.FactText(FactToken) : (string)_fact!;
        init => _fact = value;
    }

    // The token a fact is made with. PERF: an OptionFact makes its fact without one, so its
    // token is not joined for it (a prefix test would join "-X DELETE" for nothing).
    private string FactToken => _token as string ?? "";

    /// <summary>True when the fact starts with <paramref name="prefix"/>; a fact made when read is
    /// not made for it when its fixed start decides.</summary>
    internal bool FactStartsWith(string prefix)
    {
        if (_fact is not IFactText f) return Fact.StartsWith(prefix, StringComparison.Ordinal);
        var head = f.Head(FactToken);
        if (head.Length >= prefix.Length) return head.StartsWith(prefix, StringComparison.Ordinal);
        // PERF: a fixed start that the prefix does not begin with decides too ("target " is not
        // "GraphQL mutation field "): the fact is built only when its start matches so far.
        return prefix.StartsWith(head, StringComparison.Ordinal) && Fact.StartsWith(prefix, StringComparison.Ordinal);
    }

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

    // PERF: the parts of a fact that is mostly a fixed word and a value the parser holds anyway
    // ("host " and the host): an object of three references, no text built for a decision never printed.
    private sealed class HeadValue(string head, string? value, string? tail) : IFactText
    {
        public string FactText(string token) => string.Concat(head, value, tail);

        public string Head(string token) => head;
    }

    // PERF: "-h db.prod…" and "host db.prod…" from one object, made when read (the token was a
    // string and the fact a HeadValue: 112 bytes for a host, 64 here).
    private sealed class OptionFact(string arg, string optionValue, string head, string? value, string? tail) : IFactText
    {
        private string? _token;

        public string Token => _token ??= string.Concat(arg, " ", optionValue);

        public string FactText(string token) => string.Concat(head, value, tail);

        public string Head(string token) => head;
    }

    private sealed class Later(object text) : IFactText
    {
        public string FactText(string token) => text.ToString() ?? "";

        public string Head(string token) => "";
    }

    // "TOKEN → drop": one shared instance per effect.
    private sealed class TokenArrow : IFactText
    {
        private static readonly TokenArrow[] All = [.. Enum.GetValues<Effect>().Select(e => new TokenArrow(e))];
        private readonly string _arrow;

        private TokenArrow(Effect e) => _arrow = " → " + e.Name();

        internal static TokenArrow Of(Effect e) => All[(int)e];

        public string FactText(string token) => string.Concat(token, _arrow);

        public string Head(string token) => token;
    }
}
