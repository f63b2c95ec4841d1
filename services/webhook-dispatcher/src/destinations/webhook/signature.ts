import { createHmac } from "node:crypto";

/**
 * Standard Webhooks signature: `v1,<base64 HMAC-SHA256(id.timestamp.body)>` keyed with the base64
 * part of a `whsec_` secret. Several secrets give space-separated signatures (rotation without gaps).
 */
export function signWebhook(secrets: string[], id: string, timestampSeconds: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
      const digest = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64");
      return `v1,${digest}`;
    })
    .join(" ");
}
