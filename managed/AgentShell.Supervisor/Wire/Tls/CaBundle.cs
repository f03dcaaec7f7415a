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
    /// <see cref="Fill"/> before the tree starts). <paramref name="getenv"/> reads the person's
    /// environment; a variable whose file cannot be read is left as they set it (its clients will
    /// not trust the run CA and fall back to the argv decision).</summary>
    internal static Dictionary<string, string> Plan(string directory, Func<string, string?> getenv, TextWriter log)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in Variables)
        {
            string? theirs = getenv(v);
            if (theirs is { Length: > 0 } && !File.Exists(theirs))
                log.WriteLine($"agentshell: {v}={theirs} cannot be read; its clients will not trust the run CA (decided on argv)");
            else if (theirs is { Length: > 0 })
                values[v] = Path.Combine(directory, v.ToLowerInvariant() + ".pem");
            else
                values[v] = Path.Combine(directory, v == "NODE_EXTRA_CA_CERTS" ? "run-ca.pem" : "bundle.pem");
        }
        return values;
    }

    /// <summary>Writes the files of <paramref name="plan"/> (directory 0700, files 0444): the
    /// person's file or the system bundle, then <paramref name="caPem"/> (null: the CA could not be
    /// made; the files still hold what the clients trusted before).</summary>
    internal static void Fill(string directory, IReadOnlyDictionary<string, string> plan, string? caPem, Func<string, string?> getenv)
    {
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string? system = null;
        foreach (var (v, path) in plan)
        {
            if (File.Exists(path)) continue; // bundle.pem is shared by several variables
            string first = getenv(v) is { Length: > 0 } theirs ? TryRead(theirs) ?? ""
                : v == "NODE_EXTRA_CA_CERTS" ? "" : system ??= SystemBundle() ?? "";
            string sep = first.Length > 0 && !first.EndsWith('\n') ? "\n" : "";
            File.WriteAllText(path, first + sep + (caPem ?? ""));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    /// <summary>The system's CA bundle, or null when none of the known places has one.</summary>
    internal static string? SystemBundle()
    {
        foreach (var f in SystemBundles)
            if (TryRead(f) is { } text) return text;
        return null;
    }

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null; // not there, or not ours to read: the caller says so or tries the next place
        }
    }
}
