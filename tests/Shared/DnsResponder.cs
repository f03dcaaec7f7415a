using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentShell.Tests.Shared;

/// <summary>A real UDP DNS server on a loopback port: records every query and answers each with the
/// datagrams <see cref="Answer"/> builds (none: it stays silent). Its wire encoding is written here,
/// independently of the client under test.</summary>
internal sealed class DnsResponder : IDisposable
{
    internal const ushort A = 1, Cname = 5, Aaaa = 28;

    private readonly UdpClient _udp;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>A query as received: header fields, the name as dotted text with its trailing dot.</summary>
    internal sealed record Query(ushort Id, ushort Flags, ushort QdCount, ushort OtherCounts, string Name, ushort Type, ushort Class);

    /// <summary>One resource record to put in an answer; <paramref name="Data"/> is an address or, for
    /// a CNAME, the target name.</summary>
    internal sealed record Rr(string Owner, ushort Type, uint Ttl, string Data);

    internal ConcurrentQueue<Query> Queries { get; } = new();
    internal Func<Query, IEnumerable<byte[]>> Answer { get; set; } = _ => [];
    internal IPEndPoint EndPoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

    internal DnsResponder(string address = "127.0.0.1")
    {
        _udp = new UdpClient(new IPEndPoint(IPAddress.Parse(address), 0));
        _ = Serve();
    }

    private async Task Serve()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult r;
            try { r = await _udp.ReceiveAsync(_stop.Token); }
            catch (Exception) { return; }
            var q = Parse(r.Buffer);
            Queries.Enqueue(q);
            foreach (var datagram in Answer(q))
            {
                try { await _udp.SendAsync(datagram, r.RemoteEndPoint, _stop.Token); }
                catch (Exception) { return; }
            }
        }
    }

    private static Query Parse(byte[] m)
    {
        var name = new StringBuilder();
        int at = 12;
        while (m[at] != 0)
        {
            name.Append(Encoding.ASCII.GetString(m, at + 1, m[at])).Append('.');
            at += 1 + m[at];
        }
        at++;
        return new Query(BinaryPrimitives.ReadUInt16BigEndian(m), BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(2)),
            BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(4)),
            (ushort)(BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(6)) | BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(8)) | BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(10))),
            name.ToString(), BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(at)), BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(at + 2)));
    }

    /// <summary>An answer to <paramref name="q"/>: its id and question (name, type) unless overridden, the records
    /// in order, names compressed (pointers to earlier suffixes) when <paramref name="compress"/>.</summary>
    internal static byte[] Response(Query q, IEnumerable<Rr> answers, int rcode = 0, bool truncated = false, int? id = null,
        string? questionName = null, ushort? questionType = null, bool compress = true)
    {
        var m = new List<byte>();
        var offsets = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        void U16(int v) { m.Add((byte)(v >> 8)); m.Add((byte)v); }
        void U32(uint v) { U16((int)(v >> 16)); U16((int)(v & 0xFFFF)); }
        void Name(string n)
        {
            var labels = n.TrimEnd('.').Split('.');
            for (int i = 0; i < labels.Length; i++)
            {
                string suffix = string.Join('.', labels[i..]);
                if (compress && offsets.TryGetValue(suffix, out int at)) { U16(0xC000 | at); return; }
                if (m.Count < 0x3FFF) offsets[suffix] = m.Count;
                m.Add((byte)labels[i].Length);
                m.AddRange(Encoding.ASCII.GetBytes(labels[i]));
            }
            m.Add(0);
        }
        var list = answers.ToList();
        U16(id ?? q.Id);
        U16(0x8000 | 0x0100 | 0x0080 | (truncated ? 0x0200 : 0) | rcode); // QR, RD, RA
        U16(1); U16(list.Count); U16(0); U16(0);
        Name(questionName ?? q.Name);
        U16(questionType ?? q.Type); U16(1);
        foreach (var rr in list)
        {
            Name(rr.Owner);
            U16(rr.Type); U16(1); U32(rr.Ttl);
            int lengthAt = m.Count;
            U16(0);
            if (rr.Type == Cname) Name(rr.Data);
            else m.AddRange(IPAddress.Parse(rr.Data).GetAddressBytes());
            int length = m.Count - lengthAt - 2;
            m[lengthAt] = (byte)(length >> 8); m[lengthAt + 1] = (byte)length;
        }
        return [.. m];
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
    }
}
