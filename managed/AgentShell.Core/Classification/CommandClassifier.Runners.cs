using System.Text;
using AgentShell.Core.Config;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Runners: programs that start a tool inside themselves or elsewhere, unwrapped one level as the
// wrappers of CommandClassifier.Unwrap.cs are: npx and friends, interpreters hosting a tool
// (python manage.py, php artisan, dotnet ef), containers (docker/podman [compose] exec|run) and
// package.json scripts (npm/yarn/pnpm/bun run NAME).
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        // npx prisma@5 migrate reset → prisma migrate reset
        private void Runner(string[] w, bool[]? dyn, int next, IExecContext ctx, Stdin stdin, int depth)
        {
            if (next >= w.Length) return;
            var copy = (string[])w.Clone();
            var pkg = copy[next];
            int at = pkg.LastIndexOf('@');
            if (at > 0) pkg = pkg[..at];
            // A package whose binary has another name; a scoped package is its last part.
            pkg = pkg switch
            {
                "@railway/cli" => "railway", "aws-cdk" => "cdk", "netlify-cli" => "netlify", "firebase-tools" => "firebase",
                "@mikro-orm/cli" => "mikro-orm", "@cloudflare/wrangler" => "wrangler", "cdktf-cli" => "cdktf", "@aws-amplify/cli" => "amplify",
                _ => pkg,
            };
            int slash = pkg.LastIndexOf('/');
            if (slash >= 0 && pkg.StartsWith('@')) pkg = pkg[(slash + 1)..];
            if (ToolTable.Lookup(pkg) != ToolId.None) copy[next] = pkg;
            // A runner starts the package's entry point (node, ruby) under its own name, not this argv.
            _runnerLevel++;
            try { Command(copy, dyn, next, ctx, stdin, depth + 1); }
            finally { _runnerLevel--; }
        }

        // python [options] manage.py ARGS, python -m alembic|django ARGS, php artisan ARGS, dotnet ef
        // ARGS: the tool's table, run inside the interpreter (no exec of its own).
        private void Hosted(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            bool module = false;
            bool python = Basename(w[s]).StartsWith("python", StringComparison.Ordinal);
            for (; i < w.Length; i++)
            {
                var a = w[i];
                if (python && PythonBundle(w, i) is var (code, at, next) && (code != null || at >= 0))
                {
                    // -Sc CODE, -cCODE, -Im mod: python's short options bundle; c and m end the options.
                    if (code != null) { Inline("python", code, at >= 0 && Any(dyn, at), ctx, depth); return; }
                    if (next < 0) { i = at; module = true; break; }
                    i = next - 1;
                    continue;
                }
                if (a == "-m") { i++; module = true; break; }
                if (a == "-r" && Basename(w[s]) == "php") { if (i + 1 < w.Length) Inline("php", w[i + 1], Any(dyn, i + 1), ctx, depth); return; }
                if (a == "-" && stdin.Text != null) { Inline("python", stdin.Text, false, ctx, depth); return; }
                if (a is "-c" or "--") return;
                if (!a.StartsWith('-')) break;
                if (a is "-W" or "-X" or "-d" or "-f" or "-n") i++; // python -W/-X, php -d/-f
            }
            if (i >= w.Length) return;
            if (!HostsTool(Encoding.UTF8.GetBytes(w[i])))
            {
                if (!module && python) ScriptFileCode("python", w, dyn, i, ctx, depth);
                return;
            }
            var copy = (string[])w.Clone();
            copy[i] = Basename(w[i]) switch { "ef" => "dotnet-ef", "django" => "django-admin", "awscli" => "aws", var b => b };
            _runnerLevel++;
            try { Command(copy, dyn, i, ctx, stdin, depth + 1); }
            finally { _runnerLevel--; }
        }

        // One word of python's options, as CPython's getopt reads it: -c CODE / -cCODE (the code, and
        // the word it came from), -m MOD (at: the module's word, next -1), -W/-X ARG (next: the word
        // after them); (null, -1, -1) for a word that is no bundle of flags.
        private static (string? Code, int At, int Next) PythonBundle(string[] w, int i)
        {
            var a = w[i];
            if (a.Length < 2 || a[0] != '-' || a[1] == '-') return (null, -1, -1);
            for (int k = 1; k < a.Length; k++)
            {
                char ch = a[k];
                if (ch is 'c' or 'm' or 'W' or 'X')
                {
                    bool attached = k + 1 < a.Length;
                    if (ch == 'c') return attached ? (a[(k + 1)..], i, i + 1) : i + 1 < w.Length ? (w[i + 1], i + 1, i + 2) : (null, -1, -1);
                    if (ch == 'm') return (null, attached ? i : i + 1, -1);
                    return (null, i, attached ? i + 1 : i + 2);
                }
                if (!char.IsAsciiLetter(ch)) return (null, -1, -1);
            }
            return (null, i, i + 1); // flags only (-u, -SE)
        }

        // docker/podman options of exec and run (and compose exec/run) that take a value.
        private static readonly string[] ContainerValueOptions =
        [
            "-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "-v", "--volume", "-p", "--publish", "--name", "--network", "--net",
            "--entrypoint", "--mount", "-l", "--label", "--platform", "--cpus", "-m", "--memory", "-h", "--hostname", "--add-host", "--pull",
            "--restart", "--log-driver", "--log-opt", "--runtime", "--gpus", "--device", "--cap-add", "--cap-drop", "--security-opt", "--ulimit",
            "--shm-size", "--tmpfs", "--dns", "--ipc", "--pid", "--userns", "--volumes-from", "--link", "--expose", "--health-cmd", "--detach-keys",
            "--index", "-f", "--file", "--project-name", "--profile", "--project-directory", "--context", "-c", "-H", "--host", "--log-level", "--config",
            "--connection", "--url", "--identity", // podman's remote engine
        ];

        // docker [compose] exec|run [options] CONTAINER|SERVICE|IMAGE CMD...: CMD runs in the
        // container (not an exec of this tree), so it is read here; -e VAR=value reaches it.
        private void Container(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            string? host = null, context = null, configDir = null;
            bool compose = Path.GetFileName(w[s]).EndsWith("-compose", StringComparison.Ordinal);
            for (; i < w.Length; i++)
            {
                var a = w[i];
                if (a is "exec" or "run") break;
                if (a == "compose") { compose = true; continue; }
                if (a.StartsWith('-'))
                {
                    // podman: --connection NAME (-c) is a remote engine as a context is; --url URL as -H.
                    if (a is "-H" or "--host" or "--url" && i + 1 < w.Length) host = w[i + 1];
                    else if (a is "-c" or "--context" or "--connection" && i + 1 < w.Length) context = w[i + 1];
                    else if (a.StartsWith("--context=", StringComparison.Ordinal) || a.StartsWith("--connection=", StringComparison.Ordinal)) context = a[(a.IndexOf('=') + 1)..];
                    else if (a.StartsWith("--host=", StringComparison.Ordinal) || a.StartsWith("--url=", StringComparison.Ordinal)) host = a[(a.IndexOf('=') + 1)..];
                    else if (a.StartsWith("-H", StringComparison.Ordinal) && a.Length > 2) host = a[2..];
                    else if (a == "--config" && i + 1 < w.Length) configDir = w[i + 1];
                    else if (a.StartsWith("--config=", StringComparison.Ordinal)) configDir = a[9..];
                    if (!a.Contains('=') && Array.IndexOf(ContainerValueOptions, a) >= 0) i++;
                    continue;
                }
                if (a is "container") continue; // docker container exec|run
                host ??= context == null ? EngineVariable(w[s], ctx, ref context) : null;
                VolumeRemoval(w, s, i, host, context, ctx, configDir);
                return; // another subcommand (ps, logs, build, compose down, ...)
            }
            if (i >= w.Length) return;
            bool image = w[i] == "run" && !compose;
            string? entrypoint = null;
            var sets = new List<KeyValuePair<string, string>>();
            for (i++; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") { i++; break; }
                if (!a.StartsWith('-') || a.Length == 1) break;
                string? value = null;
                if (a.Contains('=')) value = a[(a.IndexOf('=') + 1)..];
                else if (Array.IndexOf(ContainerValueOptions, a) >= 0 && i + 1 < w.Length) value = w[++i];
                if (value != null && (a is "-e" or "--env" || a.StartsWith("--env=", StringComparison.Ordinal)) && IsAssignment(value))
                    sets.Add(new(value[..value.IndexOf('=')], value[(value.IndexOf('=') + 1)..]));
                if (value != null && (a == "--entrypoint" || a.StartsWith("--entrypoint=", StringComparison.Ordinal))) entrypoint = value;
            }
            if (i >= w.Length) return;
            // docker run IMAGE ARGS runs the image's entrypoint with ARGS (ContainerImages): bitnami/kubectl
            // delete ns prod is kubectl delete ns prod; --entrypoint names it outright.
            if (image && (entrypoint is { Length: > 0 } || ContainerImages.Entrypoint(w[i]) is not null))
            {
                entrypoint = entrypoint is { Length: > 0 } ? entrypoint : ContainerImages.Entrypoint(w[i]);
                w = [.. w[..i], entrypoint!, .. w[(i + 1)..]];
                if (dyn != null) dyn = [.. dyn[..i], false, .. dyn[(i + 1)..]];
                i--; // the entrypoint stands where the image's arguments begin
            }
            else if (image && ContainerImages.UnknownEntrypoint(w, s, i) is { } unknown) Add(unknown);
            i++; // the container, service or image
            if (i >= w.Length) return;
            // On another engine's machine (-H, DOCKER_HOST, a context), the container's localhost
            // and files are that machine's: what CMD destroys there is aimed at the engine.
            host ??= context == null ? EngineVariable(w[s], ctx, ref context) : null;
            if (Engine(host, context ?? DefaultContext(w[s], host, ctx, configDir)) is { } engine)
            {
                var inner = new Run(owner) { _runnerLevel = _runnerLevel + 1 };
                inner.Command(w, dyn, i, ChildContext.Create(ctx, sets), stdin, depth + 1);
                foreach (var r in inner.TakeResult())
                {
                    if (r.Effect < Effect.Delete) { Add(r); continue; }
                    var targets = new List<Target> { engine };
                    foreach (var t in r.Targets) if (!OnThisMachine(t)) targets.Add(t);
                    Add(new CommandIntent
                    {
                        Tool = r.Tool, Effect = r.Effect, Summary = $"on engine {engine}: {r}", Targets = targets,
                        Evidence = [new Evidence(string.Join(' ', w[s..i]), $"a container of engine {engine}"), .. r.Evidence],
                    }.Complete(r.Argv, r.Credentials));
                }
                return;
            }
            _runnerLevel++;
            try { Command(w, dyn, i, ChildContext.Create(ctx, sets), stdin, depth + 1); }
            finally { _runnerLevel--; }
        }

        // The engine the environment names: DOCKER_HOST; for podman CONTAINER_HOST (a URL), else
        // CONTAINER_CONNECTION (a named connection, as a context).
        private static string? EngineVariable(string tool, IExecContext ctx, ref string? context)
        {
            if (!Path.GetFileName(tool).StartsWith("podman", StringComparison.Ordinal)) return ctx.GetEnvironmentVariable("DOCKER_HOST");
            if (ctx.GetEnvironmentVariable("CONTAINER_HOST") is { Length: > 0 } url) return url;
            if (ctx.GetEnvironmentVariable("CONTAINER_CONNECTION") is { Length: > 0 } named) context = named;
            return null;
        }

        // Without --context: DOCKER_CONTEXT, else docker's config.json currentContext (docker context use);
        // none when a host is given (docker takes the host over any context). Podman keeps no such file.
        private static string? DefaultContext(string tool, string? host, IExecContext ctx, string? configDir)
        {
            if (host != null) return null;
            if (ctx.GetEnvironmentVariable("DOCKER_CONTEXT") is { Length: > 0 } env) return env;
            return Path.GetFileName(tool) == "docker" ? Config.DockerConfig.CurrentContext(ctx, configDir) : null;
        }

        // The machine of a docker engine other than this one's: -H/DOCKER_HOST naming ssh:// or tcp://,
        // or a context other than "default" (named as an app is); null for the local socket.
        private static Target? Engine(string? host, string? context)
        {
            if (host != null && !host.StartsWith("unix:", StringComparison.Ordinal) && !host.StartsWith("npipe:", StringComparison.Ordinal)
                && UrlParser.TryParse(host.Contains("://", StringComparison.Ordinal) ? host : "tcp://" + host, "tcp", out var remote))
                return remote;
            if (host == null && context is { Length: > 0 } and not "default")
                return new Target { Kind = TargetKind.Url, Scheme = "docker", Host = context, Name = context };
            return null;
        }

        // docker|podman volume rm|prune, system prune --volumes, compose down -v|--volumes: named
        // volumes hold the data of the databases run in containers here; their files are under
        // /var/lib/docker/volumes, which default.local:server-data-and-cron pauses on.
        // With -H/--host or DOCKER_HOST naming another machine (ssh://, tcp://), the volumes are
        // that machine's: the target is its host, not this machine's /var/lib/docker. A context
        // (--context, DOCKER_CONTEXT) other than "default" is another engine too, named as an app
        // is (the default profile's Apps put "prod" and "*-prod" in production); its endpoint in
        // ~/.docker/contexts is not read.
        private void VolumeRemoval(string[] w, int s, int at, string? host, string? context, IExecContext ctx, string? configDir)
        {
            var sub = w[at];
            var rest = w.AsSpan(at + 1);
            var tool = Path.GetFileName(w[s]);
            List<string>? names = null;
            string what;
            if (sub == "volume" && rest.Length > 0 && rest[0] is "rm" or "remove" or "prune")
            {
                if (rest[0] != "prune")
                    foreach (var x in rest[1..]) if (!x.StartsWith('-')) (names ??= []).Add(x);
                what = $"volume {rest[0]}";
            }
            else if (sub == "system" && rest.Length > 0 && rest[0] == "prune" && rest.Contains("--volumes")) what = "system prune --volumes";
            else if (sub == "down" && (tool is "docker-compose" or "podman-compose" || Array.IndexOf(w, "compose", s) > s))
            {
                bool volumes = false;
                foreach (var x in rest) if (x is "-v" or "--volumes" || x.StartsWith("--volumes=", StringComparison.Ordinal) && !x.EndsWith("=false", StringComparison.Ordinal)) volumes = true;
                if (!volumes) { StopOnEngine(w, s, sub, host, context, ctx, configDir); return; }
                what = "compose down --volumes";
            }
            else { StopOnEngine(w, s, sub, host, context, ctx, configDir); return; }
            const string root = "/var/lib/docker/volumes";
            // PERF: the config file is looked at only for a removal, not for every docker command.
            context ??= DefaultContext(w[s], host, ctx, configDir);
            var targets = Engine(host, context) is { } engine ? [engine]
                : names == null ? [new Target { Kind = TargetKind.LocalPath, Path = root }]
                : names.Select(n => new Target { Kind = TargetKind.LocalPath, Path = $"{root}/{n}" }).ToList();
            Add(new CommandIntent
            {
                Tool = tool, Effect = Effect.Delete, Summary = what, Targets = targets, Argv = w[s..],
                Evidence = [new Evidence(what, names == null ? "removes container volumes and the data in them" : $"removes volume {string.Join(", ", names)} and its data")],
            });
        }

        // docker -H ssh://web1.prod… rm -f|kill|stop CONTAINER, compose down: another machine's containers stop
        // (its service with them). On this machine's engine they are the agent's own: nothing is added.
        private void StopOnEngine(string[] w, int s, string sub, string? host, string? context, IExecContext ctx, string? configDir)
        {
            if (sub is not ("rm" or "kill" or "stop" or "down" or "pause")) return;
            if (Engine(host, context ?? DefaultContext(w[s], host, ctx, configDir)) is not { } engine) return;
            Add(new CommandIntent
            {
                Tool = Path.GetFileName(w[s]), Effect = Effect.Terminate, Summary = $"{sub} on engine {engine}", Targets = [engine], Argv = w[s..],
                Evidence = [new Evidence(sub, $"stops containers of engine {engine}")],
            });
        }

        /// <summary>Classifies package.json's script <paramref name="name"/> of the working
        /// directory (and its pre/post scripts, which npm runs around it) as the shell strings npm
        /// runs; false when there is no such script or no readable package.json.</summary>
        private bool PackageScript(string name, IExecContext ctx, Stdin stdin, int depth)
        {
            var text = ToolHelp.ReadText(ctx, "package.json");
            if (text == null) return false;
            bool found = false;
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object
                    || !doc.RootElement.TryGetProperty("scripts", out var scripts) || scripts.ValueKind != System.Text.Json.JsonValueKind.Object) return false;
                foreach (var n in new[] { "pre" + name, name, "post" + name })
                {
                    if (!scripts.TryGetProperty(n, out var v) || v.ValueKind != System.Text.Json.JsonValueKind.String) continue;
                    found = true;
                    ScriptText(v.GetString() ?? "", false, ctx, stdin, depth, $"package.json script {n}");
                }
            }
            catch (System.Text.Json.JsonException)
            {
                Unknown($"package.json cannot be read for script {name}", name);
                return true;
            }
            return found;
        }
        // make options that take a value (GNU make); -C and -f are read, the rest skipped.
        private static readonly string[] MakeValued = ["-C", "--directory", "-f", "--file", "--makefile", "-I", "--include-dir", "-j", "--jobs", "-l", "--load-average", "-o", "--old-file", "--assume-old", "-W", "--what-if", "--new-file", "--assume-new", "-O", "--output-sync", "--eval"];

        /// <summary>make [options] [VAR=value]... [TARGET]...: the recipes of TARGET (the default
        /// goal when none is named) and of its prerequisites, read from the makefile make would
        /// read (<c>-f FILE</c>, else GNUmakefile, makefile, Makefile in <c>-C DIR</c> or the
        /// working directory), each classified as the <c>sh -c</c> make runs it with. A dry run
        /// (<c>-n</c>, <c>-q</c>), <c>--help</c> and <c>--version</c> run nothing; no makefile,
        /// or a target without a rule, adds nothing (under run each recipe line is an exec of its own).</summary>
        private void Make(string[] w, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            string? dir = null, file = null;
            List<string>? goals = null; // PERF: made when a goal is named; "make -j8" allocates nothing before the makefile is looked up
            List<KeyValuePair<string, string>>? sets = null;
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a is "-n" or "--dry-run" or "--just-print" or "--recon" or "-q" or "--question" or "-h" or "--help" or "-v" or "--version") return;
                if (a.StartsWith("--", StringComparison.Ordinal))
                {
                    int eq = a.IndexOf('=');
                    var name = eq > 0 ? a[..eq] : a;
                    string? v = eq > 0 ? a[(eq + 1)..] : Array.IndexOf(MakeValued, a) >= 0 && i + 1 < w.Length ? w[++i] : null;
                    if (name == "--directory") dir = v;
                    else if (name is "--file" or "--makefile") file = v;
                    continue;
                }
                if (a.Length > 1 && a[0] == '-')
                {
                    for (int k = 1; k < a.Length; k++)
                    {
                        if (a[k] == 'n' || a[k] == 'q') return;
                        if ("CfIjlOoW".IndexOf(a[k]) < 0) continue;
                        bool attached = k + 1 < a.Length;
                        // -j and -l take an optional number: the next word only when it is one.
                        if (a[k] is not ('C' or 'f'))
                        {
                            if (!attached && i + 1 < w.Length && (a[k] is not ('j' or 'l') || w[i + 1].Length > 0 && char.IsAsciiDigit(w[i + 1][0]))) i++;
                            break;
                        }
                        string? v = attached ? a[(k + 1)..] : i + 1 < w.Length ? w[++i] : null;
                        if (a[k] == 'C') dir = dir != null && v != null && !v.StartsWith('/') ? Path.Combine(dir, v) : v;
                        else file = v;
                        break;
                    }
                    continue;
                }
                if (IsAssignment(a)) { int eq = a.IndexOf('='); (sets ??= []).Add(new(a[..eq], a[(eq + 1)..])); continue; }
                (goals ??= []).Add(a);
            }
            // The makefile is configuration make reads by itself: looked up as a config file is (cached by
            // identity, a missing one answered by the missing-file watch), so a build's "make" costs no I/O.
            ConfigFile? found = null;
            string? used = null;
            if (file == "-" || file != null && file.StartsWith("<(", StringComparison.Ordinal))
            {
                // make -f - (the makefile on stdin), make -f <(printf …): the text when it is known.
                var known = file == "-" ? stdin.Text : ScriptFileText(file, true, ctx);
                if (known == null) { Unknown($"make reads a makefile from {(file == "-" ? "stdin" : file)} whose content is unknown", string.Join(' ', w[s..]), w[s..]); return; }
                used = file;
                found = ConfigFile.FromRead("-", System.Text.Encoding.UTF8.GetBytes(known));
                stdin = default;
            }
            else if (file != null) { used = file; found = ctx.ReadConfigFile(Under(dir, file)); }
            else
                foreach (var f in MakefileNames)
                {
                    var cf = ctx.ReadConfigFile(Under(dir, f));
                    if (cf.Exists) { found = cf; used = f; break; }
                }
            if (found is not { Exists: true }) return;
            if (found.Unaccountable) { Unknown($"{used} cannot be read ({found.Problem})", string.Join(' ', w[s..]), w[s..]); return; }
            var text = WithIncludes(found.Text, dir, ctx, out var unread);
            var mk = Makefile.Parse(text, (IReadOnlyList<KeyValuePair<string, string>>?)sets ?? []);
            if (goals == null && mk.DefaultGoal is string first) goals = [first];
            if (goals == null) return;
            // A goal the makefile does not define may come from a file it includes that was not read.
            if (unread != null && goals.Find(g => !mk.Has(g)) is string missing)
                Unknown($"make target {missing} may come from {unread}, which is not read", string.Join(' ', w[s..]), w[s..]);
            var child = dir == null ? ctx : ChildContext.Create(ctx, null, cwd: dir.StartsWith('/') || ctx.WorkingDirectory is not string wd ? dir : Path.Combine(wd, dir));
            foreach (var (target, line) in mk.Recipes(goals))
                ScriptText(line, false, child, stdin, depth, $"{used} target {target}");
        }

        private static readonly string[] MakefileNames = ["GNUmakefile", "makefile", "Makefile"];

        // include FILE… / -include / sinclude: each named file's text after the makefile's (one level; a
        // name with $ or a wildcard, a file that cannot be read or an include inside one is named in unread).
        private static string WithIncludes(string text, string? dir, IExecContext ctx, out string? unread)
        {
            unread = null;
            if (!text.Contains("include", StringComparison.Ordinal)) return text;
            var sb = new System.Text.StringBuilder(text);
            foreach (var raw in text.Split('\n'))
            {
                var t = raw.TrimEnd();
                int sp = t.IndexOf(' ');
                if (sp <= 0 || t[..sp] is not ("include" or "-include" or "sinclude")) continue;
                foreach (var name in t[(sp + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var cf = name.IndexOfAny(['$', '*', '?', '[']) >= 0 ? null : ctx.ReadConfigFile(Under(dir, name));
                    if (cf is { Exists: true, Unaccountable: false } && !System.Text.RegularExpressions.Regex.IsMatch(cf.Text, @"(?m)^-?s?include\s"))
                        sb.Append('\n').Append(cf.Text);
                    else if (cf is not { Exists: false } || t[0] == 'i') unread ??= name; // a missing -include is simply skipped
                }
            }
            return sb.ToString();
        }

        private static string Under(string? dir, string f) => dir == null || f.StartsWith('/') ? f : Path.Combine(dir, f);
    }
}
