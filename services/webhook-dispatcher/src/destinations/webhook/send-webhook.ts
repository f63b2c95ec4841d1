import {
  destinationConfigSealing,
  type SecretBox,
  type StoredTargetAuthentication,
  type WebhookDestinationConfig,
  type ClaimedDelivery,
} from "@event-hub/shared";
import {
  abortedByLease,
  LEASE_LOST_BEFORE_SEND,
  type DeliveryLease,
  type NotSent,
} from "../../deliver/lease-keeper.ts";
import type { TokenCache } from "./oauth2-token-cache.ts";
import { prepareWebhookRequest } from "./prepare.ts";
import { configFailure, type SendResult } from "../../deliver/send-result.ts";
import { openSigningSecrets } from "../signing-secrets.ts";
import type { Sender } from "./send.ts";

export type WebhookDeps = { sender: Sender; tokens: TokenCache; secrets: SecretBox };

export type WebhookTarget = {
  id: string;
  config: WebhookDestinationConfig;
  timeoutMs: number;
  sealedSecrets: string[];
};

/**
 * Webhook destination: prepare (body, auth, signature) → send (SSRF-guarded, timeout, no redirects).
 * The token fetch may take up to the timeout, so the lease is checked after it, just before the
 * POST leaves; the POST is aborted if the lease is lost while it is in flight.
 */
export async function sendWebhook(
  deps: WebhookDeps,
  delivery: ClaimedDelivery,
  target: WebhookTarget,
  now: Date,
  lease: DeliveryLease,
): Promise<SendResult | NotSent> {
  const opened = openSigningSecrets(deps.secrets, target);
  if (!opened.ok) return opened.failure;
  const auth = await authenticationHeaders(deps, target, target.config.authentication);
  if (!auth.ok) return auth.failure;
  const request = prepareWebhookRequest(
    delivery,
    { ...target.config, timeoutMs: target.timeoutMs },
    opened.secrets,
    now,
    target.timeoutMs,
    auth.headers,
  );
  if (!lease.isHeld()) return LEASE_LOST_BEFORE_SEND;
  const result = abortedByLease(await deps.sender.send({ ...request, signal: lease.signal }), lease);
  const authentication = target.config.authentication;
  if (result.kind === "response" && result.status === 401 && authentication?.type === "OAuth2")
    deps.tokens.invalidate(tokenKey(target.id, authentication));
  return result;
}

type AuthHeaders = { ok: true; headers: Record<string, string> } | { ok: false; failure: SendResult };

/** The Connector's target authentication: ApiKey header, or an OAuth2 client-credentials bearer token. */
async function authenticationHeaders(
  deps: WebhookDeps,
  target: WebhookTarget,
  authentication: StoredTargetAuthentication | undefined,
): Promise<AuthHeaders> {
  if (!authentication) return { ok: true, headers: {} };
  try {
    if (authentication.type === "ApiKey")
      return {
        ok: true,
        headers: {
          [authentication.headerName]: deps.secrets.open(
            authentication.apiKeySealed,
            sealedIn(target, "apiKeySealed"),
          ),
        },
      };
    const started = performance.now();
    const token = await deps.tokens.get(
      tokenKey(target.id, authentication),
      {
        accessTokenUrl: authentication.accessTokenUrl,
        clientId: authentication.clientId,
        clientSecret: deps.secrets.open(
          authentication.clientSecretSealed,
          sealedIn(target, "clientSecretSealed"),
        ),
        ...(authentication.scope ? { scope: authentication.scope } : {}),
      },
      target.timeoutMs,
    );
    if (token.ok) return { ok: true, headers: { authorization: `Bearer ${token.token}` } };
    const durationMs = Math.round(performance.now() - started);
    return {
      ok: false,
      failure: { kind: "failure", failure: token.failure, message: token.message, durationMs },
    };
  } catch (error) {
    return {
      ok: false,
      failure: configFailure(`the target credential cannot be opened: ${(error as Error).message}`),
    };
  }
}

/** A changed token URL or client gets a token of its own. */
function tokenKey(destinationId: string, auth: { accessTokenUrl: string; clientId: string }): string {
  return `${destinationId} ${auth.accessTokenUrl} ${auth.clientId}`;
}

const sealedIn = (target: WebhookTarget, field: "apiKeySealed" | "clientSecretSealed") =>
  destinationConfigSealing(target.id, `authentication.${field}`);
