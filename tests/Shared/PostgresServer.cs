using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentShell.Tests.Shared;

/// <summary>How a test's PostgreSQL is set up beyond the defaults (trust for everyone).</summary>
/// <param name="Settings">postgresql.conf lines (<c>password_encryption = scram-sha-256</c>).</param>
/// <param name="HbaLines">pg_hba.conf lines placed before the trust lines (<c>host all app 127.0.0.1/32 scram-sha-256</c>).</param>
/// <param name="CertificatePem">The server certificate (PEM) for ssl = on, with <paramref name="KeyPem"/>.</param>
/// <param name="KeyPem">Its private key (PKCS#8 PEM).</param>
internal sealed record PostgresServerOptions(IReadOnlyList<string>? Settings = null, IReadOnlyList<string>? HbaLines = null,
    string? CertificatePem = null, string? KeyPem = null);

/// <summary>A real PostgreSQL server listening on a loopback address (127.0.0.2 = production in the
/// demo profile), in a temporary data directory, run as the `postgres` user when we are root.</summary>
internal sealed class PostgresServer : IDisposable
{
    private readonly string _dir;
    private readonly string _bin;
    private readonly bool _asPostgres;

    internal string Host { get; }
    internal int Port { get; }

    internal PostgresServer(string host, PostgresServerOptions? options = null)
    {
        Host = host;
        var bins = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).ToList() : [];
        if (bins.Count == 0) throw new InvalidOperationException("PostgreSQL server binaries are not installed (scripts/setup.sh installs postgresql)");
        _bin = bins[0];
        _asPostgres = Environment.UserName == "root";
        _dir = Directory.CreateTempSubdirectory("agentshell-pg-").FullName;
        Port = FreePort(host);
        if (_asPostgres) Run("chown", "-R", "postgres:postgres", _dir);
        Pg("initdb", "-D", Path.Combine(_dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync");
        if (options != null) Configure(Path.Combine(_dir, "data"), options);
        Pg("pg_ctl", "-D", Path.Combine(_dir, "data"), "-w", "-t", "30", "-l", Path.Combine(_dir, "log"),
           "-o", $"-c listen_addresses={host} -p {Port} -k {_dir} -c fsync=off", "start");
    }

    private void Configure(string data, PostgresServerOptions o)
    {
        var conf = new List<string>(o.Settings ?? []);
        if (o.CertificatePem != null && o.KeyPem != null)
        {
            File.WriteAllText(Path.Combine(data, "server.crt"), o.CertificatePem);
            File.WriteAllText(Path.Combine(data, "server.key"), o.KeyPem);
            File.SetUnixFileMode(Path.Combine(data, "server.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            conf.AddRange(["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]);
        }
        File.AppendAllLines(Path.Combine(data, "postgresql.conf"), conf);
        var hba = Path.Combine(data, "pg_hba.conf");
        File.WriteAllLines(hba, [.. o.HbaLines ?? [], .. File.ReadAllLines(hba)]);
        if (_asPostgres) Run("chown", "-R", "postgres:postgres", data);
    }

    /// <summary>psql run by the test itself (outside any supervision).</summary>
    internal string Sql(string sql)
    {
        var psi = new ProcessStartInfo("psql", ["-h", Host, "-p", Port.ToString(), "-U", "postgres", "-d", "postgres", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd();
        var e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"psql failed: {e}");
        return o.Trim();
    }

    internal bool TableExists(string name) => Sql($"SELECT count(*) FROM pg_tables WHERE tablename = '{name}'") == "1";

    private void Pg(string tool, params string[] args)
    {
        var exe = Path.Combine(_bin, tool);
        if (_asPostgres) Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        else Run(exe, args);
    }

    private static void Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({p.ExitCode}): {e}{o.Result}");
    }

    private static int FreePort(string host)
    {
        var l = new TcpListener(IPAddress.Parse(host), 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        try { Pg("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "stop"); }
        catch (InvalidOperationException) { }
        Directory.Delete(_dir, true);
    }
}
