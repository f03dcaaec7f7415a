using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Unwrapping, level 6 (see CommandClassifier.Unwrap.cs): programs that hand a command to a server
// which runs it later or elsewhere — a tmux or screen server, atd, cron, systemd. Such a server was
// often started outside the supervised tree, so the command it runs is never an exec seen here: it
// is judged at the handing over, on the text handed over. Text that is not known (a pipe from a
// program, a file that cannot be read) is unknown.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        private void Deferred(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            var saved = _outside;
            _outside = ServerOf(name, ctx); // what it hands over is read as the server runs it (CommandClassifier.Outside.cs)
            try
            {
                switch (name)
                {
                    case "tmux": Tmux(w, dyn, s, ctx, depth); break; // CommandClassifier.Tmux.cs
                    case "screen": Screen(w, dyn, s, ctx, stdin, depth); break;
                    case "at" or "batch": AtJob(name, w, s, ctx, stdin, depth); break;
                    default: SystemdRun(w, dyn, s, ctx, stdin, depth); break;
                }
            }
            finally { _outside = saved; }
        }

        // screen [-dmS NAME] CMD ARGS (a new window runs CMD) | screen [-S NAME] -X stuff TEXT | -X exec CMD.
        private void Screen(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "-X")
                {
                    if (i + 1 >= w.Length) return;
                    var cmd = w[i + 1];
                    if (cmd == "stuff" && i + 2 < w.Length)
                    {
                        // stuff types its string: \n, \r and ^M end a line.
                        var text = w[i + 2].Replace("\\n", "\n").Replace("\\r", "\n").Replace("^M", "\n").Replace("\\015", "\n");
                        TypedText(text, Any(dyn, i + 2), ctx, depth, "screen -X stuff");
                    }
                    else if (cmd is "exec" or "screen") Command(w, dyn, SkipScreenExecFlags(w, i + 2), ctx, new Stdin(null, true), depth + 1);
                    return;
                }
                if (a is "-ls" or "-list" or "-r" or "-R" or "-x" or "-v" or "-wipe" or "-h" or "--help" or "--version") return;
                if (a.StartsWith('-'))
                {
                    if (a is "-Logfile" or "-c" or "-e" or "-p" or "-t" or "-T" or "-h") { i++; continue; }
                    if (a.Length > 1 && a[^1] is 'S' or 'p' or 't' or 'c') i++; // -dmS NAME
                    continue;
                }
                Command(w, dyn, i, ctx, stdin, depth + 1);
                return;
            }
        }

        private static int SkipScreenExecFlags(string[] w, int i) => i < w.Length && w[i].Length > 0 && w[i][0] is '.' or '!' or ':' or '|' ? i + 1 : i;

        // at [-q Q] [-f FILE] [-m] TIME… / batch: the job is stdin or FILE, run later by atd as sh runs it.
        private void AtJob(string name, string[] w, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            string? file = null;
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a is "-l" or "-d" or "-r" or "-c" or "-V" or "--help" or "--version") return; // atq, atrm, at -c: nothing runs
                if (a == "-f" && i + 1 < w.Length) { file = w[++i]; continue; }
                if (a is "-q" or "-t" && i + 1 < w.Length) i++;
            }
            var argv = w[s..];
            string? text = file != null ? ToolHelp.ReadText(ctx, file) : stdin.Text;
            if (text == null)
            {
                UnreadJob(name, file != null ? $"{name} runs job file {file}, which cannot be read" : $"{name} runs a job read from stdin whose content is unknown",
                    "/var/spool/cron/atjobs", argv);
                return;
            }
            Script(System.Text.Encoding.UTF8.GetBytes(text), ctx, default, depth + 1, $"{name} job");
        }

        // systemd-run [options] CMD ARGS: CMD runs in a unit of the service manager, outside this tree.
        private static readonly string[] SystemdRunValued = ["-u", "--unit", "-p", "--property", "--description", "--slice", "-E", "--setenv",
            "--on-active", "--on-boot", "--on-startup", "--on-unit-active", "--on-unit-inactive", "--on-calendar", "--timer-property",
            "--path-property", "--socket-property", "--service-type", "--uid", "--gid", "--nice", "--working-directory", "-H", "--host",
            "-M", "--machine", "--slice-inherit", "--expand-environment"];

        private void SystemdRun(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            for (; i < w.Length && w[i].StartsWith('-') && w[i] != "--"; i++)
            {
                if (w[i] is "-h" or "--help" or "--version") return;
                if (!w[i].Contains('=') && Array.IndexOf(SystemdRunValued, w[i]) >= 0) i++;
            }
            if (i < w.Length && w[i] == "--") i++;
            Command(w, dyn, i, ctx, stdin, depth + 1);
        }

        /// <summary>crontab FILE | crontab - (stdin): installs a table whose jobs cron runs later, outside
        /// this tree; each job's command is classified as the shell cron starts would run it. False when
        /// the call installs nothing (-l, -r, -e, …: LocalFiles.Crontab decides those).</summary>
        private bool CrontabInstall(string[] w, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            var saved = _outside;
            _outside = ServerOf("crontab", ctx);
            try { return CrontabTable(w, s, ctx, stdin, depth); }
            finally { _outside = saved; }
        }

        private bool CrontabTable(string[] w, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            string? file = null;
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "-u" && i + 1 < w.Length) { i++; continue; }
                if (a == "-") { file = "-"; continue; }
                if (a.StartsWith('-')) return false; // -l, -r, -e, -i, -T: not an install
                file = a;
            }
            var argv = w[s..];
            // No file: some crons read stdin, others refuse; stdin it is (fail closed).
            string? text = file is null or "-" ? stdin.Text : ToolHelp.ReadText(ctx, file);
            if (text == null)
            {
                string user = ctx.GetEnvironmentVariable("USER") ?? "user";
                for (int i = s + 1; i + 1 < w.Length; i++) if (w[i] == "-u") user = w[i + 1];
                UnreadJob("crontab", file is null or "-" ? "crontab installs a table from stdin whose content is unknown" : $"crontab installs {file}, which cannot be read",
                    $"/var/spool/cron/crontabs/{user}", argv);
                return true;
            }
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                // SHELL=/bin/bash, MAILTO=…: the table's environment, not a job.
                int eq = line.IndexOf('='), sp = line.IndexOfAny([' ', '\t']);
                if (eq > 0 && (sp < 0 || eq < sp)) continue;
                var job = CronCommand(line);
                if (job.Length > 0) ScriptText(job, false, ctx, new Stdin(null, true), depth, "crontab job");
            }
            return true;
        }

        // A job whose text is not known, written where the scheduler keeps it: the scheduler runs it later,
        // outside this tree, so no exec of it will be seen (default.local:unread-scheduled-job pauses it).
        private void UnreadJob(string tool, string why, string spool, string[] argv) => Add(new CommandIntent
        {
            Tool = tool, Effect = Effect.Unknown, Summary = why, Argv = argv,
            Targets = [new Target { Kind = TargetKind.LocalPath, Path = spool }],
            Evidence = [new Evidence(string.Join(' ', argv), why)],
        });

        // The command of a cron line: after @reboot/@daily… or five time fields; % ends it (the rest is its stdin).
        private static string CronCommand(string line)
        {
            int fields = line[0] == '@' ? 1 : 5, i = 0;
            for (int f = 0; f < fields; f++)
            {
                while (i < line.Length && line[i] is not (' ' or '\t')) i++;
                while (i < line.Length && line[i] is ' ' or '\t') i++;
            }
            var cmd = line[i..];
            int pct = cmd.IndexOf('%');
            while (pct > 0 && cmd[pct - 1] == '\\') pct = cmd.IndexOf('%', pct + 1);
            return (pct >= 0 ? cmd[..pct] : cmd).Replace("\\%", "%").Trim();
        }
    }
}
