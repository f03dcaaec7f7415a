using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using AgentShell.Core.Credentials;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>A PostgreSQL password sent in cleartext (authentication method <c>password</c>) is
/// matched at the wire against the profiles' fingerprints (issue 14): the connection's statements
/// are decided naming the credential; a look-alike password is nobody's; the password is never in
/// a refusal or the supervisor's log. The server stand-in asks for the cleartext password.</summary>
[TestFixture]
public sealed class PostgresCredentialTests
{
    private const string Password = "pg-prod-password-31415926";

    private static string Profile => $"{{'Environments': {{'production': {{'Hosts': ['127.0.0.1'], 'Credentials': [{{'Name': 'pg-root', 'Sha256': '{CredentialTable.Fingerprint(Password)}'}}]}}}}}}";

    /// <summary>Asks for a cleartext password, then answers every Query with CommandComplete and
    /// ReadyForQuery; the relay's substitute for a refused statement fails, as a real server fails it.</summary>
    private static Func<Socket, Task> Server(ConcurrentQueue<string> queries) => async s =>
    {
        await using var n = new NetworkStream(s);
        var len = new byte[4];
        await n.ReadExactlyAsync(len);
        await n.ReadExactlyAsync(new byte[BinaryPrimitives.ReadInt32BigEndian(len) - 4]); // the startup message
        await n.WriteAsync(Message('R', [0, 0, 0, 3])); // AuthenticationCleartextPassword
        var (type, _) = await Read(n);
        if (type != 'p') return;
        await n.WriteAsync(Message('R', [0, 0, 0, 0]).Concat(Message('Z', "I"u8.ToArray())).ToArray());
        while (true)
        {
            var (t, body) = await Read(n);
            if (t != 'Q') return;
            string q = Encoding.UTF8.GetString(body).TrimEnd('\0');
            if (q.Contains("agentshell_refused_", StringComparison.Ordinal))
            {
                await n.WriteAsync(Message('E', Encoding.UTF8.GetBytes($"SERROR\0C42883\0M{q}\0\0")).Concat(Message('Z', "I"u8.ToArray())).ToArray());
                continue;
            }
            queries.Enqueue(q);
            await n.WriteAsync(Message('C', "SELECT 1\0"u8.ToArray()).Concat(Message('Z', "I"u8.ToArray())).ToArray());
        }
    };

    private static byte[] Message(char type, byte[] body)
    {
        var m = new byte[5 + body.Length];
        m[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(1), 4 + body.Length);
        body.CopyTo(m, 5);
        return m;
    }

    private static async Task<(char, byte[])> Read(Stream n)
    {
        var head = new byte[5];
        try { await n.ReadExactlyAsync(head); }
        catch (EndOfStreamException) { return ('\0', []); }
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(1)) - 4];
        await n.ReadExactlyAsync(body);
        return ((char)head[0], body);
    }

    /// <summary>Logs in with <paramref name="password"/> and sends <paramref name="sql"/>; the text of what came back to it.</summary>
    private static async Task<string> Session(WireHarness h, string password, string sql)
    {
        using var client = await h.ConnectAsync();
        await using var n = new NetworkStream(client);
        var startup = "\0\0\0\0\0\u0003\0\0user\0postgres\0database\0postgres\0\0"u8.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(startup, startup.Length);
        await n.WriteAsync(startup);
        var (auth, _) = await Read(n);
        Assert.That(auth, Is.EqualTo('R'));
        await n.WriteAsync(Message('p', Encoding.UTF8.GetBytes(password + "\0")));
        var seen = new StringBuilder();
        char t;
        while ((t = (await Read(n)).Item1) != 'Z') Assert.That(t, Is.Not.EqualTo('\0'), "the relay closed during login");
        await n.WriteAsync(Message('Q', Encoding.UTF8.GetBytes(sql + "\0")));
        while (true)
        {
            var (type, body) = await Read(n);
            if (type is 'Z' or '\0') break;
            seen.Append(type).Append(' ').Append(Encoding.UTF8.GetString(body)).Append('\n');
        }
        return seen.ToString();
    }

    [Test]
    public async Task AStatementOnAConnectionLoggedInWithTheProductionPasswordIsDecidedNamingTheCredential()
    {
        var queries = new ConcurrentQueue<string>();
        using var h = new WireHarness(Profile, Server(queries));
        string answer = await Session(h, Password, "DROP TABLE customers");
        Assert.That(answer, Does.StartWith("E ").And.Contain("DROP TABLE customers (production credential pg-root) [rule default.any:destructive-on-production]"), h.Log.ToString());
        Assert.That(queries, Is.Empty, "the DROP never reached the server: " + h.Log);
        Assert.That(answer + h.Log, Does.Not.Contain(Password));
    }

    [Test]
    public async Task ALookAlikePasswordIsNobodys()
    {
        var queries = new ConcurrentQueue<string>();
        using var h = new WireHarness(Profile, Server(queries));
        string answer = await Session(h, Password + "0", "DROP TABLE customers");
        Assert.That(answer, Does.Contain("DROP TABLE customers (production) [rule default.any:destructive-on-production]").And.Not.Contain("pg-root"));
        Assert.That(queries, Is.Empty);
    }

    [Test]
    public async Task AReadWithTheProductionPasswordStillRuns()
    {
        var queries = new ConcurrentQueue<string>();
        using var h = new WireHarness(Profile, Server(queries));
        string answer = await Session(h, Password, "SELECT 1");
        Assert.That(answer, Does.StartWith("C SELECT 1"));
        Assert.That(queries, Is.EqualTo(new[] { "SELECT 1" }));
    }
}
