import { describe, expect, it } from "vitest";
import { allManifestFiles, defaultOf, listFiles, readText, readYaml, SERVICES } from "./deploy-files.ts";
import { hubPubSubLayout, loadPubSubConfig } from "@event-hub/shared";
import { attribute, nestedBlock, resourceBlock, variableDefaults } from "./terraform-names.ts";

const hcl = listFiles("deploy/terraform", ".tf")
  .map((path) => readText(path))
  .join("\n");
const names = variableDefaults(hcl);

describe("deploy/terraform", () => {
  it("names the Pub/Sub resources as the services do by default", () => {
    const topic = defaultOf("sync-worker", "PUBSUB_TOPIC");
    expect(names.events_topic).toBe(topic);
    for (const service of SERVICES) expect(defaultOf(service, "PUBSUB_TOPIC")).toBe(topic);
    expect(names.dispatcher_subscription).toBe(defaultOf("webhook-dispatcher", "PUBSUB_SUBSCRIPTION"));
    expect(names.operations_topic).toBe(defaultOf("webhook-dispatcher", "OPERATIONS_TOPIC"));
    // sync-worker's empty AUTOMATIONS_SUBSCRIPTION means <PUBSUB_TOPIC>-sync-worker-automations.
    expect(names.automations_subscription).toBe(`${topic}-sync-worker-automations`);
    expect(names.dead_letter_topic).toBe(`${topic}-dead-letter`);
  });

  it("declares every topic and subscription the services provision (hub-pubsub-layout.ts), as they create them", () => {
    const layout = hubPubSubLayout(loadPubSubConfig({}));
    const resources = pubsubResources(hcl, names);
    for (const topic of layout.topics) expect(resources.topics.has(topic), topic).toBe(true);
    for (const subscription of layout.subscriptions) {
      const declared = resources.subscriptions.get(subscription.name);
      expect(declared, subscription.name).toBeDefined();
      expect(declared?.topic).toBe(subscription.topic);
      expect(declared?.isOrdered).toBe(subscription.settings.enableMessageOrdering ?? false);
      expect(declared?.ackDeadlineSeconds).toBe(subscription.settings.ackDeadlineSeconds);
    }
  });

  it("sets the same names in the manifests", () => {
    const dispatcher = readYaml("deploy/k8s/base/webhook-dispatcher.configmap.yaml")[0]?.data;
    expect(dispatcher?.PUBSUB_SUBSCRIPTION).toBe(names.dispatcher_subscription);
    expect(dispatcher?.OPERATIONS_TOPIC).toBe(names.operations_topic);
    const sync = readYaml("deploy/k8s/base/sync-worker.configmap.yaml")[0]?.data;
    expect(sync?.AUTOMATIONS_SUBSCRIPTION).toBe(names.automations_subscription);
    // sync-worker publishes only while the dispatcher's subscription exists: it must name the same one.
    expect(sync?.PUBSUB_SUBSCRIPTION).toBe(names.dispatcher_subscription);
  });

  it("gives the dispatcher's subscription ordering (the code relies on it), retries and a dead letter", () => {
    const block = resourceBlock(hcl, "google_pubsub_subscription", "dispatcher");
    expect(attribute(block, "enable_message_ordering")).toBe("true");
    expect(attribute(block, "name")).toBe("var.dispatcher_subscription");
    expect(block).toMatch(/retry_policy \{/);
    expect(attribute(block, "dead_letter_topic")).toBe("google_pubsub_topic.dead_letter.id");
  });

  it("encrypts the secrets with a Cloud KMS key when one is given, and lets Secret Manager use it", () => {
    const secret = resourceBlock(hcl, "google_secret_manager_secret", "hub");
    const cmek = nestedBlock(nestedBlock(secret, "auto") ?? "", 'dynamic "customer_managed_encryption"');
    expect(attribute(cmek ?? "", "for_each")).toBe('var.secrets_kms_key == "" ? [] : [var.secrets_kms_key]');
    const grant = resourceBlock(hcl, "google_kms_crypto_key_iam_member", "secret_manager");
    expect(attribute(grant, "crypto_key_id")).toBe("var.secrets_kms_key");
    expect(attribute(grant, "role")).toBe("roles/cloudkms.cryptoKeyEncrypterDecrypter");
    expect(attribute(grant, "member")).toContain("@gcp-sa-secretmanager.iam.gserviceaccount.com");
    expect(names.secrets_kms_key).toBe("");
  });

  it("alerts on the subscriptions the services consume, and on dead letters", () => {
    const filterOf = (name: string) =>
      attribute(resourceBlock(hcl, "google_monitoring_alert_policy", name), "filter");
    const watches = (name: string, subscription: string, metric: string) => {
      const filter = filterOf(name) ?? "";
      expect(filter).toContain(`resource.labels.subscription_id = \\"${subscription}\\"`);
      expect(filter).toContain(`metric.type = \\"pubsub.googleapis.com/subscription/${metric}\\"`);
    };
    watches("backlog_age", "${each.value.subscription}", "oldest_unacked_message_age");
    watches(
      "events_dead_lettered",
      "${google_pubsub_subscription.dead_letter.name}",
      "num_undelivered_messages",
    );
    const backlog = nestedBlock(hcl, "backlog_alerts") ?? "";
    expect(attribute(nestedBlock(backlog, "events_not_stored") ?? "", "subscription")).toBe(
      "var.dispatcher_subscription",
    );
    expect(attribute(nestedBlock(backlog, "automations_behind") ?? "", "subscription")).toBe(
      "var.automations_subscription",
    );
    expect(attribute(resourceBlock(hcl, "google_pubsub_subscription", "dead_letter"), "topic")).toBe(
      "google_pubsub_topic.dead_letter.id",
    );
    for (const policy of ["backlog_age", "events_dead_lettered"]) {
      const block = resourceBlock(hcl, "google_monitoring_alert_policy", policy);
      expect(attribute(block, "notification_channels")).toBe("var.alert_notification_channels");
      // Alert durations must be whole minutes.
      expect(Number(/^(\d+)s$/.exec(attribute(block, "duration") ?? "")?.[1]) % 60).toBe(0);
    }
  });

  it("grants each service account only its own Pub/Sub roles", () => {
    const grant = (type: string, name: string) => resourceBlock(hcl, type, name);
    const syncPublish = grant("google_pubsub_topic_iam_member", "sync_worker_publisher");
    expect(attribute(syncPublish, "topic")).toBe("google_pubsub_topic.events.id");
    expect(attribute(syncPublish, "role")).toBe("roles/pubsub.publisher");
    const dispatcher = grant("google_pubsub_subscription_iam_member", "dispatcher_subscriber");
    expect(attribute(dispatcher, "subscription")).toBe("google_pubsub_subscription.dispatcher.id");
    expect(attribute(dispatcher, "role")).toBe("roles/pubsub.subscriber");
    const gateway = grant("google_project_iam_member", "api_gateway_subscriptions");
    expect(attribute(gateway, "role")).toBe("google_project_iam_custom_role.subscription_admin.id");
    expect(hcl).not.toMatch(/roles\/(owner|editor|pubsub\.admin|pubsub\.editor)"/);
  });

  it("lets the Pub/Sub service agent dead-letter the dispatcher's messages", () => {
    // dead_letter_policy: the agent must publish to the dead-letter topic and ack on the source.
    expect(hcl).toMatch(
      /"serviceAccount:service-\$\{data\.google_project\.this\.number\}@gcp-sa-pubsub\.iam\.gserviceaccount\.com"/,
    );
    const publisher = resourceBlock(hcl, "google_pubsub_topic_iam_member", "dead_letter_publisher");
    expect(attribute(publisher, "topic")).toBe("google_pubsub_topic.dead_letter.id");
    expect(attribute(publisher, "role")).toBe("roles/pubsub.publisher");
    expect(attribute(publisher, "member")).toBe("local.pubsub_agent");
    const source = resourceBlock(hcl, "google_pubsub_subscription_iam_member", "dead_letter_source");
    expect(attribute(source, "subscription")).toBe("google_pubsub_subscription.dispatcher.id");
    expect(attribute(source, "role")).toBe("roles/pubsub.subscriber");
    expect(attribute(source, "member")).toBe("local.pubsub_agent");
  });

  it("binds each service's Kubernetes service account in the overlay's namespace (Workload Identity)", () => {
    const binding = resourceBlock(hcl, "google_service_account_iam_member", "workload_identity");
    expect(attribute(binding, "role")).toBe("roles/iam.workloadIdentityUser");
    expect(attribute(binding, "member")).toBe(
      "serviceAccount:${var.project_id}.svc.id.goog[${var.gke_namespace}/${each.key}]",
    );
    const overlay = readYaml("deploy/k8s/overlays/gke/kustomization.yaml")[0] as unknown as {
      namespace: string;
    };
    expect(names.gke_namespace).toBe(overlay.namespace);
  });

  it("lets External Secrets Operator read exactly the secrets the gke overlay's ExternalSecrets name", () => {
    const remoteKeys = listFiles("deploy/k8s/overlays/gke", ".external-secret.yaml")
      .flatMap((path) => readYaml(path))
      .flatMap((m) => (m.spec as { data: { remoteRef: { key: string } }[] }).data)
      .map((entry) => entry.remoteRef.key);
    const listed = /gke_secrets = \[([^\]]*)\]/.exec(hcl)?.[1] ?? "";
    const gkeSecrets = [...listed.matchAll(/"([\w-]+)"/g)].map((m) => m[1]);
    expect([...new Set(remoteKeys)].sort()).toEqual([...gkeSecrets].sort());
    const access = resourceBlock(hcl, "google_secret_manager_secret_iam_member", "external_secrets");
    expect(attribute(access, "for_each")).toBe("var.enable_gke ? toset(local.gke_secrets) : toset([])");
    expect(attribute(access, "role")).toBe("roles/secretmanager.secretAccessor");
    expect(attribute(access, "member")).toBe("google_service_account.external_secrets[0].member");
    const account = resourceBlock(hcl, "google_service_account", "external_secrets");
    expect(attribute(account, "count")).toBe("var.enable_gke ? 1 : 0");
    const binding = resourceBlock(
      hcl,
      "google_service_account_iam_member",
      "external_secrets_workload_identity",
    );
    expect(attribute(binding, "count")).toBe("var.enable_gke ? 1 : 0");
    expect(attribute(binding, "role")).toBe("roles/iam.workloadIdentityUser");
    expect(attribute(binding, "member")).toBe(
      "serviceAccount:${var.project_id}.svc.id.goog[${var.external_secrets_namespace}/external-secrets]",
    );
  });

  it("lets the Custom Metrics Stackdriver Adapter read Cloud Monitoring, and GKE nodes pull images", () => {
    const adapter = resourceBlock(hcl, "google_project_iam_member", "custom_metrics_adapter");
    expect(attribute(adapter, "count")).toBe("var.enable_gke ? 1 : 0");
    expect(attribute(adapter, "role")).toBe("roles/monitoring.viewer");
    expect(attribute(adapter, "member")).toMatch(
      /^principal:\/\/iam\.googleapis\.com\/projects\/\$\{data\.google_project\.this\.number\}\/locations\/global\/workloadIdentityPools\/\$\{var\.project_id\}\.svc\.id\.goog\/subject\/ns\/custom-metrics\/sa\/custom-metrics-stackdriver-adapter$/,
    );
    const repository = resourceBlock(hcl, "google_artifact_registry_repository", "images");
    expect(attribute(repository, "format")).toBe("DOCKER");
    expect(names.artifact_repository).toBe("event-hub");
    const pull = resourceBlock(hcl, "google_artifact_registry_repository_iam_member", "gke_nodes");
    expect(attribute(pull, "count")).toBe("var.enable_gke ? 1 : 0");
    expect(attribute(pull, "role")).toBe("roles/artifactregistry.reader");
    // The README's skaffold --default-repo is this repository.
    expect(readText("deploy/README.md")).toContain(
      `--default-repo=$REGION-docker.pkg.dev/$PROJECT_ID/${names.artifact_repository}`,
    );
  });

  it("uses provider features that exist in the versions it allows", () => {
    const versions = readText("deploy/terraform/versions.tf");
    const random = nestedBlock(versions, "random") ?? "";
    // random_bytes appeared in hashicorp/random 3.6.0 (its CHANGELOG).
    if (hcl.includes('resource "random_bytes"'))
      expect(attribute(random, "version")).toMatch(/>= 3\.([6-9]|\d\d)/);
    const google = nestedBlock(versions, "google") ?? "";
    expect(attribute(google, "version")).toMatch(/^>= [67]\./);
    // require_ssl was removed in 6.0.1; ssl_mode replaces it. Secret replication is auto {} since 5.0.
    expect(hcl).not.toMatch(/require_ssl|automatic\s*=/);
    const sql = resourceBlock(hcl, "google_sql_database_instance", "hub");
    // PostgreSQL 16+ defaults to ENTERPRISE_PLUS, which rejects db-custom-* tiers.
    expect(attribute(sql, "edition")).toBe("ENTERPRISE");
  });

  it("creates the service accounts, Cloud SQL instance and secrets the manifests name", () => {
    expect(hcl).toContain('services = toset(["sync-worker", "webhook-dispatcher", "api-gateway"])');
    const manifests = allManifestFiles()
      .map((file) => readText(file.path))
      .join("\n");
    for (const account of manifests.matchAll(/([\w-]+)@PROJECT_ID\.iam\.gserviceaccount\.com/g)) {
      expect(SERVICES as readonly string[]).toContain(account[1]);
    }
    for (const connection of manifests.matchAll(/PROJECT_ID:REGION:([\w-]+)/g)) {
      expect(connection[1]).toBe(names.sql_instance);
    }
    const secrets = [...hcl.matchAll(/^\s*"(event-hub-[\w-]+)"\s*=\s*\[/gm)].map((m) => m[1]);
    const referenced = new Set([
      ...[...manifests.matchAll(/key: (event-hub-[\w-]+)/g)].map((m) => m[1]),
      ...[...manifests.matchAll(/name: (event-hub-[\w-]+)\n\s+key: latest/g)].map((m) => m[1]),
    ]);
    expect(referenced.size).toBeGreaterThan(0);
    for (const secret of referenced) expect(secrets).toContain(secret);
  });
});

type DeclaredSubscription = { topic: string; isOrdered: boolean; ackDeadlineSeconds?: number };

/** The Pub/Sub topics and subscriptions of the .tf files, by name (variable defaults resolved). */
function pubsubResources(text: string, defaults: Record<string, string>) {
  const resolve = (value: string) =>
    value
      .replace(/^var\.(\w+)$/, (_, name: string) => defaults[name] ?? "")
      .replace(/\$\{var\.(\w+)\}/g, (_, name: string) => defaults[name] ?? "");
  const blocks = (type: string) =>
    [...text.matchAll(new RegExp(`^resource "${type}" "(\\w+)" \\{\\n([\\s\\S]*?)^\\}`, "gm"))].map(
      (match) => ({ key: match[1] ?? "", body: match[2] ?? "" }),
    );
  const topicByKey = new Map(
    blocks("google_pubsub_topic").map(({ key, body }) => [key, resolve(attribute(body, "name") ?? "")]),
  );
  const subscriptions = new Map<string, DeclaredSubscription>();
  for (const { body } of blocks("google_pubsub_subscription")) {
    const topicKey = /^google_pubsub_topic\.(\w+)\.id$/.exec(attribute(body, "topic") ?? "")?.[1] ?? "";
    const ackDeadline = attribute(body, "ack_deadline_seconds");
    subscriptions.set(resolve(attribute(body, "name") ?? ""), {
      topic: topicByKey.get(topicKey) ?? "",
      isOrdered: attribute(body, "enable_message_ordering") === "true",
      ...(ackDeadline === undefined ? {} : { ackDeadlineSeconds: Number(ackDeadline) }),
    });
  }
  return { topics: new Set(topicByKey.values()), subscriptions };
}
