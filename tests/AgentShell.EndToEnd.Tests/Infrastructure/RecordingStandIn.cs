using System.Diagnostics;
using System.Text;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>A lenient production stand-in on 127.0.0.2 (or staging, 127.0.0.3) that records what reaches it: a Node TCP
/// front that appends every byte it receives to <see cref="Raw"/> and hands the connection to a
/// Node HTTP server with <c>insecureHTTPParser</c> (bare LF line ends, as Go's textproto), which
/// logs each request it reads (method, URL, body decoded per Content-Encoding), answers a WebSocket
/// upgrade with 101 and a CONNECT with 200 and logs what follows them. A destructive request that
/// got through shows in one or the other.</summary>
internal sealed class RecordingStandIn : IDisposable
{
    private readonly string _dir;
    private readonly Process _node;

    public int Port { get; }

    /// <summary>The address it listens on: 127.0.0.2 is production, 127.0.0.3 staging.</summary>
    public string Address { get; }

    public RecordingStandIn(string address = "127.0.0.2")
    {
        Address = address;
        _dir = Directory.CreateTempSubdirectory("agentshell-standin-").FullName;
        Port = NodeStandIn.FreePort(address);
        _node = NodeStandIn.Start(_dir, """
            const http = require('http'), net = require('net'), fs = require('fs'), zlib = require('zlib');
            const [port, dir, address] = [+process.argv[2], process.argv[3], process.argv[4]];
            const raw = dir + '/raw.log', log = dir + '/requests.log';
            const note = s => fs.appendFileSync(log, s + '\n');
            function decode(enc, b) {
              try {
                for (const c of (enc || '').split(',').map(s => s.trim().toLowerCase()).reverse())
                  b = c === 'gzip' ? zlib.gunzipSync(b) : c === 'deflate' ? zlib.inflateSync(b) : c === 'br' ? zlib.brotliDecompressSync(b) : b;
              } catch (e) { }
              return b;
            }
            const srv = http.createServer({ insecureHTTPParser: true }, (req, res) => {
              const parts = [];
              req.on('data', d => parts.push(d));
              req.on('end', () => {
                note(`${req.method} ${req.url} ${JSON.stringify(decode(req.headers['content-encoding'], Buffer.concat(parts)).toString('latin1'))}`);
                res.end('ok\n');
              });
            });
            srv.on('upgrade', (req, sock) => {
              note(`UPGRADE ${req.method} ${req.url} ${req.headers.upgrade}`);
              sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: ' + req.headers.upgrade + '\r\nConnection: Upgrade\r\n\r\n');
              sock.on('data', d => note('AFTER-SWITCH ' + JSON.stringify(d.toString('latin1'))));
              sock.on('error', () => { });
            });
            srv.on('connect', (req, sock) => {
              note(`CONNECT ${req.url}`);
              sock.write('HTTP/1.1 200 Connection Established\r\n\r\n');
              sock.on('data', d => note('TUNNEL ' + JSON.stringify(d.toString('latin1'))));
              sock.on('error', () => { });
            });
            srv.on('clientError', (e, sock) => { note('CLIENT-ERROR ' + e.code); sock.destroy(); });
            srv.listen(0, '127.0.0.1', () => {
              const inner = srv.address().port;
              net.createServer(c => {
                const u = net.connect(inner, '127.0.0.1');
                c.on('data', d => { fs.appendFileSync(raw, d); u.write(d); });
                u.on('data', d => c.write(d));
                c.on('end', () => u.end()); u.on('end', () => c.end());
                c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
              }).listen(port, address, () => console.log('listening'));
            });
            """, Port.ToString(), _dir, address);
    }

    /// <summary>Every byte that reached production, as Latin-1 text.</summary>
    public string Raw => File.Exists(Path.Combine(_dir, "raw.log")) ? Encoding.Latin1.GetString(File.ReadAllBytes(Path.Combine(_dir, "raw.log"))) : "";

    /// <summary>What the server read: one line per request ("POST /graphql \"{...}\""), upgrade, tunnel.</summary>
    public string[] Requests => File.Exists(Path.Combine(_dir, "requests.log")) ? File.ReadAllLines(Path.Combine(_dir, "requests.log")) : [];

    /// <summary>Both records, for asserting a marker never arrived in either form.</summary>
    public string Everything => Raw + "\n" + string.Join("\n", Requests);

    /// <summary>Forgets what reached it so far (the server appends to new files from here).</summary>
    public void Clear()
    {
        File.Delete(Path.Combine(_dir, "raw.log"));
        File.Delete(Path.Combine(_dir, "requests.log"));
    }

    public void Dispose()
    {
        NodeStandIn.Stop(_node);
        Directory.Delete(_dir, true);
    }

    /// <summary>A python3 program (argv) that connects to the stand-in and, for each of
    /// <paramref name="sends"/>, writes it and collects what comes back for up to
    /// <paramref name="wait"/> seconds; it prints the status lines it got, as a Python list.</summary>
    public string[] RawClient(double wait, params byte[][] sends) =>
        RawPython.Client(Address, Port, wait, sends, @"[l.decode() for l in re.findall(rb'HTTP/1\.1 \d{3}', out)]");
}
