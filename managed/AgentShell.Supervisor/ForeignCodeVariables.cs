namespace AgentShell.Supervisor;

/// <summary>Environment variables that make a program load or run code (or commands) that are not
/// its own: a tool trusted with production because its command line was understood is not that
/// tool when one of these is set (rule <see cref="SupervisorRules.ForeignCode"/>). Data, one
/// place: the dynamic loader's whole LD_ family and the like for the libraries and runtimes the
/// parsed tools are built on.</summary>
internal static class ForeignCodeVariables
{
    /// <summary>Every variable whose name starts with one of these (glibc's ld.so reads LD_PRELOAD,
    /// LD_AUDIT, LD_LIBRARY_PATH, LD_PROFILE, ...; all of them count).</summary>
    internal static readonly string[] Prefixes = ["LD_"];

    /// <summary>Variables by exact name, with what loads through them.</summary>
    internal static readonly (string Name, string Loads)[] Names =
    [
        ("GLIBC_TUNABLES", "glibc and ld.so settings"),
        ("GCONV_PATH", "iconv modules (glibc dlopens them)"),
        ("OPENSSL_CONF", "an OpenSSL configuration, which can load engines and providers"),
        ("OPENSSL_CONF_INCLUDE", "OpenSSL configuration includes"),
        ("OPENSSL_MODULES", "OpenSSL provider modules"),
        ("OPENSSL_ENGINES", "OpenSSL engines"),
        ("KRB5_CONFIG", "a Kerberos configuration, which can name plugin modules (GSSAPI in libpq, curl)"),
        ("GSS_MECH_CONFIG", "GSSAPI mechanism modules"),
        ("SASL_PATH", "SASL plugins"),
        ("PSQLRC", "a psql start-up file, run before -c"),
        ("NODE_OPTIONS", "Node.js options such as --require (mongosh)"),
        ("NODE_PATH", "Node.js module directories"),
        ("PYTHONPATH", "Python modules (httpie, aws, az, gcloud)"),
        ("PYTHONHOME", "the Python standard library"),
        ("PYTHONUSERBASE", "Python site-packages, whose .pth files run code"),
        ("PYTHONSTARTUP", "a Python start-up script"),
        ("PYTHONPLATLIBDIR", "the Python library directory"),
        ("RUBYOPT", "Ruby options such as -r"),
        ("RUBYLIB", "Ruby library directories"),
        ("PERL5OPT", "Perl options such as -M"),
        ("PERL5LIB", "Perl library directories"),
        ("PERLLIB", "Perl library directories"),
        ("PERL5DB", "a Perl debugger"),
        ("JAVA_TOOL_OPTIONS", "JVM options such as -javaagent"),
        ("_JAVA_OPTIONS", "JVM options such as -javaagent"),
        ("JDK_JAVA_OPTIONS", "JVM options such as -javaagent"),
        ("CLASSPATH", "Java classes"),
        ("DOTNET_STARTUP_HOOKS", ".NET start-up hook assemblies"),
        ("CORECLR_PROFILER_PATH", "a .NET profiler library"),
    ];

    /// <summary>The list as one sentence fragment (the rule's explanation).</summary>
    internal static string Described { get; } =
        string.Join(", ", Prefixes.Select(p => p + "*").Concat(Names.Select(n => n.Name)));

    private static readonly byte[][] PrefixBytes = Prefixes.Select(System.Text.Encoding.ASCII.GetBytes).ToArray();
    private static readonly byte[][] NameBytes = Names.Select(n => System.Text.Encoding.ASCII.GetBytes(n.Name)).ToArray();

    /// <summary>True when the variable named <paramref name="name"/> (its bytes) is one of these. An
    /// ASCII name is its own bytes, and no other decodes to a name here.</summary>
    internal static bool Matches(ReadOnlySpan<byte> name)
    {
        foreach (var p in PrefixBytes) if (name.StartsWith(p)) return true;
        foreach (var n in NameBytes) if (name.SequenceEqual(n)) return true;
        return false;
    }

    /// <summary>The first entry of the exec's environment <paramref name="envp"/> (as read from its
    /// memory) that sets one of the variables to something (not empty), or null. Every entry counts,
    /// not only the first of a name: an environment can name a variable twice, and what reads it does
    /// not always take the first (ld.so takes the last LD_PRELOAD, where getenv(3) and
    /// <see cref="Core.Config.IExecContext.GetEnvironmentVariable"/> see the first, empty, one).
    /// PERF: compared as bytes, nothing allocated but the name found (one string a name per
    /// variable, ~40 an exec, and a lookup of each, for every parsed exec let go before).</summary>
    internal static string? FirstSet(in Core.Model.Argv envp)
    {
        for (int i = 0; i < envp.Count; i++)
        {
            var kv = envp[i];
            int eq = kv.IndexOf((byte)'=');
            if (eq <= 0 || eq == kv.Length - 1) continue; // no name, or set to nothing
            var name = kv[..eq];
            if (Matches(name)) return System.Text.Encoding.UTF8.GetString(name);
        }
        return null;
    }

    /// <summary>As <see cref="FirstSet(in Core.Model.Argv)"/>, for an environment joined as the
    /// kernel lays it out (each entry followed by its NUL: <see cref="CommittedExec.Environment"/>).</summary>
    internal static string? FirstSet(ReadOnlySpan<byte> joined)
    {
        while (!joined.IsEmpty)
        {
            int end = joined.IndexOf((byte)0);
            var kv = end < 0 ? joined : joined[..end];
            joined = end < 0 ? default : joined[(end + 1)..];
            int eq = kv.IndexOf((byte)'=');
            if (eq <= 0 || eq == kv.Length - 1) continue; // no name, or set to nothing
            if (Matches(kv[..eq])) return System.Text.Encoding.UTF8.GetString(kv[..eq]);
        }
        return null;
    }

    /// <summary>The first variable set (non-empty) among the exact names and the loader's
    /// best-known ones, looked up through <paramref name="get"/>: for a context whose environment
    /// cannot be listed (not read from a process).</summary>
    internal static string? FirstSet(Func<string, string?> get)
    {
        foreach (var (n, _) in Names) if (get(n) is { Length: > 0 }) return n;
        foreach (var n in (string[])["LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "LD_PROFILE"]) if (get(n) is { Length: > 0 }) return n;
        return null;
    }
}
