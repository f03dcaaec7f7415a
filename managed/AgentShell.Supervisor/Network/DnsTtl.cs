using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentShell.Supervisor.Network;

/// <summary>The DNS TTL of a host name, which the .NET resolver does not expose: standard A and
/// AAAA queries over UDP to the nameservers of <c>/etc/resolv.conf</c>, as the system resolver
/// would send them. Only the TTL is used; addresses still come from the system resolver (it honours
/// <c>/etc/hosts</c> and nsswitch), and the TTL decides when the name is resolved again.
/// <para>The name is queried as given (absolute, no <c>search</c>/<c>ndots</c>). Each query type
/// goes to the nameservers in order, <see cref="DefaultTimeout"/> each, until one answers with
/// NOERROR or NXDOMAIN; SERVFAIL, REFUSED, a truncated answer or an answer that does not parse moves
/// on to the next. A datagram that is not the answer to this query (other id, not a response,
/// other question) is ignored and the wait goes on, so a stray or spoofed packet cannot end it.</para>
/// <para>Result: the smallest TTL along the answer's CNAME chain and its final A/AAAA records,
/// over both query types; null when no server gave address records (a name only in
/// <c>/etc/hosts</c>, NXDOMAIN, no reachable nameserver, a garbled answer). A malformed packet never
/// throws: every read is bounds-checked.</para></summary>
public sealed class DnsTtl
{
    /// <summary>How long one nameserver may take to answer one query.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The resolver configuration read when no nameservers are given.</summary>
    public const string ResolvConfPath = "/etc/resolv.conf";

    private const ushort TypeA = 1, TypeCname = 5, TypeAaaa = 28, ClassIn = 1;
    private const int HeaderLength = 12, MaxNameLength = 255, MaxNameservers = 3;

    private readonly IReadOnlyList<IPEndPoint>? _nameservers;
    private readonly TimeSpan _timeout;

    /// <param name="nameservers">Servers to ask, in order; default: those of <c>/etc/resolv.conf</c>,
    /// read at each query (it changes with DHCP and VPNs, as the system resolver sees it).</param>
    /// <param name="timeout">Per server and query; default <see cref="DefaultTimeout"/>.</param>
    public DnsTtl(IReadOnlyList<IPEndPoint>? nameservers = null, TimeSpan? timeout = null)
    {
        _nameservers = nameservers;
        _timeout = timeout ?? DefaultTimeout;
    }

    /// <summary>The smallest TTL in the A and AAAA answers for <paramref name="name"/>, or null when
    /// there is none. Throws only <see cref="OperationCanceledException"/>, when
    /// <paramref name="cancel"/> is cancelled.</summary>
    public async Task<TimeSpan?> QueryAsync(string name, CancellationToken cancel)
    {
        try
        {
            if (!TryEncodeName(name, out var qname)) return null;
            var servers = _nameservers ?? ReadNameservers(ResolvConfPath);
            var ttls = await Task.WhenAll(
                QueryTypeAsync(servers, qname, TypeA, cancel),
                QueryTypeAsync(servers, qname, TypeAaaa, cancel)).ConfigureAwait(false);
            uint? min = ttls[0] is uint a && ttls[1] is uint b ? Math.Min(a, b) : ttls[0] ?? ttls[1];
            return min is uint t ? TimeSpan.FromSeconds(t) : null;
        }
        catch (Exception) when (!cancel.IsCancellationRequested)
        {
            return null; // no TTL: the caller keeps its longest interval
        }
    }

