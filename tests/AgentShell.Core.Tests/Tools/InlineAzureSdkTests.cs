using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>Azure SDK calls in a one-liner are read as the az command that does the same.</summary>
public class InlineAzureSdkTests
{
    private static string[] Argvs(string code) => [.. InlineAzureSdk.Read(code).Select(a => string.Join('|', a))];

    [TestCase("from azure.mgmt.resource import ResourceManagementClient; ResourceManagementClient(cred, 'sub-1').resource_groups.begin_delete('rg').result()",
        "az|group|delete|--name|rg|--subscription|sub-1")]
    [TestCase("from azure.mgmt.sql import SqlManagementClient; SqlManagementClient(DefaultAzureCredential(), subscription_id='sub-1').databases.begin_delete('rg', 'srv', 'shop')",
        "az|sql|db|delete|--name|shop|--resource-group|rg|--subscription|sub-1")]
    [TestCase("const {ResourceManagementClient} = require('@azure/arm-resources'); new ResourceManagementClient(cred, 'sub-1').resourceGroups.beginDeleteAndWait('rg')",
        "az|group|delete|--name|rg|--subscription|sub-1")]
    [TestCase("from azure.storage.blob import BlobServiceClient; BlobServiceClient.from_connection_string('DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=k').delete_container('c')",
        "az|storage|container|delete|--name|c|--account-name|acct")]
    [TestCase("from azure.storage.blob import BlobServiceClient; BlobServiceClient(account_url='https://acct.blob.core.windows.net').get_container_client('c').delete_blob('b')",
        "az|storage|blob|delete|--name|b|--account-name|acct")]
    public void ACallIsTheCommand(string code, string argv) => Assert.That(Argvs(code), Does.Contain(argv));

    [TestCase("from azure.mgmt.resource import ResourceManagementClient; print(list(ResourceManagementClient(cred, 'sub-1').resource_groups.list()))")]
    [TestCase("from azure.storage.blob import BlobServiceClient; BlobServiceClient(account_url='https://acct.blob.core.windows.net').get_container_client('c').download_blob('b')")]
    [TestCase("servers = {}; servers.delete = 1")] // no Azure library
    public void OtherCodeIsNoCommand(string code) => Assert.That(Argvs(code), Is.Empty);
}
