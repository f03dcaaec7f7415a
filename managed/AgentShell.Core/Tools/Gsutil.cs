using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>gsutil <c>[TOP OPTIONS] COMMAND [OPTIONS] ARGS</c>: <c>rm</c> → delete (<c>-r</c>/<c>-R</c>/<c>-a</c>
/// of a whole bucket → wipe), <c>rb</c> → delete, <c>mv</c> → delete, <c>rsync -d</c> → delete (<c>-n</c>: a dry
/// run, read), <c>lifecycle set</c> by its rules. Targets: the project and the environment words of each bucket.</summary>
public static class Gsutil
{
    // gsutil reads its options with Python's getopt: bundles (-rd), long-name prefixes, values attached or
    // next, and no options after the first operand. The command's options are read anywhere (Permute): a
    // flag after an operand is an operand to gsutil, so counting it can only overstate (-r) or make a
    // dry run (-n) of a command that then refuses its extra operand.
    private static readonly OptionTable Top = new("gsutil", OptionRules.Bundles | OptionRules.Abbreviations | OptionRules.EqualsValue | OptionRules.DoubleDash, """
        -d --debug
        -D --detailedDebug
        -h --header <header>
        -i --impersonate-service-account <account>
        -m --multithreaded
        -o --option <option>
        -q --quiet
        -u <project>
        -v --version
        -? --help
           --testexceptiontraces
           --trace-token <token>
           --perf-trace-token <token>
        """);

    // Each command's getopt string (gsutil 5.x command_spec.supported_sub_args).
    private const OptionRules Sub = OptionRules.Bundles | OptionRules.Abbreviations | OptionRules.EqualsValue | OptionRules.DoubleDash | OptionRules.Permute;
    private static readonly OptionTable Rm = new("gsutil rm", Sub, "-a\n-f\n-I\n-r\n-R\n");
    private static readonly OptionTable Rsync = new("gsutil rsync", Sub, "-a <acl>\n-c\n-C\n-d\n-e\n-i\n-j <ext>\n-J\n-n\n-p\n-P\n-r\n-R\n-u\n-U\n-x <pattern>\n-y <pattern>\n");
    private static readonly OptionTable Copy = new("gsutil cp", Sub, "-a <acl>\n-A\n-c\n-D\n-e\n-I\n-j <ext>\n-J\n-L <log>\n-M\n-n\n-p\n-P\n-r\n-R\n-s <class>\n-U\n-v\n-z <ext>\n-Z\n");

    /// <summary>Parses gsutil's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        bool help = false, unknown = false;
        var reader = new OptionReader(Top, c.Args);
        string? command = null;
        while (command == null && reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) command = t.Value;
            else if (OptionProblems.Note(t, evidence)) unknown = true;
            else if (t.Name is "--help" or "--version") help = true;
        }
        if (help || command is null or "help") return ToolHelp.Help("gsutil", "help");
        var table = command switch { "rm" => Rm, "rsync" => Rsync, "cp" or "mv" => Copy, _ => null };
        var flags = new HashSet<char>();
        var pos = new List<string> { command };
        if (table == null) pos.AddRange(ToolHelp.Positionals(c.Args.Skip(reader.Position).ToList(), new HashSet<string>()));
        else
        {
            var sub = new OptionReader(table, c.Args, reader.Position);
            while (sub.Next(out var t))
            {
                if (t.Kind == OptionTokenKind.Operand) pos.Add(t.Value!);
                else if (OptionProblems.Note(t, evidence)) unknown = true;
                else flags.Add(t.Spec!.Short);
            }
        }
        var project = Gcloud.ProjectTarget(ToolHelp.Option(c.Args, "--project"), null, c.Context, evidence);
        Effect effect = command switch
        {
            // rm -r of a whole bucket (gs://b, gs://b/, gs://b/**) empties and removes it.
            "rm" when flags.Overlaps("rRa") && pos.Skip(1).Any(p => p.StartsWith("gs://", StringComparison.Ordinal) && p[5..].TrimEnd('/', '*').IndexOf('/') < 0) => Effect.Wipe,
            "rm" or "rb" or "mv" => Effect.Delete,
            "rsync" when flags.Contains('n') => Effect.Read,
            "rsync" => flags.Contains('d') ? Effect.Delete : Effect.Write,
            "ls" or "cat" or "du" or "stat" or "hash" or "version" => Effect.Read,
            "cp" or "mb" or "acl" or "setmeta" or "defacl" or "iam" or "label" or "versioning" or "web" => Effect.Write,
            "lifecycle" => Lifecycle(c, pos, evidence),
            _ => Effect.Unknown,
        };
        if (command == "rsync" && flags.Contains('n')) evidence.Add(new("-n", "a dry run: nothing is copied or deleted"));
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        var summary = string.Join(' ', pos.Take(3));
        evidence.Add(Evidence.Arrow(summary, effect));
        return ToolHelp.Intent("gsutil", effect, summary, Gcloud.NamedEnvironments([project], pos, evidence), evidence);
    }

    // gsutil lifecycle set FILE gs://B: a rule whose action is Delete deletes objects as they match
    // (the bucket's own expiry); the file unread is unknown; get reads.
    private static Effect Lifecycle(ToolCall c, List<string> pos, List<Evidence> evidence)
    {
        if (pos.Count < 2 || pos[1] != "set") return pos.Count >= 2 && pos[1] == "get" ? Effect.Read : Effect.Write;
        if (pos.Count < 3 || ToolHelp.ReadText(c.Context, pos[2]) is not string rules)
        {
            evidence.Add(new(pos.Count < 3 ? "lifecycle set" : pos[2], "lifecycle rules cannot be read (unknown)"));
            return Effect.Unknown;
        }
        if (!rules.Contains("delete", StringComparison.OrdinalIgnoreCase)) return Effect.Write;
        evidence.Add(new(pos[2], "a lifecycle rule deletes objects"));
        return Effect.Delete;
    }
}
