namespace AgentShell.Core.Config;

/// <summary>curl's long options as curl resolves them: every name of <c>curl --help all</c> (7.88)
/// and the later 8.x ones, <c>=</c> marking those that take a value. A name given on the command
/// line or in a config file may be abbreviated (a unique prefix) and is not case-sensitive; a
/// boolean one may be negated with <c>no-</c>.</summary>
internal static class CurlOptions
{
    private const string Table =
        "abstract-unix-socket= alt-svc= anyauth append aws-sigv4= basic cacert= capath= cert= cert-status cert-type= " +
        "ciphers= compressed compressed-ssh config= connect-timeout= connect-to= continue-at= cookie= cookie-jar= " +
        "create-dirs create-file-mode= crlf crlfile= curves= data= data-ascii= data-binary= data-raw= data-urlencode= " +
        "delegation= digest disable disable-eprt disable-epsv disallow-username-in-url dns-interface= dns-ipv4-addr= " +
        "dns-ipv6-addr= dns-servers= doh-cert-status doh-insecure doh-url= dump-header= egd-file= engine= etag-compare= " +
        "etag-save= expect100-timeout= fail fail-early fail-with-body false-start form= form-escape form-string= " +
        "ftp-account= ftp-alternative-to-user= ftp-create-dirs ftp-method= ftp-pasv ftp-port= ftp-pret ftp-skip-pasv-ip " +
        "ftp-ssl-ccc ftp-ssl-ccc-mode= ftp-ssl-control get globoff happy-eyeballs-timeout-ms= haproxy-protocol head " +
        "header= help hostpubmd5= hostpubsha256= hsts= http0.9 http1.0 http1.1 http2 http2-prior-knowledge http3 " +
        "http3-only ignore-content-length include insecure interface= ipv4 ipv6 json= junk-session-cookies " +
        "keepalive-time= key= key-type= krb= libcurl= limit-rate= list-only local-port= location location-trusted " +
        "login-options= mail-auth= mail-from= mail-rcpt= mail-rcpt-allowfails manual max-filesize= max-redirs= " +
        "max-time= metalink negotiate netrc netrc-file= netrc-optional next no-alpn no-buffer no-clobber no-keepalive " +
        "no-npn no-progress-meter no-sessionid noproxy= ntlm ntlm-wb oauth2-bearer= output= output-dir= parallel " +
        "parallel-immediate parallel-max= pass= path-as-is pinnedpubkey= post301 post302 post303 preproxy= progress-bar " +
        "proto= proto-default= proto-redir= proxy= proxy-anyauth proxy-basic proxy-cacert= proxy-capath= proxy-cert= " +
        "proxy-cert-type= proxy-ciphers= proxy-crlfile= proxy-digest proxy-header= proxy-insecure proxy-key= " +
        "proxy-key-type= proxy-negotiate proxy-ntlm proxy-pass= proxy-pinnedpubkey= proxy-service-name= " +
        "proxy-ssl-allow-beast proxy-ssl-auto-client-cert proxy-tls13-ciphers= proxy-tlsauthtype= proxy-tlspassword= " +
        "proxy-tlsuser= proxy-tlsv1 proxy-user= proxy1.0= proxytunnel pubkey= quote= random-file= range= rate= raw " +
        "referer= remote-header-name remote-name remote-name-all remote-time remove-on-error request= request-target= " +
        "resolve= retry= retry-all-errors retry-connrefused retry-delay= retry-max-time= sasl-authzid= sasl-ir " +
        "service-name= show-error silent socks4= socks4a= socks5= socks5-basic socks5-gssapi socks5-gssapi-nec " +
        "socks5-gssapi-service= socks5-hostname= speed-limit= speed-time= ssl ssl-allow-beast ssl-auto-client-cert " +
        "ssl-no-revoke ssl-reqd ssl-revoke-best-effort sslv2 sslv3 stderr= styled-output suppress-connect-headers " +
        "tcp-fastopen tcp-nodelay telnet-option= tftp-blksize= tftp-no-options time-cond= tls-max= tls13-ciphers= " +
        "tlsauthtype= tlspassword= tlsuser= tlsv1 tlsv1.0 tlsv1.1 tlsv1.2 tlsv1.3 tr-encoding trace= trace-ascii= " +
        "trace-time unix-socket= upload-file= url= url-query= use-ascii user= user-agent= verbose version write-out= " +
        "xattr " +
        // curl 8.x
        "variable= ca-native proxy-ca-native ech= ip-tos= vlan-priority= mptcp proxy-http2 skip-existing ssl-sessions= " +
        "upload-flags= knownhosts= sigalgs= trace-config= trace-ids dump-ca-embed out-null follow parallel-max-host= " +
        "expand-data= expand-data-ascii= expand-data-binary= expand-data-raw= expand-data-urlencode= expand-json= " +
        "expand-header= expand-url= expand-output= expand-form= expand-form-string= expand-request= expand-user= " +
        "expand-user-agent= expand-referer= expand-cookie= expand-upload-file= expand-request-target= expand-proxy-header=";

