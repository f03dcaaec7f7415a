using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>kcat/kafkacat: the mode option decides (getopt's bundles and attached values read), a call
/// without one is unknown (it produces when stdin is not a terminal), and every broker is a target.</summary>
public class KcatTests
{
    private static CommandIntent Parse(params string[] args) => Kcat.Parse("kcat", ToolCall.Of(CorpusFixture.Context(), args));

    [TestCase(new[] { "-P", "-b", "prod-kafka:9092", "-t", "orders" }, Effect.Write)]
    [TestCase(new[] { "-Pb", "prod-kafka:9092", "-t", "orders" }, Effect.Write)]
    [TestCase(new[] { "-b", "prod-kafka:9092", "-t", "orders", "-P", "-Z" }, Effect.Unknown)]
    [TestCase(new[] { "-PZb", "prod-kafka:9092", "-t", "orders" }, Effect.Unknown)]
    [TestCase(new[] { "-C", "-b", "prod-kafka:9092", "-t", "orders" }, Effect.Read)]
    [TestCase(new[] { "-G", "billing", "-b", "prod-kafka:9092", "orders" }, Effect.Read)]
    [TestCase(new[] { "-Lb", "prod-kafka:9092" }, Effect.Read)]
    [TestCase(new[] { "-b", "prod-kafka:9092", "-Q", "-t", "orders:0:-1" }, Effect.Read)]
    [TestCase(new[] { "-b", "prod-kafka:9092", "-t", "orders" }, Effect.Unknown)] // no mode: fail closed
    [TestCase(new[] { "-C", "-b", "prod-kafka:9092", "-P", "-t", "orders" }, Effect.Write)] // the last mode wins
    [TestCase(new[] { "-t", "P", "-b", "prod-kafka:9092", "-C" }, Effect.Read)] // a value is not a mode
    [TestCase(new[] { "-C", "-b", "prod-kafka:9092", "-Y", "orders" }, Effect.Unknown)] // refactor41: an option kcat's table lacks
    [TestCase(new[] { "-Ceqb", "prod-kafka:9092", "-t", "orders", "-o", "-10" }, Effect.Read)] // bundled flags, a negative offset
    [TestCase(new[] { "-P", "-b", "prod-kafka:9092", "-t" }, Effect.Unknown)] // -t lacks its value: kcat refuses
    public void TheModeDecides(string[] args, Effect effect) =>
        Assert.That(Parse(args).Effect, Is.EqualTo(effect), string.Join(' ', args));

    [Test]
    public void EveryBrokerIsATarget()
    {
        var i = Parse("-C", "-bkafka1.prod.example.com:9092,kafka2.prod.example.com:9092", "-X", "bootstrap.servers=kafka3.prod.example.com:9092", "-t", "t");
        Assert.That(i.Targets.Select(t => t.Host), Is.EqualTo(new[] { "kafka1.prod.example.com", "kafka2.prod.example.com", "kafka3.prod.example.com" }));
    }

    [Test]
    public void WithoutBrokersTheTargetIsUnknown() =>
        Assert.That(Parse("-P", "-t", "orders", "-F", "prod.conf").Targets.Single().Name, Is.EqualTo("unknown"));

    [Test]
    public void ABrokerThatCannotBeReadIsUnknown() =>
        Assert.That(Parse("-P", "-b", "[bad:9092", "-t", "orders").Targets.Select(t => t.Name), Does.Contain("unknown"));

    [TestCase("-h")]
    [TestCase("-V")]
    public void HelpAndVersionDoNothing(string flag) => Assert.That(Parse(flag).Summary, Is.EqualTo("help"));
}
