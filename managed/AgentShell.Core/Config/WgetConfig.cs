using AgentShell.Core.Tools;

namespace AgentShell.Core.Config;

/// <summary>wget's startup files folded into its arguments, as wget reads them: the system
/// <c>wgetrc</c> (<c>$SYSTEM_WGETRC</c>, else <c>/etc/wgetrc</c>), then the user's (<c>$WGETRC</c>,
/// else <c>~/.wgetrc</c>); only the file of <c>--config=FILE</c> when one is given; none with
/// <c>--no-config</c>. The commands that change what is sent (<c>method</c>, <c>post_data</c>,
/// <c>body_file</c>, <c>header</c>, <c>input</c>, credentials …) become the options they stand for,
/// before the command line (which overrides them). Command names are case-, <c>_</c>- and
/// <c>-</c>-insensitive, as in wget; other commands change nothing that is sent (and an unknown one
/// makes wget exit before sending anything).</summary>
internal static class WgetConfig
{
    private static readonly PathMemo UserFile = new(".wgetrc");
    private static readonly Model.VariableNames Variables = new(["SYSTEM_WGETRC", "WGETRC", "HOME"]); // bits 1, 2, 4

    private static readonly Dictionary<string, string> Commands = new(StringComparer.Ordinal)
    {
        ["method"] = "--method", ["postdata"] = "--post-data", ["postfile"] = "--post-file", ["bodydata"] = "--body-data",
        ["bodyfile"] = "--body-file", ["header"] = "--header", ["input"] = "--input-file", ["user"] = "--user",
        ["password"] = "--password", ["httpuser"] = "--http-user", ["httppassword"] = "--http-password",
        ["httpsproxy"] = "--https-proxy", ["httpproxy"] = "--http-proxy",
    };

    /// <summary>The arguments with the startup files' options in front (the same list when there are none).</summary>
    internal static IReadOnlyList<string> Fold(ToolCall call, ConfigFacts facts)
    {
        var args = call.Args;
        var ctx = call.Context;
        string? configFile = null;
        int configAt = -1, configLength = 0;
        // Read as wget reads its options (its own early getopt_long pass): a "--no-config" that is
        // the value of --header is no option, and --no-conf is one.
        var reader = new OptionReader(Wget.Options, args);
        while (reader.Next(out var t))
        {
            if (t.Kind != OptionTokenKind.Option) continue;
            if (t.Name == "--no-config") return args; // no startup file at all
            if (t.Name != "--config") continue;
            configFile = t.Value;
            configLength = t.ValueSeparate ? 2 : 1;
            configAt = reader.Position - configLength;
        }
        var files = new List<string>();
        if (configFile != null) files.Add(configFile);
        else
        {
            // PERF: one pass over the exec's environment says which are set; an unset one is not looked up.
            ulong set = ctx.VariablesSet(Variables);
            files.Add((set & 1) != 0 && ctx.GetEnvironmentVariable("SYSTEM_WGETRC") is { Length: > 0 } sys ? sys : "/etc/wgetrc");
            if ((set & 2) != 0 && ctx.GetEnvironmentVariable("WGETRC") is { Length: > 0 } user) files.Add(user);
            else if ((set & 4) != 0 && ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home) files.Add(UserFile.Combine(home));
        }
        List<string>? output = null;
        bool configRead = false;
        foreach (var file in files)
        {
            var f = ctx.ReadConfigFile(file);
            if (!f.Exists) continue;
            if (f.Unaccountable) { facts.Unknown(file, $"wgetrc commands from {f.Problem} (unknown)"); continue; }
            var options = f.Parsed(Parse);
            if (options.Count > 0)
            {
                facts.Note(file, $"options from {file}: {string.Join(' ', options)}");
                (output ??= []).AddRange(options);
            }
            configRead |= file == configFile;
        }
        if (output == null && !configRead) return args;
        output ??= [];
        for (int i = 0; i < args.Count; i++)
        {
            // A --config file that was read is folded: the parser need not see it (unread, it stays and is unknown).
            if (configRead && i == configAt) { i += configLength - 1; continue; }
            output.Add(args[i]);
        }
        return output;
    }

    /// <summary>The options a wgetrc's commands stand for (<c>method = DELETE</c> → <c>--method=DELETE</c>).</summary>
    internal static IReadOnlyList<string> Parse(ConfigFile f)
    {
        var options = new List<string>();
        foreach (var raw in f.Text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var name = new string(line[..eq].Trim().Where(c => c is not ('_' or '-')).Select(char.ToLowerInvariant).ToArray());
            var value = line[(eq + 1)..].Trim();
            if (Commands.TryGetValue(name, out var option)) options.Add($"{option}={value}");
            else if (name == "spider" && value.ToLowerInvariant() is "on" or "1" or "yes") options.Add("--spider");
        }
        return options;
    }
}
