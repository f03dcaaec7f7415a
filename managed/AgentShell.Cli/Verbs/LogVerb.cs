using System.Runtime.InteropServices;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Audit;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell log [--file F] [--follow] [--json] [--since 1h] [--action A] [--outcome O] [--run ID]`.</summary>
[Verb("log", HelpText = "Read the audit log: a table of decisions, or the raw JSON lines with --json.")]
public sealed class LogVerb
{
    /// <summary>The audit file; default $XDG_STATE_HOME/agentshell/audit.jsonl.</summary>
    [Option("file", HelpText = "Audit log file (default: $XDG_STATE_HOME/agentshell/audit.jsonl, else ~/.local/state/agentshell/audit.jsonl).")]
    public string? File { get; set; }

    /// <summary>Keep reading new lines.</summary>
    [Option('f', "follow", HelpText = "Keep printing new records as they are appended (Ctrl-C stops).")]
    public bool Follow { get; set; }

    /// <summary>Print the JSON lines instead of the table.</summary>
    [Option("json", HelpText = "Print the matching JSON lines as they are stored.")]
    public bool Json { get; set; }

    /// <summary>Only records since a duration ago or an ISO-8601 time.</summary>
    [Option("since", HelpText = "Only records since 30m, 1h, 2d, ... ago, or since an ISO-8601 time (local unless it has an offset).")]
    public string? Since { get; set; }

    /// <summary>Only this action.</summary>
    [Option("action", HelpText = "Only this action: allow, block or pause.")]
    public string? Action { get; set; }

    /// <summary>Only this outcome.</summary>
    [Option("outcome", HelpText = "Only this outcome: allowed, blocked, approved, denied or timeout.")]
    public string? Outcome { get; set; }

    /// <summary>Only this run.</summary>
    [Option("run", HelpText = "Only records of this run id.")]
    public string? Run { get; set; }

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Runs the verb: 0 done, 1 no log to read, 2 usage error.</summary>
    public int Execute()
    {
        if (!TryBuildFilter(out var filter)) return Program.UsageError;
        string path = File ?? AuditLog.DefaultPath();
        if (!System.IO.File.Exists(path) && !Follow)
        {
            Console.Error.WriteLine($"agentshell log: no audit log at {path} (nothing was recorded yet, or pass --file)");
            return 1;
        }

        using var stop = new CancellationTokenSource();
        // Ctrl-C or a plain kill ends --follow cleanly (the malformed-line count is still printed).
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var output = new Output(Json, Console.Out);
        long malformed = 0;
        try
        {
            using var reader = new AuditFileReader(path);
            // What is there now: fit the table to it, then print.
            var existing = new List<(AuditRecord, byte[])>();
            malformed += reader.ReadAvailable(final: !Follow, (r, line) => { if (filter.Matches(r)) existing.Add((r, line)); });
            output.Fit(existing.Select(e => e.Item1));
            output.Header();
            foreach (var (r, line) in existing) output.Write(r, line);
            Console.Out.Flush();

            while (Follow && !stop.Token.WaitHandle.WaitOne(PollInterval))
            {
                malformed += reader.ReadAvailable(final: false, (r, line) => { if (filter.Matches(r)) output.Write(r, line); });
                Console.Out.Flush();
            }
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"agentshell log: cannot read {path}: {e.Message}");
            return 1;
        }
        catch (UnauthorizedAccessException e)
        {
            Console.Error.WriteLine($"agentshell log: cannot read {path}: {e.Message}");
            return 1;
        }
        if (malformed > 0) Console.Error.WriteLine($"agentshell log: skipped {malformed} malformed line(s) in {path}");
        return 0;
    }

    private bool TryBuildFilter(out AuditFilter filter)
    {
        filter = new AuditFilter();
        DateTimeOffset? since = null;
        if (Since != null)
        {
            if (!AuditFilter.TryParseSince(Since, DateTimeOffset.UtcNow, TimeZoneInfo.Local, out var s, out var error))
                return UsageError(error);
            since = s;
        }
        if (Action != null && !AuditAction.All.Contains(Action.ToLowerInvariant()))
            return UsageError($"--action '{Action}': expected one of {string.Join(", ", AuditAction.All)}");
        if (Outcome != null && !AuditOutcome.All.Contains(Outcome.ToLowerInvariant()))
            return UsageError($"--outcome '{Outcome}': expected one of {string.Join(", ", AuditOutcome.All)}");
        filter = new AuditFilter { Since = since, Action = Action, Outcome = Outcome, RunId = Run };
        return true;
    }

    private static bool UsageError(string message)
    {
        Console.Error.WriteLine($"agentshell log: {message}");
        return false;
    }

    /// <summary>Prints records as table rows or as their stored JSON lines.</summary>
    private sealed class Output(bool json, TextWriter writer)
    {
        private readonly AuditTable _table = new(TimeZoneInfo.Local);
        private readonly Stream? _raw = json ? Console.OpenStandardOutput() : null;

        public void Fit(IEnumerable<AuditRecord> records)
        {
            if (!json) _table.Fit(records.Select(_table.Cells));
        }

        public void Header()
        {
            if (!json) writer.WriteLine(_table.HeaderLine());
        }

        public void Write(AuditRecord record, byte[] line)
        {
            if (_raw != null)
            {
                _raw.Write(line);
                _raw.Write("\n"u8);
                _raw.Flush();
            }
            else writer.WriteLine(_table.Line(_table.Cells(record)));
        }
    }
}

/// <summary>Reads complete lines appended to the audit file since the last call; a line still being written is
/// kept for the next call. Starts over when the file shrinks (truncated or replaced in place).</summary>
internal sealed class AuditFileReader(string path) : IDisposable
{
    private FileStream? _stream;
    private readonly List<byte> _partial = [];
    private readonly byte[] _chunk = new byte[64 * 1024];

    /// <summary>Parses every complete line now in the file; returns how many were malformed. With
    /// <paramref name="final"/>, a last line without a newline is parsed too.</summary>
    public long ReadAvailable(bool final, Action<AuditRecord, byte[]> onRecord)
    {
        if (_stream == null)
        {
            if (!File.Exists(path)) return 0;
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        if (_stream.Length < _stream.Position)
        {
            _stream.Position = 0;
            _partial.Clear();
        }
        long malformed = 0;
        int n;
        while ((n = _stream.Read(_chunk, 0, _chunk.Length)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (_chunk[i] != (byte)'\n') continue;
                _partial.AddRange(new ArraySegment<byte>(_chunk, start, i - start));
                malformed += Parse(onRecord);
                start = i + 1;
            }
            _partial.AddRange(new ArraySegment<byte>(_chunk, start, n - start));
        }
        if (final && _partial.Count > 0) malformed += Parse(onRecord);
        return malformed;
    }

    private int Parse(Action<AuditRecord, byte[]> onRecord)
    {
        byte[] line = [.. _partial];
        _partial.Clear();
        if (line.AsSpan().Trim(" \t\r"u8).IsEmpty) return 0;
        if (!AuditJson.TryParse(line, out var record, out _)) return 1;
        onRecord(record, line);
        return 0;
    }

    public void Dispose() => _stream?.Dispose();
}
