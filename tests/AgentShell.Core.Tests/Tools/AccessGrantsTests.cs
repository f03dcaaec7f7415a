using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>Access grants (IAM and RBAC bindings, keys minted, resource policies and firewalls
/// opened) are server-admin, whatever the verb says; reading, removing and dry runs are not.</summary>
public class AccessGrantsTests
{
    private static CommandIntent Parse(Func<ToolCall, CommandIntent> parser, string[] args) =>
        parser(ToolCall.Of(CorpusFixture.Context(), args));

    private static readonly Dictionary<string, Func<ToolCall, CommandIntent>> Parsers = new()
    {
        ["aws"] = Aws.Parse, ["gcloud"] = Gcloud.Parse, ["az"] = Az.Parse, ["kubectl"] = Kubectl.Parse,
    };

    [TestCase("aws --profile prod iam attach-user-policy --user-name agent --policy-arn arn:aws:iam::aws:policy/AdministratorAccess")]
    [TestCase("aws iam put-role-policy --role-name ci --policy-name all --policy-document file://p.json --profile prod")]
    [TestCase("aws --profile prod iam create-access-key --user-name deploy")]
    [TestCase("aws --profile prod iam update-assume-role-policy --role-name admin --policy-document file://trust.json")]
    [TestCase("aws --profile prod s3api put-bucket-policy --bucket assets --policy file://public.json")]
    [TestCase("aws --profile prod ec2 authorize-security-group-ingress --group-id sg-1 --protocol tcp --port 5432 --cidr 0.0.0.0/0")]
    [TestCase("aws --profile prod kms create-grant --key-id k --grantee-principal arn:aws:iam::1:role/x --operations Decrypt")]
    [TestCase("gcloud projects add-iam-policy-binding acme-prod --member=user:a@example.com --role=roles/owner")]
    [TestCase("gcloud beta storage buckets add-iam-policy-binding gs://acme-prod-assets --member=allUsers --role=roles/storage.objectViewer")]
    [TestCase("gcloud --project acme-prod iam service-accounts keys create key.json --iam-account deploy@acme-prod.iam.gserviceaccount.com")]
    [TestCase("gcloud --project acme-prod compute firewall-rules create open-db --allow tcp:5432 --source-ranges 0.0.0.0/0")]
    [TestCase("az --subscription prod role assignment create --assignee a@example.com --role Owner")]
    [TestCase("az ad sp create-for-rbac --name agent --role Contributor --scopes /subscriptions/1")]
    [TestCase("az --subscription prod keyvault set-policy --name kv --upn a@example.com --secret-permissions get list")]
    [TestCase("kubectl --context prod-eu create clusterrolebinding agent-admin --clusterrole=cluster-admin --user=agent")]
    [TestCase("kubectl --context prod-eu -n api create rolebinding edit --clusterrole=edit --serviceaccount=api:agent")]
    [TestCase("kubectl --context prod-eu certificate approve agent-csr")]
    public void AGrantIsServerAdmin(string line)
    {
        var args = line.Split(' ');
        var i = Parse(Parsers[args[0]], args[1..]);
        Assert.That(i.Effect, Is.EqualTo(Effect.ServerAdmin), line);
        Assert.That(i.Evidence.Any(e => e.Fact.Contains("grants access")), Is.True, line);
    }

    [TestCase("aws --profile prod iam list-attached-user-policies --user-name agent", Effect.Read)]
    [TestCase("aws --profile prod iam detach-user-policy --user-name agent --policy-arn arn:aws:iam::aws:policy/AdministratorAccess", Effect.Delete)]
    [TestCase("aws --profile prod iam create-user --user-name bot", Effect.Write)]
    [TestCase("aws --profile prod s3api put-bucket-tagging --bucket assets --tagging TagSet=[]", Effect.Write)]
    [TestCase("aws --profile prod ec2 authorize-security-group-ingress --group-id sg-1 --protocol tcp --port 5432 --cidr 10.0.0.0/8 --dry-run", Effect.Read)]
    [TestCase("gcloud projects get-iam-policy acme-prod", Effect.Read)]
    [TestCase("gcloud projects remove-iam-policy-binding acme-prod --member=user:a@example.com --role=roles/owner", Effect.Delete)]
    [TestCase("gcloud --project acme-prod iam service-accounts keys list --iam-account deploy@acme-prod.iam.gserviceaccount.com", Effect.Read)]
    [TestCase("gcloud --project acme-prod compute instances create web-1 --zone europe-west1-b", Effect.Write)]
    [TestCase("az --subscription prod role assignment list --assignee a@example.com", Effect.Read)]
    [TestCase("az --subscription prod group create -n rg -l westeurope", Effect.Write)]
    [TestCase("kubectl --context prod-eu create configmap flags --from-literal=a=b", Effect.Write)]
    [TestCase("kubectl --context prod-eu get clusterrolebindings", Effect.Read)]
    [TestCase("kubectl --context prod-eu create clusterrolebinding agent-admin --clusterrole=cluster-admin --user=agent --dry-run=client", Effect.Read)]
    public void ALookAlikeKeepsItsEffect(string line, Effect effect)
    {
        var args = line.Split(' ');
        Assert.That(Parse(Parsers[args[0]], args[1..]).Effect, Is.EqualTo(effect), line);
    }
}
