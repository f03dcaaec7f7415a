using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>kcat (formerly kafkacat), a Kafka producer and consumer: its mode is an option, not a
/// subcommand. <c>-P</c> produces (write; with <c>-Z</c> an empty message is sent as a null, a
/// tombstone that deletes its key from a compacted topic: unknown); <c>-C</c> consumes, <c>-G</c>
/// consumes in a group, <c>-L</c> lists metadata and <c>-Q</c> queries offsets (read). Without a
/// mode kcat produces when stdin is not a terminal and consumes when it is, which a command does not
/// say: unknown. The last mode given wins (kcat sets one mode per option). Targets: each broker of
/// <c>-b</c> and of <c>-X bootstrap.servers=</c>/<c>metadata.broker.list=</c>; else the brokers of
/// <c>-F</c> or the default config file (not read), which are unknown. Options are getopt's:
/// bundled (<c>-Pb host</c>), a value attached (<c>-bhost</c>) or as the next word.</summary>
public static class Kcat
{
    // kcat.c's getopt string: these letters take a value.
    private const string Valued = "GMtpbzoDKkHdFXcfsrm";

    /// <summary>Parses kcat's (or kafkacat's) arguments.</summary>
    public static CommandIntent Parse(string tool, ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        char mode = '\0';
        bool nullEmpty = false;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            if (x == "--") break;
            if (x.Length < 2 || x[0] != '-') continue;
            if (x == "--help") return ToolHelp.Help(tool, x);
            for (int k = 1; k < x.Length; k++)
            {
                char o = x[k];
                if (o is 'h' or 'V') return ToolHelp.Help(tool, "-" + o);
                if (o is 'P' or 'C' or 'L' or 'Q' or 'G') mode = o;
                if (o == 'Z') nullEmpty = true;
                if (Valued.IndexOf(o) < 0) continue;
                string? value = k + 1 < x.Length ? x[(k + 1)..] : i + 1 < a.Count ? a[++i] : null;
                if (value != null && o == 'b') Brokers(value, "-b " + value, targets, evidence);
                if (value != null && o == 'X' && value.IndexOf('=') is int eq and > 0 && value[..eq] is "bootstrap.servers" or "metadata.broker.list")
                    Brokers(value[(eq + 1)..], "-X " + value, targets, evidence);
                break;
            }
        }
        if (targets.Count == 0)
        {
            targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
            evidence.Add(new(tool, "no -b: the brokers of -F or ~/.config/kcat.conf (not read)"));
        }
        var (effect, summary) = mode switch
        {
            'P' when nullEmpty => (Effect.Unknown, "kcat -P -Z (empty messages are tombstones: they delete their keys from a compacted topic)"),
            'P' => (Effect.Write, "kcat -P (produces messages)"),
            'C' or 'G' => (Effect.Read, "kcat consumes"),
            'L' or 'Q' => (Effect.Read, "kcat reads metadata or offsets"),
            _ => (Effect.Unknown, "kcat without -P/-C/-L/-Q (produces when stdin is not a terminal)"),
        };
        evidence.Add(new(mode == '\0' ? tool : "-" + mode, $"{summary} ({effect.Name()})"));
        return ToolHelp.Intent(tool, effect, summary, targets, evidence);
    }

    private static void Brokers(string list, string token, List<Target> targets, List<Evidence> evidence)
    {
        foreach (var host in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!UrlParser.TryParse("kafka://" + host, "kafka", out var url))
            {
                targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
                evidence.Add(new(token, $"broker {host} cannot be read (unknown)"));
                continue;
            }
            targets.Add(url);
            evidence.Add(new(token, $"broker {host}"));
        }
    }
}
