using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

// Unwrapping, level 4 (see CommandClassifier.Unwrap.cs): process wrappers that run their argv's
// command as it is, described as rows — the options that take a value (so that it is not read as the
// command), the words before the command, and for some a word that must come first or a separator.
// Each row follows the tool's manual (getopt: "-f F", "-fF", "--opt V", "--opt=V").
public sealed partial class CommandClassifier
{
    /// <summary>One wrapper: <paramref name="Verb"/> must be the first word (direnv exec); options with a
    /// value; <paramref name="Skip"/> words before the command (a timestamp, a directory, a file);
    /// <paramref name="Until"/>: the command follows this word and nothing runs without it (gdb --args,
    /// chamber's --); <paramref name="ShellString"/>: the command is one string for a shell (sops).</summary>
    internal sealed record ProcessWrapper(string ShortValued, string[] LongValued, int Skip = 0, string? Verb = null,
        string? Until = null, bool ShellString = false);

    internal static readonly Dictionary<string, ProcessWrapper> ProcessWrappers = new(StringComparer.Ordinal)
    {
        // macOS: caffeinate [-disum] [-t timeout] [-w pid] [utility args...]
        ["caffeinate"] = new("tw", []),
        ["proxychains"] = new("f", []),
        ["proxychains4"] = new("f", []),
        ["torsocks"] = new("uapP", ["--user", "--pass", "--address", "--port"]),
        ["strace"] = new("abeEIoOpPsSuUX", ["--output", "--trace", "--signal", "--status", "--user", "--env", "--attach", "--string-limit",
            "--trace-path", "--columns", "--detach-on", "--decode-fds", "--quiet", "--seccomp-bpf", "--trace-fds", "--read", "--write", "--fault", "--inject"]),
        ["ltrace"] = new("aAeDFlnopsuwx", ["--output", "--library", "--config"]),
        ["faketime"] = new("", ["--date-prog"], Skip: 1), // the timestamp
        ["numactl"] = new("imNCpPw", ["--interleave", "--membind", "--cpunodebind", "--physcpubind", "--preferred", "--preferred-many", "--weighted-interleave"]),
        ["prlimit"] = new("p", ["--pid"]),
        ["systemd-inhibit"] = new("", ["--what", "--who", "--why", "--mode"]),
        ["xvfb-run"] = new("efnpsw", ["--error-file", "--auth-file", "--server-num", "--xauth-protocol", "--server-args", "--wait"]),
        ["valgrind"] = new("", []),
        ["firejail"] = new("", []),
        ["catchsegv"] = new("", []),
        ["cgexec"] = new("g", []),
        ["chpst"] = new("ubUe/CnlLmdopfcrt", []),
        ["dbus-run-session"] = new("", ["--config-file", "--dbus-daemon"]),
        ["unshare"] = new("SGRw", ["--setuid", "--setgid", "--root", "--wd"]),
        ["nsenter"] = new("tSG", ["--target", "--setuid", "--setgid"]),
        ["gdb"] = new("", [], Until: "--args"),
        ["direnv"] = new("", [], Skip: 1, Verb: "exec"), // direnv exec DIR CMD
        ["envchain"] = new("", [], Skip: 1), // envchain NAMESPACE CMD
        ["chamber"] = new("", [], Verb: "exec", Until: "--"), // chamber exec SERVICE... -- CMD
        ["sops"] = new("", ["--user"], Skip: 1, Verb: "exec-env", ShellString: true), // sops exec-env FILE 'CMD'
        // bash's coproc CMD, and coproc NAME { CMD; } (the group's first command)
        ["coproc"] = new("", []),
    };

    private sealed partial class Run
    {
        private void ProcessWrapperRun(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            if (!ProcessWrappers.TryGetValue(name, out var p)) return;
            if (name == "gdb") GdbCommands(w, dyn, s, ctx, stdin, depth); // -ex 'shell CMD' (CommandClassifier.Gdb.cs)
            int i = s + 1;
            if (p.Verb != null)
            {
                // sops exec-file FILE 'CMD {}' runs the string too, with the file's path in it.
                if (i >= w.Length || w[i] != p.Verb && !(name == "sops" && w[i] == "exec-file")) return;
                i++;
            }
            if (name == "coproc" && i + 1 < w.Length && w[i + 1] == "{") i += 2;
            if (p.Until != null)
            {
                int at = Array.IndexOf(w, p.Until, i);
                if (at < 0) return; // without it nothing runs (gdb PROGRAM) or the command cannot be told
                Command(w, dyn, at + 1, ctx, stdin, depth + 1);
                return;
            }
            // --help, --version, envchain --list: options alone, no command.
            i = SkipOptions(w, i, p.ShortValued, p.LongValued);
            i += p.Skip;
            if (i >= w.Length) return;
            i = SkipOptions(w, i, p.ShortValued, p.LongValued); // sops exec-env FILE --background 'CMD'
            if (i >= w.Length) return;
            if (p.ShellString) ShellString(w, dyn, i, ctx, stdin, depth, name + " " + p.Verb);
            else Command(w, dyn, i, ctx, stdin, depth + 1);
        }
    }
}
