using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class RedisCliTests
{
    private static CommandIntent Parse(params string[] args) => RedisCli.Parse(ToolCall.Of(CorpusFixture.Context(), args));

    [TestCase(new[] { "-h", "cache.prod.example.com", "-n", "0", "FLUSHDB" }, Effect.Wipe, "redis://cache.prod.example.com:6379/0")]
    [TestCase(new[] { "-h", "cache.prod.example.com", "-p", "6380", "--no-auth-warning", "-a", "pw", "DEL", "k" }, Effect.Delete, "redis://cache.prod.example.com:6380")]
    [TestCase(new[] { "-h", "cache.prod.example.com", "GET", "-n" }, Effect.Read, "redis://cache.prod.example.com:6379")]
    [TestCase(new[] { "-hcache.prod.example.com", "FLUSHALL" }, Effect.Wipe, "redis://127.0.0.1:6379")]
    [TestCase(new[] { "-h", "cache.prod.example.com", "--frob", "GET", "k" }, Effect.Unknown, "redis://cache.prod.example.com:6379")]
    [TestCase(new[] { "-h", "cache.prod.example.com", "--eval", "x.lua", "k" }, Effect.Unknown, "redis://cache.prod.example.com:6379")]
    [TestCase(new[] { "--cluster", "call", "cache.prod.example.com:7000", "FLUSHALL" }, Effect.Wipe, "redis://cache.prod.example.com:7000")]
    [TestCase(new[] { "--cluster", "del-node", "cache.prod.example.com:7000", "abc" }, Effect.Terminate, "redis://cache.prod.example.com:7000")]
    [TestCase(new[] { "--cluster", "check", "cache.prod.example.com:7000" }, Effect.Read, "redis://cache.prod.example.com:7000")]
    public void OptionsAreReadAsRedisCliReadsThem(string[] args, Effect effect, string target)
    {
        var i = Parse(args);
        Assert.That(i.Effect, Is.GreaterThanOrEqualTo(effect), string.Join(' ', args));
        if (effect != Effect.Unknown) Assert.That(i.Effect, Is.EqualTo(effect));
        Assert.That(i.Targets.Select(t => t.ToString()), Has.Member(target));
    }

    [TestCase(new[] { "REPLICAOF", "10.0.0.9", "6379" }, Effect.Wipe)]
    [TestCase(new[] { "slaveof", "10.0.0.9", "6379" }, Effect.Wipe)]
    [TestCase(new[] { "REPLICAOF", "NO", "ONE" }, Effect.ServerAdmin)]
    [TestCase(new[] { "MIGRATE", "10.0.0.9", "6379", "k", "0", "5000" }, Effect.Delete)]
    [TestCase(new[] { "MIGRATE", "10.0.0.9", "6379", "", "0", "5000", "COPY", "REPLACE", "KEYS", "a", "b" }, Effect.Write)]
    [TestCase(new[] { "MIGRATE", "10.0.0.9", "6379", "", "0", "5000", "KEYS", "COPY" }, Effect.Delete)] // a key named COPY
    [TestCase(new[] { "DEBUG", "SEGFAULT" }, Effect.Terminate)]
    [TestCase(new[] { "debug", "restart" }, Effect.Terminate)]
    [TestCase(new[] { "DEBUG", "OBJECT", "k" }, Effect.Unknown)]
    [TestCase(new[] { "GET", "replicaof" }, Effect.Read)]
    public void CommandsThatLoseOrMoveTheDataSet(string[] words, Effect effect) =>
        Assert.That(RedisCli.CommandEffect(words), Is.EqualTo(effect), string.Join(' ', words));

    [Test]
    public void WordsAfterTheCommandAreItsArgumentsNotOptions() =>
        Assert.That(Parse("FLUSHALL", "-h").Effect, Is.EqualTo(Effect.Wipe));
}
