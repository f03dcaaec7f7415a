using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace AgentShell.Tests.Shared;

/// <summary>A minimal PostgreSQL protocol v3 client over a plain socket (trust authentication only),
/// for tests that need to control the exact bytes and their timing: split and coalesced writes,
/// pipelined messages, encodings a driver would not send. Also the client of the wire benchmark.</summary>
internal sealed class PgWireClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buf = new byte[64 * 1024];
    private int _start, _end;

    /// <summary>One backend message.</summary>
    internal readonly record struct Message(char Type, byte[] Body)
    {
        /// <summary>A field (M, C, ...) of an ErrorResponse or NoticeResponse.</summary>
        public string? Field(char code)
        {
            int i = 0;
            while (i < Body.Length && Body[i] != 0)
            {
                char f = (char)Body[i];
                int nul = Array.IndexOf(Body, (byte)0, i + 1);
                if (nul < 0) return null;
                if (f == code) return Encoding.UTF8.GetString(Body, i + 1, nul - i - 1);
                i = nul + 1;
            }
            return null;
        }

        /// <summary>The first column of a DataRow as text.</summary>
        public string? Column0()
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(Body.AsSpan(2));
            return len < 0 ? null : Encoding.UTF8.GetString(Body, 6, len);
        }
    }

    private PgWireClient(TcpClient tcp)
    {
        _tcp = tcp;
        _tcp.NoDelay = true;
        _stream = tcp.GetStream();
    }

    /// <summary>Connects and logs in (trust); <paramref name="parameters"/> go into the startup message.</summary>
    internal static async Task<PgWireClient> ConnectAsync(string host, int port, string user = "postgres", string database = "postgres",
        IReadOnlyDictionary<string, string>? parameters = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(host, port);
        var c = new PgWireClient(tcp);
        await c.SendAsync(Startup(user, database, parameters));
        var login = await c.ReadUntilReadyAsync();
        if (login.FirstOrDefault(m => m.Type == 'E') is { Body: not null } e && e.Type == 'E')
            throw new InvalidOperationException("login failed: " + e.Field('M'));
        return c;
    }

    /// <summary>A StartupMessage of protocol 3.0.</summary>
    internal static byte[] Startup(string user, string database, IReadOnlyDictionary<string, string>? parameters = null)
    {
        var body = new List<byte>();
        body.AddRange([0, 3, 0, 0]);
        void Pair(string k, string v) { body.AddRange(Encoding.UTF8.GetBytes(k)); body.Add(0); body.AddRange(Encoding.UTF8.GetBytes(v)); body.Add(0); }
        Pair("user", user);
        Pair("database", database);
        foreach (var (k, v) in parameters ?? new Dictionary<string, string>()) Pair(k, v);
        body.Add(0);
        var m = new byte[4 + body.Count];
        BinaryPrimitives.WriteInt32BigEndian(m, m.Length);
        body.CopyTo(m, 4);
        return m;
    }

    /// <summary>A Query message of raw statement bytes (sent as they are: any encoding).</summary>
    internal static byte[] Query(ReadOnlySpan<byte> sql) => Frame('Q', [.. sql, 0]);

    /// <summary>A Query message of UTF-8 text.</summary>
    internal static byte[] Query(string sql) => Query(Encoding.UTF8.GetBytes(sql));

    /// <summary>A message of type <paramref name="type"/> with <paramref name="body"/>.</summary>
    internal static byte[] Frame(char type, ReadOnlySpan<byte> body)
    {
        var m = new byte[5 + body.Length];
        m[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(1), body.Length + 4);
        body.CopyTo(m.AsSpan(5));
        return m;
    }

    /// <summary>Sends bytes as one write.</summary>
    internal async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Sends a query and reads its answer up to ReadyForQuery.</summary>
    internal async Task<List<Message>> QueryAsync(string sql)
    {
        await SendAsync(Query(sql));
        return await ReadUntilReadyAsync();
    }

    /// <summary>Reads messages up to and including the next ReadyForQuery.</summary>
    internal async Task<List<Message>> ReadUntilReadyAsync()
    {
        var list = new List<Message>();
        while (true)
        {
            var m = await ReadAsync() ?? throw new IOException("connection closed; got " + string.Join(",", list.Select(x => x.Type)));
            list.Add(m);
            if (m.Type == 'Z') return list;
        }
    }

    /// <summary>The next message, or null at end of stream.</summary>
    internal async Task<Message?> ReadAsync()
    {
        if (!await FillAsync(5)) return null;
        char type = (char)_buf[_start];
        int len = BinaryPrimitives.ReadInt32BigEndian(_buf.AsSpan(_start + 1));
        if (!await FillAsync(1 + len)) return null;
        var body = _buf.AsSpan(_start + 5, len - 4).ToArray();
        _start += 1 + len;
        return new Message(type, body);
    }

    private async Task<bool> FillAsync(int n)
    {
        if (_end - _start >= n) return true;
        Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
        _end -= _start;
        _start = 0;
        while (_end < n)
        {
            int r = await _stream.ReadAsync(_buf.AsMemory(_end));
            if (r == 0) return false;
            _end += r;
        }
        return true;
    }

    public void Dispose() => _tcp.Dispose();
}
