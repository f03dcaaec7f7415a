using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>A test CA and a server certificate it signs for 127.0.0.2 (and prod.test, lax.prod.test), its
/// certificate written to a PEM file: agentshell is given it through SSL_CERT_FILE to verify the
/// stand-in for production; a client given it alone trusts the server but not the run's CA.</summary>
internal sealed class TestCa : IDisposable
{
    internal string PemFile { get; }
    internal X509Certificate2 Server { get; }
    private readonly string _dir;

    internal TestCa()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-testca-").FullName;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=AgentShell test CA", caKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = caReq.CreateSelfSigned(now.AddHours(-1), now.AddDays(2));
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=prod.test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("prod.test");
        san.AddDnsName("lax.prod.test"); // a second production name on the same address (WireServerNameTests)
        san.AddIpAddress(IPAddress.Parse("127.0.0.2"));
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var cert = req.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        // Through PKCS#12 so the key is usable by SslStream on every platform.
        Server = X509CertificateLoader.LoadPkcs12(cert.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
        PemFile = Path.Combine(_dir, "test-ca.pem");
        File.WriteAllText(PemFile, ca.ExportCertificatePem() + "\n");
    }

    public void Dispose()
    {
        Server.Dispose();
        Directory.Delete(_dir, true);
    }
}

/// <summary>An HTTP/1.1 server standing in for production on 127.0.0.2, plain or TLS (with
/// <see cref="TestCa"/>'s certificate): keep-alive, Content-Length and chunked bodies, and a record
/// of every request with the connection it came on. Answers 200 "ok".</summary>
internal sealed class ProductionServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2? _cert;
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    internal sealed record Request(int Connection, string Method, string Path, string Body);

    internal ConcurrentQueue<Request> Requests { get; } = new();
    internal int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    internal int Connections => Volatile.Read(ref _connections);
    internal string Url(string path) => $"{(_cert != null ? "https" : "http")}://127.0.0.2:{Port}{path}";

    internal ProductionServer(X509Certificate2? cert = null)
    {
        _cert = cert;
        _listener = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        _listener.Start();
        _ = AcceptLoop();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient c;
            try { c = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Serve(c, Interlocked.Increment(ref _connections));
        }
    }

    private async Task Serve(TcpClient c, int connection)
    {
        using (c)
        {
            try
            {
                Stream s = c.GetStream();
                if (_cert != null)
                {
                    var ssl = new SslStream(s);
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _cert }, _stop.Token);
                    s = ssl;
                }
                var r = new StreamReader(s, Encoding.Latin1);
                while (true)
                {
                    var line = await r.ReadLineAsync(_stop.Token);
                    if (string.IsNullOrEmpty(line)) return;
                    var parts = line.Split(' ');
                    int length = 0;
                    bool chunked = false, close = false;
                    string? h;
                    while (!string.IsNullOrEmpty(h = await r.ReadLineAsync(_stop.Token)))
                    {
                        if (h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(h[15..].Trim());
                        if (h.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase)) chunked = true;
                        if (h.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase) && h.Contains("close", StringComparison.OrdinalIgnoreCase)) close = true;
                    }
                    var body = new StringBuilder();
                    if (chunked)
                    {
                        int size;
                        while ((size = Convert.ToInt32((await r.ReadLineAsync(_stop.Token))!.Split(';')[0], 16)) > 0)
                        {
                            var buf = new char[size];
                            await r.ReadBlockAsync(buf, _stop.Token);
                            body.Append(buf);
                            await r.ReadLineAsync(_stop.Token);
                        }
                        while (!string.IsNullOrEmpty(await r.ReadLineAsync(_stop.Token))) { }
                    }
                    else if (length > 0)
                    {
                        var buf = new char[length];
                        await r.ReadBlockAsync(buf, _stop.Token);
                        body.Append(buf);
                    }
                    Requests.Enqueue(new Request(connection, parts[0], parts.Length > 1 ? parts[1] : "", body.ToString()));
                    await s.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"u8.ToArray(), _stop.Token);
                    await s.FlushAsync(_stop.Token);
                    if (close) return;
                }
            }
            catch (Exception)
            {
                // A client that went away, or one that refused our certificate: nothing to serve.
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
