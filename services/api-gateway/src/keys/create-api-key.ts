import { randomBytes } from "node:crypto";
import { AppError, newId } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Static } from "typebox";
import { hashApiKey, type Principal } from "../auth/api-key-auth.ts";
import { connectorIdsForNew } from "../auth/connector-access.ts";
import { hasScope, isValidScopePattern } from "../auth/scopes.ts";
import { parseOptionalDateTime } from "../http/date-time-input.ts";
import type { ApiKeyInput as ApiKeyInputSchema } from "../routes/key-schemas.ts";
import { insertApiKey, type ApiKeyRow } from "./api-keys-store.ts";

export type ApiKeyInput = Static<typeof ApiKeyInputSchema>;

/**
 * Creates an API key; the key itself is returned once and stored only as its hash. A key can only
 * hand out scopes it holds itself, so `keys:write` alone never becomes `**`, and only Connectors
 * within its own list: a key limited to Connectors makes keys limited to (some of) them.
 */
export async function createApiKey(
  db: Pool,
  creator: Principal,
  input: ApiKeyInput,
): Promise<{ row: ApiKeyRow; key: string }> {
  input.scopes.forEach((scope, i) => {
    if (!isValidScopePattern(scope)) {
      throw new AppError("error.hub.validation", `body/scopes/${i}: "${scope}" is not a scope pattern`, 400);
    }
    if (!coversPattern(creator.scopes, scope)) {
      throw new AppError("error.hub.forbidden", `this API key cannot grant the scope ${scope}`, 403);
    }
  });
  const connectorIds =
    connectorIdsForNew(creator.connectorIds, input.connectorIds, "body/connectorIds") ?? null;
  const expiresAt = parseOptionalDateTime(input.expiresAt, "body/expiresAt") ?? null;
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    throw new AppError("error.hub.validation", "body/expiresAt must be in the future", 400);
  }
  const key = `hubk_${randomBytes(32).toString("base64url")}`;
  const row = await insertApiKey(db, {
    id: newId("key"),
    name: input.name,
    keyHash: hashApiKey(key),
    scopes: [...new Set(input.scopes)],
    connectorIds: connectorIds && [...new Set(connectorIds)],
    expiresAt,
  });
  return { row, key };
}

/** Whether holding `granted` covers everything the pattern `requested` would allow. */
export function coversPattern(granted: readonly string[], requested: string): boolean {
  if (!requested.includes("*")) return hasScope(granted, requested);
  return granted.some(
    (pattern) =>
      pattern === "**" ||
      pattern === requested ||
      (pattern.endsWith(":**") && requested.startsWith(pattern.slice(0, -2))),
  );
}
