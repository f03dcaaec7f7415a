using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        // Where the command of kubectl exec POD -- CMD, heroku run CMD and railway run CMD starts, or null.
        private static int? RemoteCommand(ToolId id, string[] words, int start)
        {
            if (id == ToolId.Kubectl)
            {
                // kubectl exec POD -- CMD, and kubectl run NAME --image=I [--rm -i] -- CMD (a new pod runs CMD).
                int dash = Array.IndexOf(words, "--", start + 1);
                return dash > 0 && dash + 1 < words.Length && (Array.IndexOf(words, "exec", start + 1, dash - start - 1) > 0
                    || Array.IndexOf(words, "run", start + 1, dash - start - 1) > 0) ? dash + 1 : null;
            }
            int i = start + 1;
            while (i < words.Length && words[i].StartsWith('-')) i += words[i].Contains('=') ? 1 : 2; // global flags with values (-a app)
            if (i >= words.Length || words[i] is not ("run" or "run:detached")) return null;
            for (i++; i < words.Length; i++)
            {
                var a = words[i];
                if (a == "--") { i++; break; }
                if (!a.StartsWith('-')) break;
                if (!a.Contains('=') && a is "-a" or "--app" or "-r" or "--remote" or "-s" or "--size" or "--service" or "-e" or "--env" or "--environment" or "--type" or "-p" or "--project") i++;
            }
            return i < words.Length ? i : null;
        }

        // The command runs somewhere the tool reaches (a pod of the kube context, a Heroku dyno, a
        // process with a Railway environment's variables): a destructive command there (psql -c
        // 'DROP TABLE t' against the pod's own database, rails db:drop) is that effect on the
        // tool's target, not just an unknown one. One that is not destructive leaves it unknown.
        private void RemoteExec(string[] words, int start, int at, CommandIntent outer, IExecContext ctx, int depth)
        {
            var inner = new Run(owner) { _runnerLevel = 1 };
            inner.Command(words, null, at, ctx, new Stdin(null, true), depth + 1);
            foreach (var i in inner.TakeResult())
            {
                if (i.Effect < Effect.Delete) continue;
                // Plus any other host the command names (psql -h db.prod… run from a pod).
                var targets = new List<Target>(outer.Targets);
                foreach (var t in i.Targets) if (!OnThisMachine(t)) targets.Add(t);
                Add(new CommandIntent
                {
                    Tool = outer.Tool, Effect = i.Effect, Summary = $"{(outer.Tool == "kubectl" ? "exec" : "run")} {i}", Targets = targets,
                    Evidence = [.. outer.Evidence, new Evidence(string.Join(' ', words[at..]), $"runs there: {i.Tool} {i.Effect.Name()}")],
                }.Complete(start == 0 ? words : words[start..], i.Credentials));
            }
        }
        // What would make a remote command line more than one simple command (or substitute one in).
        private static readonly System.Buffers.SearchValues<char> ShellControl = System.Buffers.SearchValues.Create(";&|`$()<>\n");

        // ssh options that take a value (OpenSSH's getopt string "46AaCfGgKkMNnqsTtVvXxYyB:b:c:D:E:e:F:I:i:J:L:l:m:O:o:P:p:Q:R:S:W:w:").
        private const string SshValued = "BbcDEeFIiJLlmOoPpQRSWw";

        // ssh [options] [user@]HOST [--] CMD...: CMD (its words joined by spaces, as ssh sends them)
        // is a shell string the remote host runs; with no CMD, a known stdin (a here-doc) is that
        // script. Nothing of it is an exec of this tree, so it is read here. A destructive command
        // there is that effect on HOST (a file it deletes, a database it reaches on localhost, are
        // HOST's), plus any other host it names (psql -h db.prod… run from a bastion). Anything
        // else adds nothing: ssh to a production host is still met by the network gate under run.
        private void RemoteShell(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            string? user = null, port = null, host = null;
            bool noCommand = false;
            int i = s + 1;
            for (; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") { i++; break; }
                if (a.Length < 2 || a[0] != '-') break;
                for (int k = 1; k < a.Length; k++)
                {
                    char o = a[k];
                    if (o == 'N') noCommand = true;
                    if (SshValued.IndexOf(o) < 0) continue;
                    string? v = k + 1 < a.Length ? a[(k + 1)..] : i + 1 < w.Length ? w[++i] : null;
                    if (o == 'l') user = v;
                    else if (o == 'p') port = v;
                    break;
                }
            }
            if (i >= w.Length || noCommand || dyn != null && dyn[i]) return;
            host = w[i++];
            if (i < w.Length && w[i] == "--") i++;
            string? script = i < w.Length ? string.Join(' ', w[i..]) : stdin.Text;
            if (script == null) return; // an interactive session
            // The remote half of a local rsync (rsync -e ssh starts "rsync --server …" there): that rsync's
            // own exec was decided on its arguments already. Only that command alone: anything the
            // remote shell would run after it (`; dropdb app`) is read as any script.
            if (script.StartsWith("rsync --server ", StringComparison.Ordinal) && script.AsSpan().IndexOfAny(ShellControl) < 0) return;
            // ssh://[user@]host[:port]: user@ in HOST wins over -l.
            int at = host.LastIndexOf('@');
            var url = "ssh://" + (at < 0 && user != null ? user + "@" : "") + host + (port != null ? ":" + port : "");
            if (!UrlParser.TryParse(url, "ssh", out var target)) return;
            var inner = new Run(owner) { _runnerLevel = 1 };
            inner.Script(Encoding.UTF8.GetBytes(script), ctx, i < w.Length ? stdin : default, depth + 1, $"ssh {host}");
            foreach (var r in inner.TakeResult())
            {
                if (r.Effect < Effect.Delete || ScratchOnly(r)) continue;
                var targets = new List<Target> { target };
                foreach (var t in r.Targets) if (!OnThisMachine(t)) targets.Add(t);
                Add(new CommandIntent
                {
                    Tool = "ssh", Effect = r.Effect, Summary = $"on {target.Host}: {r}", Targets = targets,
                    Evidence = [new Evidence(host, $"remote host {target}"), new Evidence(script.Length > 200 ? script[..200] + "…" : script, $"runs there: {r.Tool} {r.Effect.Name()}")],
                }.Complete(w[s..], r.Credentials));
            }
        }

        // ansible options that take a value (ansible-core 2.x ad-hoc).
        private static readonly string[] AnsibleValued =
        [
            "-i", "--inventory", "--inventory-file", "-m", "--module-name", "-a", "--args", "-u", "--user", "-f", "--forks", "-e", "--extra-vars",
            "-l", "--limit", "-M", "--module-path", "-c", "--connection", "-T", "--timeout", "-t", "--tree", "-B", "--background", "-P", "--poll",
            "--become-user", "--become-method", "--private-key", "--key-file", "--ssh-common-args", "--ssh-extra-args", "--sftp-extra-args",
            "--scp-extra-args", "--vault-id", "--vault-password-file", "--playbook-dir", "--task-timeout", "-o", "--one-line",
        ];

        // ansible PATTERN -m shell|command|raw -a CMD (the default module is command): CMD runs on
        // every host PATTERN selects. A destructive CMD is that effect on the host pattern, named
        // as an app is (the default profile's Apps put "prod", "prod-*", "*-prod" in production)
        // and else as a host; anything else adds nothing. Other modules and playbooks are not read.
        private void AnsibleAdHoc(string[] w, int s, IExecContext ctx, int depth)
        {
            string? pattern = null, module = null, args = null;
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                string? v = null, name = a;
                int eq = a.IndexOf('=');
                if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0) { name = a[..eq]; v = a[(eq + 1)..]; }
                else if (a.Length > 2 && a[0] == '-' && a[1] is 'm' or 'a') { name = a[..2]; v = a[2..]; }
                else if (Array.IndexOf(AnsibleValued, a) >= 0) { if (i + 1 < w.Length) v = w[++i]; }
                else if (a.StartsWith('-')) continue;
                else { pattern ??= a; continue; }
                if (name is "-m" or "--module-name") module = v;
                else if (name is "-a" or "--args") args = v;
            }
            module ??= "command";
            int dot = module.LastIndexOf('.');
            if (dot >= 0) module = module[(dot + 1)..]; // ansible.builtin.shell
            if (pattern == null || args == null || module is not ("shell" or "command" or "raw")) return;
            var target = new Target { Kind = TargetKind.Url, Scheme = "ssh", Host = pattern, Name = pattern };
            var inner = new Run(owner) { _runnerLevel = 1 };
            inner.Script(Encoding.UTF8.GetBytes(args), ctx, default, depth + 1, $"ansible {pattern}");
            foreach (var r in inner.TakeResult())
            {
                if (r.Effect < Effect.Delete || ScratchOnly(r)) continue;
                var targets = new List<Target> { target };
                foreach (var t in r.Targets) if (!OnThisMachine(t)) targets.Add(t);
                Add(new CommandIntent
                {
                    Tool = "ansible", Effect = r.Effect, Summary = $"on {pattern}: {r}", Targets = targets,
                    Evidence = [new Evidence(pattern, $"hosts {pattern} of the inventory"), new Evidence(args.Length > 200 ? args[..200] + "…" : args, $"{module} runs there: {r.Tool} {r.Effect.Name()}")],
                }.Complete(w[s..], r.Credentials));
            }
        }

        // A delete of scratch files only (/tmp, /var/tmp, ansible's ~/.ansible/tmp, which ansible itself
        // removes over ssh after every task): not the host's data.
        private static bool ScratchOnly(CommandIntent r)
        {
            if (r.Effect == Effect.Wipe || r.Targets.Count == 0) return false;
            foreach (var t in r.Targets)
            {
                var p = t.Path;
                if (t.Kind != TargetKind.LocalPath || p == null || p.Contains("/../", StringComparison.Ordinal)) return false;
                if (!(p.StartsWith("/tmp/", StringComparison.Ordinal) || p.StartsWith("/var/tmp/", StringComparison.Ordinal) || p.Contains("/.ansible/tmp/", StringComparison.Ordinal))) return false;
            }
            return true;
        }

        // A target that is the machine the command runs on: its files, a server on localhost, the
        // "local" environment of a framework CLI. Run through ssh, that machine is the remote host.
        private static bool OnThisMachine(Target t) => t.Kind switch
        {
            TargetKind.LocalPath => true,
            TargetKind.Environment => t.Name is "local" or "unknown",
            TargetKind.Url or TargetKind.Database or TargetKind.Socket => t.Host is null or "" or "localhost" or "::1" || t.Host.StartsWith("127.", StringComparison.Ordinal),
            _ => false,
        };
    }
}
