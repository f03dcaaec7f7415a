using System.Text.Json;
using AgentShell.Supervisor.Approval;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell watch`: the supervising person's prompt. New pending items arrive with a
/// bell; keys: a approve, d deny, r approve for the rest of the run, j/k or arrows select, ? help,
/// q quit. Without a terminal it reads the same letters as lines ("a", "d 7f3 not now").</summary>
[Verb("watch", HelpText = "Interactive prompt: see paused requests as they arrive and approve (a), deny (d) or approve for the run (r).")]
public sealed class WatchVerb : ControlVerb
{
    private readonly Lock _gate = new();
    private readonly List<JsonElement> _items = [];
    private int _selected;
    private readonly List<string> _status = []; // the last few messages, newest last
    private bool _tty, _color;

    /// <summary>Runs the verb.</summary>
    public int Execute() => WithClient(events =>
    {
        using var commands = ControlClient.Connect(events.Path);
        _tty = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        _color = _tty && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var hello = commands.Request("hello");
        string run = $"run {hello.Str("runId")}: {string.Join(' ', hello.GetProperty("command").EnumerateArray().Select(e => e.GetString()))}";
        events.Request("watch");
        var done = new ManualResetEventSlim();
        new Thread(() => ReadEvents(events, done)) { IsBackground = true }.Start();
        using var ticker = _tty ? new Timer(_ => Render(run), null, 1000, 1000) : null;
        Say($"watching {run} — ? for help");
        Render(run);
        while (!done.IsSet)
        {
            string? cmd = _tty ? ReadKey() : Console.ReadLine();
            if (cmd == null) break;
            if (!Act(commands, cmd.Trim())) break;
            Render(run);
        }
        return 0;
    });

    private static string? ReadKey()
    {
        var k = Console.ReadKey(intercept: true);
        return k.Key switch
        {
            ConsoleKey.UpArrow => "k",
            ConsoleKey.DownArrow => "j",
            _ => k.KeyChar.ToString(),
        };
    }

    private void ReadEvents(ControlClient c, ManualResetEventSlim done)
    {
        while (c.ReadMessage() is JsonElement m)
        {
            string? kind = m.Str("event");
            if (kind == null) continue;
            var item = m.GetProperty("item");
            string id = item.Str("id")!;
            lock (_gate)
            {
                _items.RemoveAll(i => i.Str("id") == id);
                if (kind == "paused")
                {
                    _items.Add(item);
                    Status($"new: {id} {item.Str("summary")}");
                    Console.Write('\a');
                    if (!_tty) Console.Write(PendingText.Render(item, DateTimeOffset.UtcNow, color: false));
                }
                else
                {
                    var text = $"{id}: {item.Str("outcome")}{(item.Str("answeredBy") is string by ? " by " + by : "")}";
                    Status(text);
                    if (!_tty) Console.WriteLine(text);
                }
                _selected = Math.Clamp(_selected, 0, Math.Max(0, _items.Count - 1));
            }
            Render(null);
        }
        Say("the supervised run has ended");
        done.Set();
    }

    private bool Act(ControlClient c, string cmd)
    {
        if (cmd.Length == 0) return true;
        var parts = cmd.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        string key = parts[0];
        string? id = parts.Length > 1 ? parts[1] : null;
        lock (_gate)
        {
            if (id == null && _items.Count > 0) id = _items[_selected].Str("id");
        }
        try
        {
            switch (key)
            {
                case "q": return false;
                case "j": lock (_gate) _selected = Math.Min(_selected + 1, Math.Max(0, _items.Count - 1)); break;
                case "k": lock (_gate) _selected = Math.Max(_selected - 1, 0); break;
                case "?": Say("a approve · d deny · r approve for the rest of the run · j/k select · q quit (without a terminal: 'a [ID]', 'd [ID] [reason]', 'r [ID]')"); break;
                case "a" or "r" when id != null:
                    c.Request("approve", w => { w.WriteString("id", id); w.WriteBoolean("forRun", key == "r"); });
                    Say(key == "r" ? $"approved {id} for the rest of the run" : $"approved {id}");
                    break;
                case "d" when id != null:
                    c.Request("deny", w => { w.WriteString("id", id); w.WriteString("reason", parts.Length > 2 ? parts[2] : "denied in agentshell watch"); });
                    Say($"denied {id}");
                    break;
                case "a" or "r" or "d": Say("nothing is waiting"); break;
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
        lock (_gate) Status(s);
        if (!_tty) Console.WriteLine(s);
    }

    private void Status(string s)
    {
        _status.Add(s);
        if (_status.Count > 4) _status.RemoveAt(0);
    }

    private string? _run;

    private void Render(string? run)
    {
        if (!_tty) return;
        lock (_gate)
        {
            if (run != null) _run = run;
            var sb = new System.Text.StringBuilder("\e[H\e[2J");
            sb.Append(_color ? "\e[1m" : "").Append("agentshell watch").Append(_color ? "\e[0m" : "").Append(" — ").Append(_run).Append("\r\n\r\n");
            if (_items.Count == 0) sb.Append("  nothing is waiting for approval\r\n");
            var now = DateTimeOffset.UtcNow;
            for (int i = 0; i < _items.Count; i++)
                sb.Append(PendingText.Render(_items[i], now, _color, i == _selected).Replace("\n", "\r\n"));
            sb.Append("\r\n[a]pprove  [d]eny  [r] approve for run  [j/k] select  [?] help  [q]uit\r\n").AppendJoin("\r\n", _status).Append("\r\n");
            Console.Write(sb.ToString());
        }
    }
}
