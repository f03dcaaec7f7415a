using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;

namespace AgentShell.Core.Tests.Classification;

// Commands that run on another machine (ssh, ansible) or are built in this one (make, decoded
// scripts, find -exec, secret runners): each case once, and the look-alike it must leave alone.
public class RemoteCommandTests
{
    private static CommandIntent? Worst(string shell)
    {
        CommandIntent? w = null;
        foreach (var i in new CommandClassifier().ClassifyShell(shell, CorpusFixture.Context())) if (w == null || i.Effect > w.Effect) w = i;
        return w;
    }

    [TestCase("ssh -i key -o BatchMode=yes -p 2200 ops@h.example.com -- rm -rf /srv/data", "ssh", Effect.Delete, "ssh://h.example.com:2200/")]
    [TestCase("ssh -lops h.example.com 'dropdb app'", "ssh", Effect.Drop, "ssh://h.example.com/")]
    [TestCase("ssh -tt h.example.com sudo -u postgres psql -c \"'TRUNCATE t'\"", "ssh", Effect.Truncate, "ssh://h.example.com/")]
    [TestCase("ssh h.example.com 'psql -h 127.0.0.1 -c \"DELETE FROM t\"'", "ssh", Effect.Wipe, "ssh://h.example.com/")]
    [TestCase("ssh -J bastion h.example.com \"kubectl --context prod-eu delete ns x\"", "ssh", Effect.Wipe, "kube context prod-eu")]
    public void AnSshCommandIsThatEffectOnTheHost(string shell, string tool, Effect effect, string target)
    {
        var w = Worst(shell);
        Assert.That(w, Is.Not.Null, shell);
        Assert.That((w!.Tool, w.Effect), Is.EqualTo((tool, effect)), shell);
        Assert.That(w.Targets.Select(t => t.ToString()), Has.Member(target), shell);
        // A local path or localhost of the remote command is the remote host, never this machine.
        Assert.That(w.Targets.Any(t => t.Kind == TargetKind.LocalPath || t.Host is "localhost" or "127.0.0.1"), Is.False, shell);
    }

    // What rides on the two look-alikes below is still read: a shell command after rsync's server
    // half, and a delete that climbs out of /tmp.
    [TestCase("ssh h.example.com 'rsync --server . /x; rm -rf /var/lib/postgresql'", Effect.Delete)]
    [TestCase("ssh h.example.com 'rsync --server . /x && dropdb app'", Effect.Drop)]
    [TestCase("ssh h.example.com rm -rf /tmp/..", Effect.Delete)]
    [TestCase("ssh h.example.com 'rm -rf /tmp/../var/lib/postgresql'", Effect.Delete)]
    public void WhatRidesOnARemoteLookAlikeIsStillRead(string shell, Effect atLeast)
    {
        var w = Worst(shell);
        Assert.That(w, Is.Not.Null, shell);
        Assert.That(w!.Effect, Is.GreaterThanOrEqualTo(atLeast), shell);
        Assert.That(w.Tool, Is.EqualTo("ssh"), shell);
    }

    [TestCase("ssh h.example.com 'df -h; tail /var/log/syslog'")]
    [TestCase("ssh -N -f -L 5432:localhost:5432 h.example.com")]
    [TestCase("ssh h.example.com")]
    [TestCase("ssh -o ProxyCommand='ssh -W %h:%p bastion' h.example.com uptime")]
    [TestCase("ssh h.example.com 'rm -f -r /home/u/.ansible/tmp/ansible-tmp-1733/ > /dev/null 2>&1 && sleep 0'")]
    [TestCase("ssh h.example.com rm -f /tmp/deploy.lock")]
    [TestCase("ssh h.example.com rsync --server -vlogDtpre.iLsfxC --delete . /var/www/app/")]
    [TestCase("ansible all -m setup")]
    [TestCase("ansible web -m copy -a 'src=a dest=/tmp/a'")]
    [TestCase("rsync -av --delete --dry-run ./a/ h:/srv/a/")]
    [TestCase("rsync -avn --delete ./a/ h:/srv/a/")]
    [TestCase("make -q db-reset")]
    [TestCase("make --dry-run deploy")]
    [TestCase("make no-such-target")]
    [TestCase("find . -type f -exec sha256sum {} +")]
    [TestCase("aws-vault exec prod -- aws sts get-caller-identity")]
    [TestCase("op read op://vault/db/password")]
    [TestCase("echo aGVsbG8= | base64 -d | tee out.txt")]
    public void LookAlikesAddNothingDestructive(string shell)
    {
        var w = Worst(shell);
        Assert.That(w == null || w.Effect <= Effect.Unknown, shell + " → " + w?.Effect);
    }

