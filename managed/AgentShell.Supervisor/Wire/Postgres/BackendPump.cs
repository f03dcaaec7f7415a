using System.Buffers.Binary;
using System.Text;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>The server-to-client direction: everything passes in order (rows, notifications,
/// COPY data stream through without being held whole); ReadyForQuery and ParameterStatus are
/// noted, the server's failure of a substitute statement becomes the relay's refusal, and the
/// server's refusal of SCRAM channel binding that cannot survive two TLS legs says why.</summary>
internal sealed class BackendPump(PgReader server, PgWriter client, RelayState state, IPostgresWireHost host, PostgresRelayLimits limits)
{
    /// <summary>Why the pump stopped: null at the server's end of stream, else what was malformed.</summary>
    internal string? Run()
    {
        while (true)
        {
            if (server.Buffered < 5) client.Flush(); // PERF: one write per burst of messages
            if (!server.Fill(5)) return null;
            byte type = server.Span[0];
            int length = BinaryPrimitives.ReadInt32BigEndian(server.Span[1..]);
            if (length < 4) return $"server message '{(char)type}' with length {length}";
            bool inspect = type is (byte)'Z' or (byte)'S' or (byte)'E' or (byte)'R' && length - 4 <= limits.MaxAuthBytes;
            if (!inspect)
            {
                if (type == (byte)'R') return $"an authentication request of {length - 4} bytes";
                if (!server.Pass(1L + length, client)) return null;
                continue;
            }
            if (!server.Fill(1 + length)) return null;
            var body = server.Span.Slice(5, length - 4);
            byte[]? replacement = null;
            switch (type)
            {
                case (byte)'Z':
                    state.ReceivedReadyForQuery();
                    break;
                case (byte)'S':
                    if (PgMessages.CString(body, out var name, out int next) && PgMessages.CString(body[next..], out var value, out _))
                        state.ReceivedParameter(Encoding.ASCII.GetString(name), Encoding.ASCII.GetString(value));
                    break;
                case (byte)'E':
                    replacement = state.RefusalFor(body) ?? ChannelBindingError(body);
                    break;
                case (byte)'R':
                    if (body.Length < 4) return "a short authentication request";
                    state.AuthRequest = BinaryPrimitives.ReadInt32BigEndian(body);
                    break;
            }
            if (replacement != null)
            {
                server.Consume(1 + length);
                client.Write(replacement);
            }
            else if (!server.Pass(1L + length, client)) return null;
        }
    }

    /// <summary>The server's refusal of a client that asked for channel binding through the relay's
    /// TLS, replaced by one that says why and what to do.</summary>
    private byte[]? ChannelBindingError(ReadOnlySpan<byte> body)
    {
        if (!state.ChannelBindingConflict || state.AuthRequest == 0) return null;
        state.ChannelBindingConflict = false;
        var code = Encoding.ASCII.GetString(PgMessages.Field(body, (byte)'C'));
        host.Notice(WireNotice.ChannelBinding, $"agentshell: a PostgreSQL client to {host.Destination.Shown} asked for SCRAM channel binding, which cannot pass through the run CA's TLS; the server refused it ({code})");
        return PgMessages.Error("FATAL", "28000",
            "agentshell: SCRAM channel binding cannot pass through agentshell's TLS interception (the client binds to the run CA's certificate, the server to its own)",
            hint: "connect with channel_binding=disable (PGCHANNELBINDING=disable; Npgsql: Channel Binding=Disable); the password exchange itself passes through untouched");
    }
}
