using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class GraphQLTests
{
    [TestCase("volumeDelete", Effect.Wipe)]
    [TestCase("serviceDelete", Effect.Delete)]
    [TestCase("deleteUser", Effect.Delete)]
    [TestCase("projectDelete", Effect.Wipe)]
    [TestCase("environmentDelete", Effect.Wipe)]
    [TestCase("dropTable", Effect.Drop)]
    [TestCase("purgeQueue", Effect.Wipe)]
    [TestCase("destroyApp", Effect.Delete)]
    [TestCase("terminateInstance", Effect.Terminate)]
    [TestCase("removeMember", Effect.Delete)]
    [TestCase("delete_user", Effect.Delete)]
    [TestCase("userCreate", Effect.Write)]
    [TestCase("serviceInstanceUpdate", Effect.Write)]
    [TestCase("upsertRecord", Effect.Write)]
    [TestCase("passwordReset", Effect.Write)]
    [TestCase("databaseReset", Effect.Wipe)]
    [TestCase("frobnicate", Effect.Unknown)]
    [TestCase("revokeAllTokens", Effect.Delete)]
    [TestCase("revokeApiKey", Effect.Delete)]
    [TestCase("deprovisionDatabase", Effect.Wipe)]
    [TestCase("deactivateUser", Effect.Terminate)]
    [TestCase("deactivate", Effect.Terminate)]
    [TestCase("disableAccount", Effect.Terminate)]
    [TestCase("disableFeatureFlag", Effect.Write)]
    [TestCase("resetAllData", Effect.Wipe)]
    [TestCase("resetPassword", Effect.Write)]
    [TestCase("activateUser", Effect.Write)]
    [TestCase("reactivateUser", Effect.Write)]
    public void FieldEffectFromItsName(string field, Effect expected) =>
        Assert.That(GraphQL.FieldEffect(field), Is.EqualTo(expected));

    [TestCase("mutation { volumeDelete(volumeId: \"v\") }", Effect.Wipe)]
    [TestCase("mutation M($id: String!) { a: volumeDelete(volumeId: $id) @skip(if: false) }", Effect.Wipe)]
    [TestCase("mutation { userUpdate(input: {name: \"x\", tags: [\"a\", {b: 1}], note: \"\"\"block \"quoted\" \"\"\"}) { id } }", Effect.Write)]
    [TestCase("query { volumeDelete { id } }", Effect.Read)]
    [TestCase("{ me { id } }", Effect.Read)]
    [TestCase("# mutation { volumeDelete }\n{ me { id } }", Effect.Read)]
    [TestCase("subscription { logs { line } }", Effect.Read)]
    [TestCase("mutation { ...F } fragment F on Mutation { deleteUser(id: 1) }", Effect.Delete)]
    [TestCase("mutation { ... on Mutation { deleteUser(id: 1) } }", Effect.Delete)]
    [TestCase("mutation { ,, userCreate(a: 1,), }", Effect.Write)]
    [TestCase("mutation { volumeDelete(", Effect.Unknown)]
    [TestCase("mutation { }", Effect.Unknown)]
    [TestCase("mutation { x(s: \"unterminated) }", Effect.Unknown)]
    [TestCase("", Effect.Unknown)]
    public void DocumentEffect(string doc, Effect expected) =>
        Assert.That(GraphQL.Classify(doc).Effect, Is.EqualTo(expected));

    [Test]
    public void OperationNameSelectsTheOperation()
    {
        const string doc = "query Q { me { id } } mutation M { deleteUser(id: 1) }";
        Assert.Multiple(() =>
        {
            Assert.That(GraphQL.Classify(doc, "Q").Effect, Is.EqualTo(Effect.Read));
            Assert.That(GraphQL.Classify(doc, "M").Effect, Is.EqualTo(Effect.Delete));
            Assert.That(GraphQL.Classify(doc).Effect, Is.EqualTo(Effect.Delete));
        });
    }

    [Test]
    public void DeepNestingIsAnErrorNotACrash()
    {
        var doc = "mutation { a" + string.Concat(Enumerable.Repeat("{ b ", 100_000)) + string.Concat(Enumerable.Repeat("}", 100_000)) + " }";
        Assert.That(GraphQL.Classify(doc).Error, Is.Not.Null);
    }
}
