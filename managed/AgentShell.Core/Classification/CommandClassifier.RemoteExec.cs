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
            RemoteEffects(inner.TakeResult(), words, start, at, outer);
        }

        // fly ssh console -C|--command CMD: CMD runs on a machine of the app (read as a shell string); a
        // destructive command there is that effect on the app, as for heroku run. Without -C it is a session.
        // A CMD built at run time ("$CMD") is unknown there, not the console's reading of its text.
        private void FlySsh(string[] w, bool[]? dyn, int s, CommandIntent outer, IExecContext ctx, int depth)
        {
            string? cmd = null;
            int at = -1;
            for (int i = s + 1; i < w.Length; i++)
            {
                if (w[i] is "-C" or "--command" && i + 1 < w.Length) { cmd = w[++i]; at = i; }
                else if (w[i].StartsWith("--command=", StringComparison.Ordinal)) { cmd = w[i][10..]; at = i; }
                // pflag's shorthand with its value attached: -C'rm -rf /data', -C=CMD.
                else if (w[i].StartsWith("-C", StringComparison.Ordinal) && w[i].Length > 2) { cmd = w[i][(w[i][2] == '=' ? 3 : 2)..]; at = i; }
            }
            if (cmd == null || Array.IndexOf(w, "ssh", s + 1) < 0) return;
            var inner = new Run(owner) { _runnerLevel = 1 };
            bool dynamic = dyn != null && dyn[at];
            inner.ScriptText(cmd, dynamic, ctx, new Stdin(null, true), depth + 1, "fly ssh console -C");
            var found = inner.TakeResult();
            RemoteEffects(found, w, s, at, outer);
            if (!dynamic || found.Any(i => i.Effect >= Effect.Delete)) return;
            Add(new CommandIntent
            {
                Tool = outer.Tool, Effect = Effect.Unknown, Summary = "run a command built at run time", Targets = outer.Targets,
                Evidence = [.. outer.Evidence, new Evidence(string.Join(' ', w[at..]), "what runs there is built at run time (unknown)")],
            }.Complete(s == 0 ? w : w[s..], []));
        }

        private void RemoteEffects(IReadOnlyList<CommandIntent> found, string[] words, int start, int at, CommandIntent outer)
        {
            foreach (var i in found)
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
        // gcloud compute ssh [USER@]VM --command CMD (or CMD after "--", passed on to ssh): CMD is a shell
        // string the VM runs, read as ssh's is; the VM is reached in the command's project (the outer
        // intent's targets). Without a command it is an interactive session: nothing is added.
        private void GcloudSsh(string[] w, int s, CommandIntent outer, IExecContext ctx, int depth)
        {
            int i = s + 1;
            while (i < w.Length && w[i].StartsWith('-')) i++;
            if (i + 2 >= w.Length || w[i] != "compute" || w[i + 1] != "ssh") return;
            string? vm = null, script = null;
            for (int k = i + 2; k < w.Length; k++)
            {
                var a = w[k];
                if (a == "--") { if (k + 1 < w.Length) script ??= string.Join(' ', w[(k + 1)..]); break; }
                if (a == "--command" && k + 1 < w.Length) script = w[++k];
                else if (a.StartsWith("--command=", StringComparison.Ordinal)) script = a[10..];
                else if (!a.StartsWith('-') && vm == null) vm = a;
                else if (a is "--zone" or "--project" or "--ssh-key-file" or "--ssh-flag" or "--container" or "--worker" or "--account" or "--configuration" && k + 1 < w.Length) k++;
            }
            if (vm == null || script == null) return;
            // The project decides; with none read, the VM's environment is unknown.
            List<Target> hosts = outer.Targets.Count > 0 ? [.. outer.Targets] : [new Target { Kind = TargetKind.Environment, Name = "unknown" }];
            OnHosts("gcloud", hosts, vm, new Evidence(vm, $"VM {vm} in {string.Join(", ", outer.Targets)}"), script, "", w[s..], ctx, default, depth);
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
            bool noCommand = false, terminated = false;
            int i = Options(s + 1);
            if (i >= w.Length || dyn != null && dyn[i]) return;
            host = w[i++];
            // ssh parses options again after the host (ssh.c: "again"): `ssh HOST -t 'CMD'` runs CMD.
            if (!terminated) i = Options(i);
            if (noCommand) return;

            int Options(int from)
            {
                int j = from;
                for (; j < w.Length; j++)
                {
                    var a = w[j];
                    if (a == "--") { terminated = true; return j + 1; }
                    if (a.Length < 2 || a[0] != '-') break;
                    for (int k = 1; k < a.Length; k++)
                    {
                        char o = a[k];
                        if (o == 'N') noCommand = true;
                        if (SshValued.IndexOf(o) < 0) continue;
                        string? v = k + 1 < a.Length ? a[(k + 1)..] : j + 1 < w.Length ? w[++j] : null;
                        if (o == 'l') user = v;
                        else if (o == 'p') port = v;
                        break;
                    }
                }
                return j;
            }
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
            OnHosts("ssh", [target], target.Host!, new Evidence(host, $"remote host {target}"), script, "", w[s..], ctx, i < w.Length ? stdin : default, depth);
        }

        // What SCRIPT does on the machines of HOSTS (ssh, pssh, ansible): a destructive command there is
        // that effect on them, plus any other host it names (psql -h db.prod… run from a bastion); its
        // local paths and localhost are theirs. Anything else adds nothing (ssh to production is still
        // met by the network gate under run).
        private void OnHosts(string tool, List<Target> hosts, string where, Evidence hostFact, string script, string how, string[] argv, IExecContext ctx, Stdin stdin, int depth)
        {
            var inner = new Run(owner) { _runnerLevel = 1 };
            inner.Script(Encoding.UTF8.GetBytes(script), ctx, stdin, depth + 1, $"{tool} {where}");
            foreach (var r in inner.TakeResult())
            {
                if (r.Effect < Effect.Delete || ScratchOnly(r)) continue;
                var targets = new List<Target>(hosts);
                foreach (var t in r.Targets) if (!OnThisMachine(t)) targets.Add(t);
                Add(new CommandIntent
                {
                    Tool = tool, Effect = r.Effect, Summary = $"on {where}: {r}", Targets = targets,
                    Evidence = [hostFact, new Evidence(script.Length > 200 ? script[..200] + "…" : script, $"{how}runs there: {r.Tool} {r.Effect.Name()}")],
                }.Complete(argv, r.Credentials));
            }
        }

        // pssh options that take a value (parallel-ssh 2.x: "h:H:l:p:o:e:t:O:x:X:").
        private const string PsshValued = "hHlpoetOxX";

        // pssh|parallel-ssh [options] -h FILE | -H HOST… CMD: CMD runs on every host, as ssh HOST CMD
        // would. Hosts: each -H ("[user@]host[:port]", several in one quoted word) and each line of a
        // -h file; a host file that cannot be read is an unknown host.
        private void ParallelShell(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, int depth)
        {
            var hosts = new List<Target>();
            var named = new List<string>();
            int i = s + 1;
            for (; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") { i++; break; }
                if (a.Length < 2 || a[0] != '-') break;
                char o;
                string? v;
                int eq = a.IndexOf('=');
                if (a.StartsWith("--", StringComparison.Ordinal))
                {
                    o = a switch { _ when a.StartsWith("--hosts", StringComparison.Ordinal) => 'h', _ when a.StartsWith("--host", StringComparison.Ordinal) => 'H',
                        _ when a.StartsWith("--user", StringComparison.Ordinal) || a.StartsWith("--par", StringComparison.Ordinal) || a.StartsWith("--outdir", StringComparison.Ordinal)
                            || a.StartsWith("--errdir", StringComparison.Ordinal) || a.StartsWith("--timeout", StringComparison.Ordinal) || a.StartsWith("--option", StringComparison.Ordinal)
                            || a.StartsWith("--extra-arg", StringComparison.Ordinal) => 'l', _ => '\0' };
                    if (o == '\0') continue;
                    v = eq > 0 ? a[(eq + 1)..] : i + 1 < w.Length ? w[++i] : null;
                }
                else
                {
                    int k = 1;
                    while (k < a.Length && PsshValued.IndexOf(a[k]) < 0) k++;
                    if (k == a.Length) continue;
                    o = a[k];
                    v = k + 1 < a.Length ? a[(k + 1)..] : i + 1 < w.Length ? w[++i] : null;
                }
                if (v == null) continue;
                if (o == 'H') named.AddRange(v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                else if (o == 'h')
                {
                    var text = ToolHelp.ReadText(ctx, v);
                    if (text == null) hosts.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
                    else foreach (var line in text.Split('\n'))
                    {
                        var t = line.Trim();
                        if (t.Length > 0 && t[0] != '#' && named.Count < 64) named.Add(t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]);
                    }
                }
            }
            if (i >= w.Length || Any(dyn, i)) return;
            foreach (var h in named) if (UrlParser.TryParse("ssh://" + h, "ssh", out var t)) hosts.Add(t);
            if (hosts.Count == 0) hosts.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
            var where = hosts.Count == 1 ? hosts[0].Host ?? "an unknown host" : $"{hosts.Count} hosts";
            OnHosts(name, hosts, where, new Evidence(string.Join(' ', named.Take(8)), $"hosts {where}"), string.Join(' ', w[i..]), "", w[s..], ctx, default, depth);
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
        // and else as a host, and on the hosts of the -i inventory; anything else adds nothing.
        // Other modules: their state= (AnsiblePlaybook.ModuleEffect).
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
            if (pattern == null) return;
            var targets = AnsibleTargets([pattern], Option(w, s, "-i", "--inventory", "--inventory-file"), ctx);
            var fact = new Evidence(pattern, $"hosts {pattern} of the inventory");
            if (module is "shell" or "command" or "raw")
            {
                if (args != null) OnHosts("ansible", targets, pattern, fact, args, module + " ", w[s..], ctx, default, depth);
                return;
            }
            // Another module: what its state= does (file state=absent deletes, postgresql_db state=absent
            // drops, service state=stopped terminates); reboot and shutdown terminate.
            var state = args == null ? null : AnsiblePlaybook.KeyValue(args, "state");
            var effect = state != null ? AnsiblePlaybook.ModuleEffect(module, state) : module is "reboot" or "shutdown" ? Effect.Terminate : Effect.Write;
            if (effect == Effect.Write) return;
            Add(new CommandIntent
            {
                Tool = "ansible", Effect = effect, Summary = $"on {pattern}: {module} {args}", Targets = targets,
                Evidence = [fact, new Evidence($"-m {module} -a {args}", $"{module} {(state != null ? "state=" + state : "")} → {effect.Name()}")],
            }.Complete(w[s..], []));
        }

        // The value of an option of an ansible command (-i X, -iX, --inventory=X), or null.
        private static string? Option(string[] w, int s, string brief, string full, string alias)
        {
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") break;
                if ((a == brief || a == full || a == alias) && i + 1 < w.Length) return w[i + 1];
                if (a.StartsWith(full + "=", StringComparison.Ordinal)) return a[(full.Length + 1)..];
                if (a.StartsWith(alias + "=", StringComparison.Ordinal)) return a[(alias.Length + 1)..];
                if (a.Length > 2 && a.StartsWith(brief, StringComparison.Ordinal) && a[1] != '-') return a[2..];
            }
            return null;
        }

        // Whom an ansible command reaches: the hosts its -i inventory lists; when there are none to
        // read, each host pattern and the inventory's own name (inventory/prod, inventories/prod/hosts:
        // "prod"), named as apps are (so "prod" is production by default).
        private static List<Target> AnsibleTargets(IEnumerable<string> patterns, string? inventory, IExecContext ctx)
        {
            var targets = new List<Target>();
            foreach (var p in patterns) targets.Add(new Target { Kind = TargetKind.Url, Scheme = "ssh", Host = p, Name = p });
            if (inventory == null) return targets;
            var hosts = AnsiblePlaybook.Hosts(inventory, path => ToolHelp.ReadText(ctx, path));
            if (hosts is { Count: > 0 })
            {
                // The pattern selects among these hosts: they are whom it reaches, as the profile names them.
                targets.Clear();
                foreach (var h in hosts) if (UrlParser.TryParse("ssh://" + h, "ssh", out var t)) targets.Add(t);
                if (targets.Count > 0) return targets;
            }
            if (!inventory.Contains(','))
            {
                var parts = inventory.TrimEnd('/').Split('/');
                var leaf = parts[^1];
                int ext = leaf.LastIndexOf('.');
                if (ext > 0) leaf = leaf[..ext];
                if (leaf is "hosts" or "inventory" or "main" && parts.Length > 1) leaf = parts[^2];
                if (leaf.Length > 0) targets.Add(new Target { Kind = TargetKind.Url, Scheme = "ssh", Host = leaf, Name = leaf });
            }
            return targets;
        }

        // ansible-playbook options that take a value (ansible-core 2.x), beyond the ad-hoc ones.
        private static readonly string[] PlaybookValued = ["--tags", "--skip-tags", "--start-at-task", "-t"];

        // ansible-playbook [options] PLAYBOOK…: each task of each play runs on the play's hosts
        // (AnsiblePlaybook reads them): a shell/command/raw task is read as ansible -m shell is, a
        // module's state=absent/stopped is its effect, and what a play pulls in unread (roles,
        // include/import) or a playbook that cannot be read is unknown there. --check,
        // --syntax-check and --list-* run nothing.
        private void Playbook(string[] w, int s, IExecContext ctx, int depth)
        {
            var books = new List<string>();
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a is "-C" or "--check" or "--syntax-check" or "--list-tasks" or "--list-hosts" or "--list-tags") return;
                if (a.StartsWith('-'))
                {
                    if (!a.Contains('=') && (Array.IndexOf(AnsibleValued, a) >= 0 || Array.IndexOf(PlaybookValued, a) >= 0)) i++;
                    continue;
                }
                books.Add(a);
            }
            var inventory = Option(w, s, "-i", "--inventory", "--inventory-file");
            foreach (var book in books)
            {
                var patterns = new List<string>();
                var text = ToolHelp.ReadText(ctx, book);
                var steps = text == null ? null : AnsiblePlaybook.Read(text, patterns);
                var targets = AnsibleTargets(patterns, inventory, ctx);
                if (targets.Count == 0) targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
                var where = patterns.Count > 0 ? string.Join(',', patterns) : inventory ?? "the inventory";
                var fact = new Evidence(book, $"plays of {book} on {where}");
                if (steps == null || steps.Any(x => x.Effect == Effect.Unknown))
                {
                    var why = steps == null ? $"playbook {book} cannot be read" : $"{book}: {steps.First(x => x.Effect == Effect.Unknown).Line} is not read";
                    Add(new CommandIntent
                    {
                        Tool = "ansible-playbook", Effect = Effect.Unknown, Summary = why, Targets = targets, Evidence = [fact, new Evidence(book, why)],
                    }.Complete(w[s..], []));
                }
                if (steps == null) continue;
                foreach (var step in steps)
                {
                    if (step.Script != null) OnHosts("ansible-playbook", targets, where, fact, step.Script, step.Module + " ", w[s..], ctx, default, depth);
                    else if (step.Effect > Effect.Write && step.Effect != Effect.Unknown)
                        Add(new CommandIntent
                        {
                            Tool = "ansible-playbook", Effect = step.Effect, Summary = $"on {where}: {step.Line}", Targets = targets,
                            Evidence = [fact, new Evidence(step.Line, $"{step.Module} → {step.Effect.Name()}")],
                        }.Complete(w[s..], []));
                }
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
