namespace AgentShell.Core.Model;

/// <summary>A secret a command sends or hands its tool (an <c>Authorization</c> header, a
/// <c>-u user:pass</c>, a URL's password, <c>PGPASSWORD</c>), found so the policy can tell which
/// environment it belongs to. Only <see cref="Carrier"/> is ever shown: <see cref="ToString"/>
/// returns it, and the secret is internal to Core, compared by hash.</summary>
public sealed class Credential
{
    internal Credential(string carrier, string secret)
    {
        Carrier = carrier;
        Secret = secret;
    }

    /// <summary>Where the secret is carried, e.g. <c>Authorization header</c>, <c>PGPASSWORD</c>,
    /// <c>-u password</c>, <c>URL password</c>.</summary>
    public string Carrier { get; }

    /// <summary>The secret itself. Never written anywhere: hashed for matching.</summary>
    internal string Secret { get; }

    /// <summary>The carrier only.</summary>
    public override string ToString() => Carrier;
}
