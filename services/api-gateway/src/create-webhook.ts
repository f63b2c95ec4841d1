import { randomBytes } from "node:crypto";
import { AppError, isValidTriggerPattern, newId, withTransaction, type SecretBox } from "@event-hub/shared";
import type { Pool } from "pg";
import { insertDestination, type DestinationRow } from "./store/destinations.ts";

export type WebhookInput = {
  url: string;
  triggers: string[];
  connectorIds?: string[];
  description?: string;
  headers?: Record<string, string>;
  enabled?: boolean;
};

export type CreateWebhookDeps = { db: Pool; secrets: SecretBox };

/** Standard Webhooks secrets: `whsec_` + base64 of 24–64 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Creates a webhook destination with its first signing secret, which is returned once. */
export async function createWebhook(
  deps: CreateWebhookDeps,
  input: WebhookInput,
): Promise<{ destination: DestinationRow; secret: string }> {
  const invalid = input.triggers.find((pattern) => !isValidTriggerPattern(pattern));
  if (invalid !== undefined) {
    throw new AppError("error.hub.validation", `body/triggers: "${invalid}" is not a trigger pattern`, 400);
  }
  assertTargetUrl(input.url);
  const secret = newSigningSecret();
  const destination = await withTransaction(deps.db, (client) =>
    insertDestination(
      client,
      {
        id: newId("whk"),
        type: "webhook",
        description: input.description ?? "",
        enabled: input.enabled ?? true,
        triggers: input.triggers,
        connector_ids: input.connectorIds ?? null,
        config: { url: input.url, headers: input.headers ?? {} },
        ordered: false,
      },
      deps.secrets.seal(secret),
    ),
  );
  return { destination, secret };
}

/** The URL must parse once `{{trigger}}` is filled in, and be http(s) — the Connector's own rule. */
function assertTargetUrl(template: string): void {
  let url: URL;
  try {
    url = new URL(template.replace("{{trigger}}", "transport.messageReceived"));
  } catch {
    throw new AppError("error.hub.validation", `body/url: "${template}" is not a URL`, 400);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AppError("error.hub.validation", "body/url must use http or https", 400);
  }
}
