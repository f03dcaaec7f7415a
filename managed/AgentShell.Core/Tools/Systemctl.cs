using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Service managers and power commands: <c>systemctl stop|kill|mask|isolate UNIT</c>,
/// <c>systemctl disable --now</c>, <c>systemctl reboot|poweroff|halt</c>, <c>service NAME stop</c>,
/// <c>reboot</c>/<c>shutdown</c>/<c>poweroff</c>/<c>halt</c> terminate what runs; status, show,
/// list-* and is-* read; anything else (start, restart, enable, daemon-reload) writes. Target: this
/// machine (the <c>local</c> environment: allowed by default, and the remote host when run through
/// ssh, pssh or ansible), or <c>-H/--host [USER@]HOST</c> for systemctl.</summary>
public static class Systemctl
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "-H", "--host", "-M", "--machine", "-t", "--type", "-p", "--property", "-s", "--signal", "-n", "--lines", "-o", "--output",
        "--root", "--state", "--kill-whom", "--kill-value", "--job-mode", "--what", "--when", "--message", "--timestamp", "--drop-in",
        "--boot-loader-entry", "--boot-loader-menu", "--reboot-argument", "--image", "--image-policy", "--preset-mode", "--legend", "--check-inhibitors",
    };

    private static readonly Target Local = new() { Kind = TargetKind.Environment, Name = "local" };

    /// <summary>Parses systemctl's arguments.</summary>
    public static CommandIntent? Parse(ToolCall c)
    {
        var a = c.Args;
        string? host = null, verb = null;
        bool now = false, dry = false;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            if (x is "--help" or "-h" or "--version") return ToolHelp.Help("systemctl", x);
            if (x == "--now") now = true;
            else if (x == "--dry-run") dry = true;
            else if (x.StartsWith("--host=", StringComparison.Ordinal)) host = x[7..];
            else if (x.StartsWith("-H", StringComparison.Ordinal) && x.Length > 2) host = x[2..];
            else if (Valued.Contains(x)) { if (x is "-H" or "--host" && i + 1 < a.Count) host = a[i + 1]; i++; }
            else if (!x.StartsWith('-')) verb ??= x;
        }
        if (verb == null) return ToolHelp.Intent("systemctl", Effect.Read, "list-units", [Local], [new("systemctl", "lists units")]);
        Effect effect = verb switch
        {
            "stop" or "kill" or "mask" or "isolate" or "rescue" or "emergency" or "halt" or "poweroff" or "reboot" or "kexec" or "soft-reboot"
                or "suspend" or "hibernate" or "hybrid-sleep" or "suspend-then-hibernate" or "clean" or "freeze" => Effect.Terminate,
            "disable" when now => Effect.Terminate,
            "status" or "show" or "cat" or "help" or "list-dependencies" or "get-default" or "show-environment" or "is-system-running" => Effect.Read,
            _ when verb.StartsWith("list-", StringComparison.Ordinal) || verb.StartsWith("is-", StringComparison.Ordinal) => Effect.Read,
            _ => Effect.Write,
        };
        if (dry && effect > Effect.Write) effect = Effect.Read;
        var target = host != null && UrlParser.TryParse("ssh://" + host, "ssh", out var remote) ? remote : Local;
        return ToolHelp.Intent("systemctl", effect, $"{verb}", [target], [new(verb, $"systemctl {verb}{(now ? " --now" : "")} → {effect.Name()}")]);
    }

    /// <summary>service NAME stop|…, and the power commands reboot, shutdown, poweroff, halt.</summary>
    public static CommandIntent? ParsePower(string tool, ToolCall c)
    {
        var a = c.Args;
        if (a.Contains("--help")) return ToolHelp.Help(tool, "--help");
        if (tool == "service")
        {
            var pos = a.Where(x => !x.StartsWith('-')).ToList();
            if (pos.Count < 2) return ToolHelp.Intent("service", Effect.Read, string.Join(' ', a), [Local], [new("service", "lists or asks for status")]);
            Effect e = pos[1] switch { "stop" or "force-stop" or "kill" => Effect.Terminate, "status" => Effect.Read, _ => Effect.Write };
            return ToolHelp.Intent("service", e, $"{pos[0]} {pos[1]}", [Local], [new(pos[1], $"service {pos[0]} {pos[1]} → {e.Name()}")]);
        }
        // shutdown -c cancels and -k only warns; --no-wall alone still acts.
        if (tool == "shutdown" && a.Any(x => x is "-c" or "-k")) return ToolHelp.Intent(tool, Effect.Read, string.Join(' ', a), [Local], [new(tool, "cancels or only warns")]);
        return ToolHelp.Intent(tool, Effect.Terminate, tool, [Local], [new(tool, "stops this machine")]);
    }
}
