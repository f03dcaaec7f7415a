using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor;

/// <summary>The audit record of one receiving thread's last decision: noted while deciding, written
/// after the answer is sent, so an audit write never delays a decision. One per receiving thread,
/// passed along with the notification.</summary>
internal sealed class DeferredAudit(AuditRecorder recorder)
{
    private Decision? _decision;
    private int _pid;
    private string[] _argv = [];
    private string? _cwd;
    private RemoteExecContext? _cwdLater;
    private int _tgid;
    private string _syscall = "";
    private string _outcome = "";
    private IReadOnlyList<string>? _chain;
    private bool _captured;
    private (int Tid, int Parent, string Name)? _self;

    /// <summary>Notes a decision (copying what it needs: the argv buffers are reused). PERF: zero
    /// work for what is not recorded (allows of programs no parser knows). <paramref name="seizedTgid"/>:
    /// not 0 when the process (that thread group) is seized and held until this thread lets it go,
    /// after its record's reads (an exec being checked: it cannot run an instruction, and an exec
    /// keeps the working directory); then its working directory is read after the answer instead of
    /// before it (<see cref="Capture"/>), and its thread group is not looked up again for the chain.</summary>
    public void Note(Decision d, int pid, in Argv argv, RemoteExecContext? ctx, string syscall, string outcome, int seizedTgid = 0)
    {
        if (!recorder.Records(d)) return;
        _decision = d;
        _pid = pid;
        _argv = argv.Count == 0 ? [] : argv.ToStrings();
        _tgid = seizedTgid;
        _cwdLater = seizedTgid != 0 ? ctx : null;
        _cwd = seizedTgid != 0 ? null : ctx?.WorkingDirectory; // read now: the process may be gone once answered
        _syscall = syscall;
        _outcome = outcome;
        _chain = null;
        _captured = false;
    }

    /// <summary>Adds <paramref name="note"/> to the noted record's reason (how a refused exec ended).</summary>
    public void Noting(string note)
    {
        if (_decision is { } d) _decision = d.WithNote(note);
    }

    /// <summary>The stat of <paramref name="tid"/> read for this exec's check (root mode's kernel
    /// check, to name its parent if it is killed): its record's chain uses it instead of a read of
    /// its own. PERF: one /proc/PID/stat (open, read, close) per parsed exec in root mode.</summary>
    public void Stated(int tid, int parent, string name) => _self = (tid, parent, name);

    /// <summary>False when <paramref name="d"/> would not be recorded (<see cref="Note"/> would do nothing).</summary>
    public bool Records(Decision d) => recorder.Records(d);

    /// <summary>An exec notification from <paramref name="tid"/> (<see cref="ParentChain.ExecSeen"/>).</summary>
    public void ExecSeen(int tid) => recorder.Chains.ExecSeen(tid);

    /// <summary>Drops the noted record (the decision did not stand).</summary>
    public void Discard()
    {
        _decision = null;
        _self = null;
        _cwdLater = null;
        _chain = null;
        _captured = false;
    }

    /// <summary>After the answer, while a seized exec is still held: reads what its record needs
    /// from the process (its working directory, its chain), so that the process can be let go
    /// before the line is written (<see cref="Flush"/>). PERF: the exec waits at its exec stop only
    /// for these reads, not for the record's JSON and write (it may exit as soon as it is let go,
    /// and then its chain could no longer be read).</summary>
    public void Capture()
    {
        if (_decision is not { } d || _cwdLater is not { } ctx) return;
        _cwdLater = null;
        if (recorder.Repeats(d, _pid, _argv, _syscall, _outcome))
        {
            _decision = null; // one row per exec: a PATH search's earlier attempt has it
            return;
        }
        // The context still describes this exec: the thread takes no other notification before this.
        _cwd = ctx.WorkingDirectory;
        _chain = recorder.ChainOf(_pid, _tgid);
        _captured = true;
    }

    /// <summary>Writes the noted record, if any (after the answer is sent, and after a seized exec is
    /// let go when <see cref="Capture"/> was called).</summary>
    public void Flush()
    {
        var self = _self is { } s && s.Tid == _pid ? (s.Parent, s.Name) : ((int, string)?)null;
        _self = null;
        if (_decision is not { } d) return;
        _decision = null;
        if (_captured)
        {
            // Counted as written by Capture (Repeats): written now, with the chain it read (or, if that
            // failed, whatever can be read now).
            var chain = _chain ?? recorder.ChainOf(_pid, _tgid) ?? [];
            _chain = null;
            _captured = false;
            recorder.Write(d, _pid, _argv, _cwd, chain, _syscall, _outcome);
            return;
        }
        if (_cwdLater is { } ctx) _cwd = ctx.WorkingDirectory;
        _cwdLater = null;
        recorder.Record(d, _pid, _argv, _cwd, _syscall, _outcome, tgid: _tgid, self: self);
    }
}
