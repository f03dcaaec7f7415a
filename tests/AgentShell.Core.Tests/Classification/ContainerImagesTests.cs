using AgentShell.Core.Classification;

namespace AgentShell.Core.Tests.Classification;

/// <summary>corpus28: the image → entrypoint table docker|podman run reads (container-images.json).</summary>
[TestFixture]
public sealed class ContainerImagesTests
{
    [TestCase("bitnami/kubectl", "bitnami/kubectl")]
    [TestCase("docker.io/bitnami/kubectl:1.29", "bitnami/kubectl")]
    [TestCase("docker.io/library/postgres:16@sha256:abcd", "postgres")]
    [TestCase("registry.example.com:5000/ops/kubectl", "registry.example.com:5000/ops/kubectl")]
    [TestCase("Amazon/AWS-CLI:latest", "amazon/aws-cli")]
    public void NormalizesAsDockerNamesAnImage(string image, string expected) =>
        Assert.That(ContainerImages.Normalize(image), Is.EqualTo(expected));

    [TestCase("bitnami/kubectl:latest", "kubectl")]
    [TestCase("public.ecr.aws/aws-cli/aws-cli", "aws")]
    [TestCase("hashicorp/terraform:1.9", "terraform")]
    [TestCase("postgres:16", null)]
    [TestCase("acme/ops-tool", null)]
    // review42 F9: a mirror of a listed image is that image.
    [TestCase("public.ecr.aws/bitnami/kubectl:1.29", "kubectl")]
    [TestCase("ghcr.io/bitnami/kubectl", "kubectl")]
    [TestCase("quay.io/bitnami/kubectl@sha256:ab", "kubectl")]
    [TestCase("localhost:5000/bitnami/kubectl", "kubectl")]
    [TestCase("registry.acme.internal/dockerhub/bitnami/kubectl", "kubectl")]
    [TestCase("mirror.gcr.io/hashicorp/terraform", "terraform")]
    [TestCase("registry.k8s.io/kubectl:v1.29", "kubectl")]
    [TestCase("ghcr.io/acme/ops-tool", null)]
    public void EntrypointOfAListedImage(string image, string? tool) =>
        Assert.That(ContainerImages.Entrypoint(image), Is.EqualTo(tool));

    [Test]
    public void EveryEntrypointIsAToolTheClassifierKnows()
    {
        foreach (var image in new[] { "bitnami/kubectl", "amazon/aws-cli", "hashicorp/terraform", "alpine/psql", "flyio/flyctl", "minio/mc", "curlimages/curl" })
        {
            var tool = ContainerImages.Entrypoint(image);
            Assert.That(tool, Is.Not.Null, image);
            Assert.That(ToolTable.Lookup(tool!) != ToolId.None || AgentShell.Core.Tools.BuiltInTools.Names.Contains(tool!), Is.True, $"{image} → {tool}");
        }
        Assert.That(ContainerImages.IsKnown("postgres:16"), Is.True);
        Assert.That(ContainerImages.IsKnown("nginx"), Is.False);
    }
}
