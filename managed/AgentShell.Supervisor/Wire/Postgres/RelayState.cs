using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>What the two directions of one relayed session share: how far the server has caught up
/// with what was forwarded, the lexing parameters it reported, authentication progress, and the
/// refusals waiting for their place in the server's answers.</summary>
internal sealed class RelayState(bool clientTls, bool upstreamTls)
{
    /// <summary>Prefix of the statement a refused message is replaced with (see <see cref="Substitute"/>).</summary>
    private const string MarkerPrefix = "agentshell_refused_";

    // A per-session secret in the substitute's text, so a client cannot forge the server error that
    // the relay swaps for its refusal.
    private readonly string _marker = MarkerPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) + "_";
    private readonly ConcurrentDictionary<long, byte[]> _refusals = new();
    private long _nextRefusal;
    private int _pendingSyncs = 1; // the startup awaits its first ReadyForQuery
    private volatile bool _extendedSinceSync;
    private volatile string? _clientEncoding, _standardConformingStrings;

    internal bool ClientTls { get; } = clientTls;
    internal bool UpstreamTls { get; } = upstreamTls;

    /// <summary>The last Authentication request code from the server (3 cleartext, 10 SASL, 0 done), -1 before any.</summary>
    internal volatile int AuthRequest = -1;

    /// <summary>Set when the client asked for SCRAM channel binding that cannot survive the two TLS legs.</summary>
    internal volatile bool ChannelBindingConflict;

    /// <summary>True when the client's encoding is UTF8 (for showing statements).</summary>
    internal bool ClientUtf8 => _clientEncoding is "UTF8";

    // --- the client's side: what was forwarded ---

    /// <summary>A Query, Sync or FunctionCall went to the server: one more ReadyForQuery to come.</summary>
    internal void SentSyncPoint(bool isSync)
    {
        Interlocked.Increment(ref _pendingSyncs);
        if (isSync) _extendedSinceSync = false;
    }

    /// <summary>An extended-protocol message went to the server (its effects are reported at the next Sync).</summary>
    internal void SentExtended() => _extendedSinceSync = true;

    // --- the server's side ---

    /// <summary>A ReadyForQuery came back.</summary>
    internal void ReceivedReadyForQuery()
    {
        if (Interlocked.Decrement(ref _pendingSyncs) < 0) Interlocked.Exchange(ref _pendingSyncs, 0);
    }

    /// <summary>A ParameterStatus came back.</summary>
    internal void ReceivedParameter(string name, string value)
    {
        if (name == "client_encoding") _clientEncoding = value.ToUpperInvariant();
        else if (name == "standard_conforming_strings") _standardConformingStrings = value;
    }

    /// <summary>The one reading of <paramref name="text"/> when <see cref="Readings"/> would list
    /// exactly one, else null (PERF: no lists for the common statement).</summary>
    internal (LexEncoding Encoding, bool BackslashStrings)? OnlyReading(ReadOnlySpan<byte> text)
    {
        bool settled = Volatile.Read(ref _pendingSyncs) == 0 && !_extendedSinceSync;
        var encoding = _clientEncoding is string e ? WireText.Classify(e) : null;
        bool? scsOff = _standardConformingStrings switch { "on" => false, "off" => true, _ => null };
        // One encoding: a known one when settled, or any when every reading of the bytes is the same.
        bool ascii = WireText.IsAscii(text);
        if (!ascii && (!settled || encoding == null)) return null;
        // One mode: no backslash, or the mode in force is known and settled.
        bool mode = scsOff ?? false;
        if (text.Contains((byte)'\\') && (!settled || scsOff == null) && !mode) return null;
        return (encoding ?? LexEncoding.AsciiSafe, mode);
    }

    /// <summary>The ways the server may read <paramref name="text"/>: one when everything forwarded
    /// has been answered (the reported parameters are the ones in force), every plausible encoding
    /// and string mode otherwise — a statement in flight may have changed <c>client_encoding</c> or
    /// <c>standard_conforming_strings</c> without the relay knowing yet. Only the readings that
    /// can differ for this text are listed (no high byte: one encoding; no backslash: one mode).</summary>
    internal List<(LexEncoding Encoding, bool BackslashStrings)> Readings(ReadOnlySpan<byte> text)
    {
        bool settled = Volatile.Read(ref _pendingSyncs) == 0 && !_extendedSinceSync;
        var encoding = _clientEncoding is string e ? WireText.Classify(e) : null;
        bool? scsOff = _standardConformingStrings switch { "on" => false, "off" => true, _ => null };
        var encodings = new List<LexEncoding>(4);
        if (encoding is LexEncoding known) encodings.Add(known);
        if (!WireText.IsAscii(text) && (!settled || encoding == null))
        {
            foreach (var x in Enum.GetValues<LexEncoding>()) if (!encodings.Contains(x)) encodings.Add(x);
        }
        if (encodings.Count == 0) encodings.Add(LexEncoding.AsciiSafe);
        var modes = new List<bool>(2) { scsOff ?? false };
        if (text.Contains((byte)'\\') && (!settled || scsOff == null) && !modes.Contains(true)) modes.Add(true);
        var readings = new List<(LexEncoding, bool)>(encodings.Count * modes.Count);
        foreach (var enc in encodings) foreach (var m in modes) readings.Add((enc, m));
        return readings;
    }

    // --- refusals ---

    /// <summary>Registers a refusal and returns the statement to send in the refused message's place:
    /// a syntax error naming a per-session marker and the refusal's number. The server fails it as it
    /// would have failed the client's own (aborting a transaction block, discarding until Sync,
    /// ReadyForQuery with the true status), and the relay swaps that error for <paramref name="error"/>.</summary>
    internal string Substitute(byte[] error)
    {
        long n = Interlocked.Increment(ref _nextRefusal);
        _refusals[n] = error;
        return _marker + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The refusal an ErrorResponse body from the server stands for, or null when it is the
    /// server's own error. Older refusals whose substitute the server skipped (it was already
    /// discarding until Sync) are forgotten.</summary>
    internal byte[]? RefusalFor(ReadOnlySpan<byte> errorBody)
    {
        if (_refusals.IsEmpty) return null;
        Span<byte> marker = stackalloc byte[_marker.Length];
        Encoding.ASCII.GetBytes(_marker, marker);
        int at = errorBody.IndexOf(marker);
        if (at < 0) return null;
        long n = 0;
        int digits = 0;
        for (int i = at + marker.Length; i < errorBody.Length && errorBody[i] is >= (byte)'0' and <= (byte)'9' && digits < 18; i++, digits++)
            n = n * 10 + (errorBody[i] - '0');
        if (digits == 0 || !_refusals.TryRemove(n, out var error)) return null;
        foreach (var k in _refusals.Keys) if (k < n) _refusals.TryRemove(k, out _);
        return error;
    }
}
