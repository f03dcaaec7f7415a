using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class MongoshTests
{
    private static CommandIntent Parse(params string[] args) => Mongosh.Parse("mongosh", ToolCall.Of(CorpusFixture.Context(), args));

    [TestCase(new[] { "mongodb://db.prod.example.com/app", "--eval=db.dropDatabase()" }, Effect.Wipe)]
    [TestCase(new[] { "mongodb://db.prod.example.com/app", "--ev", "db.dropDatabase()" }, Effect.Wipe)]
    [TestCase(new[] { "mongodb://db.prod.example.com/app", "--eval", "db.users.find()", "--eval", "db.users.drop()" }, Effect.Drop)]
    [TestCase(new[] { "--quiet", "mongodb://db.prod.example.com/app", "--norc", "--eval", "db.users.find()" }, Effect.Read)]
    [TestCase(new[] { "mongodb://db.prod.example.com/app", "--frob", "--eval", "db.users.find()" }, Effect.Unknown)]
    [TestCase(new[] { "mongodb://db.prod.example.com/app", "-f", "/dev/fd/63" }, Effect.Unknown)]
    [TestCase(new[] { "mongodb://db.prod.example.com/app", "--eval" }, Effect.Unknown)]
    public void OptionsAreReadAsMongoshReadsThem(string[] args, Effect effect)
    {
        var i = Parse(args);
        Assert.That(i.Effect, Is.EqualTo(effect), string.Join(' ', args));
        Assert.That(i.Targets.Single().Host, Is.EqualTo("db.prod.example.com"));
    }

    [TestCase("-f", "/dev/stdin")]
    [TestCase("-f", "/proc/self/fd/0")]
    [TestCase(null, "/dev/stdin")]
    public void AScriptThatIsStdinIsReadFromWhatThePipeCarries(string? option, string name)
    {
        string[] args = option == null ? ["mongodb://db.prod.example.com/app", name] : ["mongodb://db.prod.example.com/app", option, name];
        var known = new ToolCall { Args = args, Context = CorpusFixture.Context(), StdinText = "db.dropDatabase()" };
        Assert.That(Mongosh.Parse("mongosh", known).Effect, Is.EqualTo(Effect.Wipe));
        Assert.That(Parse(args).Effect, Is.EqualTo(Effect.Unknown));
    }

    [TestCase("db.orders.updateMany({}, {$unset: {total: \"\"}})", Effect.Wipe)]
    [TestCase("db.orders.updateMany( {} , {$set: {x: 1}})", Effect.Wipe)]
    [TestCase("db.orders.updateMany({status: 'stale'}, {$set: {archived: true}})", Effect.Write)]
    [TestCase("db.orders.updateOne({}, {$set: {x: 1}})", Effect.Write)]
    public void AnUpdateOfEveryDocumentIsAWipe(string js, Effect effect) => Assert.That(Mongosh.Scan(js).Effect, Is.EqualTo(effect), js);

    // $out replaces the collection it names; $merge writes into it; a plain aggregation reads.
    [TestCase("db.orders.aggregate([{$match: {}}, {$out: 'users'}])", Effect.Truncate)]
    [TestCase("db.runCommand({aggregate: 'orders', pipeline: [{\"$out\": 'users'}], cursor: {}})", Effect.Truncate)]
    [TestCase("db.orders.aggregate([{$merge: {into: 'totals'}}])", Effect.Write)]
    [TestCase("db.orders.aggregate([{$group: {_id: '$status', n: {$sum: 1}}}])", Effect.Read)]
    [TestCase("db.orders.find({note: 'timeout'})", Effect.Read)]
    public void AnAggregationsOutStageReplacesItsCollection(string js, Effect effect) => Assert.That(Mongosh.Scan(js).Effect, Is.EqualTo(effect), js);

    // A replica set's seeds: the driver connects to each and finds the primary, so each is a target.
    [TestCase("mongodb://db-0.staging.example.com,db-0.prod.example.com/app", "db-0.prod.example.com")]
    [TestCase("mongodb://u:pw@db-0.prod.example.com:27018,db-0.staging.example.com/app?replicaSet=rs0", "db-0.prod.example.com")]
    public void EverySeedOfAUriIsATarget(string uri, string host)
    {
        var i = Parse(uri, "--eval", "db.dropDatabase()");
        Assert.That(i.Effect, Is.EqualTo(Effect.Wipe));
        Assert.That(i.Targets.Select(t => t.Host), Has.Member(host));
        Assert.That(i.Targets, Has.Count.EqualTo(2));
    }

    [Test]
    public void EverySeedOfHostIsATarget()
    {
        var i = Parse("--host", "rs0/db-0.staging.example.com:27017,db-0.prod.example.com:27017", "--eval", "db.dropDatabase()");
        Assert.That(i.Targets.Select(t => t.ToString()), Is.EqualTo(new[] { "mongodb://db-0.staging.example.com:27017", "mongodb://db-0.prod.example.com:27017" }));
        // The look-alike: one host is one target.
        Assert.That(Parse("--host", "db-0.staging.example.com:27017", "--eval", "db.dropDatabase()").Targets.Select(t => t.Host), Is.EqualTo(new[] { "db-0.staging.example.com" }));
        Assert.That(Parse("--host", "rs0/db-0.prod.example.com", "--eval", "db.dropDatabase()").Targets.Select(t => t.Host), Is.EqualTo(new[] { "db-0.prod.example.com" }));
    }

    [TestCase("db.orders_new.renameCollection('orders', true)", Effect.Drop)]
    [TestCase("db.orders_new.renameCollection( 'orders' , true )", Effect.Drop)]
    [TestCase("db.adminCommand({renameCollection: 'shop.a', to: 'shop.b', dropTarget: true})", Effect.Drop)]
    [TestCase("db.orders.renameCollection('orders_2024'", Effect.Drop)] // no end: read as dropping
    [TestCase("db.orders.renameCollection('orders_2024')", Effect.Write)]
    [TestCase("db.orders.renameCollection('orders_2024', false)", Effect.Write)]
    [TestCase("db.adminCommand({renameCollection: 'shop.a', to: 'shop.b', dropTarget: false})", Effect.Unknown)] // a command not read
    [TestCase("db.adminCommand({fsync: 1, lock: true})", Effect.Unknown)]
    [TestCase("db.getSiblingDB('admin').runCommand({setParameter: 1, notablescan: 1})", Effect.Unknown)]
    [TestCase("db.adminCommand({listDatabases: 1})", Effect.Read)]
    [TestCase("db.adminCommand('ping'); db.runCommand({ serverStatus: 1 })", Effect.Read)]
    [TestCase("db.adminCommand({ping: 1}); db.adminCommand({shutdown: 1})", Effect.Terminate)]
    public void ARenameThatDropsItsTargetIsADrop(string js, Effect effect) =>
        Assert.That(Mongosh.Scan(js).Effect, Is.EqualTo(effect), js);

    [TestCase(new[] { "--nodb", "--eval", "new Mongo('mongodb://db.prod.example.com/shop').getDB('shop').dropDatabase()" }, "db.prod.example.com")]
    [TestCase(new[] { "--nodb", "--eval", "const c = connect(\"db.prod.example.com:27018/shop\"); c.orders.drop()" }, "db.prod.example.com")]
    [TestCase(new[] { "mongodb://localhost/test", "--eval", "db = connect('mongodb+srv://admin@cluster0.prod.example.com/shop'); db.orders.drop()" }, "cluster0.prod.example.com")]
    public void AServerTheScriptConnectsToIsATarget(string[] args, string host)
    {
        var i = Parse(args);
        Assert.That(i.Effect, Is.GreaterThanOrEqualTo(Effect.Drop));
        Assert.That(i.Targets.Select(t => t.Host), Has.Member(host));
    }

    [TestCase("new Mongo(process.env.PROD_URL).getDB('shop').dropDatabase()")]
    [TestCase("connect(`mongodb://${h}/shop`).orders.drop()")]
    public void AConnectionMadeAtRunTimeIsAnUnknownTarget(string js)
    {
        var i = Parse("--nodb", "--eval", js);
        Assert.That(i.Targets.Select(t => t.Name), Has.Member("unknown"));
    }

    [TestCase("db.getMongo().getDBNames()")]
    [TestCase("db.orders.find(); disconnect()")]
    public void OtherNamesEndingSoAreNoConnection(string js) =>
        Assert.That(Parse("mongodb://db.prod.example.com/app", "--eval", js).Targets.Select(t => t.Host), Is.EqualTo(new[] { "db.prod.example.com" }));
}
