using AgentShell.Cli.Watch;
using AgentShell.Supervisor.Approval;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell watch`: the supervising person's prompt. Follows every live run (waiting
/// for one when none is live, picking up new ones as they start), or only the run of
/// <c>--socket</c>/<c>--run</c>/<c>$AGENTSHELL_SOCKET</c> until it ends. New pending items arrive with a bell;
/// keys: a approve, d deny (asks for a reason), r approve this command for the rest of its run,
/// j/k or arrows select, ? help, q quit. Without a terminal it reads the same letters as lines
/// ("a", "d 7f3 not now").</summary>
[Verb("watch", HelpText = "Interactive prompt: see paused requests of every run as they arrive and approve (a), deny with a reason (d) or approve for the rest of the run (r).")]
public sealed class WatchVerb : ControlVerb
{
    private const string DefaultDenyReason = "denied in agentshell watch";

    private readonly Lock _gate = new();
    private readonly List<string> _status = []; // the last few messages, newest last
    private int _selected;
    private bool _tty, _color;
    private string? _prompt; // the deny-reason line being typed, with the id it is for
    private string _typed = "";
    private WatchedRuns _runs = null!;

    /// <summary>Runs the verb.</summary>
    public int Execute()
    {
        string? pinned = Socket ?? (Environment.GetEnvironmentVariable("AGENTSHELL_SOCKET") is { Length: > 0 } env ? env : null);
        WatchedRuns runs;
        try
        {
            runs = new WatchedRuns(pinned, Run);
        }
        catch (ControlException e)
        {
            Console.Error.WriteLine($"agentshell: {e.Message}");
            return 1;
        }
        using var owned = runs;
        _runs = runs;
        _tty = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        _color = _tty && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        runs.Message += Say;
        runs.Changed += Render;
        runs.Paused += i =>
        {
            Console.Write('\a');
            if (!_tty) Console.Write(PendingText.Render(i.Item, DateTimeOffset.UtcNow, color: false));
        };
        try
        {
            runs.Start();
        }
        catch (ControlException e)
        {
            Console.Error.WriteLine($"agentshell: {e.Message}");
            return 1;
        }
        if (runs.FollowsAll) Say("waiting for runs to watch (agentshell run -- CMD starts one) — ? for help");
        using var ticker = _tty ? new Timer(_ => Render(), null, 1000, 1000) : null;
        Render();
        // The pinned run's end ends the prompt: without a terminal at once (even while a line is
        // awaited); on a terminal at the next key, so the last answers stay on the screen until
        // read. Following every run, only q or the end of input ends it.
        new Thread(() =>
        {
            runs.Finished.Wait();
            if (_tty) { Say("press any key to leave"); return; }
            Console.Out.Flush();
            Environment.Exit(0);
        }) { IsBackground = true }.Start();
        while (!runs.Finished.IsSet)
        {
            string? cmd = _tty ? ReadKey() : Console.ReadLine();
            if (cmd == null || runs.Finished.IsSet) break;
            if (!Act(cmd)) break;
            Render();
        }
        return 0;
    }

    private string? ReadKey()
    {
        var k = Console.ReadKey(intercept: true);
        if (_prompt != null) return Typing(k);
        return k.Key switch
        {
            ConsoleKey.UpArrow => "k",
            ConsoleKey.DownArrow => "j",
            _ => k.KeyChar.ToString(),
        };
    }

    /// <summary>A key while the deny reason is being typed: Enter sends, Esc cancels.</summary>
    private string Typing(ConsoleKeyInfo k)
    {
        string id = _prompt!;
        switch (k.Key)
        {
            case ConsoleKey.Enter:
                string reason = _typed.Trim();
                lock (_gate) { _prompt = null; _typed = ""; }
                return $"d {id} {reason}";
            case ConsoleKey.Escape:
                lock (_gate) { _prompt = null; _typed = ""; }
                Say($"not denied: {id}");
                return "";
            case ConsoleKey.Backspace:
                lock (_gate) if (_typed.Length > 0) _typed = _typed[..^1];
                return "";
            default:
                if (!char.IsControl(k.KeyChar)) lock (_gate) _typed += k.KeyChar;
                return "";
        }
    }

    private bool Act(string cmd)
    {
        cmd = cmd.Trim();
        if (cmd.Length == 0) return true;
        var parts = cmd.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        string key = parts[0];
        WatchedItem? item = null;
        if (key is "a" or "r" or "d")
        {
            string? error = null;
            if (parts.Length > 1) item = _runs.Find(parts[1], out error);
            else
            {
                var items = _runs.Items;
                lock (_gate) item = items.Count > 0 ? items[Math.Clamp(_selected, 0, items.Count - 1)] : null;
                if (item == null) error = "nothing is waiting";
            }
            if (item == null) { Say(error!); return true; }
        }
        try
        {
            switch (key)
            {
                case "q": return false;
                case "j": lock (_gate) _selected = Math.Min(_selected + 1, Math.Max(0, _runs.Items.Count - 1)); break;
                case "k": lock (_gate) _selected = Math.Max(_selected - 1, 0); break;
                case "?":
                    Say("a approve · d deny (asks for a reason; Enter for none) · r approve this command for the rest of its run · j/k select · q quit"
                        + " (without a terminal: 'a [ID]', 'd [ID] [reason]', 'r [ID]')");
                    break;
                case "a" or "r":
                    item!.Run.Commands.Request("approve", w => { w.WriteString("id", item.Id); w.WriteBoolean("forRun", key == "r"); });
                    Say(key == "r" ? $"approved {item.Id}, and this command for the rest of run {item.Item.Str("run") ?? item.Run.RunId}" : $"approved {item.Id}");
                    break;
                case "d" when _tty && parts.Length == 1:
                    lock (_gate) { _prompt = item!.Id; _typed = ""; }
                    break;
                case "d":
                    string reason = parts.Length > 2 ? parts[2] : DefaultDenyReason;
                    item!.Run.Commands.Request("deny", w => { w.WriteString("id", item.Id); w.WriteString("reason", reason); });
                    Say($"denied {item.Id}{(reason != DefaultDenyReason ? $" — {reason}" : "")}");
                    break;
                default: Say($"unknown key '{key}' — ? for help"); break;
            }
        }
        catch (ControlException e)
        {
            Say("error: " + e.Message);
        }
        return true;
    }

    private void Say(string s)
    {
        lock (_gate)
        {
            _status.Add(s);
            if (_status.Count > 4) _status.RemoveAt(0);
        }
        if (!_tty) Console.WriteLine(s);
        else Render();
    }

    private void Render()
    {
        if (!_tty) return;
        lock (_gate)
        {
            var items = _runs.Items;
            var runs = _runs.Runs;
            _selected = Math.Clamp(_selected, 0, Math.Max(0, items.Count - 1));
            string bold = _color ? "\e[1m" : "", reset = _color ? "\e[0m" : "";
            var sb = new System.Text.StringBuilder("\e[H\e[2J");
            sb.Append(bold).Append("agentshell watch").Append(reset).Append(" — ")
              .Append(runs.Count switch
              {
                  0 => _runs.FollowsAll ? "waiting for a run (agentshell run -- CMD)" : "no run",
                  1 => runs[0].Label,
                  _ => $"{runs.Count} runs: " + string.Join(", ", runs.Select(r => r.RunId)),
              }).Append("\r\n\r\n");
            if (items.Count == 0) sb.Append("  nothing is waiting for approval\r\n");
            var now = DateTimeOffset.UtcNow;
            for (int i = 0; i < items.Count; i++)
            {
                string text = PendingText.Render(items[i].Item, now, _color, i == _selected);
                if (runs.Count > 1 && items[i].Item.Str("run") == null) text += $"     run:     {items[i].Run.Label}\n";
                sb.Append(text.Replace("\n", "\r\n"));
            }
            sb.Append("\r\n[a]pprove  [d]eny (asks why)  [r] approve this command for the rest of its run  [j/k] select  [?] help  [q]uit\r\n")
              .AppendJoin("\r\n", _status).Append("\r\n");
            if (_prompt != null) sb.Append($"deny {_prompt}, reason (Enter for none, Esc to cancel): {_typed}");
            Console.Write(sb.ToString());
        }
    }
}
