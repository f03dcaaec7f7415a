using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>AWS SDK calls in a one-liner are read as the aws command that does the same.</summary>
public class InlineAwsSdkTests
{
    private static string[] Argvs(string code) => [.. InlineAwsSdk.Read(code).Select(a => string.Join('|', a))];

    [TestCase("import boto3; boto3.Session(profile_name='prod').client('s3').delete_bucket(Bucket='assets')", "aws|--profile|prod|s3api|delete-bucket|--bucket|assets")]
    [TestCase("import boto3; boto3.client('rds', region_name='eu-west-1').delete_db_instance(DBInstanceIdentifier='main', SkipFinalSnapshot=True)",
        "aws|--region|eu-west-1|rds|delete-db-instance|--db-instance-identifier|main|--skip-final-snapshot")]
    [TestCase("import boto3; boto3.resource('dynamodb').Table('orders').delete()", "aws|dynamodb|delete-table|--table-name|orders")]
    [TestCase("import boto3\ns3 = boto3.resource('s3')\ns3.Bucket('assets').objects.all().delete()", "aws|s3api|delete-objects|--bucket|assets")]
    [TestCase("import boto3; boto3.resource('ec2').Instance('i-1').terminate()", "aws|ec2|terminate-instances|--instance-name|i-1")]
    [TestCase("const {S3Client, DeleteBucketCommand} = require('@aws-sdk/client-s3'); new S3Client({region: 'us-east-1'}).send(new DeleteBucketCommand({Bucket: 'assets'}))",
        "aws|--region|us-east-1|s3api|delete-bucket|--bucket|assets")]
    [TestCase("const AWS = require('aws-sdk'); new AWS.DynamoDB().deleteTable({TableName: 'orders'}).promise()", "aws|dynamodb|delete-table|--table-name|orders")]
    [TestCase("import boto3; print(boto3.client('s3').list_buckets())", "aws|s3api|list-buckets")]
    [TestCase("import boto3; boto3.client('rds').modify_db_instance(DBInstanceIdentifier='main', BackupRetentionPeriod=0, DeletionProtection=False)",
        "aws|rds|modify-db-instance|--db-instance-identifier|main|--backup-retention-period|0|--no-deletion-protection")]
    [TestCase("import boto3; n = 0; boto3.client('rds').modify_db_instance(DBInstanceIdentifier='main', BackupRetentionPeriod=n)",
        "aws|rds|parameters-not-read|--db-instance-identifier|main")]
    [TestCase("import boto3; b = 'x'; print(boto3.client('s3').get_object(Bucket=b, Key='k'))", "aws|s3api|get-object|--key|k")]
    [TestCase("import os, boto3; os.environ['AWS_PROFILE'] = 'prod'; boto3.client('s3').delete_bucket(Bucket='b')", "aws|--profile|prod|s3api|delete-bucket|--bucket|b")]
    [TestCase("process.env.AWS_PROFILE = 'prod'; const AWS = require('aws-sdk'); new AWS.S3().deleteBucket({Bucket: 'b'})", "aws|--profile|prod|s3api|delete-bucket|--bucket|b")]
    [TestCase("import os, boto3; print(os.environ['AWS_PROFILE'] == 'prod'); boto3.client('s3').list_buckets()", "aws|s3api|list-buckets")]
    // A resource's delete()/terminate() whose resource is not named here: still a delete of what the session reaches.
    [TestCase("import boto3\nfor b in boto3.Session(profile_name='prod').resource('s3').buckets.all():\n    b.delete()", "aws|--profile|prod|s3api|delete-resource")]
    [TestCase("import boto3; [i.terminate() for i in boto3.resource('ec2').instances.all()]", "aws|ec2|terminate-resource")]
    public void AnOperationIsTheAwsCommand(string code, string argv) => Assert.That(Argvs(code), Does.Contain(argv));

    [TestCase("import json; print(json.dumps({'a': 1}))")]
    [TestCase("import boto3; print(boto3.__version__)")]
    [TestCase("import boto3; xs = [1, 2]; print(len(xs))")]
    [TestCase("import boto3; xs = [1, 2]; xs.remove(1); print(xs)")] // a list's remove() is no boto3 delete
    [TestCase("console.log(require('aws-sdk').VERSION)")]
    public void CodeWithoutAnOperationHasNone(string code) => Assert.That(Argvs(code), Is.Empty);

    [TestCase("import boto3; boto3.client('s3', aws_access_key_id='AKIA1', aws_secret_access_key='s3cr3t', aws_session_token='t0k').list_buckets()",
        "AWS_ACCESS_KEY_ID=AKIA1|AWS_SECRET_ACCESS_KEY=s3cr3t|AWS_SESSION_TOKEN=t0k")]
    [TestCase("const {S3Client} = require('@aws-sdk/client-s3'); new S3Client({credentials: {accessKeyId: 'AKIA1', secretAccessKey: 's3cr3t'}})",
        "AWS_ACCESS_KEY_ID=AKIA1|AWS_SECRET_ACCESS_KEY=s3cr3t")]
    [TestCase("import boto3; boto3.client('s3').list_buckets()", "")]
    [TestCase("import os; print(os.environ.get('aws_secret_access_key'))", "")] // no SDK: nothing read
    public void LiteralCredentialsAreTheVariablesAwsReads(string code, string vars) =>
        Assert.That(string.Join('|', InlineAwsSdk.Credentials(code).Select(kv => $"{kv.Key}={kv.Value}")), Is.EqualTo(vars));

    [Test]
    public void PastTheCapTheRestIsAnUnknownOperationNeverARead()
    {
        // Reads up to the cap, then the delete: the reading stops, and what it did not read is unknown.
        var code = "import boto3; s3 = boto3.client('s3'); " + string.Concat(Enumerable.Repeat("s3.list_buckets(); ", InlineAwsSdk.MaxOperations))
            + "s3.delete_bucket(Bucket='b')";
        var argvs = InlineAwsSdk.Read(code);
        Assert.That(argvs, Has.Count.EqualTo(InlineAwsSdk.MaxOperations + 1));
        Assert.That(string.Join('|', argvs[^1]), Is.EqualTo("aws|sdk|more-operations-than-read"));
        var intent = Aws.Parse(ToolCall.Of(AgentShell.Core.Tests.Corpus.CorpusFixture.Context(), argvs[^1][1..]));
        Assert.That(intent.Effect, Is.EqualTo(AgentShell.Core.Model.Effect.Unknown));
    }

    [TestCase("DBInstanceIdentifier", "db-instance-identifier")]
    [TestCase("deleteBucket", "delete-bucket")]
    [TestCase("Bucket", "bucket")]
    [TestCase("SSEKMSKeyId", "ssekms-key-id")]
    public void NamesAreKebabCase(string name, string kebab) => Assert.That(InlineAwsSdk.Kebab(name), Is.EqualTo(kebab));
}
