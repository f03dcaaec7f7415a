using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Cloud and cluster commands that grant access: attach a policy or a role, bind a member,
/// mint a key or password, open a resource or a firewall to others. Their verbs say "attach",
/// "add", "create" (a write, which the default policy lets through even on production), but what
/// they change is whom the account trusts: an agent that grants itself (or anyone) administrator
/// on production has changed what every later check relies on. They are
/// <see cref="Effect.ServerAdmin"/>, as SQL's SUPERUSER grants are, so production pauses them for
/// a person (default.cloud:access-grant-on-production). Removing access is a delete already. One
/// table for aws, gcloud, az and kubectl; each entry names its tool, its command path (the words
/// after the tool, verb last; <c>*</c> first: any resource group before the verb) and why.</summary>
public static class AccessGrants
{
    private readonly record struct Entry(string Tool, string Path, string Why);

    private static readonly Entry[] Table =
    [
        // aws: IAM identities and credentials
        new("aws", "iam attach-user-policy", "attaches a policy to a user"),
        new("aws", "iam attach-role-policy", "attaches a policy to a role"),
        new("aws", "iam attach-group-policy", "attaches a policy to a group"),
        new("aws", "iam put-user-policy", "gives a user an inline policy"),
        new("aws", "iam put-role-policy", "gives a role an inline policy"),
        new("aws", "iam put-group-policy", "gives a group an inline policy"),
        new("aws", "iam put-user-permissions-boundary", "changes the most a user may be granted"),
        new("aws", "iam put-role-permissions-boundary", "changes the most a role may be granted"),
        new("aws", "iam add-user-to-group", "gives a user the group's permissions"),
        new("aws", "iam add-role-to-instance-profile", "gives the instances of a profile a role"),
        new("aws", "iam update-assume-role-policy", "changes who may assume a role"),
        new("aws", "iam create-policy-version", "changes what a managed policy allows"),
        new("aws", "iam set-default-policy-version", "changes what a managed policy allows"),
        new("aws", "iam create-access-key", "mints an access key"),
        new("aws", "iam update-access-key", "re-activates or deactivates an access key"),
        new("aws", "iam create-login-profile", "gives a user a console password"),
        new("aws", "iam update-login-profile", "sets a user's console password"),
        new("aws", "iam create-service-specific-credential", "mints a credential"),
        new("aws", "iam upload-ssh-public-key", "adds an SSH key to a user"),
        new("aws", "sso-admin create-account-assignment", "gives a user or group an account's permission set"),
        new("aws", "sso-admin attach-managed-policy-to-permission-set", "widens a permission set"),
        new("aws", "sso-admin put-inline-policy-to-permission-set", "changes a permission set"),
        // aws: resource policies and network openings
        new("aws", "s3api put-bucket-policy", "changes who may use the bucket"),
        new("aws", "s3api put-bucket-acl", "changes who may use the bucket"),
        new("aws", "s3api put-object-acl", "changes who may read the object"),
        new("aws", "s3api put-public-access-block", "changes whether the bucket may be public"),
        new("aws", "kms put-key-policy", "changes who may use the key"),
        new("aws", "kms create-grant", "lets another principal use the key"),
        new("aws", "lambda add-permission", "lets another principal invoke the function"),
        new("aws", "sqs add-permission", "lets another account use the queue"),
        new("aws", "sns add-permission", "lets another account use the topic"),
        new("aws", "ecr set-repository-policy", "changes who may pull or push"),
        new("aws", "secretsmanager put-resource-policy", "changes who may read the secret"),
        new("aws", "ec2 authorize-security-group-ingress", "opens the servers of a security group to more addresses"),
        new("aws", "ec2 modify-snapshot-attribute", "shares a disk snapshot"),
        new("aws", "rds modify-db-snapshot-attribute", "shares a database snapshot"),
        // gcloud: any resource's IAM policy, service-account keys, custom roles
        new("gcloud", "* add-iam-policy-binding", "binds a member to a role"),
        new("gcloud", "* set-iam-policy", "replaces who may do what"),
        new("gcloud", "iam service-accounts keys create", "mints a service-account key"),
        new("gcloud", "iam service-accounts keys upload", "adds a service-account key"),
        new("gcloud", "iam roles update", "changes what a role allows"),
        new("gcloud", "compute firewall-rules create", "opens the network to more addresses"),
        new("gcloud", "compute firewall-rules update", "changes what the network lets in"),
        // az: role assignments and definitions, app and service-principal credentials
        new("az", "role assignment create", "gives a principal a role"),
        new("az", "role definition create", "defines a role"),
        new("az", "role definition update", "changes what a role allows"),
        new("az", "ad sp create-for-rbac", "creates a service principal with a role and a secret"),
        new("az", "ad app credential reset", "sets an app's secret"),
        new("az", "ad sp credential reset", "sets a service principal's secret"),
        new("az", "ad app permission grant", "grants an app API permissions"),
        new("az", "ad app permission admin-consent", "consents to an app's permissions for the tenant"),
        new("az", "ad app federated-credential create", "lets outside tokens sign in as the app"),
        new("az", "ad group member add", "gives a member the group's access"),
        new("az", "keyvault set-policy", "changes who may read the vault's secrets"),
        new("az", "network nsg rule create", "opens the network to more addresses"),
        // kubectl: RBAC bindings and certificates
        new("kubectl", "create clusterrolebinding", "binds a subject to a cluster role"),
        new("kubectl", "create rolebinding", "binds a subject to a role"),
        new("kubectl", "certificate approve", "approves a client certificate (a credential for the cluster)"),
    ];

    /// <summary><see cref="Effect.ServerAdmin"/> with evidence when <paramref name="path"/> (the
    /// command's words after <paramref name="tool"/>, verb last, resource names left out) grants
    /// access; else <paramref name="effect"/>. Called only for commands read as a write or an
    /// unknown effect: it never lowers one (a reset that deletes old secrets stays a wipe).</summary>
    public static Effect Apply(string tool, string path, Effect effect, List<Evidence> evidence)
    {
        if (effect is not (Effect.Write or Effect.Unknown)) return effect;
        foreach (var e in Table)
        {
            if (e.Tool != tool) continue;
            bool match = e.Path.StartsWith("* ", StringComparison.Ordinal)
                ? path.AsSpan().EndsWith(e.Path.AsSpan(1), StringComparison.Ordinal) || path == e.Path[2..]
                : path == e.Path;
            if (!match) continue;
            evidence.Add(new(path, $"{e.Why}: grants access (server-admin)"));
            return Effect.ServerAdmin;
        }
        return effect;
    }
}
