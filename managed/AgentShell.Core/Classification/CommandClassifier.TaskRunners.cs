using AgentShell.Core.Config;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Unwrapping, level 6 (see CommandClassifier.Unwrap.cs): task runners that read what they run from a
// file of the project — just (justfile), task (Taskfile.yml) — and the package-script helpers used
// inside package.json (cross-env, npm-run-all/run-s/run-p, concurrently). A recipe that cannot be
// read (an import, an include, a file too large) is unknown, never nothing.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        private void TaskRunner(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            switch (name)
            {
                case "just": Just(w, s, ctx, stdin, depth); break;
                case "task" or "go-task": GoTask(w, s, ctx, stdin, depth); break;
                case "cross-env" or "cross-env-shell": CrossEnv(name, w, dyn, s, ctx, stdin, depth); break;
                case "taskset": Taskset(w, dyn, s, ctx, stdin, depth); break;
                default: RunAll(name, w, s, ctx, stdin, depth); break;
            }
        }

        private void Just(string[] w, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            string? file = null, dir = null;
            var sets = new List<KeyValuePair<string, string>>();
            var args = new List<string>();
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a is "-l" or "--list" or "-n" or "--dry-run" or "-s" or "--show" or "--summary" or "--evaluate" or "--dump" or "--fmt"
                    or "--init" or "--edit" or "-e" or "--choose" or "--variables" or "--groups" or "-h" or "--help" or "-V" or "--version" or "--completions") return;
                if (a is "-f" or "--justfile" && i + 1 < w.Length) { file = w[++i]; continue; }
                if (a is "-d" or "--working-directory" && i + 1 < w.Length) { dir = w[++i]; continue; }
                if (a == "--set" && i + 2 < w.Length) { sets.Add(new(w[i + 1], w[i + 2])); i += 2; continue; }
                if (a.StartsWith("--justfile=", StringComparison.Ordinal)) { file = a[11..]; continue; }
                if (a is "--shell" or "--shell-arg" or "--dotenv-filename" or "--dotenv-path" or "--color" or "--command-color" or "--list-heading" or "--list-prefix") { i++; continue; }
                if (a.StartsWith('-')) continue;
                if (IsAssignment(a) && args.Count == 0) { int eq = a.IndexOf('='); sets.Add(new(a[..eq], a[(eq + 1)..])); continue; }
                args.Add(a);
            }
            var (used, text) = FindProjectFile(ctx, file, ["justfile", "Justfile", ".justfile", "JUSTFILE"], w, s);
            if (used == null) return;
            if (text == null) return; // Unknown already added
            var jf = Justfile.Parse(text, sets);
            var child = dir == null ? ctx : ChildContext.Create(ctx, null, cwd: Rooted(ctx, dir));
            foreach (var (recipe, line, known) in jf.Lines(args))
            {
                if (!known) { Unknown($"just recipe {recipe} is not read from {used} ({line})", string.Join(' ', w[s..]), w[s..]); continue; }
                ScriptText(line, false, child, stdin, depth, $"{used} recipe {recipe}");
            }
        }

        private void GoTask(string[] w, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            string? file = null, dir = null;
            var sets = new List<KeyValuePair<string, string>>();
            var tasks = new List<string>();
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") break; // CLI_ARGS
                if (a is "-l" or "--list" or "-a" or "--list-all" or "-n" or "--dry" or "--summary" or "-i" or "--init" or "--status"
                    or "-h" or "--help" or "--version" or "--json") return;
                if (a is "-t" or "--taskfile" && i + 1 < w.Length) { file = w[++i]; continue; }
                if (a is "-d" or "--dir" && i + 1 < w.Length) { dir = w[++i]; continue; }
                if (a.StartsWith("--taskfile=", StringComparison.Ordinal)) { file = a[11..]; continue; }
                if (a is "-o" or "--output" or "-C" or "--concurrency" or "-I" or "--interval" or "--output-group-begin" or "--output-group-end") { i++; continue; }
                if (a.StartsWith('-')) continue;
                if (IsAssignment(a)) { int eq = a.IndexOf('='); sets.Add(new(a[..eq], a[(eq + 1)..])); continue; }
                tasks.Add(a);
            }
            if (tasks.Count == 0) tasks.Add("default");
            var under = dir;
            var (used, text) = FindProjectFile(ctx, file == null ? null : Under(under, file),
                under == null ? TaskfileNames : TaskfileNames.Select(n => Path.Combine(under, n)).ToArray(), w, s);
            if (used == null || text == null) return;
            var tf = Taskfile.Parse(text, sets);
            var child = dir == null ? ctx : ChildContext.Create(ctx, null, cwd: Rooted(ctx, dir));
            foreach (var (task, line, known) in tf.Lines(tasks))
            {
                if (!known) { Unknown($"task {task} is not read from {used} ({line})", string.Join(' ', w[s..]), w[s..]); continue; }
                ScriptText(line, false, child, stdin, depth, $"{used} task {task}");
            }
        }

        private static readonly string[] TaskfileNames = ["Taskfile.yml", "taskfile.yml", "Taskfile.yaml", "taskfile.yaml", "Taskfile.dist.yml", "taskfile.dist.yml"];

        /// <summary>The project file a runner reads (<paramref name="file"/>, else the first of
        /// <paramref name="names"/> in the working directory or a parent, as just and task search).
        /// (null, _) when there is none; (name, null) when it is there but cannot be read (an unknown intent is added).</summary>
        private (string? Used, string? Text) FindProjectFile(IExecContext ctx, string? file, string[] names, string[] w, int s)
        {
            ConfigFile? found = null;
            string? used = null;
            if (file != null) { found = ctx.ReadConfigFile(file); used = file; }
            else
            {
                // just and task look in the parent directories too; four levels cover a monorepo's packages.
                for (int up = 0; up < 5 && found is not { Exists: true }; up++)
                {
                    var prefix = string.Concat(Enumerable.Repeat("../", up));
                    foreach (var n in names)
                    {
                        var cf = ctx.ReadConfigFile(prefix + n);
                        if (cf.Exists) { found = cf; used = prefix + n; break; }
                    }
                }
            }
            if (found is not { Exists: true })
            {
                // A file named on the command line that is not there: nothing runs (the runner fails).
                return (null, null);
            }
            if (found.Unaccountable) { Unknown($"{used} cannot be read ({found.Problem})", string.Join(' ', w[s..]), w[s..]); return (used, null); }
            return (used, found.Text);
        }

        // npm|yarn|pnpm|bun options before the command: --prefix, --cwd, -C, --dir DIR read DIR's package.json;
        // a workspace choice (npm -w NAME, --workspace(s), --filter, -r) runs another package's scripts,
        // which are not read (unknown); other options are skipped (-s, --silent, --loglevel L).
        private static int PackageManagerOptions(ToolId id, string[] w, int i, ref IExecContext ctx, ref bool otherPackage)
        {
            for (; i < w.Length && w[i].Length > 1 && w[i][0] == '-' && w[i] != "--"; i++)
            {
                var a = w[i];
                int eq = a.IndexOf('=');
                var key = eq > 0 ? a[..eq] : a;
                if (key is "--prefix" or "--cwd" or "-C" or "--dir")
                {
                    var v = eq > 0 ? a[(eq + 1)..] : i + 1 < w.Length ? w[++i] : null;
                    if (v != null) ctx = ChildContext.Create(ctx, null, cwd: Rooted(ctx, v));
                }
                else if (key is "--workspace" or "--filter" or "-F" || key == "-w" && id != ToolId.Pnpm) { if (eq < 0) i++; otherPackage = true; }
                else if (key is "-r" or "--recursive" or "-ws" or "--workspaces") otherPackage = true;
                else if (key is "--loglevel" or "--registry" or "--userconfig" && eq < 0) i++;
            }
            return i;
        }

        // npm exec -c 'CMD' / --call=CMD (pnpm and yarn alike): a shell string; true when one was read.
        private bool ExecCall(string name, string[] w, bool[]? dyn, int next, IExecContext ctx, Stdin stdin, int depth)
        {
            for (int k = next; k < w.Length && w[k].StartsWith('-') && w[k] != "--"; k++)
            {
                if (w[k] is "-c" or "--call" && k + 1 < w.Length) { ScriptText(w[k + 1], Any(dyn, k + 1), ctx, stdin, depth, $"{name} exec -c"); return true; }
                if (w[k].StartsWith("--call=", StringComparison.Ordinal)) { ScriptText(w[k][7..], Any(dyn, k), ctx, stdin, depth, $"{name} exec --call"); return true; }
            }
            return false;
        }

        private static string Rooted(IExecContext ctx, string dir) =>
            dir.StartsWith('/') || ctx.WorkingDirectory is not string wd ? dir : Path.Combine(wd, dir);

        // cross-env [VAR=value]... CMD ARGS (cross-env-shell: the rest is one shell string).
        private void CrossEnv(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            List<KeyValuePair<string, string>>? sets = null;
            int i = s + 1;
            while (i < w.Length && IsAssignment(w[i])) { int eq = w[i].IndexOf('='); (sets ??= []).Add(new(w[i][..eq], w[i][(eq + 1)..])); i++; }
            var child = ChildContext.Create(ctx, sets);
            if (name == "cross-env-shell") { if (i < w.Length) ScriptText(string.Join(' ', w[i..]), Any(dyn, i), child, stdin, depth, "cross-env-shell"); }
            else Command(w, dyn, i, child, stdin, depth + 1);
        }

        // taskset [-a] [-c] MASK CMD ARGS | taskset -p …: the CPU affinity of CMD.
        private void Taskset(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            for (; i < w.Length && w[i].StartsWith('-'); i++)
                if (w[i].Contains('p') && !w[i].StartsWith("--cpu", StringComparison.Ordinal) || w[i] is "-h" or "--help" or "-V" or "--version") return; // acts on a pid
            Command(w, dyn, i + 1, ctx, stdin, depth + 1); // the mask first
        }

        // npm-run-all [-s|-p] NAME|GLOB…, run-s, run-p: package.json scripts by name (a * matches within a
        // :-separated part, ** across them); concurrently "npm:NAME" or shell strings.
        private void RunAll(string name, string[] w, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a is "-h" or "--help" or "-v" or "--version") return;
                if (a.StartsWith('-'))
                {
                    if (name == "concurrently" ? a is "-n" or "--names" or "-c" or "--prefix-colors" or "-p" or "--prefix" or "-m" or "--max-processes"
                            or "--restart-tries" or "-s" or "--success" : a is "--max-parallel" or "--npm-path") i++;
                    continue;
                }
                if (name == "concurrently")
                {
                    // npm:NAME, yarn:NAME, pnpm:NAME, bun:NAME: a package script; anything else: a shell string.
                    int colon = a.IndexOf(':');
                    if (colon > 0 && a[..colon] is "npm" or "yarn" or "pnpm" or "bun") ScriptsMatching(a[(colon + 1)..], ctx, stdin, depth, w, s);
                    else ScriptText(a, false, ctx, stdin, depth, "concurrently command");
                    continue;
                }
                ScriptsMatching(a, ctx, stdin, depth, w, s);
            }
        }

        private void ScriptsMatching(string pattern, IExecContext ctx, Stdin stdin, int depth, string[] w, int s)
        {
            if (!pattern.Contains('*')) { PackageScript(pattern.Split(' ')[0], ctx, stdin, depth); return; }
            var text = ToolHelp.ReadText(ctx, "package.json");
            if (text == null) { Unknown($"package.json cannot be read for scripts {pattern}", string.Join(' ', w[s..]), w[s..]); return; }
            var re = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace(@"\*\*", ".*").Replace(@"\*", "[^:]*") + "$");
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(text);
                if (!doc.RootElement.TryGetProperty("scripts", out var scripts) || scripts.ValueKind != System.Text.Json.JsonValueKind.Object) return;
                foreach (var p in scripts.EnumerateObject())
                    if (re.IsMatch(p.Name) && p.Value.ValueKind == System.Text.Json.JsonValueKind.String)
                        ScriptText(p.Value.GetString() ?? "", false, ctx, stdin, depth, $"package.json script {p.Name}");
            }
            catch (System.Text.Json.JsonException) { Unknown($"package.json cannot be read for scripts {pattern}", pattern); }
        }
    }
}
