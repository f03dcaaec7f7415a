using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;

namespace AgentShell.Core.Tests.Tools;

/// <summary>corpus26: a safeguard option given as file://PATH is read from the file (a route53 change
/// batch that deletes); gcloud pubsub seek to a time after now acknowledges the backlog; an Artifact
/// Registry image names its project; an inline HTTP call's object body is read as JSON.</summary>
[TestFixture]
public sealed class Corpus26CloudTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("agentshell-c26-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, true);

    private CommandIntent Worst(string line) => CorpusTests.Worst(new CommandClassifier().ClassifyShell(line, CorpusFixture.Context(_dir)))!;

    [TestCase("file://delete.json", Effect.Delete, TestName = "AChangeBatchFileThatDeletesIsADelete")]
    [TestCase("file://upsert.json", Effect.Write, TestName = "TheLookAlikeAnUpsertBatchFileIsAWrite")]
    [TestCase("file://missing.json", Effect.Unknown, TestName = "AChangeBatchFileThatCannotBeReadIsUnknown")]
    [TestCase("file://newline.json", Effect.Delete, TestName = "AChangeBatchFileWithANewlineBeforeItsActionIsADelete")]
    [TestCase("file://escaped.json", Effect.Unknown, TestName = "AChangeBatchFileWithAJsonEscapeIsUnknown")]
    public void Route53ChangeBatchFromAFile(string batch, Effect expected)
    {
        // lead s40 review: both were writes (allowed): only spaces were taken out before the match.
        File.WriteAllText(Path.Combine(_dir, "newline.json"), "{\"Changes\": [{\"Action\":\n\t\"DELETE\", \"ResourceRecordSet\": {\"Name\": \"api.example.com.\"}}]}");
        File.WriteAllText(Path.Combine(_dir, "escaped.json"), "{\"Changes\": [{\"Action\": \"\\u0044ELETE\", \"ResourceRecordSet\": {\"Name\": \"api.example.com.\"}}]}");
        File.WriteAllText(Path.Combine(_dir, "delete.json"), "{\"Changes\": [{\"Action\": \"DELETE\", \"ResourceRecordSet\": {\"Name\": \"api.example.com.\"}}]}");
        File.WriteAllText(Path.Combine(_dir, "upsert.json"), "{\"Changes\": [{\"Action\": \"UPSERT\", \"ResourceRecordSet\": {\"Name\": \"api.example.com.\"}}]}");
        Assert.That(Worst($"aws route53 change-resource-record-sets --hosted-zone-id Z1 --change-batch {batch} --profile prod").Effect, Is.EqualTo(expected));
    }

    [TestCase("--time=2999-01-01T00:00:00Z", Effect.Truncate)]
    [TestCase("--time +P1D", Effect.Truncate)]
    [TestCase("--time=2000-01-01T00:00:00Z", Effect.Write)]
    [TestCase("--time=-PT2H", Effect.Write)]
    [TestCase("--snapshot=before-deploy", Effect.Write)]
    [TestCase("--time=yesterday-ish", Effect.Unknown)]
    public void PubsubSeekToAFutureTimeAcknowledgesTheBacklog(string where, Effect expected) =>
        Assert.That(Worst($"gcloud pubsub subscriptions seek billing-sub {where} --project acme-prod").Effect, Is.EqualTo(expected));

    [TestCase("gcloud artifacts docker images delete us-docker.pkg.dev/acme-prod/api/api:prod --delete-tags --quiet", "acme-prod")]
    [TestCase("gcloud container images delete gcr.io/acme-staging/api:old --quiet", "acme-staging")]
    public void ARegistryImageNamesItsProject(string line, string project) =>
        Assert.That(Worst(line).Targets.Select(t => (t.Kind, t.Name)), Has.Member((TargetKind.GcpProject, project)));

    [TestCase("node -e \"fetch('https://backboard.railway.app/graphql/v2',{method:'POST',body:JSON.stringify({query:'mutation { volumeDelete(volumeId: \\\"v\\\") }'})})\"", Effect.Wipe)]
    [TestCase("python3 -c \"import requests; requests.post('https://backboard.railway.app/graphql/v2', json={'query': 'mutation { serviceDelete(id: \\\"s\\\") }'})\"", Effect.Delete)]
    [TestCase("python3 -c \"import requests; requests.post('https://backboard.railway.app/graphql/v2', json={'query': 'query { me { name } }', 'x': True})\"", Effect.Read)]
    public void AnObjectBodyOfAnInlineRequestIsReadAsJson(string line, Effect expected) =>
        Assert.That(Worst(line).Effect, Is.EqualTo(expected));
}
