using System.Collections.Concurrent;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Wire;

/// <summary>A person's approval of an exec carries to what that process then sends on the wire:
/// approving <c>psql -c 'DROP TABLE customers'</c> is approving that DROP, so its statement at the
/// wire is not held a second time. Only for the same process, under the same rule, in the same
/// environment, at the same target, with an effect no more severe, and for SQL only a statement the
/// approved argv spells out; anything else the wire decides afresh (an argv alone never grants
/// trust there). For-run approvals of an exec cover the process's own argv, keyed as the exec
/// handler keys them.</summary>
internal sealed class ExecApprovals : IDisposable
{
    private readonly PendingRegistry _registry;
    private readonly PendingScope _scope;
    private readonly ConcurrentDictionary<int, List<PendingItem>> _byProcess = new();
    private readonly Action<PendingItem> _resolved;

    public ExecApprovals(PendingRegistry registry, PendingScope scope)
    {
        _registry = registry;
        _scope = scope;
        _resolved = Resolved;
        registry.Answering += _resolved; // before the exec is let go: its statements may follow at once
    }

    private void Resolved(PendingItem i)
    {
        if (i.Session != _scope.Session || i.Syscall != null || i.Outcome is not (PendingOutcome.Approved or PendingOutcome.ApprovedForRun)) return;
        int tgid = ProcessInfo.Tgid(i.Pid);
        if (tgid <= 0) return;
        var list = _byProcess.GetOrAdd(tgid, _ => []);
        lock (list) list.Add(i);
    }

    /// <summary>True when a person approved this process's exec for <paramref name="d"/> (see the class).</summary>
    public bool Cover(WireClient p, Decision d, WireRequest r, WireProtocolName protocol)
    {
        string? sql = protocol == WireProtocolName.Postgres ? Statement(r) : null;
        var argv = p.Cmdline;
        if (argv.Length == 0 || (sql != null && !argv.Any(a => Spells(a, sql)))) return false;
        if (protocol == WireProtocolName.Http && !SpellsRequest(argv, r.Key)) return false;
        // Keyed as the exec handler keys a command: a wrapper's re-exec by full path is the same one.
        string joined = Path.GetFileName(argv[0]) + "\0" + string.Join('\0', argv.Skip(1));
        if (_byProcess.TryGetValue(p.Tgid, out var list))
        {
            lock (list)
                foreach (var i in list)
                    // The same command line too: a later process that reuses the pid is not the one approved.
                    if (Same(i.Decision, d) && i.Argv.Count > 0 && Path.GetFileName(i.Argv[0]) + "\0" + string.Join('\0', i.Argv.Skip(1)) == joined) return true;
        }
        // An exec approved for the run (its later runs are let go at exec without an item).
        return _registry.IsApprovedForRun($"{joined}\u0001{d.Environment}\u0001{d.Target}", _scope.Session);
    }

    private static bool Same(Decision approved, Decision d) =>
        approved.RuleId == d.RuleId && approved.Environment == d.Environment && approved.Target?.ToString() == d.Target?.ToString()
        && (approved.Intent?.Effect ?? 0) >= (d.Intent?.Effect ?? Core.Model.Effect.Unknown);

    /// <summary>True when <paramref name="sql"/> is one of <paramref name="arg"/>'s statements: it
    /// starts the argument or follows a ';', and ends it or is followed by one (blanks aside). Not
    /// a mere substring: "DROP TABLE customers" is in an approved "DROP TABLE customers_old", and
    /// "DELETE FROM t WHERE id = 1" in "… WHERE id = 1 AND day = 2".</summary>
    internal static bool Spells(string arg, string sql)
    {
        for (int at = arg.IndexOf(sql, StringComparison.Ordinal); at >= 0; at = arg.IndexOf(sql, at + 1, StringComparison.Ordinal))
        {
            var before = arg.AsSpan(0, at).TrimEnd();
            var after = arg.AsSpan(at + sql.Length).TrimStart();
            if ((before.IsEmpty || before[^1] == ';') && (after.IsEmpty || after[0] == ';')) return true;
        }
        return false;
    }

    /// <summary>True when the approved argv spells what the HTTP request sends beyond its target
    /// (the rule, environment and scheme/host/port/path are compared already): a method other than
    /// GET, HEAD or POST as an argument (<c>-X DELETE</c>), the URL's query, and a body byte for
    /// byte as a data argument (<c>-d</c>, <c>--data-raw=</c>, <c>--json</c> …). A body from a file
    /// (<c>-d @f</c>), a config file or a form (<c>-F</c>) is not spelled: the person never saw
    /// it, and the tree may have rewritten it while the exec waited, so the wire asks again.</summary>
    /// <param name="key">The request's key: "METHOD URL[ (mutation …)]\u0001hex SHA-256 of the body".</param>
    internal static bool SpellsRequest(string[] argv, string? key)
    {
        int sep = key?.LastIndexOf('\u0001') ?? -1;
        if (sep < 0) return false;
        string bodyHash = key![(sep + 1)..];
        var shown = key.AsSpan(0, sep);
        int sp = shown.IndexOf(' ');
        if (sp <= 0) return false;
        string method = shown[..sp].ToString();
        var rest = shown[(sp + 1)..];
        int end = rest.IndexOf(' ');
        string url = (end < 0 ? rest : rest[..end]).ToString();
        if (method is not ("GET" or "HEAD" or "POST")
            && !argv.Any(a => a == method || a == "-X" + method || a == "--request=" + method)) return false;
        int q = url.IndexOf('?');
        if (q >= 0 && !argv.Any(a => a.Contains(url[q..], StringComparison.Ordinal))) return false;
        return bodyHash.Length == 0 || argv.Any(a => DataValues(a).Any(v => Hash(v) == bodyHash));
    }

    private static readonly string[] DataPrefixes = ["--data=", "--data-raw=", "--data-binary=", "--data-ascii=", "--json=", "-d"];

    // An argument as a data value, whole (after -d) or attached to its option (-dV, --data=V).
    private static IEnumerable<string> DataValues(string a)
    {
        yield return a;
        foreach (var p in DataPrefixes)
            if (a.Length > p.Length && a.StartsWith(p, StringComparison.Ordinal)) yield return a[p.Length..];
    }

    private static string Hash(string v) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(v)));

    // The statement text as sent, without a trailing semicolon: what a psql -c argument holds.
    private static string? Statement(WireRequest r) => r.Key?.Split('\u0001') is [_, var sql] ? sql.Trim().TrimEnd(';').Trim() is { Length: > 0 } s ? s : null : null;

    public void Dispose() => _registry.Answering -= _resolved;
}
