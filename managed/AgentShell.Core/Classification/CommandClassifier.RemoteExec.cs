using AgentShell.Core.Model;

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
                int dash = Array.IndexOf(words, "--", start + 1);
                return dash > 0 && dash + 1 < words.Length && Array.IndexOf(words, "exec", start + 1, dash - start - 1) > 0 ? dash + 1 : null;
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
                Add(new CommandIntent
                {
                    Tool = outer.Tool, Effect = i.Effect, Summary = $"{(outer.Tool == "kubectl" ? "exec" : "run")} {i}", Targets = outer.Targets,
                    Evidence = [.. outer.Evidence, new Evidence(string.Join(' ', words[at..]), $"runs there: {i.Tool} {i.Effect.Name()}")],
                }.Complete(start == 0 ? words : words[start..], i.Credentials));
            }
        }
    }
}
