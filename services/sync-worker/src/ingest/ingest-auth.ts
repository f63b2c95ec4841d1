import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { AppError } from "@event-hub/shared";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Pool } from "pg";
import type { Logger } from "pino";
import type { ConnectorRegistry, IngestCredential } from "./connector-registry.ts";
import type { FailedCredentialLimiter } from "./failed-credential-limiter.ts";
import { createRecentLookups, type RecentLookups } from "./recent-lookups.ts";
import { findIngestCredential } from "../store/connectors.ts";

/** The header the Connector's webhooks module sends with `authentication: {type: "ApiKey"}`. */
const INGEST_CREDENTIAL_HEADER = "x-api-key";

export type IngestAuthDeps = {
  db: Pool;
  registry: ConnectorRegistry;
  limiter: FailedCredentialLimiter;
  logger: Logger;
  /** How old a credential read from Postgres may be and still accept an event (0: ask every time). */
  credentialMaxAgeMs: number;
};

// An unknown Connector is compared against this, so it costs what a wrong credential costs.
const DUMMY_KEY_HASH = createHash("sha256").update(randomBytes(32)).digest("hex");

/**
 * The ingest route's onRequest hook: it runs before fastify reads the body, so a stranger's body
 * (up to the Pub/Sub limit) is never read or parsed. Unknown Connector and wrong or missing
 * credential answer the same 401, so Connector ids cannot be probed; only the right credential
 * learns that its Connector is disabled (403). An address with too many failures gets 429 before
 * anything is looked up. Every refusal closes the connection, so an unread body is not drained.
 */
export function ingestAuthHook(deps: IngestAuthDeps) {
  const lookups = createRecentLookups<IngestCredential | undefined>();
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const retryAfter = deps.limiter.retryAfterSeconds(request.ip, Date.now());
    if (retryAfter > 0) {
      reply.header("retry-after", String(retryAfter)).header("connection", "close");
      throw new AppError(
        "error.hub.tooManyRequests",
        `too many failed ingest credentials from this address; retry in ${retryAfter} s`,
        429,
      );
    }
    const { connectorId } = request.params as { connectorId: string };
    try {
      await authenticateConnector(deps, lookups, connectorId, presentedCredential(request));
    } catch (error) {
      if (error instanceof AppError && error.statusCode === 401) {
        deps.limiter.recordFailure(request.ip, Date.now());
      }
      reply.header("connection", "close");
      throw error;
    }
  };
}

function presentedCredential(request: FastifyRequest): string {
  const value = request.headers[INGEST_CREDENTIAL_HEADER];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

async function authenticateConnector(
  deps: IngestAuthDeps,
  lookups: RecentLookups<IngestCredential | undefined>,
  connectorId: string,
  credential: string,
) {
  const presented = createHash("sha256").update(credential).digest();
  const accepts = (known: IngestCredential | undefined) =>
    known?.enabled === true && credential !== "" && matchesHash(presented, known.keyHash);
  // Only an acceptance may come from an answer asked before this request (the copy, or a lookup
  // another request started): a refusal is always Postgres's word asked for this request, so a rotated
  // credential works at once, while a revoked or disabled one is refused within the max age.
  if (deps.credentialMaxAgeMs > 0) {
    const since = Date.now() - deps.credentialMaxAgeMs;
    if (accepts(deps.registry.ingestCredentialAskedSince(connectorId, since))) return;
    const shared = lookups.lookUp(connectorId, since, () => lookUpIngestCredential(deps, connectorId));
    const answer = await shared.answer.catch(() => undefined);
    if (accepts(answer)) return;
    if (!shared.isJoined)
      return refuseUnlessAccepted(connectorId, presented, credential, await shared.answer);
  }
  return refuseUnlessAccepted(
    connectorId,
    presented,
    credential,
    await lookUpIngestCredential(deps, connectorId),
  );
}

/** Throws the refusal that Postgres's answer `known` calls for; returns when it accepts. */
function refuseUnlessAccepted(
  connectorId: string,
  presented: Buffer,
  credential: string,
  known: IngestCredential | undefined,
): void {
  const matches = matchesHash(presented, known?.keyHash ?? DUMMY_KEY_HASH);
  if (!known || !credential || !matches) {
    throw new AppError("error.hub.unauthorized", "the ingest credential is missing or wrong", 401);
  }
  if (!known.enabled) {
    throw new AppError(
      "error.hub.connectorDisabled",
      `Connector "${connectorId}" is disabled; its events are not accepted`,
      403,
    );
  }
}

function matchesHash(presented: Buffer, storedHex: string): boolean {
  const stored = Buffer.from(storedHex, "hex");
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** Postgres first; its last known copy only when Postgres does not answer. */
async function lookUpIngestCredential(
  deps: IngestAuthDeps,
  connectorId: string,
): Promise<IngestCredential | undefined> {
  try {
    const askedAt = Date.now();
    const row = await findIngestCredential(deps.db, connectorId);
    const credential = row && { keyHash: row.ingest_key_hash, enabled: row.enabled };
    deps.registry.remember(connectorId, credential, askedAt);
    return credential;
  } catch (error) {
    const known = deps.registry.ingestCredential(connectorId);
    if (known !== undefined) return known;
    deps.logger.error(
      { err: error, connectorId },
      "cannot check the ingest credential: Postgres unavailable",
    );
    throw new AppError(
      "error.hub.ingest.unavailable",
      "the ingest credential cannot be checked right now; send the event again",
      503,
    );
  }
}
