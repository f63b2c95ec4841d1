import { describe, expect, it } from "vitest";
import { allManifestFiles, defaultOf, listFiles, readText, readYaml, SERVICES } from "./deploy-files.ts";
import { attribute, resourceBlock, variableDefaults } from "./terraform-names.ts";

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

  it("sets the same names in the manifests", () => {
    const dispatcher = readYaml("deploy/k8s/base/webhook-dispatcher.configmap.yaml")[0]?.data;
    expect(dispatcher?.PUBSUB_SUBSCRIPTION).toBe(names.dispatcher_subscription);
    expect(dispatcher?.OPERATIONS_TOPIC).toBe(names.operations_topic);
    const sync = readYaml("deploy/k8s/base/sync-worker.configmap.yaml")[0]?.data;
    expect(sync?.AUTOMATIONS_SUBSCRIPTION).toBe(names.automations_subscription);
  });

  it("gives the dispatcher's subscription ordering (the code relies on it), retries and a dead letter", () => {
    const block = resourceBlock(hcl, "google_pubsub_subscription", "dispatcher");
    expect(attribute(block, "enable_message_ordering")).toBe("true");
    expect(attribute(block, "name")).toBe("var.dispatcher_subscription");
    expect(block).toMatch(/retry_policy \{/);
    expect(attribute(block, "dead_letter_topic")).toBe("google_pubsub_topic.dead_letter.id");
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
