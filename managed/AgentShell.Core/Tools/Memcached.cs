using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>memcached-tool HOST[:PORT] [MODE]: <c>flush_all</c> empties the cache (wipe);
/// display (the default), stats, settings, sizes, dump and keys read; any other mode is unknown.
/// Also the memcached text protocol's commands, for what nc sends (<see cref="Netcat"/>).</summary>
public static class Memcached
{
    /// <summary>Classifies one memcached-tool call.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        var words = a.Where(x => !x.StartsWith('-')).ToList();
        if (words.Count == 0 || a.Contains("--help") || a.Contains("-h")) return ToolHelp.Help("memcached-tool", words.Count == 0 ? "memcached-tool" : "--help");
        var server = words[0];
        Target target = UrlParser.TryParse("memcached://" + (server.Contains(':') ? server : server + ":11211"), "memcached", out var t) && !server.StartsWith('/')
            ? t : new Target { Kind = TargetKind.LocalPath, Path = server }; // a path is a Unix socket here
        evidence.Add(new(server, target));
        var mode = words.Count > 1 ? words[1] : "display";
        Effect effect = mode switch
        {
            "flush_all" => Effect.Wipe,
            "display" or "stats" or "settings" or "sizes" or "dump" or "keys" => Effect.Read,
            _ => Effect.Unknown,
        };
        evidence.Add(Evidence.Arrow(mode, effect));
        return ToolHelp.Intent("memcached-tool", effect, mode, [target], evidence);
    }

    /// <summary>The effect of a memcached text-protocol command (its first word), or null for a word it does not have.</summary>
    public static Effect? CommandEffect(string word) => word.ToLowerInvariant() switch
    {
        "flush_all" => Effect.Wipe,
        "delete" => Effect.Delete,
        "get" or "gets" or "gat" or "gats" or "stats" or "version" or "quit" or "verbosity" or "mn" or "me" or "mg" => Effect.Read,
        "set" or "add" or "replace" or "append" or "prepend" or "cas" or "incr" or "decr" or "touch" or "ms" or "ma" => Effect.Write,
        "md" => Effect.Delete,
        "shutdown" => Effect.Terminate,
        _ => null,
    };
}
