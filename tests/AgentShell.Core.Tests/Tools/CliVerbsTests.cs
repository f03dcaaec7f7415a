using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class CliVerbsTests
{
    // The verb is the word up to the first '-' or ':' (it was Split('-', ':')[0]): prefix forms,
    // colon forms, qualifiers (batch-/bulk-/force-), schedule-…-deletion, case, and words with no verb.
    [TestCase("delete", Effect.Delete)]
    [TestCase("DELETE", Effect.Delete)]
    [TestCase("delete-db-instance", Effect.Delete)]
    [TestCase("deregister-task-definition", Effect.Delete)]
    [TestCase("pg:reset", null)]
    [TestCase("reset:all", Effect.Wipe)]
    [TestCase("destroy:app", Effect.Delete)]
    [TestCase("describe-instances", Effect.Read)]
    [TestCase("list", Effect.Read)]
    [TestCase("batch-delete-image", Effect.Delete)]
    [TestCase("bulk-delete", Effect.Delete)]
    [TestCase("force-delete-stack", Effect.Delete)]
    [TestCase("force-describe", Effect.Read)]
    [TestCase("batch", null)]
    [TestCase("batch-", null)]
    [TestCase("force-", null)]
    [TestCase("schedule-key-deletion", Effect.Delete)]
    [TestCase("schedule-run", null)]
    [TestCase("schedule", null)]
    [TestCase("Terminate-Instances", Effect.Terminate)]
    [TestCase("drop-table", Effect.Drop)]
    [TestCase("truncate", Effect.Truncate)]
    [TestCase("create-bucket", Effect.Write)]
    [TestCase("enable-", Effect.Write)]
    [TestCase("-delete", null)]
    [TestCase(":delete", null)]
    [TestCase("", null)]
    [TestCase("deletex", null)]
    [TestCase("delete_all", null)]
    public void VerbIsTheFirstPart(string word, Effect? expected)
    {
        Assert.That(CliVerbs.Of(word), Is.EqualTo(expected));
    }
}
