using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Corpus;

/// <summary>A throw-away file tree the corpus and fuzz cases run in: a repository (with
/// <c>.git</c>, request bodies, SQL files, scripts, a Terraform workspace, a <c>.env</c>) and a
/// home directory with a kubeconfig whose current-context is <c>prod-eu</c>.</summary>
internal static class CorpusFixture
{
    private static readonly Lazy<string> RootDir = new(Create);

    public static string Root => RootDir.Value;
    public static string Repo => Path.Combine(Root, "repo");
    public static string Home => Path.Combine(Root, "home");

    // System configuration files (wgetrc, psqlrc, pg_service.conf) are looked for in the fixture,
    // not on this machine, so a case means the same everywhere.
    public static IExecContext Context(string? cwd = null) => new LocalExecContext(
        new Dictionary<string, string>
        {
            ["HOME"] = Home, ["PATH"] = "/usr/bin:/bin", ["USER"] = "agent",
            ["SYSTEM_WGETRC"] = Path.Combine(Root, "etc", "wgetrc"), ["PGSYSCONFDIR"] = Path.Combine(Root, "etc", "postgresql"),
        },
        cwd ?? Repo);

    /// <summary>The production credential of the corpus's credential cases (column 7), listed by
    /// fingerprint as <c>fixture-root</c>; <c>home/.env.production</c> is a credential file.</summary>
    public const string ProductionToken = "prod-token-0123456789abcdef";

    private static readonly Lazy<AgentShell.Core.Policy.Policy> PolicyOnce = new(() =>
    {
        var profile = Path.Combine(Root, "credentials.json");
        File.WriteAllText(profile, $$"""
            { "Environments": { "production": {
                "Credentials": [ { "Name": "fixture-root", "Sha256": "{{AgentShell.Core.Credentials.CredentialTable.Fingerprint(ProductionToken)}}" } ],
                "CredentialFiles": [ "{{Path.Combine(Home, ".env.production")}}" ],
                "Repositories": [ "github.com/acme/app", "github.com/acme/api", "gitlab.com/acme/*", "ghe.acme.io/acme/app",
                                  { "Repository": "gitlab.com/acme/shop", "Id": 4217 }, { "Repository": "github.com/acme/core", "Id": 1296269 } ] },
              "staging": { "Repositories": [ "github.com/acme/app-staging", "github.com/acme/api-staging" ] } } }
            """);
        return AgentShell.Core.Policy.Policy.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"), Path.Combine(TempProfiles.ShippedDir, "github.json"), profile]);
    });

    /// <summary>default.json and the fixture's credentials and repositories (the repository's origin,
    /// github.com/acme/app, is production; its remote <c>staging</c> is not), over the shipped github.json.</summary>
    public static AgentShell.Core.Policy.Policy Policy => PolicyOnce.Value;

