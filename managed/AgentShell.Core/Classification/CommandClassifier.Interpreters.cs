using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Unwrapping, level 6 (see CommandClassifier.Unwrap.cs): one-liners given to an interpreter —
// python -c CODE, node|tsx|ts-node -e|-p CODE, bun -e|-p CODE, perl -e|-E CODE, ruby -e CODE, deno eval CODE, or the code of a
// here-doc on its stdin (python -, node with no script). What the code hands to other programs is
// read by Tools/InlineCode.cs: shell commands and argument lists are classified as commands, HTTP
// calls as the equivalent curl, a host it connects to otherwise as an unknown effect there. This is
// for check and hooks: under run (IExecContext.ConnectsGated) the commands it starts are execs of
// their own and its connects meet the network gate, decided one by one as they happen.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        private void Interpreter(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            if (name == "deno")
            {
                if (i < w.Length && w[i] is "eval" or "run") { int c = i + 1; while (c < w.Length && w[c].StartsWith('-')) c++; if (c >= w.Length) return; if (w[i] == "eval") Inline(name, w[c], Any(dyn, c), ctx, depth); else ScriptFileCode(name, w, dyn, c, ctx, depth); }
                return;
            }
            // zx (a node script runner whose $`cmd` templates run shell commands) takes -e|--eval as node does.
            bool node = name is "node" or "nodejs" or "tsx" or "ts-node" or "zx";
            for (; i < w.Length && w[i].StartsWith('-') && w[i] != "--"; i++)
            {
                var a = w[i];
                // node --eval=CODE / --print=CODE.
                if (node && (a.StartsWith("--eval=", StringComparison.Ordinal) || a.StartsWith("--print=", StringComparison.Ordinal)))
                {
                    Inline(name, a[(a.IndexOf('=') + 1)..], Any(dyn, i), ctx, depth);
                    return;
                }
                // node -e|--eval|-p|--print CODE (bundled: -pe); perl -e|-E (bundled: -ne, -lpe); ruby -e.
                bool code = a is "-e" or "--eval" or "-E" || node && (a is "-p" or "--print" or "-pe" or "-ep")
                    || name is "perl" or "ruby" && a.Length > 2 && a[^1] is 'e' or 'E' && !a.StartsWith("--");
                if (code) { if (i + 1 < w.Length) Inline(name, w[i + 1], Any(dyn, i + 1), ctx, depth); return; }
                if (a is "-r" or "--require" or "-I" or "--import" or "--loader" or "-M" && !a.Contains('=')) i++;
            }
            // No script named (or "-"): the code is stdin.
            if ((i >= w.Length || w[i] == "-") && stdin.Text != null) Inline(name, stdin.Text, false, ctx, depth);
            else if (i < w.Length) ScriptFileCode(name, w, dyn, w[i] == "--" ? i + 1 : i, ctx, depth);
        }

        // python3 cleanup.py, node job.js: the script file is read as its code given with -c would be,
        // but only a refusal of what it shows counts (BlockOnly): the file may hold more than runs (a
        // dev server's delete handler), so a pause on its mere text would stop ordinary work, where a
        // literal destructive call on production in it is refused before it starts. Under run what
        // the code starts and connects to is decided as it happens anyway (Inline). Best effort: the
        // file may change once read, and what it imports is not read.
        private void ScriptFileCode(string lang, string[] w, bool[]? dyn, int at, IExecContext ctx, int depth)
        {
            if (at >= w.Length || Any(dyn, at) || w[at].Length == 0) return;
            var bytes = ctx.ReadFile(w[at], ToolHelp.MaxFileBytes + 1);
            // Past the bound the file is not read (KNOWN-GAPS); a NUL byte is read as text (Node takes one in a comment).
            if (bytes == null || bytes.Length > ToolHelp.MaxFileBytes) return;
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            _advisory++;
            try
            {
                Inline(lang, text, false, ctx, depth);
                if (ScriptImports.Reads(lang)) Imports(lang, text, w[at], ctx, depth);
            }
            finally { _advisory--; }
        }

        // The local modules the script imports (ScriptImports), transitively up to a bound, each read
        // as the script is: a delete in lib.py that job.py calls is the script's.
        private void Imports(string lang, string text, string file, IExecContext ctx, int depth)
        {
            // The bound counts files read, not paths tried: eight stdlib imports (two candidates each,
            // none beside the script) used up the 16 before lib.py was reached (review42 F6).
            var cwd = ctx.WorkingDirectory ?? "/";
            var read = new HashSet<string>(StringComparer.Ordinal) { Path.GetFullPath(file, cwd) };
            var tried = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<(string Text, string File)>();
            queue.Enqueue((text, file));
            while (queue.Count > 0)
            {
                var (code, from) = queue.Dequeue();
                foreach (var candidates in ScriptImports.Of(lang, code, from))
                    foreach (var path in candidates)
                    {
                        var full = Path.GetFullPath(path, cwd);
                        if (read.Contains(full)) break;
                        if (!tried.Add(full)) continue;
                        if (read.Count > ScriptImports.MaxFiles || tried.Count > ScriptImports.MaxProbes) return;
                        var bytes = ctx.ReadFile(path, ToolHelp.MaxFileBytes + 1);
                        if (bytes == null || bytes.Length > ToolHelp.MaxFileBytes) continue;
                        read.Add(full);
                        var module = System.Text.Encoding.UTF8.GetString(bytes);
                        Inline(lang, module, false, ctx, depth);
                        queue.Enqueue((module, path));
                        break;
                    }
            }
        }

        // bun -e|--eval|-p|--print CODE (its options come before it): the index of CODE.
        private static int? BunEval(string[] w, int s)
        {
            for (int i = s + 1; i + 1 < w.Length && w[i].StartsWith('-') && w[i] != "--"; i++)
                if (w[i] is "-e" or "--eval" or "-p" or "--print") return i + 1;
            return null;
        }

        private void Inline(string lang, string code, bool dynamic, IExecContext ctx, int depth)
        {
            // An AWS, Google Cloud or Azure SDK call goes to the cloud's shared endpoints, which no
            // gate or wire layer tells from a read, so it is read here, under run too, as the aws,
            // gcloud, bq or az command it amounts to.
            var none = new Stdin(null, true);
            if (InlineAwsSdk.Read(code) is { Count: > 0 } sdk) InProcess(sdk, ChildContext.Create(ctx, InlineAwsSdk.Credentials(code)), none, depth);
            InProcess(InlineGcpSdk.Read(code), ctx, none, depth);
            InProcess(InlineAzureSdk.Read(code), ctx, none, depth);
            // Under run every command the code starts is an exec decided on its own (not read here:
            // the harmless ones run, the destructive one is refused with its own reason), and every
            // connect to production meets the gate and the wire layer, which judge each request and
            // statement as it happens. Only its literal HTTP calls are read (WireJudged): to a
            // production address only their refusal counts here (the wire layer judges the request,
            // and a pause of the whole interpreter would stop its harmless work), while a delete to
            // a host no gate intercepts (staging, a control plane no profile names, api.stripe.com
            // with a live key) is seen nowhere else, so there every decision counts, as in check.
            // Not so for a server's command (CommandClassifier.Outside.cs): none of that is seen
            // there, so all of it is read and every decision counts.
            // Code that names a proxy (proxies=, ProxyHandler, an agent) may send the call through it:
            // the gate sees the proxy's address, so every decision of its calls counts here.
            bool gated = ctx.ConnectsGated && _outside == null;
            bool judged = gated && !code.Contains("prox", StringComparison.OrdinalIgnoreCase);
            if (judged) _wireJudged++;
            var saved = EnterChild();
            try { Read(lang, code, dynamic, ctx, depth, none, gated); }
            finally { if (judged) _wireJudged--; LeaveChild(saved); }
        }

        private void Read(string lang, string code, bool dynamic, IExecContext ctx, int depth, Stdin none, bool gated)
        {
            var f = InlineCode.Read(code, backticks: lang is "perl" or "ruby" or "php", templates: lang is "node" or "nodejs" or "tsx" or "ts-node" or "zx" or "bun" or "deno");
            if (gated) { InProcess(f.Requests, ctx, none, depth); return; }
            if (dynamic && code.Contains('$')) Unknown($"{lang} code built at run time", code);
            if (!f.Any) return;
            foreach (var script in f.Scripts.Distinct()) ScriptText(script, false, ctx, none, depth, $"{lang} code");
            foreach (var argv in f.Commands) Command(argv, null, 0, ctx, none, depth + 1);
            InProcess(f.Requests, ctx, none, depth);
            if (f.Opaque != null) Unknown($"{lang} code: {f.Opaque}", code);
            foreach (var host in f.Hosts.Distinct())
            {
                Target t;
                if (host.Contains("://") && UrlParser.TryParse(host, "https", out var parsed)) t = parsed;
                else t = new Target { Kind = TargetKind.Database, Host = host.ToLowerInvariant() };
                var evidence = new List<Evidence> { new(host, $"{lang} code connects to {host}: what it sends is not read (unknown)") };
                var effect = Effect.Unknown;
                string summary = $"code connects to {t}";
                // A destructive statement handed to the driver as a literal is what the connection
                // does, at least; a read proves nothing (the code may send more than its literals).
                foreach (var sql in f.Statements)
                {
                    var r = SqlScanner.Scan(sql, f.Dialect, SqlScanOptions.ServerText);
                    if (r.Effect <= Effect.Unknown) continue;
                    if (r.Effect > effect) { effect = r.Effect; summary = $"{r.Summary} on {t}"; }
                    evidence.Add(new(HttpBody.Short(sql), r));
                }
                foreach (var (method, e) in f.Methods)
                {
                    if (e > effect) { effect = e; summary = $"{method}() on {t}"; }
                    evidence.Add(new(method + "()", $"the client's {method} → {e.Name()}"));
                }
                Add(new CommandIntent { Tool = lang, Effect = effect, Summary = summary, Targets = [t], Evidence = evidence });
            }
        }

        // What the code does itself (an HTTP request, an SDK call), read as the command that would
        // do the same: no such program is exec'd, so a pause is not left to an exec of its own
        // (ExecDecider's nested-exec rule): it stays with the interpreter.
        private void InProcess(List<string[]> commands, IExecContext ctx, Stdin none, int depth)
        {
            if (commands.Count == 0) return;
            _runnerLevel++;
            try { foreach (var argv in commands) Command(argv, null, 0, ctx, none, depth + 1); }
            finally { _runnerLevel--; }
        }
    }
}
