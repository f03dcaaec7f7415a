using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentShell.Supervisor.Wire.Tls;

/// <summary>The run's certificate authority: an ECDSA P-256 key made for this run that the tree
/// never sees (it gets only the certificate; the key goes from the child that made it, over a pipe
/// of ours, to supervisor memory: <see cref="RunCaChild"/>), and the leaf
/// certificates it signs, one per server name or address, minted on first use and cached (all
/// with one key of their own, made with the CA: a key per leaf would only cost time). A leaf for
/// a name of three labels or more also names its siblings (<c>*.parent</c>), so the first
/// connection to another host of the same domain does not wait for a leaf to be made.
/// Extensions follow what strict verifiers ask for (Python 3.13's VERIFY_X509_STRICT, OpenSSL 3):
/// a critical CA basic constraint with path length 0, key usages, subject and authority key ids.</summary>
internal sealed class RunAuthority : IDisposable
{
    // The signing half (the key, the certificate object, the leaf key) loads OpenSSL (~4.3 MiB
    // resident, issue 17): made on first use, when a production TLS connection arrives. Until then
    // the CA is the PEM the tree trusts and the key's PKCS#8 bytes from the child that made it
    // (RunCaChild). A key that does not import fails every handshake that needs it (refused).
    private readonly Lazy<Signing> _signing;
    private readonly ConcurrentDictionary<string, Lazy<SslStreamCertificateContext>> _leaves = new(StringComparer.OrdinalIgnoreCase);