    /// <summary>The <c>nameserver</c> lines of a resolv.conf (port 53, at most three, as glibc);
    /// 127.0.0.1 when there are none or the file cannot be read, which is where glibc then asks.</summary>
    internal static IReadOnlyList<IPEndPoint> ReadNameservers(string path)
    {
        var servers = new List<IPEndPoint>();
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 2 && fields[0] == "nameserver" && IPAddress.TryParse(fields[1], out var ip)
                    && servers.Count < MaxNameservers)
                    servers.Add(new IPEndPoint(ip, 53));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // As missing: glibc falls back to the local server.
        }
        if (servers.Count == 0) servers.Add(new IPEndPoint(IPAddress.Loopback, 53));
        return servers;
    }

    private async Task<uint?> QueryTypeAsync(IReadOnlyList<IPEndPoint> servers, byte[] qname, ushort type, CancellationToken cancel)
    {
        foreach (var server in servers)
        {
            var (answered, ttl) = await AskAsync(server, qname, type, cancel).ConfigureAwait(false);
            if (answered) return ttl;
        }
        return null;
    }

    /// <summary>One query to one server: (answered, TTL), answered false when the next server should be asked.</summary>
    private async Task<(bool Answered, uint? Ttl)> AskAsync(IPEndPoint server, byte[] qname, ushort type, CancellationToken cancel)
    {
        // A random id (and the kernel's random source port) so an off-path forger has to guess both.
        ushort id = RandomIds.UInt16();
        var query = BuildQuery(id, qname, type);
        var buffer = ArrayPool<byte>.Shared.Rent(ushort.MaxValue + 1); // a whole datagram: a longer one is never cut to look complete
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_timeout);
        try
        {
            using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            // Connected: the kernel drops datagrams from other sources and reports ICMP refusals.
            await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            await socket.SendAsync(query, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                switch (ParseAnswer(buffer.AsSpan(0, n), id, qname, type, out uint ttl))
                {
                    case Verdict.NotOurs: continue;
                    case Verdict.Unusable: return (false, null);
                    case Verdict.NoRecords: return (true, null);
                    default: return (true, ttl);
                }
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return (false, null); // this server did not answer in time
        }
        catch (SocketException)
        {
            return (false, null); // unreachable or refused
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The name in wire form (length-prefixed labels, root label last), or false when it
    /// cannot be one (empty label, label over 63 bytes, over 255 bytes, not ASCII).</summary>
    internal static bool TryEncodeName(string name, out byte[] wire)
    {
        wire = [];
        name = name.TrimEnd('.');
        if (name.Length == 0 || !Ascii.IsValid(name) || name.Length + 2 > MaxNameLength) return false;
        var labels = name.Split('.');
        var bytes = new byte[name.Length + 2];
        int at = 0;
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63) return false;
            bytes[at++] = (byte)label.Length;
            at += Encoding.ASCII.GetBytes(label, bytes.AsSpan(at));
        }
        bytes[at] = 0;
        wire = bytes;
        return true;
    }

    private static byte[] BuildQuery(ushort id, byte[] qname, ushort type)
    {
        var q = new byte[HeaderLength + qname.Length + 4];
        BinaryPrimitives.WriteUInt16BigEndian(q, id);
        q[2] = 0x01; // RD: the nameserver resolves recursively, as for the system resolver
        q[5] = 1;    // QDCOUNT
        qname.CopyTo(q, HeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(HeaderLength + qname.Length), type);
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(HeaderLength + qname.Length + 2), ClassIn);
        return q;
    }

    internal enum Verdict
    {
        /// <summary>Not the answer to this query: keep waiting.</summary>
        NotOurs,
        /// <summary>This server's answer cannot be used (truncated, garbled, SERVFAIL...): ask the next.</summary>
        Unusable,
        /// <summary>Answered, with no address records of the type (NXDOMAIN, NODATA).</summary>
        NoRecords,
        /// <summary>Answered with address records; the TTL is the chain's smallest.</summary>
        Ttl,
    }

    /// <summary>Judges one datagram as the answer to (id, qname, type). Every read is bounds-checked;
    /// nothing here throws.</summary>
    internal static Verdict ParseAnswer(ReadOnlySpan<byte> m, ushort id, ReadOnlySpan<byte> qname, ushort type, out uint ttl)
    {
        ttl = 0;
        if (m.Length < HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(m) != id) return Verdict.NotOurs;
        byte flags = m[2];
        if ((flags & 0x80) == 0 || (flags & 0x78) != 0) return Verdict.NotOurs; // not a response, or not a standard query's
        if (BinaryPrimitives.ReadUInt16BigEndian(m[4..]) != 1) return Verdict.NotOurs;
        if (qname.Length > MaxNameLength) return Verdict.NotOurs;
        Span<byte> question = stackalloc byte[MaxNameLength];
        question = question[..qname.Length];
        Lower(qname, question);
        int at = HeaderLength;
        Span<byte> name = stackalloc byte[MaxNameLength];
        if (!TryReadName(m, ref at, name, out int nameLength) || !name[..nameLength].SequenceEqual(question)
            || at + 4 > m.Length || BinaryPrimitives.ReadUInt16BigEndian(m[at..]) != type || BinaryPrimitives.ReadUInt16BigEndian(m[(at + 2)..]) != ClassIn)
            return Verdict.NotOurs;
        at += 4;
        if ((flags & 0x02) != 0) return Verdict.Unusable; // TC: the answer section may be cut
        int rcode = m[3] & 0x0F;
        if (rcode == 3) return Verdict.NoRecords;          // NXDOMAIN
        if (rcode != 0) return Verdict.Unusable;           // SERVFAIL, REFUSED...: the next server may know

        // The answer section, kept as offsets: (owner, type, TTL, CNAME target offset).
        int count = BinaryPrimitives.ReadUInt16BigEndian(m[6..]);
        if (count > (m.Length - at) / 11) return Verdict.Unusable; // a record takes at least 11 bytes
        var records = new (int Owner, ushort Type, uint Ttl, int Rdata)[count];
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            int owner = at;
            if (!TryReadName(m, ref at, name, out _) || at + 10 > m.Length) return Verdict.Unusable;
            ushort rrType = BinaryPrimitives.ReadUInt16BigEndian(m[at..]);
            ushort rrClass = BinaryPrimitives.ReadUInt16BigEndian(m[(at + 2)..]);
            uint rrTtl = BinaryPrimitives.ReadUInt32BigEndian(m[(at + 4)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(m[(at + 8)..]);
            int rdata = at + 10;
            if (rdata + rdLength > m.Length) return Verdict.Unusable;
            if (rrType == type && rdLength != (type == TypeA ? 4 : 16)) return Verdict.Unusable;
            if (rrType == TypeCname)
            {
                int end = rdata;
                if (!TryReadName(m, ref end, name, out _) || end != rdata + rdLength) return Verdict.Unusable;
            }
            at = rdata + rdLength;
            // RFC 2181 §8: a TTL with the top bit set is zero.
            if (rrClass == ClassIn && (rrType == type || rrType == TypeCname))
                records[kept++] = (owner, rrType, rrTtl > int.MaxValue ? 0 : rrTtl, rdata);
        }

        // Follow the chain from the question's name: each CNAME's TTL counts, then the final records'.
        Span<byte> current = stackalloc byte[MaxNameLength];
        question.CopyTo(current);
        int currentLength = question.Length;
        uint min = uint.MaxValue;
        for (int hop = 0; hop <= kept; hop++)
        {
            bool found = false;
            int next = -1;
            uint cnameTtl = 0;
            for (int i = 0; i < kept; i++)
            {
                int o = records[i].Owner;
                if (!TryReadName(m, ref o, name, out int l) || !name[..l].SequenceEqual(current[..currentLength])) continue;
                if (records[i].Type == type) { found = true; min = Math.Min(min, records[i].Ttl); }
                else { next = records[i].Rdata; cnameTtl = records[i].Ttl; }
            }
            if (found) { ttl = min; return Verdict.Ttl; }
            if (next < 0 || !TryReadName(m, ref next, current, out currentLength)) return Verdict.NoRecords;
            min = Math.Min(min, cnameTtl);
        }
        return Verdict.NoRecords; // a CNAME loop
    }

    /// <summary>Reads a (possibly compressed) name at <paramref name="at"/> into <paramref name="into"/>
    /// in lower-case wire form, moving <paramref name="at"/> past it. Compression pointers must point
    /// backwards, so a loop cannot spin; false on anything out of bounds or over 255 bytes.</summary>
    private static bool TryReadName(ReadOnlySpan<byte> m, ref int at, Span<byte> into, out int length)
    {
        length = 0;
        int pos = at, end = -1;
        while (true)
        {
            if (pos >= m.Length) return false;
            int b = m[pos];
            if ((b & 0xC0) == 0xC0)
            {
                if (pos + 1 >= m.Length) return false;
                int target = ((b & 0x3F) << 8) | m[pos + 1];
                if (target >= pos) return false;
                if (end < 0) end = pos + 2;
                pos = target;
                continue;
            }
            if ((b & 0xC0) != 0 || length + 1 + b > MaxNameLength || pos + 1 + b > m.Length) return false;
            into[length++] = (byte)b;
            Lower(m.Slice(pos + 1, b), into.Slice(length, b));
            length += b;
            pos += 1 + b;
            if (b == 0) break;
        }
        at = end < 0 ? pos : end;
        return true;
    }

    /// <summary>ASCII lower case, as DNS compares names (servers may echo 0x20-randomised case).</summary>
    private static void Lower(ReadOnlySpan<byte> from, Span<byte> to)
    {
        for (int i = 0; i < from.Length; i++) to[i] = from[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(from[i] | 0x20) : from[i];
    }
}
