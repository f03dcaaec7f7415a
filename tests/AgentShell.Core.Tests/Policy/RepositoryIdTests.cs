using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Tools;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Policy;

/// <summary>corpus22: a profile's repository entry may carry its numeric id, so the calls that name a
/// repository only by number (GitLab's projects/ID, GitHub's repositories/ID) or by a GraphQL node id
/// that encodes it (R_…, MDEw…, gid://gitlab/Project/ID) are judged as the repository is. An id no profile
/// lists stays on its host's environment (github.com, gitlab.com: unknown, paused).</summary>
public class RepositoryIdTests
{
    private const string Prod = "R_kgDOABPHjQ", ProdLegacy = "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", Staging = "R_kgDNAis"; // 1296269, 1296269, 555
    private TempProfiles _tmp = null!;
    private PolicyT _policy = null!;

    [SetUp]
    public void SetUp()
    {
        _tmp = new TempProfiles();
        _policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"), _tmp.Write("repos.json", """
            { "Environments": {
                "production": { "Repositories": [{ "Repository": "github.com/acme/api", "Id": 1296269 }, { "Repository": "gitlab.com/acme/shop", "Id": 4217 }] },
                "staging": { "Repositories": [{ "Repository": "github.com/acme/api-staging", "Id": 555 }, "gitlab.com/acme/*"] } } }
            """)]);
    }

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    private string Decide(string shell)
    {
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = _tmp.Dir, ["PATH"] = "/usr/bin:/bin" }, _tmp.Dir);
        var intents = new CommandClassifier().ClassifyShell(shell, ctx);
        return PolicyVerdict.Of(_policy, intents, ctx);
    }

    [TestCase("glab api -X DELETE projects/4217", "block:production")]
    [TestCase("glab api -X DELETE projects/4217/repository/branches/main", "block:production")]
    [TestCase("curl -X DELETE https://gitlab.com/api/v4/projects/4217", "block:production")]
    [TestCase("curl -X DELETE https://api.github.com/repositories/1296269", "block:production")]
    [TestCase("curl -X DELETE https://api.github.com/repositories/555/releases/1", "allow:staging")]
    [TestCase("glab api -X DELETE projects/42170", "pause:unknown")]                           // look-alike: another id
    [TestCase("curl -X DELETE https://gitlab.com/api/v4/projects/999", "pause:unknown")]       // an id no profile lists
    [TestCase("curl -X DELETE https://gitlab.acme.io/api/v4/projects/4217", "pause:unknown")]  // the same number on another host
    [TestCase("curl -X DELETE https://gitlab.com/api/v4/projects/acme%2Fother", "allow:staging")] // a path: the glob
    public void NumericIdsResolve(string shell, string expected) => Assert.That(Decide(shell), Is.EqualTo(expected));

    [TestCase("mutation { deleteRepository(input: {repositoryId: \"" + Prod + "\"}) { clientMutationId } }", "", "block:production")]
    [TestCase("mutation { deleteRepository(input: {repositoryId: \"" + ProdLegacy + "\"}) { clientMutationId } }", "", "block:production")]
    [TestCase("mutation($id: ID!) { deleteRepository(input: {repositoryId: $id}) { clientMutationId } }", "-f id=" + Prod, "block:production")]
    [TestCase("mutation { archiveRepository(input: {repositoryId: \"" + Prod + "\"}) { clientMutationId } }", "", "block:production")]
    // The endpoint itself stays a target (the document may do more): a staging or unlisted id still pauses.
    [TestCase("mutation { deleteRepository(input: {repositoryId: \"" + Staging + "\"}) { clientMutationId } }", "", "pause:unknown")]
    [TestCase("mutation { deleteRepository(input: {repositoryId: \"R_kgAB\"}) { clientMutationId } }", "", "pause:unknown")]
    [TestCase("mutation { deleteRepository(input: {repositoryId: \"not-an-id\"}) { clientMutationId } }", "", "pause:unknown")]
    [TestCase("query { node(id: \"" + Prod + "\") { id } }", "", "allow:unknown")]            // look-alike: a read
    public void GhApiGraphqlByNodeId(string document, string fields, string expected) =>
        Assert.That(Decide($"gh api graphql -f query='{document}' {fields}"), Is.EqualTo(expected));

    [TestCase("{\"query\":\"mutation { deleteRepository(input:{repositoryId:\\\"" + Prod + "\\\"}) { clientMutationId } }\"}", "https://api.github.com/graphql", "block:production")]
    [TestCase("{\"query\":\"mutation($id:ID!){deleteRepository(input:{repositoryId:$id}){clientMutationId}}\",\"variables\":{\"id\":\"" + ProdLegacy + "\"}}", "https://api.github.com/graphql", "block:production")]
    [TestCase("{\"query\":\"mutation { projectDelete(input:{id:\\\"gid://gitlab/Project/4217\\\"}) { errors } }\"}", "https://gitlab.com/api/graphql", "block:production")]
    [TestCase("{\"query\":\"mutation { projectDelete(input:{id:\\\"gid://gitlab/Project/4218\\\"}) { errors } }\"}", "https://gitlab.com/api/graphql", "pause:unknown")]
    public void CurlGraphqlByNodeId(string body, string url, string expected) =>
        Assert.That(Decide($"curl -X POST {url} -d '{body}'"), Is.EqualTo(expected));

    [TestCase("R_kgDOABPHjQ", "https://api.github.com/repositories/1296269")]
    [TestCase("MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "https://api.github.com/repositories/1296269")]
    [TestCase("R_kgDNAis", "https://api.github.com/repositories/555")]
    [TestCase("MDQ6VXNlcjU4MzIzMQ==", null)] // 04:User583231: a user, not a repository
    [TestCase("R_kgDOABPHjQxx", null)]
    [TestCase("I_kwDOABPHjc5", null)]
    public void NodeIds(string id, string? url)
    {
        Assert.That(UrlParser.TryParse("https://api.github.com/graphql", "https", out var endpoint), Is.True);
        Assert.That(CodeHosts.NodeRepository(endpoint, id)?.ToString(), Is.EqualTo(url));
    }

    [TestCase("{ \"Repository\": \"github.com/acme/*\", \"Id\": 5 }", "Environments.production.Repositories[0].Id")]
    [TestCase("{ \"Repository\": \"github.com/acme/api\", \"Id\": \"5\" }", "Environments.production.Repositories[0].Id")]
    [TestCase("{ \"Repository\": \"github.com/acme/api\", \"Id\": 0 }", "Environments.production.Repositories[0].Id")]
    [TestCase("{ \"Id\": 5 }", "Environments.production.Repositories[0].Repository")]
    [TestCase("{ \"Repository\": \"https://github.com/acme/api\", \"Id\": 5 }", "Environments.production.Repositories[0].Repository")]
    [TestCase("{ \"Repository\": \"github.com/acme/api\", \"Number\": 5 }", "Environments.production.Repositories[0].Number")]
    public void ABadRepositoryObjectDoesNotLoad(string entry, string path)
    {
        var bad = _tmp.Write("bad.json", $"{{ \"Environments\": {{ \"production\": {{ \"Repositories\": [{entry}] }} }} }}");
        var e = Assert.Throws<AgentShell.Core.Profiles.ProfileException>(() => PolicyT.Load([bad]))!;
        Assert.That(e.Errors.Select(x => x.JsonPath), Does.Contain(path));
    }
}