    private static readonly (string Name, bool Valued)[] All =
        Table.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(n => n.EndsWith('=') ? (n[..^1], true) : (n, false)).ToArray();

    // PERF: exact names (the common case, and every canonical name folding produces) in a hash
    // table; only an abbreviation scans the list.
    private static readonly Dictionary<string, (string Name, bool Valued)> Exact =
        All.ToDictionary(o => o.Name, o => o, StringComparer.OrdinalIgnoreCase);

    /// <summary>Short option letters and their long names.</summary>
    internal static readonly Dictionary<char, string> Short = new()
    {
        ['a'] = "append", ['E'] = "cert", ['K'] = "config", ['C'] = "continue-at", ['b'] = "cookie", ['c'] = "cookie-jar",
        ['d'] = "data", ['q'] = "disable", ['D'] = "dump-header", ['f'] = "fail", ['F'] = "form", ['P'] = "ftp-port", ['G'] = "get",
        ['g'] = "globoff", ['I'] = "head", ['H'] = "header", ['h'] = "help", ['0'] = "http1.0", ['i'] = "include", ['k'] = "insecure",
        ['4'] = "ipv4", ['6'] = "ipv6", ['j'] = "junk-session-cookies", ['l'] = "list-only", ['L'] = "location", ['M'] = "manual",
        ['m'] = "max-time", ['n'] = "netrc", [':'] = "next", ['N'] = "no-buffer", ['o'] = "output", ['Z'] = "parallel",
        ['#'] = "progress-bar", ['x'] = "proxy", ['U'] = "proxy-user", ['p'] = "proxytunnel", ['Q'] = "quote", ['r'] = "range",
        ['e'] = "referer", ['J'] = "remote-header-name", ['O'] = "remote-name", ['R'] = "remote-time", ['X'] = "request",
        ['S'] = "show-error", ['s'] = "silent", ['Y'] = "speed-limit", ['y'] = "speed-time", ['2'] = "sslv2", ['3'] = "sslv3",
        ['t'] = "telnet-option", ['z'] = "time-cond", ['1'] = "tlsv1", ['T'] = "upload-file", ['B'] = "use-ascii", ['u'] = "user",
        ['A'] = "user-agent", ['v'] = "verbose", ['V'] = "version", ['w'] = "write-out",
    };

    /// <summary>The canonical long name a spelling resolves to (exact, case-insensitive, then a
    /// unique prefix; <c>no-X</c> for a boolean X) and whether it takes a value; false when curl
    /// would not know it or it is ambiguous.</summary>
    internal static bool TryResolve(string word, out string name, out bool valued)
    {
        name = "";
        valued = false;
        if (word.Length == 0) return false;
        if (Exact.TryGetValue(word, out var exact)) { (name, valued) = exact; return true; }
        int hit = -1, hits = 0;
        for (int i = 0; i < All.Length; i++)
        {
            if (All[i].Name.Equals(word, StringComparison.OrdinalIgnoreCase)) { hit = i; hits = 1; break; }
            if (All[i].Name.StartsWith(word, StringComparison.OrdinalIgnoreCase)) { hit = i; hits++; }
        }
        if (hits == 1)
        {
            (name, valued) = All[hit];
            return true;
        }
        if (hits == 0 && word.StartsWith("no-", StringComparison.OrdinalIgnoreCase) && TryResolve(word[3..], out var positive, out bool v) && !v)
        {
            name = "no-" + positive;
            return true;
        }
        return false;
    }

    private static readonly bool[] ShortValued = BuildShortValued();

    private static bool[] BuildShortValued()
    {
        var t = new bool[128];
        foreach (var (letter, name) in Short) t[letter] = Exact[name].Valued;
        return t;
    }

    /// <summary>True when short option <paramref name="letter"/> takes a value.</summary>
    internal static bool ShortTakesValue(char letter) => letter < 128 && ShortValued[letter];
}
