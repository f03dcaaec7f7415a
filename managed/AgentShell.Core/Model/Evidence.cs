namespace AgentShell.Core.Model;

/// <summary>Which argv token produced which fact, quoted in messages and the audit log.</summary>
/// <param name="Token">The token as it appeared (e.g. <c>-XDELETE</c>).</param>
/// <param name="Fact">What it established (e.g. <c>method DELETE</c>).</param>
public readonly record struct Evidence(string Token, string Fact);
