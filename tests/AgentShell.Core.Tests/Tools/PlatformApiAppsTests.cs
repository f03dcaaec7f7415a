using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>corpus26: a platform REST API URL that names the app in its path carries the app as the
/// target's name, so the profile's Apps decide it (as the platform CLI tables do).</summary>
public class PlatformApiAppsTests
{
    [TestCase("https://api.heroku.com/apps/api-prod", "api-prod")]
    [TestCase("https://api.heroku.com/apps/api-prod/dynos?x=1", "api-prod")]
    [TestCase("https://api.machines.dev/v1/apps/api-prod/machines/148e", "api-prod")]
    [TestCase("https://api.vercel.com/v9/projects/shop-prod", "shop-prod")]
    [TestCase("https://api.netlify.com/api/v1/sites/shop-prod.netlify.app", "shop-prod")]
    public void TheAppInThePathIsTheTargetsName(string url, string app)
    {
        Assert.That(UrlParser.TryParse(url, "https", out var t), Is.True);
        Assert.That(t.Name, Is.EqualTo(app));
    }

    [TestCase("https://api.heroku.com/account")]
    [TestCase("https://api.vercel.com/v9/deployments/dpl_1")]
    [TestCase("https://api.example.com/apps/api-prod")]
    [TestCase("https://api.heroku.com/apps/")]
    public void TheLookAlikeAnotherPathOrHostNamesNoApp(string url)
    {
        Assert.That(UrlParser.TryParse(url, "https", out var t), Is.True);
        Assert.That(t.Name, Is.Null);
    }
}
