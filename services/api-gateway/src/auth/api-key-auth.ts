import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@event-hub/shared";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Pool } from "pg";
import { findActiveApiKeyByHash } from "../keys/api-keys-store.ts";
import type { ConnectorAccess } from "./connector-access.ts";
import { hasScope } from "./scopes.ts";

/**
 * Who sent a request: the bootstrap admin key (`admin`) or a stored key's id, with its scopes and
 * the Connectors it is limited to (null: every Connector).
 */
export type Principal = { id: string; scopes: readonly string[]; connectorIds: ConnectorAccess };

/**
 * The scope a route needs: fixed, or derived from the request (the Core API proxy). A list means
 * any of them, as the Connector's `@Security([...])` (`core:requests` or `core:requests:incoming`).
 */
type Scopes = string | readonly string[];
export type RequiredScope = Scopes | ((request: FastifyRequest) => Scopes);

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Every /v1 route declares one (or `public`); the v1 plugin refuses a route without either. */
    scope?: RequiredScope;
    /** A /v1 route open without a key (none today); it gets a principal that sees nothing. */
    public?: boolean;
    /** Creating POSTs: an Idempotency-Key header replays the first answer. */
    idempotent?: boolean;
  }
}

export type AuthOptions = { db: Pool; headerName: string; adminApiKey: string };

const ADMIN_PRINCIPAL: Principal = { id: "admin", scopes: ["**"], connectorIds: null };
/** A public route's caller: no scopes, no Connectors. */
const ANONYMOUS_PRINCIPAL: Principal = { id: "anonymous", scopes: [], connectorIds: [] };

/** SHA-256 hex, how stored keys are kept (192 random bits need no slow hash). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/**
 * Every route of the plugin this is registered in needs an API key in the configured header (401)
 * whose scopes cover the matched route's declared scope (403). Runs at onRequest, before
 * validation, so an unauthenticated caller learns nothing about the body rules. It never looks at
 * the URL: fastify runs it only for the routes of its plugin, after the router matched one.
 * The admin key is compared as digests with timingSafeEqual.
 */
export function registerApiKeyAuth(app: FastifyInstance, options: AuthOptions): void {
  const header = options.headerName.toLowerCase();
  const adminDigest = createHash("sha256").update(options.adminApiKey).digest();
  app.decorateRequest("principal", null as unknown as Principal); // set for every request of the plugin
  app.addHook("onRequest", async (request) => {
    const config = request.routeOptions.config;
    if (config.public === true) {
      request.principal = ANONYMOUS_PRINCIPAL;
      return;
    }
    const presented = request.headers[header];
    const key = Array.isArray(presented) ? presented[0] : presented;
    request.principal = await authenticate(options.db, adminDigest, key, header);
    const scope = config.scope;
    const required = [typeof scope === "function" ? scope(request) : (scope ?? [])].flat();
    if (!required.some((one) => hasScope(request.principal.scopes, one))) {
      throw new AppError(
        "error.hub.forbidden",
        `this API key lacks the scope ${required.join(" or ") || "(undeclared)"} for ${request.method} ${request.routeOptions.url}`,
        403,
      );
    }
  });
}

async function authenticate(
  db: Pool,
  adminDigest: Buffer,
  key: string | undefined,
  header: string,
): Promise<Principal> {
  if (key) {
    const digest = createHash("sha256").update(key).digest();
    if (timingSafeEqual(digest, adminDigest)) return ADMIN_PRINCIPAL;
    const stored = await findActiveApiKeyByHash(db, digest.toString("hex"));
    if (stored) return { id: stored.id, scopes: stored.scopes, connectorIds: stored.connector_ids };
  }
  throw new AppError("error.hub.unauthorized", `a valid API key is required in header ${header}`, 401);
}
