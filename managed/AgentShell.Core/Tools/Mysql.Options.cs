namespace AgentShell.Core.Tools;

public static partial class Mysql
{
    // my_getopt (MySQL and MariaDB clients): unique prefixes, - and _ alike, --name=value or the
    // next word, bundles with an attached value (-uroot), options after the database, --, and the
    // prefixes skip-/disable- (off, also for options with a value: --skip-password) and
    // enable-/loose-. A value that is optional (-p, --pager) is taken only when attached.
    internal const OptionRules MyGetopt = OptionRules.Getopt | OptionRules.NoPrefix | OptionRules.NegateValued | OptionRules.UnderscoreIsDash | OptionRules.PrefixesLast;

    // The TLS options every MySQL and MariaDB client reads (their shared client option block).
    private const string Tls = """
        --ssl
        --ssl-ca <file>
        --ssl-capath <dir>
        --ssl-cert <file>
        --ssl-cipher <list>
        --ssl-crl <file>
        --ssl-crlpath <dir>
        --ssl-fips-mode <mode>
        --ssl-key <file>
        --ssl-mode <mode>
        --ssl-verify-server-cert
        --tls-ciphersuites <list>
        --tls-version <list>

        """;

    /// <summary>The mysql/mariadb client's options: the union of MySQL 8.4's and MariaDB 11's
    /// manuals (no client is installed here to compare with).</summary>
    public static readonly OptionTable Options = new("mysql", MyGetopt, Tls + """
        -? -I --help
        -# --debug [options]
        -A --no-auto-rehash
        -B --batch
        -C --compress
        -D --database <db>
        -E --vertical
        -G --named-commands
        -H --html
        -L --skip-line-numbers
        -N --skip-column-names
        -P --port <port>
        -S --socket <path>
        -T --debug-info
        -U --safe-updates --i-am-a-dummy
        -V --version
        -W --pipe
        -X --xml
        -b --no-beep
        -c --comments
        -e --execute <statement>
        -f --force
        -h --host <host>
        -i --ignore-spaces
        -j --syslog
        -n --unbuffered
        -o --one-database
        -p --password [password]
        -q --quick
        -r --raw
        -s --silent
        -t --table
        -u --user <user>
        -v --verbose
        -w --wait
           --abort-source-on-error
           --authentication-oci-client-config-profile <profile>
           --auto-rehash
           --auto-vertical-output
           --binary-as-hex
           --binary-mode
           --bind-address <address>
           --character-sets-dir <dir>
           --column-names
           --column-type-info
           --commands
           --compression-algorithms <list>
           --connect-expired-password
           --connect-timeout <seconds>
           --debug-check
           --default-auth <plugin>
           --default-character-set <charset>
           --defaults-extra-file <file>
           --defaults-file <file>
           --defaults-group-suffix <suffix>
           --delimiter <string>
           --dns-srv-name <name>
           --enable-cleartext-plugin
           --fido-register-factor <factor>
           --get-server-public-key
           --histignore <patterns>
           --init-command <statement>
           --init-command-add <statement>
           --line-numbers
           --load-data-local-dir <dir>
           --local-infile [0|1]
           --login-path <name>
           --max-allowed-packet <bytes>
           --max-join-size <rows>
           --max-statement-time <seconds>
           --net-buffer-length <bytes>
           --network-namespace <name>
           --no-defaults
           --oci-config-file <file>
           --pager [command]
           --password1 [password]
           --password2 [password]
           --password3 [password]
           --plugin-authentication-kerberos-client-mode <mode>
           --plugin-authentication-webauthn-client-preserve-privacy
           --plugin-dir <dir>
           --print-defaults
           --print-query-on-error
           --progress-reports
           --prompt <format>
           --protocol <type>
           --quick-max-column-width <width>
           --reconnect
           --register-factor <factor>
           --sandbox
           --script-dir <dir>
           --secure-auth
           --select-limit <rows>
           --server-arg <arg>
           --server-public-key-path <file>
           --shared-memory-base-name <name>
           --show-warnings
           --sigint-ignore
           --ssl-session-data <file>
           --ssl-session-data-continue-on-failed-reuse
           --system-command
           --tee <file>
           --telemetry-client
           --tls-sni-servername <name>
           --zstd-compression-level <level>
        """) { NegationPrefixes = ["skip-", "disable-"], PlainPrefixes = ["enable-", "loose-"] };

    /// <summary>mysqladmin's options (MySQL 8.4 and MariaDB 11 manuals); its commands are operands.</summary>
    public static readonly OptionTable AdminOptions = new("mysqladmin", MyGetopt, Tls + """
        -? -I --help
        -# --debug [options]
        -C --compress
        -E --vertical
        -P --port <port>
        -S --socket <path>
        -V --version
        -b --no-beep
        -c --count <n>
        -f --force
        -h --host <host>
        -i --sleep <seconds>
        -p --password [password]
        -r --relative
        -s --silent
        -u --user <user>
        -v --verbose
        -w --wait [count]
           --bind-address <address>
           --character-sets-dir <dir>
           --compression-algorithms <list>
           --connect-timeout <seconds>
           --debug-check
           --debug-info
           --default-auth <plugin>
           --default-character-set <charset>
           --defaults-extra-file <file>
           --defaults-file <file>
           --defaults-group-suffix <suffix>
           --enable-cleartext-plugin
           --get-server-public-key
           --login-path <name>
           --no-defaults
           --plugin-dir <dir>
           --print-defaults
           --protocol <type>
           --server-public-key-path <file>
           --show-warnings
           --shutdown-timeout <seconds>
           --zstd-compression-level <level>
        """) { NegationPrefixes = ["skip-", "disable-"], PlainPrefixes = ["enable-", "loose-"] };
}
