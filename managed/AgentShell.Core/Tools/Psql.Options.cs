namespace AgentShell.Core.Tools;

public static partial class Psql
{
    /// <summary>psql's options (PostgreSQL 15 src/bin/psql/startup.c, <c>psql --help</c>), read
    /// with glibc getopt_long: unique prefixes (<c>--comm</c>), <c>--name=value</c>, bundles
    /// (<c>-tAc SQL</c>), options after the database name. <c>--cluster VERSION/CLUSTER</c> is
    /// Debian's pg_wrapper's (<c>/usr/bin/psql</c>), which removes it before psql runs.</summary>
    public static readonly OptionTable Options = new("psql", OptionRules.Getopt, """
        -a --echo-all
        -A --no-align
        -b --echo-errors
        -c --command <command>
        -d --dbname <dbname>
        -e --echo-queries
        -E --echo-hidden
        -f --file <filename>
        -F --field-separator <string>
        -z --field-separator-zero
        -h --host <hostname>
        -H --html
        -l --list
        -L --log-file <filename>
        -n --no-readline
        -1 --single-transaction
        -o --output <filename>
        -p --port <port>
        -P --pset <var[=arg]>
        -q --quiet
        -R --record-separator <string>
        -0 --record-separator-zero
        -s --single-step
        -S --single-line
        -t --tuples-only
        -T --table-attr <text>
        -U --username <username>
        -v --set --variable <name=value>
        -V --version
        -w --no-password
        -W --password
        -x --expanded
        -X --no-psqlrc
        -? --help [topic]
           --csv
           --cluster <version/cluster>
        """);
}
