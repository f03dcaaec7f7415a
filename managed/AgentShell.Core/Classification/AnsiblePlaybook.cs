using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

/// <summary>What an Ansible playbook and an inventory say, read line by line (no YAML parser: the
/// shapes playbooks are written in). A playbook's <c>hosts:</c> patterns, and per task one step: the
/// shell string of <c>shell</c>/<c>command</c>/<c>raw</c> (inline, a <c>|</c>/<c>&gt;</c> block or
/// <c>cmd:</c>), or the effect of a module's <c>state</c> (<see cref="ModuleEffect"/>). What a play
/// pulls in from elsewhere (roles, include/import of tasks or playbooks, script) is not read: an
/// unknown step. An inventory's hosts: INI host lines (not <c>:vars</c>/<c>:children</c> sections)
/// or YAML keys that look like host names under <c>hosts:</c>.</summary>
internal static class AnsiblePlaybook
{
    private const int MaxHosts = 64;

    /// <summary>One task as read: a shell string its host runs, or a module's effect.</summary>
    internal readonly record struct Step(string Module, string? Script, Effect Effect, string Line);

    // Task and play keywords: a key with one of these names is not a module.
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "name", "hosts", "tasks", "handlers", "pre_tasks", "post_tasks", "vars", "vars_files", "vars_prompt", "become", "become_user",
        "become_method", "gather_facts", "when", "tags", "register", "loop", "loop_control", "notify", "delegate_to", "run_once",
        "ignore_errors", "changed_when", "failed_when", "until", "retries", "delay", "block", "rescue", "always", "remote_user",
        "serial", "environment", "args", "no_log", "check_mode", "diff", "connection", "strategy", "any_errors_fatal",
        "max_fail_percentage", "module_defaults", "collections", "listen", "local_action", "async", "poll", "throttle", "timeout",
        "debugger", "order", "force_handlers", "ignore_unreachable", "port",
    };

    // Keys that pull tasks in from files this reader does not follow.
    private static readonly HashSet<string> Includes = new(StringComparer.Ordinal)
    {
        "roles", "include_role", "import_role", "include_tasks", "import_tasks", "import_playbook", "include", "include_vars", "script",
    };

    /// <summary>The steps of <paramref name="text"/>; <paramref name="hostPatterns"/> gets each play's <c>hosts:</c>.</summary>
    public static List<Step> Read(string text, List<string> hostPatterns)
    {
        var steps = new List<Step>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        string? module = null;
        int moduleIndent = -1;
        for (int n = 0; n < lines.Length; n++)
        {
            var raw = lines[n];
            var t = raw.TrimStart();
            if (t.Length == 0 || t[0] == '#') continue;
            int indent = raw.Length - t.Length;
            if (t.StartsWith("- ", StringComparison.Ordinal)) { t = t[2..].TrimStart(); indent = raw.Length - t.Length; }
            if (module != null && indent <= moduleIndent) module = null;
            int colon = KeyEnd(t);
            if (colon < 0) continue;
            var key = t[..colon];
            var value = Unquote(StripComment(t[(colon + 1)..].Trim()));
            int dot = key.LastIndexOf('.');
            var name = dot >= 0 ? key[(dot + 1)..] : key; // ansible.builtin.shell
            if (key == "hosts") { if (value.Length > 0) hostPatterns.Add(value); continue; }
            if (Includes.Contains(name)) { steps.Add(new(name, null, Effect.Unknown, t)); continue; }
            if (name is "shell" or "command" or "raw")
            {
                string? script = value is "|" or "|-" or "|+" or ">" or ">-" or ">+" ? Block(lines, ref n, indent, value[0] == '>')
                    : value.Length > 0 ? value : Cmd(lines, n, indent);
                steps.Add(new(name, script, script == null ? Effect.Unknown : Effect.Write, t));
                continue;
            }
            if (name == "cmd" || Keywords.Contains(name)) continue;
            if (name == "state" && module != null)
            {
                var e = ModuleEffect(module, value);
                if (e != Effect.Write) steps.Add(new(module, null, e, t));
                continue;
            }
            // A module: inline key=value arguments, or a map of them on the lines below.
            if (value.Length == 0 || value.Contains('='))
            {
                module = name;
                moduleIndent = indent;
                var state = KeyValue(value, "state");
                if (state != null && ModuleEffect(name, state) is var e && e != Effect.Write) steps.Add(new(name, null, e, t));
                else if (name is "reboot" or "shutdown") steps.Add(new(name, null, Effect.Terminate, t));
            }
        }
        return steps;
    }

    /// <summary>What a module does with <paramref name="state"/>: absent removes what the module
    /// manages (a database module drops it), stopped terminates a service; else a write.</summary>
    public static Effect ModuleEffect(string module, string state) => state switch
    {
        "absent" when module.EndsWith("_db", StringComparison.Ordinal) || module is "mongodb_database" or "postgresql_schema" => Effect.Drop,
        "absent" => Effect.Delete,
        "stopped" when module is "service" or "systemd" or "systemd_service" or "sysvinit" or "docker_container" or "docker_compose" or "docker_compose_v2" or "supervisorctl" or "docker_stack" => Effect.Terminate,
        _ => Effect.Write,
    };

    /// <summary>The value of <c>key=</c> in ad-hoc module arguments (<c>path=/x state=absent</c>), or null.</summary>
    public static string? KeyValue(string args, string key)
    {
        foreach (var part in args.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Length > key.Length && part.StartsWith(key, StringComparison.Ordinal) && part[key.Length] == '=') return Unquote(part[(key.Length + 1)..]);
        }
        return null;
    }

    /// <summary>The hosts an inventory names: <c>a,b,</c> lists them; else the file's host lines.
    /// Null when the file cannot be read (a directory, missing, too large).</summary>
    public static List<string>? Hosts(string spec, Func<string, string?> read)
    {
        if (spec.Contains(','))
            return spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(MaxHosts).ToList();
        var text = read(spec);
        if (text == null) return null;
        var hosts = new List<string>();
        bool yaml = spec.EndsWith(".yml", StringComparison.Ordinal) || spec.EndsWith(".yaml", StringComparison.Ordinal) || text.TrimStart().StartsWith("all:", StringComparison.Ordinal);
        bool skip = false;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            var t = raw.Trim();
            if (t.Length == 0 || t[0] is '#' or ';' || hosts.Count >= MaxHosts) continue;
            if (yaml)
            {
                // "    web1.prod.example.com:" under hosts: (a group name has no dot)
                int colon = KeyEnd(t);
                if (colon > 0 && raw[0] == ' ' && t[..colon].Contains('.') && StripComment(t[(colon + 1)..].Trim()).Length == 0) hosts.Add(t[..colon]);
                continue;
            }
            if (t[0] == '[') { skip = t.EndsWith(":vars]", StringComparison.Ordinal) || t.EndsWith(":children]", StringComparison.Ordinal); continue; }
            if (skip) continue;
            int end = t.IndexOfAny([' ', '\t']);
            var host = end < 0 ? t : t[..end];
            if (!host.Contains('=')) hosts.Add(host);
        }
        return hosts;
    }

    // The end of "key:" (a colon followed by a space or the end of the line), or -1.
    private static int KeyEnd(string t)
    {
        for (int i = 0; i < t.Length; i++)
        {
            char c = t[i];
            if (c == ':' && (i + 1 == t.Length || t[i + 1] is ' ' or '\t')) return i;
            if (c is ' ' or '"' or '\'' or '{' or '[') return -1;
        }
        return -1;
    }

    private static string StripComment(string v)
    {
        if (v.Length > 0 && v[0] is '"' or '\'') return v;
        int hash = v.IndexOf(" #", StringComparison.Ordinal);
        return hash >= 0 ? v[..hash].TrimEnd() : v;
    }

    private static string Unquote(string v) =>
        v.Length >= 2 && (v[0] == '"' && v[^1] == '"' || v[0] == '\'' && v[^1] == '\'') ? v[1..^1] : v;

    // The lines of a block scalar (| keeps newlines, > folds them into spaces).
    private static string? Block(string[] lines, ref int n, int indent, bool fold)
    {
        var body = new List<string>();
        while (n + 1 < lines.Length)
        {
            var next = lines[n + 1];
            var t = next.TrimStart();
            if (t.Length > 0 && next.Length - t.Length <= indent) break;
            body.Add(t);
            n++;
        }
        return body.Count == 0 ? null : string.Join(fold ? " " : "\n", body).Trim();
    }

    // shell:/command: with its arguments as a map below: the cmd: line (argv: lists are not read: null).
    private static string? Cmd(string[] lines, int n, int indent)
    {
        for (int k = n + 1; k < lines.Length; k++)
        {
            var t = lines[k].TrimStart();
            if (t.Length == 0) continue;
            if (lines[k].Length - t.Length <= indent) break;
            if (t.StartsWith("cmd:", StringComparison.Ordinal)) return Unquote(t[4..].Trim());
        }
        return null;
    }
}