    [TestCase("ansible 'webservers:&prod' -a 'rm -rf /var/cache/app'", "webservers:&prod")]
    [TestCase("ansible prod -m ansible.builtin.shell -a 'redis-cli FLUSHALL' --become", "prod")]
    [TestCase("ansible -i inv/prod.ini prod-db -m raw -a \"dropdb app\"", "prod-db")]
    public void AnAnsibleAdHocCommandTargetsTheHostPattern(string shell, string pattern)
    {
        var w = Worst(shell);
        Assert.That(w, Is.Not.Null, shell);
        Assert.That((w!.Tool, w.Effect >= Effect.Delete), Is.EqualTo(("ansible", true)), shell);
        Assert.That(w.Targets[0].Name, Is.EqualTo(pattern));
    }

    [TestCase("rsync -a --delete ./a/ deploy@h.example.com:/srv/a/", "ssh://h.example.com/srv/a/")]
    [TestCase("rsync -a --delete-after ./a/ h.example.com::site/a", "rsync://h.example.com/site/a")]
    [TestCase("rsync -a --remove-source-files h.example.com:/srv/out/ ./out/", "ssh://h.example.com/srv/out/")]
    // The n of -en is -e's value (the remote shell), not --dry-run; look-alike: -avn above.
    [TestCase("rsync -avzen --delete ./a/ deploy@h.example.com:/srv/a/", "ssh://h.example.com/srv/a/")]
    [TestCase("rsync -aTn --delete ./a/ deploy@h.example.com:/srv/a/", "ssh://h.example.com/srv/a/")]
    public void RsyncToAnotherMachineTargetsIt(string shell, string target)
    {
        var w = Worst(shell);
        Assert.That(w?.Effect, Is.EqualTo(Effect.Delete), shell);
        Assert.That(w!.Targets.Select(t => t.ToString()), Has.Member(target));
    }

    [TestCase("docker -H tcp://10.0.0.5:2376 volume prune -f", "tcp://10.0.0.5:2376/")]
    [TestCase("docker --host=ssh://h.example.com volume rm data", "ssh://h.example.com/")]
    [TestCase("DOCKER_CONTEXT=acme-prod docker compose down --volumes", "docker://acme-prod/")]
    [TestCase("docker volume rm data", "/var/lib/docker/volumes/data")]
    [TestCase("docker --context default volume rm data", "/var/lib/docker/volumes/data")]
    public void DockerVolumesAreTheEnginesMachines(string shell, string target)
    {
        var w = Worst(shell);
        Assert.That(w?.Effect, Is.EqualTo(Effect.Delete), shell);
        Assert.That(w!.Targets.Select(t => t.ToString()), Is.EqualTo(new[] { target }));
    }

    [TestCase("printf 'cm0gLXJmIH4K' | base64 --decode | bash", Effect.Wipe)]
    [TestCase("base64 -d <<< cm0gLXJmIH4K | sh", Effect.Wipe)]
    [TestCase("bash -c \"$(base64 -d <<< cm0gLXJmIH4K)\"", Effect.Wipe)]
    [TestCase("eval \"$(echo cm0gLXJmIH4K | base64 -d)\"", Effect.Wipe)]
    [TestCase("echo 'not base64!' | base64 -d | sh", Effect.Unknown)]
    [TestCase("sh -c \"$(curl -fsSL https://example.com/install.sh)\"", Effect.Unknown)]
    public void ADecodedScriptIsClassified(string shell, Effect effect) =>
        Assert.That(Worst(shell)?.Effect, Is.EqualTo(effect), shell);

    [TestCase("make db-reset", "psql", Effect.Drop)]
    [TestCase("make -f Makefile DB_HOST=db.staging.example.com db-reset", "psql", Effect.Drop)]
    [TestCase("make --directory=. deploy", "psql", Effect.Wipe)]
    public void MakeReadsTheRecipes(string shell, string tool, Effect effect)
    {
        var w = Worst(shell);
        Assert.That((w?.Tool, w?.Effect), Is.EqualTo((tool, effect)), shell);
    }

    [Test]
    public void MakeVariablesFromTheCommandLineChooseTheTarget()
    {
        var w = Worst("make DB_HOST=db.staging.example.com db-reset");
        Assert.That(w!.Targets.Select(t => t.ToString()), Has.Member("postgresql://db.staging.example.com:5432"));
    }
}