    private static string Create()
    {
        var root = Path.Combine(Path.GetTempPath(), "agentshell-corpus-" + Environment.ProcessId);
        void Write(string rel, string text)
        {
            var p = Path.Combine(root, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, text);
        }
        Write("repo/.git/HEAD", "ref: refs/heads/main\n");
        Write("repo/.git/config", "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:acme/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
            + "[remote \"staging\"]\n\turl = https://github.com/acme/app-staging.git\n[remote \"short\"]\n\turl = gh:acme/app\n[url \"git@github.com:\"]\n\tinsteadOf = gh:\n");
        // corpus22: a global config whose hasconfig include rewrites the staging remote to production, one whose
        // condition matches no remote; a work tree with remotes on github.com and the company's server; eb projects.
        Write("repo/gitcfg/hasconfig.gitconfig", "[includeIf \"hasconfig:remote.*.url:https://github.com/acme/app-staging.git\"]\n\tpath = to-prod\n");
        Write("repo/gitcfg/hasconfig-other.gitconfig", "[includeIf \"hasconfig:remote.*.url:https://gitlab.com/**\"]\n\tpath = to-prod\n");
        Write("repo/gitcfg/to-prod", "[url \"git@github.com:acme/app.git\"]\n\tinsteadOf = https://github.com/acme/app-staging.git\n");
        Write("repo/multi/.git/HEAD", "ref: refs/heads/main\n");
        Write("repo/multi/.git/config", "[remote \"origin\"]\n\turl = https://github.com/acme/app-staging.git\n[remote \"ghe\"]\n\turl = git@ghe.acme.io:acme/app.git\n");
        Write("repo/ebapp/.elasticbeanstalk/config.yml", "branch-defaults:\n  main:\n    environment: shop-prod\nglobal:\n  application_name: shop\n");
        Write("repo/ebstage/.elasticbeanstalk/config.yml", "branch-defaults:\n  main:\n    environment: shop-staging\nglobal:\n  application_name: shop\n");
        Write("repo/railway-delete.json", "{\"query\":\"mutation { volumeDelete(volumeId: \\\"vol_123\\\") }\"}");
        Write("repo/railway-me.json", "{\"query\":\"query { me { id email } }\"}");
        Write("repo/drop.sql", "-- cleanup\nDROP TABLE users;\n");
        // InfluxDB 1.x import files: statements under # DDL, points in line protocol under # DML.
        Write("repo/influx-import.txt", "# DDL\nCREATE DATABASE pirates\n\n# DML\n# CONTEXT-DATABASE: pirates\ntreasures,captain=roberts value=801 1439856000\n");
        Write("repo/influx-drop.txt", "# DDL\nDROP DATABASE pirates\n# DML\n# CONTEXT-DATABASE: pirates\n");
        Write("repo/select.sql", "SELECT id, email FROM users WHERE id = 1;\n");
        Write("repo/deploy.sh", "#!/bin/sh\nset -e\npsql -h db.prod.example.com -c 'TRUNCATE orders'\n");
        Write("repo/safe.sh", "#!/bin/sh\nls -la\necho done\n");
        Write("repo/cleanup.js", "db.getSiblingDB('app').dropDatabase()\n");
        Write("repo/infra/.terraform/environment", "prod");
        Write("repo/.env", "DATABASE_URL=postgresql://app@db.prod.example.com:5432/app\n");
        Write("repo/src/app.txt", "x");
        // A service whose .env is local and whose .env.production is not (sourced in one shell string).
        Write("repo/svc/.env", "DATABASE_URL=postgresql://app@localhost:5432/dev\n");
        Write("repo/svc/.env.production", "# production\nDATABASE_URL=\"postgresql://app@db.prod.example.com:5432/app\"\n");
        Write("repo/svc/mutation.json", "{\"query\":\"mutation { volumeDelete(volumeId: \\\"v\\\") }\"}");
        Write("repo/package.json", "{ \"name\": \"app\", \"scripts\": { \"db:reset\": \"prisma migrate reset --force\", \"predb:drop\": \"echo dropping\", \"db:drop\": \"sequelize db:drop\", \"build\": \"tsc -p .\", \"test\": \"jest\", \"migrate\": \"knex migrate:latest\" } }\n");
        Write("repo/Makefile", "DB_HOST ?= db.prod.example.com\nPSQL = psql -h $(DB_HOST)\n\n.PHONY: test db-reset deploy\n\ntest:\n\tgo test ./...\n\ndb-reset:\n\t@echo resetting\n\t$(PSQL) -c 'DROP SCHEMA public CASCADE'\n\ndeploy: build db-migrate\n\t@echo deployed\n\nbuild:\n\tgo build ./...\n\ndb-migrate:\n\t-$(PSQL) -c \"DELETE FROM schema_migrations\"\n");
        Write("repo/inventory/prod", "[web]\nweb1.prod.example.com\nweb2.prod.example.com ansible_port=2222\n\n[db]\ndb1.prod.example.com\n\n[all:vars]\nansible_user=deploy\n");
        Write("repo/inventory/staging", "[web]\nweb1.staging.example.com\n");
        Write("repo/playbooks/drop-db.yml", "- hosts: db\n  become: true\n  tasks:\n    - name: drop the database\n      ansible.builtin.shell: psql -c \"DROP DATABASE app\"\n");
        Write("repo/playbooks/cleanup.yml", "- hosts: web\n  tasks:\n    - name: stop app\n      service:\n        name: app\n        state: stopped\n    - name: old releases\n      file:\n        path: /srv/app/releases\n        state: absent\n");
        Write("repo/playbooks/ping.yml", "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n    - name: disk\n      command: df -h\n    - service: name=app state=restarted\n");
        Write("repo/playbooks/site.yml", "- hosts: web\n  roles:\n    - app\n");
        Write("repo/prod-hosts.txt", "# production web\nweb1.prod.example.com\nweb2.prod.example.com\n");
        Write("repo/empty.yml", "");
        // corpus17: gsutil lifecycle set FILE: a rule that deletes, one that only changes the storage class.
        Write("repo/lifecycle-delete.json", "{\"rule\": [{\"action\": {\"type\": \"Delete\"}, \"condition\": {\"age\": 1}}]}");
        Write("repo/lifecycle-coldline.json", "{\"rule\": [{\"action\": {\"type\": \"SetStorageClass\", \"storageClass\": \"COLDLINE\"}, \"condition\": {\"age\": 365}}]}");
        Write("home/.kube/config", "apiVersion: v1\nkind: Config\ncurrent-context: prod-eu\ncontexts:\n- name: prod-eu\n");
        Write("home/.kube/empty", "apiVersion: v1\nkind: Config\n");
        // A context named dev whose cluster is the production API server (as kubectl writes a kubeconfig).
        Write("home/.kube/dev-on-prod", "apiVersion: v1\nkind: Config\ncurrent-context: dev\nclusters:\n- cluster:\n    certificate-authority-data: AAAA\n    server: https://k8s.prod.example.com:6443\n  name: main\n- cluster:\n    server: https://127.0.0.1:6443\n  name: kind\ncontexts:\n- context:\n    cluster: main\n    user: admin\n  name: dev\n- context:\n    cluster: kind\n    user: kind\n  name: kind-dev\nusers:\n- name: admin\n  user:\n    token: x\n");
        // The same, padded past what is read: the server is unknown, not the name "dev" alone.
        Write("home/.kube/dev-on-prod-big", "clusters:\n- cluster:\n    server: https://k8s.prod.example.com:6443\n  name: main\ncontexts:\n- context:\n    cluster: main\n  name: dev\n#" + new string('x', 300 * 1024) + "\n");
        // The same in JSON, which kubectl reads as well: not read by line, so the server is unknown.
        Write("home/.kube/dev-on-prod.json", "{\"apiVersion\":\"v1\",\"kind\":\"Config\",\"clusters\":[{\"name\":\"main\",\"cluster\":{\"server\":\"https://k8s.prod.example.com\"}}],\"contexts\":[{\"name\":\"dev\",\"context\":{\"cluster\":\"main\"}}],\"current-context\":\"dev\"}\n");
        // Tool configuration, each where an `env VAR=…` in a case points the tool at it.
        Write("home/rc-delete/.curlrc", "# set by someone else\nsilent\nrequest = DELETE\n");
        Write("home/rc-settings/.curlrc", "silent\nshow-error\nlocation\nretry = 3\nuser-agent = \"agent/1.0\"\n");
        Write("home/rc-big/.curlrc", "silent\n" + new string('#', 300 * 1024));
        Write("home/rc-token/.curlrc", $"header = \"Authorization: Bearer {ProductionToken}\"\n");
        Write("home/wgetrc-delete", "tries = 2\nmethod = DELETE\n");
        Write("home/psqlrc-drop", "\\set QUIET 1\nDROP TABLE audit_log;\n");
        Write("home/pg_service.conf", "[prod]\nhost=db.prod.example.com\ndbname=app\n");
        Write("home/my-prod.cnf", "[client]\nhost=db.prod.example.com\n[mysql]\ninit-command=DELETE FROM sessions\n");
        Write("home/xdg/httpie/config.json", "{ \"default_options\": [\"--raw=mutation { deleteUser(id: 7) }\"] }");
        Write("home/gcloud/active_config", "work\n");
        Write("home/gcloud/configurations/config_work", "[core]\nproject = acme-prod\n");
        Write("home/my-suffix.cnf", "[client]\nhost=db.staging.example.com\n[client_prod]\nhost=db.prod.example.com\n");
        Write("home/docker-prod/config.json", "{\"auths\": {}, \"currentContext\": \"acme-prod\"}");
        Write("home/cqlshrc-prod", "[connection]\nhostname = cass1.prod.example.com\nport = 9042\n");
        Write("home/azure-defaults/azureProfile.json", "{\"subscriptions\": [{\"id\": \"0000-prod\", \"name\": \"prod-sub\", \"isDefault\": true}]}");
        Write("home/azure-defaults/config", "[defaults]\ngroup = shop-prod-rg\n");
        Write("home/azure/azureProfile.json", "{\"subscriptions\": [{\"id\": \"0000-prod\", \"name\": \"prod-sub\", \"isDefault\": true}]}");
        Write("home/.env.production", "RAILWAY_TOKEN=file-token-abcdef123456\n");
        // corpus11: curl's $HOME/.config/curlrc, a token in a file read by $(cat …), \ir from a -f script's directory.
        Write("home/xdg-default/.config/curlrc", "request = DELETE\n");
        Write("repo/token.txt", ProductionToken + "\n");
        Write("repo/sql/wrap-drop.sql", "\\set ON_ERROR_STOP on\n\\ir ../drop.sql\n");
        Write("repo/sql/wrap-select.sql", "\\ir ../select.sql\n");
        // lead s41: script files an interpreter is handed are read; only a refusal of what they show counts.
        Write("repo/scripts/drop-assets.py", "import boto3\n\ns3 = boto3.Session(profile_name='prod').client('s3')\ns3.delete_bucket(Bucket='assets')\n");
        Write("repo/scripts/rotate.py", "import boto3\n\ndef rotate(name):\n    boto3.client('s3').delete_object(Bucket='logs', Key=name)\n");
        Write("repo/scripts/report.py", "import boto3\nprint(boto3.Session(profile_name='prod').client('s3').list_buckets())\n");
        Write("repo/scripts/retire.js", "const { execSync } = require('child_process');\nexecSync('gh repo delete acme/app --yes');\n");
        // review41: a file's text that defines a shell function (in a branch that never runs) defines nothing in the caller.
        Write("repo/scripts/shadow.py", "import os\nif False:\n    os.system('kubectl() { :; }')\n");
        // corpus28: what a script imports from beside it is read as the script is (only a refusal counts).
        Write("repo/scripts/jobs/nightly.py", "from assets import purge\n\npurge()\n");
        Write("repo/scripts/jobs/assets.py", "import boto3\n\ndef purge():\n    boto3.Session(profile_name='prod').client('s3').delete_bucket(Bucket='assets')\n");
        Write("repo/scripts/jobs/pkgjob.py", "from ops import cleanup\ncleanup.run()\n");
        Write("repo/scripts/jobs/ops/__init__.py", "");
        Write("repo/scripts/jobs/ops/cleanup.py", "import os\n\ndef run():\n    os.system(\"redis-cli -h cache.prod.example.com FLUSHALL\")\n");
        Write("repo/scripts/jobs/weekly.py", "import inventory\ninventory.show()\n");
        Write("repo/scripts/jobs/inventory.py", "import boto3\n\ndef show():\n    print(boto3.Session(profile_name='prod').client('s3').list_buckets())\n");
        Write("repo/scripts/jobs/retire.mjs", "import { retire } from './lib/repos.mjs';\nawait retire();\n");
        Write("repo/scripts/jobs/lib/repos.mjs", "import { execSync } from 'node:child_process';\nexport async function retire() { execSync('gh repo delete acme/app --yes'); }\n");
        Write("repo/scripts/jobs/clean.js", "const { clean } = require('./lib/clean');\nclean();\n");
        Write("repo/scripts/jobs/lib/clean.js", "module.exports.clean = () => require('child_process').execSync('kubectl --context prod-eu delete ns payments');\n");
        Write("repo/scripts/server.js", "const http = require('http');\nhttp.createServer(async (q, r) => { await fetch('https://api.example.org/items/' + q.url, { method: 'DELETE' }); r.end(); }).listen(3000);\n");
        // corpus19: stored logins (netrc, pgpass, Terraform's credentials file), request bodies, kuberc, .npmrc.
        Write("home/netrc-prod/.netrc", $"machine api.example.net login deploy password {ProductionToken}\nmachine other.example.org\n  login ops\n  password other-pass-123456\n");
        Write("home/pgpass-prod", $"# host:port:db:user:password\ndb.example.net:5432:*:app:{ProductionToken}\ndb.other.net:*:*:*:other-pass-123456\n");
        Write("home/tf-creds/.terraform.d/credentials.tfrc.json", $"{{\"credentials\": {{\"app.terraform.io\": {{\"token\": \"{ProductionToken}\"}}}}}}");
        Write("repo/body-token.json", $"{{\"name\": \"x\", \"auth\": {{\"apiKey\": \"{ProductionToken}\"}}}}");
        Write("repo/body-other.json", "{\"name\": \"x\", \"token\": \"another-token-0000000000\"}");
        Write("home/kuberc-alias", "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\ndefaults:\n- command: apply\n  options:\n  - name: prune\n    default: \"true\"\n  - name: selector\n    default: app=shop\naliases:\n- name: x\n  command: delete\n  prependArgs:\n  - namespace\n- name: getn\n  command: get\n  prependArgs: [namespace]\n  options:\n  - name: output\n    default: json\n- name: get\n  command: delete\n  prependArgs: [namespace]\n");
        Write("home/kuberc-json", "{\"apiVersion\": \"kubectl.config.k8s.io/v1beta1\", \"kind\": \"Preference\", \"aliases\": [{\"name\": \"x\", \"command\": \"delete\"}]}");
        Write("repo/npm-prod/package.json", "{ \"name\": \"@acme/lib\" }");
        Write("repo/npm-prod/.npmrc", "; the company registry\nregistry=https://npm.prod.example.com/\n@acme:registry=https://npm-acme.prod.example.com/\n");
        Write("repo/npm-prod/sub/x.txt", "x");
        Write("home/aws-prod/.aws/credentials", $"[default]\naws_access_key_id = AKIAFIXTURE\naws_secret_access_key = {ProductionToken}\n");
        // corpus18: task runners, a makefile with an include and a pattern rule, git aliases, a cron table.
        Write("repo/justfile", "db_host := \"db.prod.example.com\"\n\nbuild:\n    cargo build\n\nreset-db:\n    psql -h {{db_host}} -c 'DROP SCHEMA public CASCADE'\n\nstatus:\n    psql -h {{db_host}} -c 'SELECT 1'\n\nnuke: reset-db\n    echo nuked\n\ndel id:\n    curl -X DELETE https://api.prod.example.com/v1/volumes/{{id}}\n");
        Write("repo/Taskfile.yml", "version: '3'\nvars:\n  DB_HOST: db.prod.example.com\ntasks:\n  build:\n    cmds:\n      - go build ./...\n  db:reset:\n    cmds:\n      - psql -h {{.DB_HOST}} -c 'DROP SCHEMA public CASCADE'\n  status:\n    cmds:\n      - psql -h {{.DB_HOST}} -c 'SELECT 1'\n  nuke:\n    deps: [db:reset]\n    cmds:\n      - echo nuked\n  flush: redis-cli -h redis.prod.example.com FLUSHALL\n");
        Write("repo/mk/Makefile", "include prod.mk\n-include missing.mk\n\nbuild:\n\tgo build ./...\n\ndrop-%:\n\tpsql -h db.prod.example.com -c 'DROP TABLE $*'\n");
        Write("repo/mk/prod.mk", "secret-reset:\n\tpsql -h db.prod.example.com -c 'DROP DATABASE app'\n");
        Write("repo/mk2/Makefile", "include $(ENV).mk\n\nbuild:\n\tgo build ./...\n");
        Write("repo/aliased/.git/config", "[core]\n\tbare = false\n[alias]\n\tnuke = !psql -h db.prod.example.com -c \\\"DROP TABLE users\\\"\n\tst = status\n\tpf = push --force origin main\n\tlg = log --oneline\n");
        Write("repo/aliased/.git/HEAD", "ref: refs/heads/main\n");
        Write("repo/jobs.cron", "MAILTO=ops@example.com\n# nightly\n0 3 * * * psql -h db.prod.example.com -c 'DELETE FROM sessions'\n");
        Write("repo/pkg/package.json", "{ \"scripts\": { \"reset\": \"cross-env PGHOST=db.prod.example.com psql -c 'DROP TABLE users'\", \"db:wipe\": \"redis-cli -h redis.prod.example.com FLUSHALL\", \"db:status\": \"psql -h db.prod.example.com -c 'SELECT 1'\", \"all\": \"run-s build db:*\", \"build\": \"tsc\", \"lint\": \"eslint .\", \"both\": \"concurrently \\\"npm:lint\\\" \\\"npm:build\\\"\" } }\n");
        Write("repo/bigjust/justfile", "reset:\n    psql -h db.prod.example.com -c 'DROP TABLE users'\n#" + new string('x', 300 * 1024) + "\n");
        Write("repo/backup.cron", "0 3 * * * /usr/local/bin/backup.sh\n");
        return root;
    }
}
