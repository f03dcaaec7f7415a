using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Unwrapping, the one place where launchers are stripped. Each call strips one wrapper and
// classifies what it runs one level deeper (MaxDepth levels at most, then Effect unknown), so any
// stacking (`sudo env X=1 timeout 5 nice bash -c '...'`) unwinds in argv order. Per level:
//   1. argv[0]: path and a leading backslash dropped; an expansion as the name → unknown.
//   2. privilege:     sudo [-u U] [-E] [VAR=v]..., doas [-u U], su [-] [U] -c STRING,
//                     runuser -u U -- CMD | runuser [-l] U -c STRING
//   3. environment:   env [-i] [-u N] [-C DIR] [-S STR] [VAR=v]...  (assignments reach parsers)
//   4. process knobs: timeout, nice, ionice, nohup, stdbuf, time, chrt, setsid, flock, watch, the rows
//                     of CommandClassifier.ProcessWrappers.cs (caffeinate, strace, numactl, direnv exec, …),
//                     script -c STRING, parallel CMD [::: ARGS] (CMD through a shell, once per argument)
//   5. builtins:      command, builtin, exec; eval (words re-lexed); source/. FILE (read as a script; unreadable: unknown)
//   6. runners:       npx/bunx/pnpx, pnpm|yarn|npm exec|dlx|x, yarn BIN, bundle exec, busybox
//                     (and interpreters hosting a tool, containers, package.json scripts:
//                     CommandClassifier.Runners.cs)
//                     make TARGET (the Makefile's recipes), ssh HOST CMD, pssh -h FILE CMD, ansible PATTERN -m MODULE -a ARGS
//                     and ansible-playbook PLAYBOOK (CMD or the tasks run there:
//                     CommandClassifier.RemoteExec.cs)
//                     secret and environment runners: aws-vault exec PROFILE -- CMD (AWS_PROFILE is
//                     PROFILE), doppler|op|infisical|dotenvx run … -- CMD, dotenv … -- CMD
//                     just/task recipes, cross-env, npm-run-all, concurrently, taskset (…TaskRunners.cs);
//                     tmux/screen/at/batch/crontab/systemd-run: what they hand a server (…Deferred.cs);
//                     git aliases (…GitAliases.cs); alias NAME=… of the same string (…Aliases.cs);
//                     python -c, node -e, perl -e, ruby -e, lua -e, php -r, deno eval code (…Interpreters.cs);
//                     awk system(), sed e, vim :! (…TextTools.cs)
//   7. xargs:         the rest of argv, with the piped-in arguments appended as unknown words
//   8. shells:        sh|bash|dash|zsh|ksh -c STRING (lexed), FILE (read, lexed), stdin (here-doc
//                     lexed; a pipe from anything but echo/printf/cat → unknown): CommandClassifier.Shells.cs
public sealed partial class CommandClassifier
{
    /// <summary>Stands in for arguments xargs reads from stdin.</summary>
    public const string XargsInput = "{xargs-input}";

