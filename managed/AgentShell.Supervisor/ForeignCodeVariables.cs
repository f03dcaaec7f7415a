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

    private static readonly HashSet<string> ByName = Names.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>True when <paramref name="name"/> is one of the variables.</summary>
    internal static bool Matches(string name)
    {
        if (ByName.Contains(name)) return true;
        foreach (var p in Prefixes) if (name.StartsWith(p, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>The first variable set (non-empty) in an exec's environment, or null.
    /// <paramref name="names"/>: every variable name of the environment, when known; else only the
    /// exact names and the loader's best-known ones are looked up.</summary>
    internal static string? FirstSet(Func<string, string?> get, IEnumerable<string>? names)
    {
        if (names != null)
        {
            foreach (var n in names) if (Matches(n) && get(n) is { Length: > 0 }) return n;
            return null;
        }
        foreach (var (n, _) in Names) if (get(n) is { Length: > 0 }) return n;
        foreach (var n in (string[])["LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "LD_PROFILE"]) if (get(n) is { Length: > 0 }) return n;
        return null;
    }
}
