import { createHash } from "node:crypto";
import { AppError, createPeriodicTask, idempotentAnswerSealing, type SecretBox } from "@event-hub/shared";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Pool } from "pg";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  deleteIdempotencyKeysBefore,
  findIdempotencyRecord,
  releaseIdempotencyKey,
} from "./idempotency-keys-store.ts";

const IDEMPOTENCY_HEADER = "idempotency-key";
const ACCEPTABLE_KEY = /^[\x21-\x7e]{1,255}$/;

export type IdempotencyOptions = {
  db: Pool;
  /** Stored answers are sealed: several carry a secret shown once (an API key, a signing secret). */
  secrets: SecretBox;
  retentionHours: number;
  /** A claim without an answer after this long belongs to a request that crashed: a repeat takes it over. */
  inProgressSeconds: number;
};

declare module "fastify" {
  interface FastifyRequest {
    idempotencyClaim: { key: string; token: string } | undefined;
  }
}

/**
 * Creating POSTs (route config `idempotent: true`) honour `Idempotency-Key`: the first request with
 * a key claims it, its answer (2xx or 4xx) is stored, and a repeat gets that answer again with
 * `idempotent-replayed: true`. The same key with another method, path or body is refused (422);
 * a repeat while the first still runs gets 409. A 5xx frees the key so the client can retry; a
 * request that never answered (the process died) frees it after `inProgressSeconds`.
 * Keys are per API key and kept `retentionHours`. The stored answer is sealed with the SecretBox,
 * so a created API key or signing secret is never at rest in plaintext.
 */
export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  app.decorateRequest("idempotencyClaim", undefined);
  app.addHook("preHandler", async (request, reply) => {
    if (!request.routeOptions.config.idempotent) return;
    const key = headerValue(request);
    if (key === undefined) return;
    const principal = request.principal.id;
    const requestHash = hashRequest(request);
    const staleAfterSeconds = options.inProgressSeconds;
    const token = await claimIdempotencyKey(options.db, { principal, key, requestHash, staleAfterSeconds });
    if (token !== undefined) {
      request.idempotencyClaim = { key, token };
      return;
    }
    const record = await findIdempotencyRecord(options.db, principal, key);
    if (!record) throw inProgress(key, options); // released between our insert and select: a retry claims it
    if (record.request_hash !== requestHash) {
      throw new AppError(
        "error.hub.idempotencyKeyReused",
        `Idempotency-Key "${key}" was used for a different request`,
        422,
      );
    }
    if (record.status_code === null || record.response_body === null) throw inProgress(key, options);
    return reply
      .code(record.status_code)
      .header("idempotent-replayed", "true")
      .type("application/json; charset=utf-8")
      .send(openStoredAnswer(options.secrets, record.response_body, principal, key));
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (claim === undefined) return payload;
    const principal = request.principal.id;
    if (reply.statusCode >= 500 || typeof payload !== "string") {
      await releaseIdempotencyKey(options.db, { principal, ...claim });
    } else {
      await completeIdempotencyKey(options.db, {
        principal,
        ...claim,
        statusCode: reply.statusCode,
        body: options.secrets.seal(payload, idempotentAnswerSealing(principal, claim.key)),
      });
    }
    return payload;
  });

  const pruneIntervalMs = Math.min(options.retentionHours * 3_600_000, 3_600_000);
  const prune = createPeriodicTask({
    name: "pruning idempotency keys",
    intervalMs: pruneIntervalMs,
    firstPassInMs: pruneIntervalMs,
    run: () =>
      deleteIdempotencyKeysBefore(options.db, new Date(Date.now() - options.retentionHours * 3_600_000)),
    logger: app.log,
    unref: true,
  });
  prune.start();
  app.addHook("onClose", prune.stop);
}

/** Answers stored before they were sealed (a JSON object, never a sealed value) replay as they are. */
function openStoredAnswer(secrets: SecretBox, stored: string, principal: string, key: string): string {
  return stored.startsWith("{") ? stored : secrets.open(stored, idempotentAnswerSealing(principal, key));
}

function headerValue(request: FastifyRequest): string | undefined {
  const value = request.headers[IDEMPOTENCY_HEADER];
  const key = Array.isArray(value) ? value[0] : value;
  if (key === undefined) return undefined;
  if (!ACCEPTABLE_KEY.test(key)) {
    throw new AppError(
      "error.hub.validation",
      "headers/idempotency-key must be 1–255 visible ASCII characters",
      400,
    );
  }
  return key;
}

/**
 * What the request asks for: the matched route with its decoded parameters and query, and the body.
 * Not the raw URL, so `/%761/keys` and `/v1/keys` (one route) are the same request.
 */
function hashRequest(request: FastifyRequest): string {
  const target = [request.method, request.routeOptions.url, request.params, request.query];
  return createHash("sha256")
    .update(`${JSON.stringify(target)}\n${JSON.stringify(request.body ?? null)}`)
    .digest("hex");
}

function inProgress(key: string, options: IdempotencyOptions): AppError {
  return new AppError(
    "error.hub.idempotencyKeyInProgress",
    `a request with Idempotency-Key "${key}" is still running; retry later ` +
      `(a request that never answers frees the key after ${options.inProgressSeconds} s)`,
    409,
  );
}
