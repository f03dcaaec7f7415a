using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>nc, ncat, netcat and telnet: a raw connection to HOST PORT carries whatever stdin
/// holds. What a known stdin says (<c>echo flush_all | nc HOST 11211</c>, <c>nc HOST 6379 &lt;
/// cmds.txt</c>) is read as memcached's text protocol (<see cref="Memcached.CommandEffect"/>) or,
/// for other words, Redis's (<see cref="RedisCli.CommandEffect"/>); anything else sent, or a stdin
/// not known (a terminal, a pipe from a program), is unknown. <c>-z</c> (a port probe) sends
/// nothing: a read. <c>-l</c> listens (no target here).</summary>
public static class Netcat
{
    // Short options that take a value (the rest are switches): OpenBSD nc and ncat (-e: ncat's exec), telnet.
    private const string Valued = "IiMmOPpqsTVwXxe", TelnetValued = "belnSX";

    /// <summary>Classifies one call.</summary>
    public static CommandIntent Parse(string name, ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        var words = new List<string>(2);
        bool probe = false, listen = false;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            if (x == "--") { words.AddRange(a.Skip(i + 1)); break; }
            if (x.StartsWith("--", StringComparison.Ordinal))
            {
                if (x is "--help" or "--version") return ToolHelp.Help(name, x);
                if (x is "--listen") listen = true;
                if (x is "--zero" or "--scan") probe = true;
                // ncat's valued long options (--proxy HOST, --sh-exec CMD, …) written apart take the next word.
                if (!x.Contains('=') && x is "--proxy" or "--proxy-type" or "--proxy-auth" or "--source" or "--source-port" or "--wait"
                    or "--idle-timeout" or "--exec" or "--sh-exec" or "--lua-exec" or "--output" or "--hex-dump" or "--send-only-to") i++;
                continue;
            }
            if (x.Length > 1 && x[0] == '-')
            {
                for (int k = 1; k < x.Length; k++)
                {
                    if (x[k] == 'z') probe = true;
                    if (x[k] == 'l' && name != "telnet") listen = true;
                    if ((name == "telnet" ? TelnetValued : Valued).Contains(x[k]))
                    {
                        if (k == x.Length - 1) i++; // the value is the next word; else the rest of this one
                        break;
                    }
                }
                continue;
            }
            words.Add(x);
        }
        if (listen || words.Count == 0) return ToolHelp.Intent(name, Effect.Read, listen ? "listen" : name, [], evidence);
        var hostPort = words.Count > 1 ? $"{words[0]}:{words[1]}" : words[0];
        var targets = new List<Target>(1);
        if (UrlParser.TryParse("tcp://" + (words[0].Contains(':') && !words[0].StartsWith('[') ? $"[{words[0]}]" : words[0]) + (words.Count > 1 ? ":" + words[1] : ""), "tcp", out var t))
        {
            targets.Add(t);
            evidence.Add(new(hostPort, t));
        }
        else
        {
            targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
            evidence.Add(new(hostPort, "a host not read (unknown)"));
        }
        if (probe)
        {
            evidence.Add(new("-z", "a port probe: sends nothing"));
            return ToolHelp.Intent(name, Effect.Read, "-z " + hostPort, targets, evidence);
        }
        if (c.StdinText == null)
        {
            evidence.Add(new(name, c.StdinOpaque ? "sends a pipe whose content is unknown" : "sends what is typed or piped (unknown)"));
            return ToolHelp.Intent(name, Effect.Unknown, hostPort, targets, evidence);
        }
        Effect effect = Effect.Read;
        string summary = hostPort;
        foreach (var line in c.StdinText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var cmd = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cmd.Length == 0) continue;
            var e = Memcached.CommandEffect(cmd[0]) ?? RedisCli.CommandEffect(cmd);
            if (e > effect) summary = line;
            effect = ToolHelp.Max(effect, e);
        }
        evidence.Add(new("stdin", $"sends {HttpBody.Short(c.StdinText.Trim())} → {effect.Name()}"));
        return ToolHelp.Intent(name, effect, summary, targets, evidence);
    }
}
