using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

[TestFixture]
public sealed class OtlpPosterTests
{
    [Test]
    public void AnswersWithABodyChunkedOrAnErrorKeepOneConnectionInStep()
    {
        // The answer is read through a buffer: each answer's end must be found exactly, or the
        // next post on the kept-alive connection would read the last one's leftovers.
        string[] answers =
        [
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n",
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy",
            "HTTP/1.1 204 No Content\r\n\r\n",
        ];
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int accepted = 0;
        var bodies = new List<string>();
        var server = Task.Run(() =>
        {
            using var client = listener.AcceptTcpClient();
            Interlocked.Increment(ref accepted);
            var s = client.GetStream();
            foreach (var answer in answers)
            {
                bodies.Add(ReadRequestBody(s));
                s.Write(Encoding.ASCII.GetBytes(answer));
            }
        });
        var to = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/v1/logs");
        using var poster = new OtlpPoster(TimeSpan.FromSeconds(10));
        var results = new List<string?>();
        for (int i = 0; i < answers.Length; i++)
            results.Add(poster.Post(to, [], Encoding.ASCII.GetBytes($"part{i}-"), Encoding.ASCII.GetBytes("rest"), CancellationToken.None));
        Assert.That(server.Wait(TimeSpan.FromSeconds(10)), Is.True, "the receiver got every request");
        Assert.That(results, Is.EqualTo(new string?[] { null, null, "HTTP 503 Service Unavailable", null }));
        Assert.That(bodies, Is.EqualTo(new[] { "part0-rest", "part1-rest", "part2-rest", "part3-rest" }), "each request whole, in order");
        Assert.That(accepted, Is.EqualTo(1), "one kept-alive connection");
    }

    private static string ReadRequestBody(NetworkStream s)
    {
        var head = new List<byte>();
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            int b = s.ReadByte();
            if (b < 0) throw new IOException("request ended early");
            head.Add((byte)b);
        }
        var text = Encoding.ASCII.GetString(head.ToArray());
        int length = int.Parse(text.Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.Ordinal))[15..].Trim());
        var body = new byte[length];
        s.ReadExactly(body);
        return Encoding.ASCII.GetString(body);
    }
}
