using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>The credentials an HTTP call in a one-liner carries, read as curl's options.</summary>
public class InlineRequestAuthTests
{
    private static string Curl(string code) => string.Join('|', InlineCode.Read(code).Requests.Single());

    [TestCase("import requests; requests.delete('https://api.example.com/x', auth=('sk_live_1', ''))", "-u|sk_live_1:")]
    [TestCase("import requests; from requests.auth import HTTPBasicAuth; requests.get('https://api.example.com/x', auth=HTTPBasicAuth('u', 'p'))", "-u|u:p")]
    [TestCase("import requests; requests.delete('https://api.example.com/x', headers={'Authorization': 'Bearer t0k', 'X-Api-Key': 'k1'})", "-H|Authorization: Bearer t0k|-H|X-Api-Key: k1")]
    [TestCase("fetch('https://api.example.com/x', {method: 'DELETE', headers: {Authorization: 'Bearer t0k', 'Content-Type': 'application/json'}})", "-H|Authorization: Bearer t0k|-H|Content-Type: application/json")]
    [TestCase("import urllib.request as u; u.urlopen(u.Request('https://api.example.com/x', method='DELETE', headers={'Authorization': 'Bearer t0k'}))", "-H|Authorization: Bearer t0k")]
    public void TheCallsCredentialsAreCurlsOptions(string code, string carried) => Assert.That(Curl(code), Does.EndWith(carried));

    // A value that is not a literal carries nothing seen here; nor does a call with no credentials.
    [TestCase("import os, requests; requests.delete('https://api.example.com/x', headers={'Authorization': os.environ['T']})")]
    [TestCase("import requests; requests.delete('https://api.example.com/x')")]
    public void NothingLiteralIsCarried(string code) => Assert.That(Curl(code), Does.Not.Contain("-H|Authorization").And.Not.Contain("-u|"));
}
