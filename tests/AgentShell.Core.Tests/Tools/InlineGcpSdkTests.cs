using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>Google Cloud client-library calls in a one-liner are read as the gcloud or bq command
/// that does the same.</summary>
public class InlineGcpSdkTests
{
    private static string[] Argvs(string code) => [.. InlineGcpSdk.Read(code).Select(a => string.Join('|', a))];

    [TestCase("from google.cloud import storage; storage.Client(project='p').bucket('b').delete(force=True)", "gcloud|storage|rm|-r|gs://b|--project|p")]
    [TestCase("from google.cloud import storage; storage.Client().bucket('b').delete()", "gcloud|storage|buckets|delete|gs://b")]
    [TestCase("from google.cloud import storage; c = storage.Client(project='p'); b = c.bucket('b'); b.blob('k.csv').delete()", "gcloud|storage|rm|gs://b/k.csv|--project|p")]
    [TestCase("from google.cloud import storage; storage.Client().get_bucket('b').delete_blobs(['a', 'b'])", "gcloud|storage|rm|gs://b/*")]
    [TestCase("from google.cloud import bigquery; bigquery.Client(project='p').delete_dataset('d', delete_contents=True)", "bq|--project_id=p|rm|-r|-f|-d|d")]
    [TestCase("from google.cloud import bigquery; bigquery.Client().delete_table('p.d.t')", "bq|rm|-f|-t|p.d.t")]
    [TestCase("from google.cloud import bigquery; c = bigquery.Client(); c.dataset('d').table('t').delete()", "bq|rm|-f|-t|d.t")]
    [TestCase("from google.cloud import bigquery; bigquery.Client(project='p').query('DROP TABLE d.t').result()", "bq|--project_id=p|query|--nouse_legacy_sql|DROP TABLE d.t")]
    [TestCase("const {Storage} = require('@google-cloud/storage'); new Storage({projectId: 'p'}).bucket('b').file('k').delete()", "gcloud|storage|rm|gs://b/k|--project|p")]
    // Names that are not literals, or no object named at all: the delete is still read, its object is "?".
    [TestCase("from google.cloud import storage; name = 'b'; storage.Client(project='p').bucket(name).delete(force=True)", "gcloud|storage|rm|-r|gs://?|--project|p")]
    [TestCase("from google.cloud import storage\nfor b in storage.Client(project='p').list_buckets():\n    b.delete(force=True)", "gcloud|storage|rm|gs://?|--project|p")]
    [TestCase("from google.cloud import bigquery; d = 'x'; bigquery.Client(project='p').delete_dataset(d, delete_contents=True)", "bq|--project_id=p|rm|-r|-f|-d|?")]
    [TestCase("from google.cloud import bigquery; t = 'x'; bigquery.Client().delete_table(t)", "bq|rm|-f|-t|?")]
    public void ACallIsTheCommand(string code, string argv) => Assert.That(Argvs(code), Does.Contain(argv));

    [TestCase("from google.cloud import storage; print([b.name for b in storage.Client().list_buckets()])")]
    [TestCase("from google.cloud import storage; storage.Client().bucket('b').blob('k').download_to_filename('k')")]
    [TestCase("d = {'a': 1}; d.pop('a'); print(d)")] // no Google Cloud library
    [TestCase("import pandas as pd; pd.DataFrame().query('a > 1')")]
    public void OtherCodeIsNoCommand(string code) => Assert.That(Argvs(code), Is.Empty);
}
