using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;

namespace AgentShell.Core.Tests.Tools;

/// <summary>kubectl, helm, terraform, aws, gcloud and az read with their own option grammars.</summary>
public class CloudCliGrammarTests
{
    private static CommandIntent Classify(params string[] argv) => CorpusTests.Worst(new CommandClassifier().Classify(argv, CorpusFixture.Context()))!;

    // pflag: a value after '=', the next word, or attached to a letter; flags given false.
    [TestCase(new[] { "kubectl", "-n", "payments", "--context", "prod-eu", "delete", "ns", "payments" }, Effect.Wipe, "prod-eu")]
    [TestCase(new[] { "kubectl", "-npayments", "--context=prod-eu", "delete", "pod", "api-0" }, Effect.Delete, "prod-eu")]
    [TestCase(new[] { "kubectl", "--context", "prod-eu", "delete", "pods", "--all=false", "api-0" }, Effect.Delete, "prod-eu")]
    [TestCase(new[] { "kubectl", "--context", "prod-eu", "delete", "pods", "-A=false", "api-0" }, Effect.Delete, "prod-eu")]
    [TestCase(new[] { "kubectl", "--context", "prod-eu", "delete", "pods", "--all" }, Effect.Wipe, "prod-eu")]
    [TestCase(new[] { "kubectl", "--context", "prod-eu", "delete", "pod", "api-0", "--dry-run" }, Effect.Read, "prod-eu")]
    [TestCase(new[] { "kubectl", "--context", "prod-eu", "delete", "pod", "api-0", "--dry-run=none" }, Effect.Delete, "prod-eu")]
    [TestCase(new[] { "kubectl", "--context", "prod-eu", "--frob", "x", "get", "pods" }, Effect.Unknown, "prod-eu")]
    [TestCase(new[] { "kubectl", "--context", "prod-eu", "delete", "pvc/data-0" }, Effect.Drop, "prod-eu")]
    [TestCase(new[] { "helm", "--kube-context", "prod-eu", "uninstall", "api" }, Effect.Delete, "prod-eu")]
    [TestCase(new[] { "helm", "--kube-context=prod-eu", "uninstall", "api", "--dry-run" }, Effect.Read, "prod-eu")]
    [TestCase(new[] { "helm", "--kube-context", "prod-eu", "--frob", "uninstall", "api" }, Effect.Delete, "prod-eu")]
    [TestCase(new[] { "helm", "--kube-context", "prod-eu", "--frob", "status", "api" }, Effect.Unknown, "prod-eu")]
    public void KubernetesClients(string[] argv, Effect effect, string target) => Check(argv, effect, target);

    // Go's flag package: -name=value, --name, -flag=true.
    [TestCase(new[] { "terraform", "apply", "-destroy=true", "-auto-approve" }, Effect.Wipe)]
    [TestCase(new[] { "terraform", "apply", "--destroy" }, Effect.Wipe)]
    [TestCase(new[] { "terraform", "apply", "-destroy=false" }, Effect.Write)]
    [TestCase(new[] { "terraform", "-chdir=infra", "destroy", "-auto-approve" }, Effect.Wipe)]
    [TestCase(new[] { "terraform", "apply", "-auto-approve", "-var", "x=destroy" }, Effect.Write)]
    [TestCase(new[] { "terraform", "apply", "-replace=aws_db_instance.main" }, Effect.Delete)]
    [TestCase(new[] { "terraform", "apply", "destroy.tfplan" }, Effect.Unknown)]
    [TestCase(new[] { "terraform", "plan", "-destroy", "-out=destroy.tfplan" }, Effect.Read)]
    [TestCase(new[] { "terraform", "apply", "-frob" }, Effect.Unknown)]
    public void Terraform(string[] argv, Effect effect) => Check(argv, effect, "terraform workspace");

    // argparse: unique prefixes (checked against aws-cli 1.45: `aws --prof prod` is --profile).
    [TestCase(new[] { "aws", "--prof", "prod", "rds", "delete-db-instance", "--db-instance-identifier", "main" }, Effect.Drop, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile=prod", "rds", "delete-db-instance", "--db-instance-identifier", "main" }, Effect.Drop, "aws profile prod")]
    [TestCase(new[] { "aws", "rds", "delete-db-instance", "--db-instance-identifier", "main", "--prof", "prod" }, Effect.Drop, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "s3", "rm", "s3://bucket/", "--rec" }, Effect.Wipe, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "s3", "rm", "s3://bucket/", "--exclude", "*.log", "--recursive" }, Effect.Delete, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "s3", "rb", "s3://bucket", "--force" }, Effect.Wipe, "aws profile prod")]
    // The operation options that decide, in each spelling (s3: the table's prefixes; others: the exact name, =value too).
    [TestCase(new[] { "aws", "--profile", "prod", "s3", "sync", ".", "s3://bucket/site", "--del" }, Effect.Delete, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "s3", "sync", ".", "s3://bucket/site" }, Effect.Write, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "s3", "rm", "s3://bucket/", "--recursive", "--include=*.log" }, Effect.Delete, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "s3", "rm", "s3://bucket/", "--recursive", "--dryrun" }, Effect.Read, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "ec2", "terminate-instances", "--instance-ids", "i-1", "--dry-run" }, Effect.Read, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "ec2", "delete-vpc", "--vpc-id", "v", "--dryrun=true" }, Effect.Read, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "ec2", "delete-vpc", "--vpc-id", "v", "--dry-runs" }, Effect.Delete, "aws profile prod")]
    [TestCase(new[] { "aws", "--profile", "prod", "ec2", "delete-vpc", "--dry", "--vpc-id", "v" }, Effect.Delete, "aws profile prod")]
    [TestCase(new[] { "aws", "--frob", "x", "rds", "delete-db-instance" }, Effect.Unknown, "aws profile default")]
    [TestCase(new[] { "aws", "--profile", "prod", "--frob", "x", "rds", "describe-db-instances" }, Effect.Unknown, "aws profile prod")]
    public void Aws(string[] argv, Effect effect, string target) => Check(argv, effect, target);

    // gcloud: exact names; a command's flag before its verb is an error.
    [TestCase(new[] { "gcloud", "--project=prod", "sql", "instances", "delete", "main" }, Effect.Drop, "gcp project prod")]
    [TestCase(new[] { "gcloud", "compute", "instances", "delete", "vm", "--zone", "us-east1-b", "--project", "prod" }, Effect.Delete, "gcp project prod")]
    [TestCase(new[] { "gcloud", "--proj", "prod", "compute", "instances", "list" }, Effect.Unknown, "gcp project default")]
    [TestCase(new[] { "gcloud", "--zone", "x", "--project", "prod", "compute", "instances", "list" }, Effect.Unknown, "gcp project prod")]
    [TestCase(new[] { "gcloud", "--flags-file", "f.yaml", "compute", "instances", "list" }, Effect.Unknown, "gcp project default")]
    [TestCase(new[] { "az", "--subs", "prod", "group", "delete", "-n", "rg" }, Effect.Wipe, "azure subscription prod")]
    [TestCase(new[] { "az", "-g", "rg", "--subscription", "prod", "vm", "list" }, Effect.Unknown, "azure subscription prod")]
    public void GcloudAndAz(string[] argv, Effect effect, string target) => Check(argv, effect, target);

    private static void Check(string[] argv, Effect effect, string target)
    {
        var i = Classify(argv);
        Assert.That(i.Effect, Is.EqualTo(effect), string.Join(' ', argv));
        Assert.That(i.Targets.Select(t => t.ToString()), Has.Some.Contains(target));
    }
}
