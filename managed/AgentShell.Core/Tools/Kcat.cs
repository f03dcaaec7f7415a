using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>kcat (formerly kafkacat), a Kafka producer and consumer: its mode is an option, not a
/// subcommand. <c>-P</c> produces (write; with <c>-Z</c> an empty message is sent as a null, a
/// tombstone that deletes its key from a compacted topic: unknown); <c>-C</c> consumes, <c>-G</c>
/// consumes in a group, <c>-L</c> lists metadata and <c>-Q</c> queries offsets (read). Without a
/// mode kcat produces when stdin is not a terminal and consumes when it is, which a command does not
/// say: unknown. The last mode given wins (kcat sets one mode per option). Targets: each broker of
/// <c>-b</c> and of <c>-X bootstrap.servers=</c>/<c>metadata.broker.list=</c>; else the brokers of
/// <c>-F</c> or the default config file (not read), which are unknown. Options are getopt's
/// (<see cref="Options"/>); one the table lacks leaves the effect unknown.</summary>
public static class Kcat
{
    /// <summary>kcat.c's getopt string (<c>:PCG:LQM:t:p:b:z:o:eED:K:k:H:Od:qvF:X:c:Tuf:ZlVhs:r:Jm:U</c>,
    /// kcat 1.7): plain getopt, no long options; options and operands (-G's topics) may mix.</summary>
    public static readonly OptionTable Options = new("kcat", OptionRules.Bundles | OptionRules.Permute | OptionRules.DoubleDash, """
        -P
        -C
        -G <group>
        -L
        -Q
        -M <broker_cnt>
        -t <topic>
        -p <partition>
        -b <brokers>
        -z <codec>
        -o <offset>
        -e
        -E
        -D <delim>
        -K <delim>
        -k <key>
        -H <header>
        -O
        -d <dbg>
        -q
        -v
        -F <config-file>
        -X <prop=value>
        -c <cnt>
        -T
        -u
        -f <fmt>
        -Z
        -l
        -V
        -h
        -s <serdes>
        -r <url>
        -J
        -m <seconds>
        -U
        """);

    /// <summary>Parses kcat's (or kafkacat's) arguments.</summary>
    public static CommandIntent Parse(string tool, ToolCall c)
    {
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        char mode = '\0';
        bool nullEmpty = false;
        string? problem = null;
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) continue;
            // getopt without long options: --help is a usage error, kcat prints its usage and stops.
            if (t.Kind == OptionTokenKind.Unknown && t.Arg == "--help") return ToolHelp.Help(tool, t.Arg);
            if (t.IsProblem) { problem ??= t.Problem; evidence.Add(new(t.Arg, t.Problem)); continue; }
            char o = t.Spec!.Short;
            if (o is 'h' or 'V') return ToolHelp.Help(tool, "-" + o);
            if (o is 'P' or 'C' or 'L' or 'Q' or 'G') mode = o;
            if (o == 'Z') nullEmpty = true;
            if (o == 'b') Brokers(t.Value!, "-b " + t.Value, targets, evidence);
            if (o == 'X' && t.Value!.IndexOf('=') is int eq and > 0 && t.Value[..eq] is "bootstrap.servers" or "metadata.broker.list")
                Brokers(t.Value[(eq + 1)..], "-X " + t.Value, targets, evidence);
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
        // An option this table does not have (another kcat version's) may change what is done.
        if (problem != null) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent(tool, effect, summary, targets, evidence);
    }

    /// <summary>Each broker of a bootstrap list (<see cref="ProfileToolTarget.ServerList"/>) as a
    /// target (<paramref name="label"/> names it in the evidence); one that cannot be read is an
    /// unknown target, never dropped.</summary>
    internal static void Brokers(string list, string token, List<Target> targets, List<Evidence> evidence, string label = "broker")
    {
        foreach (var host in ProfileToolTarget.ServerList(list) ?? [list.Trim()])
        {
            if (host.Length == 0) continue;
            if (!UrlParser.TryParse("kafka://" + host, "kafka", out var url))
            {
                targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
                evidence.Add(new(token, $"{label} {host} cannot be read (unknown)"));
                continue;
            }
            targets.Add(url);
            evidence.Add(new(token, $"{label} {host}"));
        }
    }
}
