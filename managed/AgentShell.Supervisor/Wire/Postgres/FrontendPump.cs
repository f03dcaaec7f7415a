using System.Buffers.Binary;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>The client-to-server direction after the startup message: every frontend message is
/// framed, statements (Query, Parse, FunctionCall) are decided before a byte of them is forwarded,
/// and a refused one is replaced by a statement the server fails in its place (so errors, aborted
/// transactions and ReadyForQuery come back in order, from the server). After a refused Parse,
/// messages are discarded until Sync, as the server does after an error.</summary>
internal sealed class FrontendPump(PgReader client, PgWriter upstream, RelayState state, IPostgresWireHost host,
    PostgresSession session, Target target, PostgresRelayLimits limits)
{
    private bool _discardUntilSync;
    private readonly StatementMemo _memo = new();

    /// <summary>Why the pump stopped: null at the client's end of stream or Terminate, else what was malformed.</summary>
    internal string? Run(CancellationToken ct)
    {
        while (true)
        {
            if (client.Buffered < 5) upstream.Flush(); // PERF: one write per burst of pipelined messages
            if (!client.Fill(5)) return client.Buffered == 0 ? null : "the client closed the connection inside a message";
            byte type = client.Span[0];
            int length = BinaryPrimitives.ReadInt32BigEndian(client.Span[1..]);
            if (length < 4) return $"message '{(char)type}' with length {length}";
            switch (type)
            {
                case (byte)'Q' or (byte)'P':
                    if (!Statement(type, length, ct)) return "the client closed the connection inside a statement";
                    break;
                case (byte)'F':
                    if (!FunctionCall(length, ct)) return "the client closed the connection inside a function call";
                    break;
                case (byte)'p':
                    if (Password(length) is string bad) return bad;
                    break;
                case (byte)'S':
                    if (length != 4) return "Sync with a body";
                    _discardUntilSync = false;
                    state.SentSyncPoint(isSync: true);
                    if (!client.Pass(5, upstream)) return null;
                    break;
                case (byte)'B' or (byte)'E' or (byte)'D' or (byte)'C' or (byte)'H':
                    if (!_discardUntilSync) state.SentExtended();
                    if (!client.Pass(1L + length, _discardUntilSync ? null : upstream)) return null;
                    break;
                case (byte)'d' or (byte)'c' or (byte)'f':
                    // COPY data: the server ignores it outside COPY; the COPY statement itself was decided.
                    if (!client.Pass(1L + length, _discardUntilSync ? null : upstream)) return null;
                    break;
                case (byte)'X':
                    client.Pass(1L + length, upstream);
                    upstream.Flush();
                    return null;
                default:
                    return $"unknown message type 0x{type:x2}";
            }
        }
    }

    /// <summary>A Query or Parse: read whole (bounded), decide, forward or replace.</summary>
    private bool Statement(byte type, int length, CancellationToken ct)
    {
        var kind = type == (byte)'Q' ? PostgresMessageKind.Query : PostgresMessageKind.Parse;
        if (_discardUntilSync) return client.Pass(1L + length, null);
        if (length - 4 > limits.MaxStatementBytes)
        {
            // Too large to inspect: drained, never buffered whole, and refused in the protocol.
            if (!client.Pass(1L + length, null)) return false;
            var d = PostgresWireRules.StatementTooLarge.About(null, target: target, environment: host.Destination.Environment);
            host.Notice(WireNotice.RelayRefusal, $"agentshell: refused a {length - 4}-byte {kind} to {target} from the PostgreSQL wire: {d.Reason} [rule {d.RuleId}]");
            Refuse(kind, ReadOnlySpan<byte>.Empty, PostgresWireRules.StatementTooLarge.Refusal($"a {kind} of {length - 4} bytes"));
            return true;
        }
        if (!client.Fill(1 + length)) return false;
        var body = client.Span.Slice(5, length - 4);
        bool framed = kind == PostgresMessageKind.Query ? PgMessages.QueryText(body, out var text) : PgMessages.ParseText(body, out text);
        if (!framed) throw new PgProtocolException($"malformed {kind} message");
        var request = Request(kind, text);
        var name = kind == PostgresMessageKind.Parse && PgMessages.CString(body, out var n, out _) ? n.ToArray() : [];
        var verdict = Decide(request, ct);
        if (verdict.Forward)
        {
            if (kind == PostgresMessageKind.Query) state.SentSyncPoint(isSync: false); else state.SentExtended();
            return client.Pass(1L + length, upstream);
        }
        client.Consume(1 + length);
        Refuse(kind, name, verdict.Message ?? verdict.Decision.Describe());
        return true;
    }

    private PostgresRequest Request(PostgresMessageKind kind, ReadOnlySpan<byte> text)
    {
        var only = state.OnlyReading(text);
        if (only is { } reading && _memo.Find(kind, reading, text) is { } again) return again;
        SqlResult? worst = null;
        string shown = "";
        if (only is { } one)
        {
            // PERF: the common case, one reading (settled parameters, or nothing they could change).
            shown = WireText.Decode(text, one.Encoding);
            worst = PostgresWire.Scan(shown, one.BackslashStrings);
        }
        else foreach (var (encoding, backslash) in state.Readings(text))
        {
            string sql = WireText.Decode(text, encoding);
            var r = PostgresWire.Scan(sql, backslash);
            if (worst == null || r.Effect > worst.Effect) { worst = r; shown = sql; }
        }
        if (session.Shadows is string why) worst = PostgresWire.Shadowed(worst!, why);
        // PERF: scanned text below 0x80 is shown as it is (WireText.Display would return each string unchanged).
        if (WireText.IsPlain(shown))
        {
            var request = new PostgresRequest(kind, shown, PostgresWire.Intents(worst!, target), session, host.Destination);
            if (only is { } kept) _memo.Keep(kind, kept, text, request);
            return request;
        }
        bool utf8 = state.ClientUtf8;
        var statements = worst!.Statements.Select(s => s with { Text = WireText.Display(s.Text, utf8) }).ToList();
        var shownResult = new SqlResult(worst.Effect, WireText.Display(worst.Summary, utf8), statements);
        return new PostgresRequest(kind, WireText.Display(shown, utf8), PostgresWire.Intents(shownResult, target), session, host.Destination);
    }

    /// <summary>A FunctionCall: decided on its function (unknown effect), passed on whole or drained.</summary>
    private bool FunctionCall(int length, CancellationToken ct)
    {
        if (_discardUntilSync) return client.Pass(1L + length, null);
        if (!client.Fill(Math.Min(1 + length, 9))) return false;
        if (!PgMessages.FunctionOid(client.Span.Slice(5, Math.Min(length - 4, 4)), out uint oid)) throw new PgProtocolException("malformed FunctionCall");
        var request = new PostgresRequest(PostgresMessageKind.FunctionCall, "", [PostgresWire.FunctionCall(oid, target)], session, host.Destination);
        var verdict = Decide(request, ct);
        if (verdict.Forward) state.SentSyncPoint(isSync: false);
        if (!client.Pass(1L + length, verdict.Forward ? upstream : null)) return false;
        if (!verdict.Forward) Refuse(PostgresMessageKind.FunctionCall, ReadOnlySpan<byte>.Empty, verdict.Message ?? verdict.Decision.Describe());
        return true;
    }

    /// <summary>Authentication responses pass untouched; a cleartext password is shown to the host
    /// (never logged), and a SCRAM exchange that asks for channel binding is noted.</summary>
    private string? Password(int length)
    {
        if (length - 4 > limits.MaxAuthBytes) return $"an authentication message of {length - 4} bytes";
        if (!client.Fill(1 + length)) return "the client closed the connection inside an authentication message";
        Inspect(client.Span.Slice(5, length - 4));
        client.Pass(1L + length, upstream);
        return null;
    }

    private void Inspect(ReadOnlySpan<byte> body)
    {
        if (state.AuthRequest == 3 && PgMessages.QueryText(body, out var password))
            host.CleartextPassword(password, session);
        else if (state.AuthRequest == 10 && state.ClientTls && state.UpstreamTls && PgMessages.CString(body, out var mechanism, out int next))
        {
            // SCRAM channel binding ties the exchange to the certificate each end sees: the client
            // binds to the run CA's leaf (mechanism -PLUS) or says it could (gs2 flag y, which the
            // server refuses as a downgrade). Either fails at the server; only flag n passes. The
            // password exchange itself is untouched either way.
            bool plus = mechanism.SequenceEqual("SCRAM-SHA-256-PLUS"u8);
            bool could = body.Length >= next + 5 && body[next + 4] == (byte)'y';
            if (plus || could) state.ChannelBindingConflict = true;
        }
    }

    private WireVerdict Decide(PostgresRequest request, CancellationToken ct)
    {
        ValueTask<WireVerdict> pending;
        try { pending = host.DecideAsync(request, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { return Failed(e); }
        if (pending.IsCompletedSuccessfully) return pending.Result;
        // Held: what came before it goes out now; nothing of it or after it does. This thread is
        // the relay's own, so waiting here holds no pool thread.
        upstream.Flush();
        WireVerdict verdict;
        try { verdict = pending.AsTask().GetAwaiter().GetResult(); }
        catch (Exception e) when (e is not OperationCanceledException) { return Failed(e); }
        // An approval answers the client that asked; if it has left, nothing runs on its behalf.
        if (verdict.Forward && host.IsClientGone()) throw new ClientGoneException(verdict.Decision.Describe());
        return verdict;
    }

    private WireVerdict Failed(Exception e)
    {
        var d = PostgresWireRules.DecisionFailed.About(null, target: target, environment: host.Destination.Environment);
        host.Notice(WireNotice.RelayRefusal, $"agentshell: the decision on a statement to {target} failed ({e.GetType().Name}: {e.Message}); refused");
        return WireVerdict.Refuse(d, PostgresWireRules.DecisionFailed.Refusal("the statement"));
    }

    /// <summary>Sends the server a statement that fails in place of the refused message.</summary>
    private void Refuse(PostgresMessageKind kind, ReadOnlySpan<byte> statementName, string message)
    {
        string substitute = state.Substitute(PgMessages.Error("ERROR", "42501", message));
        if (kind == PostgresMessageKind.Parse)
        {
            upstream.Write(PgMessages.Parse(statementName, substitute));
            state.SentExtended();
            _discardUntilSync = true;
        }
        else
        {
            upstream.Write(PgMessages.Query(substitute));
            state.SentSyncPoint(isSync: false);
        }
    }
}

/// <summary>A peer broke the protocol; the relay closes the connection.</summary>
internal sealed class PgProtocolException(string message) : Exception(message);

/// <summary>The client left while its statement was held.</summary>
internal sealed class ClientGoneException(string what) : Exception($"the client closed its connection while {what} was held; the approval was not used");
