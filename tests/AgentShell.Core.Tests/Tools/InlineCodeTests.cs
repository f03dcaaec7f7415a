using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class InlineCodeTests
{
    [TestCase("import os; os.system('psql -c \"DROP TABLE t\"')", "psql -c \"DROP TABLE t\"")]
    [TestCase("require('child_process').execSync(\"redis-cli FLUSHALL\")", "redis-cli FLUSHALL")]
    [TestCase("import subprocess; subprocess.run('rm -rf /srv', shell=True)", "rm -rf /srv")]
    public void ShellStringsAreScripts(string code, string script) => Assert.That(InlineCode.Read(code).Scripts, Does.Contain(script));

    [TestCase("subprocess.run(['psql', '-c', 'DROP TABLE t'])", "psql|-c|DROP TABLE t")]
    [TestCase("spawnSync('psql', ['-h', 'db', '-c', 'TRUNCATE t'])", "psql|-h|db|-c|TRUNCATE t")]
    public void ArgumentListsAreCommands(string code, string argv) =>
        Assert.That(InlineCode.Read(code).Commands.Select(c => string.Join('|', c)), Does.Contain(argv));

    [TestCase("requests.delete('https://a/v/1')", "curl|-X|DELETE|https://a/v/1")]
    [TestCase("fetch('https://a/v/1', {method: 'DELETE'})", "curl|-X|DELETE|https://a/v/1")]
    [TestCase("fetch('https://a/health')", "curl|-X|GET|https://a/health")]
    [TestCase("u.urlopen(u.Request(\"https://a/v/1\", method=\"DELETE\"))", "curl|-X|DELETE|https://a/v/1")]
    public void HttpCallsAreCurl(string code, string argv) =>
        Assert.That(InlineCode.Read(code).Requests.Select(c => string.Join('|', c.Take(4))), Does.Contain(argv));

    [Test]
    public void AJsonBodyIsKept() =>
        Assert.That(InlineCode.Read("requests.post(\"https://a/graphql\", json={\"query\": \"mutation { x }\"})").Requests.Single(), Does.Contain("{\"query\": \"mutation { x }\"}"));

    [Test]
    public void ADriversHostIsAHostAndAnArgumentBuiltAtRunTimeIsOpaque()
    {
        Assert.That(InlineCode.Read("psycopg2.connect(host='db.prod').cursor()").Hosts, Does.Contain("db.prod"));
        Assert.That(InlineCode.Read("os.system(cmd)").Opaque, Is.Not.Null);
        Assert.That(InlineCode.Read("subprocess.run(f'psql -h {h}', shell=True)").Opaque, Is.Not.Null);
    }

    [TestCase("require 'net/http'; Net::HTTP.new('api.prod.example.com', 443).delete('/v1/x')", "api.prod.example.com")]
    [TestCase("import http.client; http.client.HTTPSConnection('api.prod.example.com').request('DELETE', '/v1/x')", "api.prod.example.com")]
    [TestCase("import socket; socket.create_connection(('10.0.0.5', 5432))", "10.0.0.5")]
    [TestCase("import psycopg2; psycopg2.connect('host=db.prod dbname=shop user=app')", "db.prod")]
    [TestCase("import redis; redis.Redis('cache.prod').flushall()", "cache.prod")]
    public void AClientsHostArgumentIsAHost(string code, string host) => Assert.That(InlineCode.Read(code).Hosts, Does.Contain(host));

    [Test]
    public void StatementsAreKeptOnlyWithAHostAndInTheDriversDialect()
    {
        var pg = InlineCode.Read("import psycopg2; c = psycopg2.connect(host='db'); c.cursor().execute('DROP TABLE t')");
        Assert.That((pg.Statements.Single(), pg.Dialect), Is.EqualTo(("DROP TABLE t", SqlDialect.Postgres)));
        var my = InlineCode.Read("import pymysql; pymysql.connect(host='db').cursor().execute('TRUNCATE t')");
        Assert.That(my.Dialect, Is.EqualTo(SqlDialect.MySql));
        Assert.That(InlineCode.Read("cursor.execute('DROP TABLE t')").Statements, Is.Empty); // no host: nothing to judge it against
    }

    [TestCase("import redis; redis.Redis(host='db').flushall()", "flushall")]
    [TestCase("new MongoClient('mongodb://db').db('shop').dropDatabase()", "dropDatabase")]
    [TestCase("import pymongo; pymongo.MongoClient('db').shop.orders.delete_many({})", "delete_many")]
    public void ADestructiveDriverMethodIsKeptWithAHost(string code, string method) =>
        Assert.That(InlineCode.Read(code).Methods.Select(m => m.Method), Does.Contain(method));

    [Test]
    public void ADriverMethodWithoutAHostOrADotIsNotOne()
    {
        Assert.That(InlineCode.Read("import redis; redis.Redis(host='db'); xs = []; xs.flushall()").Methods, Is.Not.Empty);
        Assert.That(InlineCode.Read("xs = []; xs.flushall()").Methods, Is.Empty); // no host: nothing it could act on
        // pandas shaping a production query's result is no drop of anything there.
        Assert.That(InlineCode.Read("import pandas as pd; pd.read_sql('SELECT 1', 'postgresql://db.prod/x').drop(columns=['a'])").Methods, Is.Empty);
        Assert.That(InlineCode.Read("import redis; r = redis.Redis(host='db'); flushall()").Methods, Is.Empty);
    }

    [TestCase("print(1+1)")]
    [TestCase("console.log(JSON.stringify({method:'DELETE'}))")]
    [TestCase("cursor.execute('SELECT 1')")]
    public void CodeThatHandsNothingOverFindsNothing(string code) => Assert.That(InlineCode.Read(code).Any, Is.False);
}
