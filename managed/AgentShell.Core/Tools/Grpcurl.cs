using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>grpcurl <c>[flags] ADDRESS [list|describe|SYMBOL]</c>: a call's effect is its method's verb
/// (<c>volumes.v1.Volumes/DeleteVolume</c>: delete, <c>…/PurgeQueue</c>: delete, <c>…/DropTable</c>:
/// drop, <c>…/GetVolume</c>: read), as the cloud CLIs' subcommands are read (<see cref="CliVerbs"/>);
/// a method whose first word is no known verb is unknown. <c>list</c> and <c>describe</c> read the
/// server's reflection. Target: the address (host:port; <c>-plaintext</c> makes it http, else https).
/// Flags are Go's: one dash or two, <c>-flag=value</c>.</summary>
public static class Grpcurl
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "d", "H", "rpc-header", "reflect-header", "expand-headers", "authority", "servername", "import-path", "proto", "protoset",
        "protoset-out", "cacert", "cert", "key", "connect-timeout", "keepalive-time", "max-time", "max-msg-sz", "format", "user-agent",
        "unix", "alts-handshaker-service", "alts-target-service-account", "format-error", "use-reflection", "msg-template",
    };

    /// <summary>Parses grpcurl's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        var words = new List<string>();
        bool plaintext = false;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            if (x.Length < 2 || x[0] != '-') { words.Add(x); continue; }
            var name = x.AsSpan(x[1] == '-' ? 2 : 1);
            int eq = name.IndexOf('=');
            var n = (eq >= 0 ? name[..eq] : name).ToString();
            if (n is "help" or "version" or "h") return ToolHelp.Help("grpcurl", "-help");
            if (n == "plaintext") plaintext = eq < 0 || !name[(eq + 1)..].Equals("false", StringComparison.OrdinalIgnoreCase);
            if (eq < 0 && Valued.Contains(n)) i++;
        }
        var targets = new List<Target>();
        if (words.Count > 0 && UrlParser.TryParse((plaintext ? "http://" : "https://") + words[0], plaintext ? "http" : "https", out var t)) targets.Add(t);
        if (words.Count < 2) return ToolHelp.Intent("grpcurl", Effect.Read, "grpcurl " + string.Join(' ', words), targets, evidence);
        string symbol = words[1];
        if (symbol is "list" or "describe")
            return ToolHelp.Intent("grpcurl", Effect.Read, $"grpcurl {symbol}", targets, evidence);
        // pkg.Service/Method or pkg.Service.Method: the method is the last part.
        int cut = Math.Max(symbol.LastIndexOf('/'), symbol.LastIndexOf('.'));
        string method = cut >= 0 ? symbol[(cut + 1)..] : symbol;
        var effect = CliVerbs.Of(Dashed(method)) ?? Effect.Unknown;
        evidence.Add(new(symbol, effect == Effect.Unknown ? "a method whose verb is not known (unknown)" : $"method {method} → {effect.Name()}"));
        return ToolHelp.Intent("grpcurl", effect, $"grpcurl {symbol}", targets, evidence);
    }

    /// <summary>DeleteVolume → delete-volume, so the first word is the verb.</summary>
    private static string Dashed(string method)
    {
        var s = new System.Text.StringBuilder(method.Length + 4);
        for (int i = 0; i < method.Length; i++)
        {
            if (i > 0 && char.IsUpper(method[i]) && !char.IsUpper(method[i - 1])) s.Append('-');
            s.Append(char.ToLowerInvariant(method[i]));
        }
        return s.ToString();
    }
}
