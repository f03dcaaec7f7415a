namespace AgentShell.Supervisor.Wire.Tls;

/// <summary>Hands the run's CA certificate to the tree through the variables TLS clients read their
/// trust from. A variable the person has not set points at the system bundle plus ours (for
/// NODE_EXTRA_CA_CERTS, which adds to Node's own list: ours alone); one they set points at a copy
/// of their file plus ours, so what they trusted stays trusted.</summary>
internal static class CaBundle
{
    /// <summary>The variables set for the tree, and what each one's value is read as.</summary>
    internal static readonly string[] Variables = ["SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO", "PGSSLROOTCERT"];

    // Where distributions keep the system bundle (OpenSSL's default file differs by distribution).
    private static readonly string[] SystemBundles =
        ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem", "/etc/ssl/cert.pem"];

    /// <summary>Where each variable will point (files in <paramref name="directory"/>, written by
    /// <see cref="Fill"/> before the tree starts): one file per bundle it extends, shared by the
    /// variables that extend the same one. <paramref name="getenv"/> reads the person's
    /// environment; a variable whose file cannot be read is left as they set it (its clients will
    /// not trust the run CA and fall back to the argv decision).</summary>
    internal static Dictionary<string, string> Plan(string directory, Func<string, string?> getenv, TextWriter log)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal); // what a file extends -> its name
        foreach (var v in Variables)
        {
            string? theirs = getenv(v);
            if (theirs is { Length: > 0 } && !File.Exists(theirs))
            {
                log.WriteLine($"agentshell: {v}={theirs} cannot be read; its clients will not trust the run CA (decided on argv)");
                continue;
            }
            string extends = theirs is { Length: > 0 } ? Path.GetFullPath(theirs) : v == "NODE_EXTRA_CA_CERTS" ? "" : SystemSource;
            if (!files.TryGetValue(extends, out var name)) files[extends] = name = Path.Combine(directory, $"bundle-{files.Count}.pem");
            values[v] = name;
        }
        return values;
    }

    /// <summary>Writes the files of <paramref name="plan"/> (directory 0700, files 0444): the bundle
    /// each extends, then <paramref name="caPem"/> (null: the CA could not be made; the files still
    /// hold what the clients trusted before). PERF: each bundle is read and written once, as bytes.</summary>
    internal static void Fill(string directory, IReadOnlyDictionary<string, string> plan, string? caPem, Func<string, string?> getenv)
    {
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var ours = System.Text.Encoding.ASCII.GetBytes(caPem ?? "");
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (v, path) in plan)
        {
            if (!written.Add(path)) continue;
            string? theirs = getenv(v);
            byte[] first = theirs is { Length: > 0 } ? TryRead(theirs) ?? [] : v == "NODE_EXTRA_CA_CERTS" ? [] : SystemBundleBytes() ?? [];
            using (var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                f.Write(first);
                if (first.Length > 0 && first[^1] != (byte)'\n') f.WriteByte((byte)'\n');
                f.Write(ours);
            }
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    // The key under which the system bundle is planned (no person's path can equal it).
    private const string SystemSource = "\0system";

    private static byte[]? SystemBundleBytes()
    {
        foreach (var f in SystemBundles)
            if (TryRead(f) is { } bytes) return bytes;
        return null;
    }

    /// <summary>The system's CA bundle, or null when none of the known places has one.</summary>
    internal static string? SystemBundle() => SystemBundleBytes() is { } b ? System.Text.Encoding.UTF8.GetString(b) : null;

    private static byte[]? TryRead(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null; // not there, or not ours to read: the caller says so or tries the next place
        }
    }
}
