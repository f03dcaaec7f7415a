namespace AgentShell.Supervisor.Wire;

/// <summary>What the first bytes of a connection say about one protocol.</summary>
internal enum WireSniff
{
    /// <summary>Not this protocol.</summary>
    No,
    /// <summary>Could be this protocol: more bytes are needed to tell.</summary>
    NeedMore,
    /// <summary>This protocol.</summary>
    Yes,
}

/// <summary>A protocol decided at the wire (HTTP/1.1, PostgreSQL v3): recognised from the first
/// bytes a client sends, then served for the rest of the connection, each request or statement
/// decided through <see cref="WireSession.Decide"/>. Registered in <see cref="WireProtocols"/>;
/// <see cref="WireDispatcher"/> picks the first that says <see cref="WireSniff.Yes"/>. TLS is not
/// a protocol here: the dispatcher terminates it and sniffs what is inside.</summary>
internal interface IWireProtocol
{
    /// <summary>Its profile switch under <c>Wire</c> (<c>Http</c>, <c>Postgres</c>) and its name in messages.</summary>
    WireProtocolName Name { get; }

    /// <summary>Looks at the first bytes the client sent (at most <see cref="WireDispatcher.SniffBytes"/>).
    /// Cheap and allocation-free: it runs for every terminated connection.</summary>
    WireSniff Recognise(ReadOnlySpan<byte> first);

    /// <summary>Serves one connection to its end, on a thread of its own: blocking reads and writes
    /// on the session's streams are the fast path (a blocking read wakes this thread directly; an
    /// async one goes through the socket engine and the thread pool, tens of µs more per request).
    /// <see cref="WireSession.Client"/> yields the bytes that were sniffed first. Return when either
    /// side is done; an exception resets the client's connection. Nothing may reach the upstream
    /// that was not allowed by <see cref="WireSession.Decide"/>, other than what the protocol needs
    /// to get there (a PostgreSQL startup and authentication).</summary>
    void Serve(WireSession session);
}

/// <summary>The protocols of the wire layer, each with its profile switch.</summary>
internal enum WireProtocolName
{
    /// <summary>HTTP/1.1, plain or inside TLS (<c>Wire.Http</c>).</summary>
    Http,
    /// <summary>PostgreSQL protocol v3 (<c>Wire.Postgres</c>).</summary>
    Postgres,
}
