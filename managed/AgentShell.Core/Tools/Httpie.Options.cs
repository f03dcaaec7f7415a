namespace AgentShell.Core.Tools;

public static partial class Httpie
{
    /// <summary>HTTPie 3's options (httpie/cli/definition.py; Python argparse: unique prefixes,
    /// <c>--name=value</c>, bundled flags, options between the method, URL and items, and a
    /// <c>--no-</c> form of every option) and xh's (clap, which adds --bearer, --resolve,
    /// --unix-socket, --curl, …): the union of both.</summary>
    public static readonly OptionTable Options = new("http", OptionRules.Getopt | OptionRules.NoPrefix | OptionRules.NegateValued, """
        -j --json
        -f --form
           --multipart
           --boundary <boundary>
           --raw <data>
        -x --compress
           --pretty <mode>
        -s --style <style>
           --unsorted
           --sorted
           --response-charset <encoding>
           --response-mime <mime>
           --format-options <options>
        -p --print <what>
        -h --headers
        -m --meta
        -b --body
        -v --verbose
           --all
        -P --history-print <what>
        -S --stream
        -o --output <file>
        -d --download
        -c --continue
        -q --quiet
           --session <session>
           --session-read-only <session>
        -a --auth <credentials>
        -A --auth-type <type>
           --bearer <token>
           --ignore-netrc
           --offline
           --proxy <protocol:url>
        -F --follow
           --max-redirects <n>
           --max-headers <n>
           --timeout <seconds>
           --check-status
           --path-as-is
           --chunked
           --verify <verify>
           --ssl <version>
           --ciphers <ciphers>
           --cert <file>
           --cert-key <file>
           --cert-key-pass <password>
        -I --ignore-stdin
           --help
           --version
           --traceback
           --default-scheme <scheme>
           --debug
           --https
           --http-version <version>
           --resolve <host:port:address>
           --interface <name>
           --unix-socket <path>
        -4 --ipv4
        -6 --ipv6
           --curl
           --curl-long
           --generate <kind>
        """);
}
