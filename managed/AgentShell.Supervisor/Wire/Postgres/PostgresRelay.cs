using AgentShell.Core.Tools;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>Relays one intercepted PostgreSQL connection: negotiates TLS on both sides as the
/// client and server do, passes authentication through, decides every statement before it reaches
/// the server, and refuses what is blocked in the protocol (ErrorResponse 42501), keeping the
/// session usable.</summary>
public static class PostgresRelay
{
    /// <summary>Runs the relay until either side closes. <paramref name="firstBytes"/> are the bytes
    /// the dispatcher already read from <paramref name="client"/> (at least the 8 it recognised with
    /// <see cref="PgProtocol.Recognise"/>). Never throws for what a peer does: a malformed or
    /// undecidable input closes the connection, with a <see cref="IPostgresWireHost.Notice"/>.
    /// Disposes <paramref name="client"/> and everything it opened.</summary>
    /// <param name="client">The accepted connection (plaintext, or already decrypted: see <paramref name="clientTlsTerminated"/>).</param>
    /// <param name="firstBytes">What the dispatcher read from it.</param>
    /// <param name="host">The infrastructure's side.</param>
    /// <param name="ct">Ends the relay (the run is stopping).</param>
    /// <param name="limits">Bounds; <see cref="PostgresRelayLimits.Default"/> when null.</param>
    /// <param name="clientTlsTerminated">The client opened with a TLS ClientHello (libpq
    /// sslnegotiation=direct, ALPN <c>postgresql</c>) and the host already terminated it: the server
    /// leg is then TLS too, or refused.</param>
    public static async Task RunAsync(Stream client, ReadOnlyMemory<byte> firstBytes, IPostgresWireHost host, CancellationToken ct,
        PostgresRelayLimits? limits = null, bool clientTlsTerminated = false)
    {
        limits ??= PostgresRelayLimits.Default;
        var owned = new List<IDisposable> { client };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            StartedSession? started = null;
            bool timedOut;
            using (var startup = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                startup.CancelAfter(limits.StartupTimeout);
                // The startup blocks on this thread (see Negotiate): the timeout ends its reads by closing the streams.
                var closeOnTimeout = startup.Token.Register(() => Close(owned));
                try { started = PostgresStartup.Negotiate(client, firstBytes, host, limits, owned, clientTlsTerminated, startup.Token); }
                catch (Exception) when (startup.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    // Whatever the closed streams threw, the cause is the timeout: reported and closed below.
                }
                finally { closeOnTimeout.Dispose(); } // waits for a Close already running
                timedOut = startup.IsCancellationRequested && !ct.IsCancellationRequested;
            }
            if (timedOut)
            {
                host.Notice(WireNotice.ProtocolViolation, $"agentshell: a PostgreSQL connection to {host.Destination.Shown} did not get through its startup in {limits.StartupTimeout.TotalSeconds:0}s; closed");
                return;
            }
            if (started == null) return;
            // Blocking reads on the relay's threads end when their streams close: on the run's end too.
            using var closeOnStop = stop.Token.Register(() => Close(owned));
            await RelayAsync(started, host, limits, stop, owned).ConfigureAwait(false);
        }
        catch (WireSetupException e)
        {
            host.Notice(e.Kind, e.Kind switch
            {
                WireNotice.ClientRefusedTls => $"agentshell: a PostgreSQL client of {host.Destination.Shown} did not complete TLS with the run CA's certificate ({e.InnerException?.Message}); closed",
                WireNotice.UpstreamUnreachable => $"agentshell: the PostgreSQL server {host.Destination.Shown}:{host.Destination.Port} could not be reached ({e.InnerException?.Message}); closed",
                _ => $"agentshell: TLS to the PostgreSQL server {host.Destination.Shown} failed ({e.InnerException?.Message}); refused, not downgraded",
            });
        }
        catch (ClientGoneException e)
        {
            host.Notice(WireNotice.ClientGone, "agentshell: " + e.Message);
        }
        catch (PgProtocolException e)
        {
            host.Notice(WireNotice.ProtocolViolation, $"agentshell: closed a PostgreSQL connection to {host.Destination.Shown}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // A peer went away (or the run is ending): the connection is closed below; nothing was
            // forwarded that was not decided.
        }
        finally
        {
            stop.Cancel();
            Close(owned);
        }
    }

    private static void Close(List<IDisposable> owned)
    {
        IDisposable[] all;
        lock (owned) all = [.. owned];
        for (int i = all.Length - 1; i >= 0; i--)
        {
            try { all[i].Dispose(); }
            catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // Closing a broken stream: it is closed either way.
            }
        }
    }

    private static async Task RelayAsync(StartedSession s, IPostgresWireHost host, PostgresRelayLimits limits, CancellationTokenSource stop, List<IDisposable> owned)
    {
        var target = PostgresWire.Target(host.Destination.Shown, host.Destination.Port, s.Session.Database);
        var toServer = new PgWriter(s.Upstream);
        var toClient = new PgWriter(s.ClientStream);
        var fromServer = new PgReader(s.Upstream, ReadOnlySpan<byte>.Empty, 5 + limits.MaxAuthBytes);
        var frontend = new FrontendPump(s.Client, toServer, s.State, host, s.Session, target, limits);
        var backend = new BackendPump(fromServer, toClient, s.State, host, limits);
        var up = OnOwnThread("pg client→server", () => frontend.Run(stop.Token));
        var down = OnOwnThread("pg server→client", backend.Run);
        var first = await Task.WhenAny(up, down).ConfigureAwait(false);
        try
        {
            if (first == up)
            {
                // The client finished (or broke the protocol): the server may still be answering
                // what it sent (a Terminate, an error); let that through briefly, then close.
                string? why = await up.ConfigureAwait(false);
                if (why != null) throw new PgProtocolException(why);
                await Task.WhenAny(down, Task.Delay(TimeSpan.FromSeconds(2), stop.Token)).ConfigureAwait(false);
            }
            else if (await down.ConfigureAwait(false) is string why) throw new PgProtocolException(why);
        }
        finally
        {
            stop.Cancel();
            Close(owned);
            try { await Task.WhenAll(up, down).ConfigureAwait(false); }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or PgProtocolException or ClientGoneException or System.Net.Sockets.SocketException)
            {
                // The other direction stopped because this one did.
            }
            s.Client.Release();
            fromServer.Release();
            toServer.Release();
            toClient.Release();
        }
    }

    /// <summary>Runs one direction on a thread of its own (PERF: blocking reads wake once per message).</summary>
    private static Task<string?> OnOwnThread(string name, Func<string?> pump)
    {
        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try { done.SetResult(pump()); }
            catch (Exception e) { done.SetException(e); }
        }) { IsBackground = true, Name = name }.Start();
        return done.Task;
    }
}
