using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Core.Credentials;

/// <summary>A credential a profile recognised: its environment and name (<c>railway-root</c>, or
/// <c>.env.production:RAILWAY_TOKEN</c> for one found in a credential file).</summary>
/// <param name="Environment">The environment the credential belongs to.</param>
/// <param name="Name">The name shown in decisions; never the secret.</param>
public sealed record CredentialMatch(string Environment, string Name)
{
    /// <summary>Id of <see cref="Environment"/> in the policy's environment table.</summary>
    internal int EnvironmentId { get; init; }
}

/// <summary>One fingerprint: a name, an environment and the SHA-256 of the secret.</summary>
internal readonly record struct CredentialEntry(string Name, int EnvironmentId, string Environment, byte[] Digest);

/// <summary>A kind of key its issuer marks by prefix (Stripe's <c>sk_live_</c>): a name, an environment and the prefix.</summary>
internal readonly record struct CredentialPrefix(string Name, int EnvironmentId, string Environment, string Prefix);

/// <summary>The credentials the profiles list (<c>Environments.X.Credentials</c>, by SHA-256) and
/// those read from their credential files. A secret is hashed and compared with every entry in
/// fixed time (<see cref="CryptographicOperations.FixedTimeEquals"/>), so neither timing nor any
/// output says anything about a secret that does not match. Also the entry point of the wire
/// layer, for a header value or a PostgreSQL cleartext password it sees.</summary>
public sealed class CredentialTable
{
    private readonly CredentialEntry[] _listed;
    private readonly CredentialFileSet? _files;
    private readonly CredentialPrefix[] _prefixes;

    /// <summary>No credentials.</summary>
    public static CredentialTable Empty { get; } = new([], null);

    internal CredentialTable(CredentialEntry[] listed, CredentialFileSet? files, CredentialPrefix[]? prefixes = null)
    {
        _listed = listed;
        _files = files;
        _prefixes = prefixes ?? [];
    }

    /// <summary>True when no profile lists a credential, a kind of key or a credential file (matching is skipped).</summary>
    public bool IsEmpty => _listed.Length == 0 && _files == null && _prefixes.Length == 0;

    /// <summary>True when a profile lists credential files (read from this machine, not from the profiles).</summary>
    internal bool HasFiles => _files != null;

    /// <summary>How many fingerprints the profiles list (credential files not counted).</summary>
    public int Count => _listed.Length;

    /// <summary>The credential whose secret is exactly <paramref name="secret"/> (UTF-8 bytes, as
    /// sent), else the kind of key whose prefix it starts with (a listed secret names the key, and
    /// wins), or null.</summary>
    public CredentialMatch? Match(ReadOnlySpan<byte> secret)
    {
        if (IsEmpty || secret.IsEmpty) return null;
        if (_listed.Length == 0 && _files == null) return Kind(secret); // PERF: only kinds of key (default.json): no hash
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(secret, digest);
        return Find(digest, _listed) ?? (_files != null ? Find(digest, _files.Entries()) : null) ?? Kind(secret);
    }

    // A prefix tells only what the issuer prints on every key of that kind: nothing secret, so a plain compare.
    private CredentialMatch? Kind(ReadOnlySpan<byte> secret)
    {
        foreach (var p in _prefixes)
        {
            if (secret.Length <= p.Prefix.Length || !Ascii.Equals(secret[..p.Prefix.Length], p.Prefix)) continue;
            return new CredentialMatch(p.Environment, $"{p.Name} ({p.Prefix}…)") { EnvironmentId = p.EnvironmentId };
        }
        return null;
    }

    /// <summary>The credential carried by an HTTP header value: the value itself, and for
    /// <c>Bearer</c>/<c>Token</c>/<c>Basic</c> schemes the credential after the scheme (a Basic
    /// credential decoded: the password, the user, and <c>user:password</c>); or null.</summary>
    public CredentialMatch? MatchHeaderValue(ReadOnlySpan<byte> value)
    {
        if (IsEmpty) return null;
        value = value.Trim((byte)' ');
        if (Match(value) is CredentialMatch whole) return whole;
        int space = value.IndexOf((byte)' ');
        if (space <= 0) return null;
        var scheme = value[..space];
        var rest = value[(space + 1)..].Trim((byte)' ');
        if (!Ascii.EqualsIgnoreCase(scheme, "basic"u8)) return Match(rest);
        var decoded = new byte[rest.Length];
        if (System.Buffers.Text.Base64.DecodeFromUtf8(rest, decoded, out _, out int n) != OperationStatus.Done) return Match(rest);
        var userPass = decoded.AsSpan(0, n);
        int colon = userPass.IndexOf((byte)':');
        return Match(userPass) ?? (colon >= 0 ? Match(userPass[(colon + 1)..]) ?? Match(userPass[..colon]) : null) ?? Match(rest);
    }

    /// <summary>The first of <paramref name="credentials"/> that a profile lists, or null; a
    /// production one before any other (a command may carry two, and both are sent: a staging
    /// token in the URL must not hide a live key in -u).</summary>
    internal CredentialMatch? Match(IReadOnlyList<Credential> credentials)
    {
        if (IsEmpty || credentials.Count == 0) return null;
        byte[]? rented = null;
        CredentialMatch? first = null;
        try
        {
            foreach (var c in credentials)
            {
                int max = Encoding.UTF8.GetMaxByteCount(c.Secret.Length);
                if (rented == null || rented.Length < max)
                {
                    if (rented != null) ArrayPool<byte>.Shared.Return(rented, clearArray: true);
                    rented = ArrayPool<byte>.Shared.Rent(max);
                }
                int n = Encoding.UTF8.GetBytes(c.Secret, rented);
                if (Match(rented.AsSpan(0, n)) is not CredentialMatch m) continue;
                if (string.Equals(m.Environment, Profiles.ProfileReader.TopLevelCredentialEnvironment, StringComparison.OrdinalIgnoreCase)) return m;
                first ??= m;
            }
            return first;
        }
        finally
        {
            if (rented != null) ArrayPool<byte>.Shared.Return(rented, clearArray: true); // no secret left in a pooled buffer
        }
    }

    // Every entry is compared, whatever matched before: the time taken does not depend on where (or whether) it matched.
    private static CredentialMatch? Find(ReadOnlySpan<byte> digest, CredentialEntry[] entries)
    {
        int hit = -1;
        for (int i = 0; i < entries.Length; i++)
        {
            bool same = CryptographicOperations.FixedTimeEquals(digest, entries[i].Digest);
            if (same && hit < 0) hit = i;
        }
        if (hit < 0) return null;
        var e = entries[hit];
        return new CredentialMatch(e.Environment, e.Name) { EnvironmentId = e.EnvironmentId };
    }

    /// <summary>Lower-case hex SHA-256 of <paramref name="secret"/>'s UTF-8 bytes: what a profile's
    /// <c>Sha256</c> holds (<c>agentshell profiles fingerprint</c> prints it).</summary>
    public static string Fingerprint(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