    private sealed partial class Run
    {
        private bool Unwrap(ToolId id, string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int next;
            switch (id)
            {
                case ToolId.Sudo:
                case ToolId.Doas:
                {
                    List<KeyValuePair<string, string>>? sets = null; // PERF: most sudo commands set no variable
                    next = SkipOptions(w, s + 1, id == ToolId.Sudo ? "ugpCDrtUThR" : "uC", ["--user", "--group", "--prompt", "--close-from", "--chdir", "--role", "--type", "--other-user", "--host", "--command-timeout", "--chroot"]);
                    while (next < w.Length && IsAssignment(w[next])) { int eq = w[next].IndexOf('='); (sets ??= []).Add(new(w[next][..eq], w[next][(eq + 1)..])); next++; }
                    // sudo -s/-i CMD runs CMD through the target user's shell: same words; with no CMD that shell
                    // reads its stdin (sudo -s <<< 'CMD').
                    if (next >= w.Length && w.Skip(s + 1).Any(a => a is "-s" or "-i" or "--shell" or "--login" || a.Length > 1 && a[0] == '-' && a[1] != '-' && (a.Contains('s') || a.Contains('i'))))
                        Shell(["sh"], null, 0, ChildContext.Create(ctx, sets), stdin, depth + 1);
                    else Command(w, dyn, next, ChildContext.Create(ctx, sets), stdin, depth + 1);
                    return true;
                }
                case ToolId.Su:
                case ToolId.Runuser:
                    SwitchUser(name, w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Script:
                    TypescriptRecorder(w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Parallel:
                    GnuParallel(w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Env:
                    EnvWrapper(w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Timeout:
                    next = SkipOptions(w, s + 1, "sk", ["--signal", "--kill-after"]);
                    Command(w, dyn, next + 1, ctx, stdin, depth + 1); // skip DURATION
                    return true;
                case ToolId.Nice:
                    next = s + 1;
                    while (next < w.Length && w[next].StartsWith('-') && w[next] != "--")
                    {
                        if (w[next] is "-n" or "--adjustment") next++;
                        next++;
                    }
                    if (next < w.Length && w[next] == "--") next++;
                    Command(w, dyn, next, ctx, stdin, depth + 1);
                    return true;
                case ToolId.Ionice:
                    next = SkipOptions(w, s + 1, "cnp", ["--class", "--classdata", "--pid", "--pgid", "--uid"]);
                    Command(w, dyn, next, ctx, stdin, depth + 1);
                    return true;
                case ToolId.Nohup:
                case ToolId.Setsid:
                case ToolId.Builtin:
                    Command(w, dyn, SkipOptions(w, s + 1, "", []), ctx, stdin, depth + 1);
                    return true;
                case ToolId.Stdbuf:
                    Command(w, dyn, SkipOptions(w, s + 1, "ioe", ["--input", "--output", "--error"]), ctx, stdin, depth + 1);
                    return true;
                case ToolId.Time:
                    Command(w, dyn, SkipOptions(w, s + 1, "fo", ["--format", "--output"]), ctx, stdin, depth + 1);
                    return true;
                case ToolId.Chrt:
                    next = SkipOptions(w, s + 1, "T", ["--sched-runtime", "--sched-period", "--sched-deadline"]);
                    if (w.Skip(s + 1).Take(next - s - 1).Any(a => a is "-p" or "--pid")) return true; // acts on a pid
                    Command(w, dyn, next + 1, ctx, stdin, depth + 1); // skip PRIORITY
                    return true;
                case ToolId.Command:
                    next = s + 1;
                    while (next < w.Length && w[next].StartsWith('-') && w[next] != "--")
                    {
                        if (w[next].Contains('v') || w[next].Contains('V')) return true; // lookup only
                        next++;
                    }
                    if (next < w.Length && w[next] == "--") next++;
                    Command(w, dyn, next, ctx, stdin, depth + 1);
                    return true;
                case ToolId.Exec:
                    next = SkipOptions(w, s + 1, "a", []);
                    Command(w, dyn, next, ctx, stdin, depth + 1);
                    return true;
                case ToolId.Flock:
                    next = SkipOptions(w, s + 1, "Ew", ["--timeout", "--conflict-exit-code", "--wait"]);
                    next++; // the lock file or fd
                    if (next < w.Length && w[next] is "-c" or "--command")
                    {
                        if (next + 1 < w.Length) ShellString(w, dyn, next + 1, ctx, stdin, depth, "flock -c");
                        return true;
                    }
                    Command(w, dyn, next, ctx, stdin, depth + 1);
                    return true;
                case ToolId.Watch:
                {
                    next = s + 1;
                    bool exec = false;
                    while (next < w.Length && w[next].StartsWith('-') && w[next] != "--")
                    {
                        var a = w[next];
                        if (a is "-x" or "--exec") exec = true;
                        if (a is "-n" or "--interval" or "-q" or "--equexit") next++;
                        next++;
                    }
                    if (next < w.Length && w[next] == "--") next++;
                    if (exec) Command(w, dyn, next, ctx, stdin, depth + 1);
                    else if (next < w.Length) ScriptText(string.Join(' ', w[next..]), Any(dyn, next), ctx, stdin, depth, "watch command");
                    return true;
                }
                case ToolId.Eval:
                    if (s + 1 < w.Length) ScriptText(string.Join(' ', w[(s + 1)..]), Any(dyn, s + 1), ctx, stdin, depth, "eval");
                    return true;
                case ToolId.Source:
                    SourceScript(name, w, dyn, s, ctx, depth);
                    return true;
                case ToolId.Npx:
                case ToolId.Bunx:
                    next = s + 1;
                    while (next < w.Length && w[next].StartsWith('-'))
                    {
                        if (w[next] is "-p" or "--package" or "-c" or "--call") { if (w[next] is "-c" or "--call" && next + 1 < w.Length) { ScriptText(w[next + 1], Any(dyn, next + 1), ctx, stdin, depth, "npx -c"); return true; } next++; }
                        next++;
                    }
                    Runner(w, dyn, next, ctx, stdin, depth);
                    return true;
                case ToolId.Pnpm:
                case ToolId.Npm:
                case ToolId.Yarn:
                case ToolId.Bundle:
                case ToolId.Bun:
                {
                    if (id == ToolId.Bun && BunEval(w, s) is int code) { Inline(name, w[code], Any(dyn, code), ctx, depth); return true; }
                    // npm --registry X unpublish P: npm's configuration options may come before the command.
                    if (id is ToolId.Npm or ToolId.Pnpm && s + 1 < w.Length && NpmUnpublish.VerbAfterOptions(w, s + 1) is int verb && w[verb] == "unpublish")
                    {
                        var call = new ToolCall { Args = [.. w[(s + 1)..verb], .. w[(verb + 1)..]], Context = ctx };
                        Emit(NpmUnpublish.Parse(name, call), w, s, id, call, null);
                        return true;
                    }
                    bool otherPackage = false;
                    next = id == ToolId.Bundle ? s + 1 : PackageManagerOptions(id, w, s + 1, ref ctx, ref otherPackage);
                    if (next >= w.Length) return true;
                    if (w[next] is "exec" or "dlx" or "x") { if (ExecCall(name, w, dyn, ++next, ctx, stdin, depth)) return true; }
                    else if (id != ToolId.Bundle && (w[next] is "run" or "run-script" || id == ToolId.Npm && w[next] is "test" or "start" or "stop" or "restart"))
                    {
                        // npm run NAME: package.json's scripts.NAME (with its pre/post scripts), as sh -c runs it.
                        if (w[next] is "run" or "run-script") next++;
                        // npm run --prefix DIR NAME: its options may follow the verb too.
                        next = PackageManagerOptions(id, w, next, ref ctx, ref otherPackage);
                        if (next < w.Length && otherPackage) Unknown($"{name} runs script {w[next]} of another workspace package (not read)", string.Join(' ', w[s..]), w[s..]);
                        else if (next < w.Length) PackageScript(w[next], ctx, stdin, depth);
                        return true;
                    }
                    else if (id is ToolId.Npm or ToolId.Pnpm && w[next] == "unpublish")
                    {
                        var call = new ToolCall { Args = w[(next + 1)..], Context = ctx };
                        Emit(NpmUnpublish.Parse(name, call), w, s, id, call, null);
                        return true;
                    }
                    else if (id is ToolId.Npm or ToolId.Bundle) return true;
                    else if (PackageScript(w[next], ctx, stdin, depth)) return true; // yarn NAME, pnpm NAME, bun NAME: a script first
                    while (next < w.Length && w[next].StartsWith('-') && w[next] != "--") next++;
                    if (next < w.Length && w[next] == "--") next++;
                    Runner(w, dyn, next, ctx, stdin, depth);
                    return true;
                }
                case ToolId.PyRunner:
                    // uv run, poetry run, pipenv run, pipx run (and uv tool run): the rest is a command.
                    next = s + 1;
                    if (next < w.Length && w[next] == "tool") next++;
                    if (next >= w.Length || w[next] != "run") return true;
                    next = SkipOptions(w, next + 1, "p", ["--with", "--python", "--project", "--directory", "--env-file", "--extra", "--group", "--spec", "--from", "--package"]);
                    Runner(w, dyn, next, ctx, stdin, depth);
                    return true;
                case ToolId.Uvx:
                    Runner(w, dyn, SkipOptions(w, s + 1, "p", ["--with", "--python", "--from", "--env-file"]), ctx, stdin, depth);
                    return true;
                case ToolId.Python:
                case ToolId.Php:
                case ToolId.Dotnet:
                    Hosted(w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Docker:
                    Container(w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Make:
                    Make(w, s, ctx, stdin, depth);
                    return true;
                case ToolId.Cargo:
                    // cargo NAME … runs the plugin cargo-NAME with NAME's arguments (cargo sqlx database reset):
                    // a known tool's name is read as that tool; cargo's own commands add nothing.
                    if (s + 1 < w.Length && (dyn == null || !dyn[s + 1]) && ToolTable.Lookup(w[s + 1]) >= ToolId.Curl) Runner(w, dyn, s + 1, ctx, stdin, depth);
                    return true;
                case ToolId.Deferred:
                    Deferred(name, w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Interpreter:
                    Interpreter(name, w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.TextTool:
                    TextTool(name, w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.TaskRunner:
                    TaskRunner(name, w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Alias:
                    DefineAliases(w, s);
                    return true;
                case ToolId.Git:
                    GitCommandSettings(w, dyn, s, ctx, depth);
                    if (GitConfigSetsAlias(w, s) || GitAlias(w, dyn, s, ctx, stdin, depth)) return true;
                    NoteGitConfigWrite(w, s);
                    return false;
                case ToolId.Crontab:
                    return CrontabInstall(w, s, ctx, stdin, depth);
                case ToolId.Ssh:
                    RemoteShell(w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Pssh:
                    ParallelShell(name, w, dyn, s, ctx, depth);
                    return true;
                case ToolId.AnsiblePlaybook:
                    Playbook(w, s, ctx, depth);
                    return true;
                case ToolId.Ansible:
                    AnsibleAdHoc(w, s, ctx, depth);
                    return true;
                case ToolId.Busybox:
                    _runnerLevel++; // applets run in-process: nothing is exec'd
                    try { Command(w, dyn, s + 1, ctx, stdin, depth + 1); }
                    finally { _runnerLevel--; }
                    return true;
                case ToolId.Xargs:
                    Xargs(w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.SecretRunner:
                    SecretRunner(name, w, dyn, s, ctx, stdin, depth);
                    return true;
                // Secrets managers with a table (Tools/NAME.json) for their other subcommands.
                case ToolId.Table when name is "doppler" or "op" or "infisical" && s + 1 < w.Length && w[s + 1] == "run":
                    SecretRunner(name, w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.ProcessWrapper:
                case ToolId.Table when name == "chamber" && s + 1 < w.Length && w[s + 1] == "exec":
                    ProcessWrapperRun(name, w, dyn, s, ctx, stdin, depth);
                    return true;
                case ToolId.Shell:
                    Shell(w, dyn, s, ctx, stdin, depth);
                    return true;
                default:
                    return false;
            }
        }


        private void EnvWrapper(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            var sets = new List<KeyValuePair<string, string>>();
            List<string>? unset = null; // PERF: made at the first -u
            bool cleared = false;
            string? chdir = null;
            int i = s + 1;
            for (; i < w.Length; i++)
            {
                var a = w[i];
                // PERF: every option below starts with '-': a NAME=value or the command ends them without a dozen compares.
                if (a.Length == 0 || a[0] != '-') break;
                if (a == "--") { i++; break; }
                if (a is "-i" or "--ignore-environment" or "-") { cleared = true; continue; }
                if (a is "-u" or "--unset") { if (i + 1 < w.Length) (unset ??= []).Add(w[++i]); continue; }
                if (a.StartsWith("--unset=", StringComparison.Ordinal)) { (unset ??= []).Add(a[8..]); continue; }
                if (a.StartsWith("-u", StringComparison.Ordinal) && a.Length > 2) { (unset ??= []).Add(a[2..]); continue; }
                if (a is "-C" or "--chdir") { if (i + 1 < w.Length) chdir = w[++i]; continue; }
                if (a.StartsWith("--chdir=", StringComparison.Ordinal)) { chdir = a[8..]; continue; }
                if (a is "-S" or "--split-string" || a.StartsWith("--split-string=", StringComparison.Ordinal) || (a.StartsWith("-S", StringComparison.Ordinal) && a.Length > 2))
                {
                    string str = a.StartsWith("--split-string=", StringComparison.Ordinal) ? a[15..] : a.Length > 2 && a[1] == 'S' ? a[2..] : i + 1 < w.Length ? w[++i] : "";
                    // -S splits STR into words (with quotes) that take the place of the remaining argv.
                    // Parsed after a ':' word so that NAME=value words stay words: alone (env -S 'TOKEN=x' CMD)
                    // they would be bare shell assignments, and no command at all.
                    var script = Lexing.ShellParser.Parse(Encoding.UTF8.GetBytes(": " + str), null);
                    IEnumerable<string> split = script.Commands.Count > 0 ? script.Commands[0].Words.Skip(1) : [];
                    var merged = split.Concat(w[(i + 1)..]).ToArray();
                    int j = 0;
                    while (j < merged.Length && IsAssignment(merged[j])) { int eq = merged[j].IndexOf('='); sets.Add(new(merged[j][..eq], merged[j][(eq + 1)..])); j++; }
                    Command(merged, null, j, ChildContext.Create(ctx, sets, unset, cleared, chdir), stdin, depth + 1);
                    return;
                }
                if (a.StartsWith('-') && a.Length > 1) continue; // -0, -v, --debug, -P...
                break;
            }
            while (i < w.Length)
            {
                if (IsAssignment(w[i])) { int eq = w[i].IndexOf('='); sets.Add(new(w[i][..eq], w[i][(eq + 1)..])); i++; }
                // env $(cat .env | xargs) CMD: the substitution's NAME=value words (the parser put the file in CMD's context).
                else if (dyn != null && dyn[i] && i + 1 < w.Length && SourcedFiles.Entry(w[i], true) != Lexing.ShellStateChanges.NotKnown) i++;
                else break;
            }
            Command(w, dyn, i, ChildContext.Create(ctx, sets, unset, cleared, chdir), stdin, depth + 1);
        }

        // aws-vault exec PROFILE [--] CMD, doppler|op|infisical|dotenvx run [options] -- CMD,
        // dotenv [options] -- CMD: CMD runs with secrets the runner adds to its environment. Only
        // aws-vault's profile is known here (the AWS profile CMD acts as); the other runners'
        // variables are not read. Without the "--" the command cannot be told from an option's value.
        private void SecretRunner(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            if (name != "dotenv")
            {
                if (i >= w.Length || w[i] != (name == "aws-vault" ? "exec" : "run")) return;
                i++;
            }
            if (name == "aws-vault")
            {
                i = SkipOptions(w, i, "dt", ["--duration", "--mfa-token", "--region", "--prompt", "--json", "--server-type"]);
                if (i >= w.Length) return;
                var profile = w[i++];
                if (i < w.Length && w[i] == "--") i++;
                Command(w, dyn, i, ChildContext.Create(ctx, [new("AWS_PROFILE", profile), new("AWS_VAULT", profile)]), stdin, depth + 1);
                return;
            }
            int dash = Array.IndexOf(w, "--", i);
            if (dash < 0) return;
            Command(w, dyn, dash + 1, ctx, stdin, depth + 1);
        }

        private static bool Any(bool[]? dyn, int from)
        {
            if (dyn == null) return false;
            for (int i = from; i < dyn.Length; i++) if (dyn[i]) return true;
            return false;
        }

        private static bool IsAssignment(string a)
        {
            int eq = a.IndexOf('=');
            if (eq <= 0 || !(char.IsAsciiLetter(a[0]) || a[0] == '_')) return false;
            for (int k = 0; k < eq; k++) if (!(char.IsAsciiLetterOrDigit(a[k]) || a[k] == '_')) return false;
            return true;
        }

        /// <summary>Index of the first word after the options of a wrapper. Short options in
        /// <paramref name="shortWithValue"/> and the long options listed take a value (attached or
        /// next); <c>--</c> ends the options. PERF: a span, so each call's <c>["--user", …]</c> is
        /// built on the stack, not a new array per wrapper.</summary>
        private static int SkipOptions(string[] w, int i, string shortWithValue, ReadOnlySpan<string> longWithValue)
        {
            for (; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") return i + 1;
                if (a.Length < 2 || a[0] != '-') return i;
                if (a.StartsWith("--", StringComparison.Ordinal))
                {
                    if (!a.Contains('=') && longWithValue.Contains(a)) i++;
                    continue;
                }
                // "-u" "root" / "-uroot" / "-Eu" "root"
                for (int k = 1; k < a.Length; k++)
                {
                    if (shortWithValue.IndexOf(a[k]) >= 0)
                    {
                        if (k == a.Length - 1) i++;
                        break;
                    }
                }
            }
            return i;
        }
    }
}
