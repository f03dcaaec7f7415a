using System.Net;
using System.Net.Security;
using System.Security.Authentication;

namespace AgentShell.Supervisor.Wire.Tls;

/// <summary>Both TLS ends of a terminated connection: toward the client, our leaf certificate
/// signed by the run's CA; toward the destination, a client handshake verified against the system
/// trust store (.NET reads it through OpenSSL's defaults, so SSL_CERT_FILE and SSL_CERT_DIR in
/// agentshell's own environment apply). A destination that cannot be verified is refused, never
/// reached without verification.</summary>
internal sealed class TlsTermination(RunAuthority authority)
{
    /// <summary>How long either handshake may take.</summary>
    internal static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The run's CA.</summary>
    public RunAuthority Authority { get; } = authority;

    /// <summary>Server side of TLS over <paramref name="client"/>, presenting a certificate for
    /// <paramref name="serverName"/> (or <paramref name="address"/>). Throws when the handshake fails
    /// (the client does not trust the run CA, or offered nothing we speak).</summary>
    public SslStream Accept(Stream client, string? serverName, IPAddress address, IReadOnlyList<SslApplicationProtocol>? protocols)
    {
        var ssl = new SslStream(new TlsTransport(client), leaveInnerStreamOpen: false);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = Authority.LeafFor(IPAddress.TryParse(serverName, out _) ? null : serverName, address),
            ApplicationProtocols = protocols is { Count: > 0 } ? [.. protocols] : null,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        try
        {
            using (Deadline(client)) ssl.AuthenticateAsServer(options);
            return ssl;
        }
        catch
        {
            ssl.Dispose();
            throw;
        }
    }

    /// <summary>Client side of TLS over <paramref name="upstream"/> to <paramref name="serverName"/>
    /// (a host name, or an address literal matched against the certificate's IP names), verified
    /// against the system trust store; throws <see cref="WireUpstreamException"/> when it cannot be.</summary>
    public SslStream ConnectUpstream(Stream upstream, string serverName, SslApplicationProtocol? protocol)
    {
        var ssl = new SslStream(new TlsTransport(upstream), leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            ApplicationProtocols = protocol is { } p ? [p] : null,
            // Revocation lists would be fetched from the network on the request's path; the chain
            // and the name are verified (the default validation: no callback accepts anything else).
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        try
        {
            using (Deadline(upstream)) ssl.AuthenticateAsClient(options);
            return ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            ssl.Dispose();
            string why = e is AuthenticationException ? $"its certificate cannot be verified for {serverName} ({Inner(e)})" : $"the TLS handshake with it failed ({Inner(e)})";
            throw new WireUpstreamException(why, e);
        }
    }

    /// <summary>Bounds a handshake's blocking reads (the peer may never answer); lifted after it.</summary>
    private static IDisposable Deadline(Stream s)
    {
        int ms = (int)HandshakeTimeout.TotalMilliseconds;
        s.ReadTimeout = ms;
        return new Lift(s);
    }

    private sealed class Lift(Stream s) : IDisposable
    {
        public void Dispose()
        {
            try { s.ReadTimeout = Timeout.Infinite; }
            catch (ObjectDisposedException) { } // the stream went with a failed handshake: nothing to lift
        }
    }

    private static string Inner(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e.Message;
    }
}