    private RunAuthority(string pem, Func<Signing> signing)
    {
        Pem = pem;
        _signing = new Lazy<Signing>(signing, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The CA certificate (PEM, public part only): what the tree is told to trust.</summary>
    public string Pem { get; }

    /// <summary>The CA certificate's SHA-256 fingerprint (hex), for messages.</summary>
    public string Fingerprint => _signing.Value.Signer.GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>Makes a new CA for run <paramref name="runId"/>, valid from an hour ago for a year,
    /// in this process (OpenSSL loaded now).</summary>
    public static RunAuthority Create(string runId)
    {
        var made = Signing.Make(runId);
        string pem = made.Signer.ExportCertificatePem() + "\n";
        return new RunAuthority(pem, () => made);
    }

    /// <summary>A new CA's certificate (PEM) and key (PKCS#8), for <see cref="RunCaChild"/> to hand over.</summary>
    internal static (string Pem, byte[] Pkcs8) MakeParts(string runId)
    {
        using var made = Signing.Make(runId);
        return (made.Signer.ExportCertificatePem() + "\n", made.Key.ExportPkcs8PrivateKey());
    }

    /// <summary>The CA made elsewhere: <paramref name="pem"/> is its certificate, <paramref name="pkcs8"/>
    /// its key, imported (and the bytes cleared) at the first leaf. Nothing here loads OpenSSL.</summary>
    internal static RunAuthority FromParts(string pem, byte[] pkcs8) => new(pem, () => Signing.Import(pem, pkcs8));

    private sealed class Signing : IDisposable
    {
        public readonly ECDsa Key;
        public readonly ECDsa LeafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        public readonly X509Certificate2 Signer;
        // PERF: signed with the key itself, not through the CA certificate (which fetches its private
        // key again for every leaf: ~3 ms of a new host's first handshake); the same extension for all.
        public readonly X509SignatureGenerator Generator;
        public readonly X509AuthorityKeyIdentifierExtension AuthorityKeyId;

        private Signing(ECDsa key, X509Certificate2 signer)
        {
            Key = key;
            Signer = signer;
            Generator = X509SignatureGenerator.CreateForECDsa(key);
            AuthorityKeyId = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(signer, true, false);
        }

        public static Signing Make(string runId)
        {
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            try
            {
                var req = new CertificateRequest($"CN=AgentShell run {runId} CA, O=AgentShell", key, HashAlgorithmName.SHA256);
                req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
                req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
                req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
                var now = DateTimeOffset.UtcNow;
                return new Signing(key, req.CreateSelfSigned(now.AddHours(-1), now.AddYears(1)));
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }

        public static Signing Import(string pem, byte[] pkcs8)
        {
            var key = ECDsa.Create();
            try
            {
                key.ImportPkcs8PrivateKey(pkcs8, out _);
                var cert = X509Certificate2.CreateFromPem(pem);
                // The key must be the certificate's: a mismatch would sign leaves nobody can verify.
                using (var pub = cert.GetECDsaPublicKey())
                    if (pub == null || !pub.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
                        throw new CryptographicException("the run CA's key does not match its certificate");
                return new Signing(key, cert);
            }
            catch
            {
                key.Dispose();
                throw;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }

        public void Dispose()
        {
            Signer.Dispose();
            LeafKey.Dispose();
            Key.Dispose();
        }
    }

    /// <summary>The certificate (with its chain) to present for <paramref name="serverName"/>, or for
    /// <paramref name="address"/> when no name was asked for. Minted once per name, or found made
    /// for a sibling of the same domain.</summary>
    public SslStreamCertificateContext LeafFor(string? serverName, IPAddress address)
    {
        string key = serverName is { Length: > 0 } ? serverName : address.ToString();
        if (_leaves.TryGetValue(key, out var known)) return known.Value;
        // PERF: minting is most of a new host's first handshake (~1-3 ms); a sibling's leaf serves.
        string? siblings = Siblings(key);
        if (siblings != null && _leaves.TryGetValue(siblings, out var shared)) return shared.Value;
        var made = new Lazy<SslStreamCertificateContext>(() => Mint(key, siblings));
        var leaf = _leaves.GetOrAdd(key, made);
        if (siblings != null && ReferenceEquals(leaf, made)) _leaves.TryAdd(siblings, made);
        return leaf.Value;
    }

    /// <summary>"*.b.c" for "a.b.c": a wildcard covers one label, and verifiers (OpenSSL) want two
    /// labels under it. Null for an address, a name of two labels, a trailing dot or a wildcard.</summary>
    internal static string? Siblings(string name)
    {
        if (IPAddress.TryParse(name, out _) || name.Contains('*') || name.EndsWith('.')) return null;
        int dot = name.IndexOf('.');
        if (dot <= 0 || name.IndexOf('.', dot + 1) < 0) return null;
        return "*" + name[dot..];
    }

    private SslStreamCertificateContext Mint(string name, string? siblings)
    {
        var signing = _signing.Value;
        var req = new CertificateRequest(new X500DistinguishedName($"CN={Cn(name)}"), signing.LeafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
        else san.AddDnsName(name);
        if (siblings != null) san.AddDnsName(siblings);
        req.CertificateExtensions.Add(san.Build(true));
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(signing.AuthorityKeyId);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // positive
        var now = DateTimeOffset.UtcNow;
        using var cert = req.Create(signing.Signer.SubjectName, signing.Generator, now.AddHours(-1), now.AddDays(30), serial);
        var leaf = cert.CopyWithPrivateKey(signing.LeafKey);
        return SslStreamCertificateContext.Create(leaf, [], offline: true);
    }

    // A name as an X.500 common name: DNS names and address literals need no escaping but ',' '+' '=' and quotes would.
    private static string Cn(string name) => name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '_' or '*') ? name : "agentshell-leaf";

    /// <summary>Mints a leaf nobody asks for, so the first real one does not pay for loading the
    /// system trust store (a certificate context builds its chain; ~250 ms the first time). Call
    /// off the hot path.</summary>
    public void Warm() => LeafFor("agentshell-warm-up.invalid", IPAddress.Loopback);

    /// <summary>Loads the signing half and mints a leaf in the background (see <see cref="Warm"/>):
    /// called when the wire layer serves its first connection, ahead of that connection's handshake.</summary>
    public void WarmInBackground(TextWriter log) => _ = Task.Run(() =>
    {
        try { Warm(); }
        catch (Exception e) when (e is CryptographicException or IOException)
        {
            // Only a head start: the first real leaf is minted (or fails, refusing that handshake) when needed.
            log.WriteLine($"agentshell: warming the run's CA up failed: {e.Message}");
        }
    });

    public void Dispose()
    {
        if (_signing.IsValueCreated) _signing.Value.Dispose();
    }
}
