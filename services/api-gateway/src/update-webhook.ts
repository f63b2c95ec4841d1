import {
  AppError,
  destinationConfigSealing,
  signingSecretSealing,
  withTransaction,
  type SecretBox,
} from "@event-hub/shared";
import type { Pool } from "pg";
import { newSigningSecret } from "./create-webhook.ts";
import { buildDestination, type DestinationInput } from "./destination-input.ts";
import {
  deleteDestination,
  findDestination,
  rotateSecret,
  setDestinationEnabled,
  updateDestination,
  type DestinationRow,
} from "./store/destinations.ts";

type Deps = { db: Pool; secrets: SecretBox };

function webhookNotFound(id: string): AppError {
  return new AppError("error.hub.webhookNotFound", `no webhook "${id}"`, 404);
}

export async function findWebhook(db: Pool, id: string): Promise<DestinationRow> {
  const row = await findDestination(db, id);
  if (!row) throw webhookNotFound(id);
  return row;
}

/** PATCH: absent fields keep their value; the row is locked so two updates never interleave. */
export async function updateWebhook(
  deps: Deps,
  id: string,
  input: DestinationInput,
): Promise<{ destination: DestinationRow; warnings: string[] }> {
  return withTransaction(deps.db, async (client) => {
    const locked = await client.query(`SELECT 1 FROM destinations WHERE id = $1 FOR UPDATE`, [id]);
    const current = locked.rowCount === 1 ? await findDestination(client, id) : undefined;
    if (!current) throw webhookNotFound(id);
    const { fields, warnings } = buildDestination(
      input,
      (plain, path) => deps.secrets.seal(plain, destinationConfigSealing(id, path)),
      current,
    );
    const destination = await updateDestination(client, id, fields);
    if (!destination) throw webhookNotFound(id);
    return { destination, warnings };
  });
}

export async function setWebhookEnabled(
  db: Pool,
  id: string,
  enabled: boolean,
  reason: string | null,
): Promise<DestinationRow> {
  const row = await setDestinationEnabled(db, id, enabled, reason);
  if (!row) throw webhookNotFound(id);
  return row;
}

export async function removeWebhook(db: Pool, id: string): Promise<void> {
  if (!(await deleteDestination(db, id))) throw webhookNotFound(id);
}

/** A new signing secret (returned once); the previous ones keep signing for `graceSeconds`. */
export async function rotateWebhookSecret(
  deps: Deps,
  id: string,
  graceSeconds: number,
): Promise<{ secret: string; previousExpiresAt: Date }> {
  await findWebhook(deps.db, id);
  const secret = newSigningSecret();
  const previousExpiresAt = await withTransaction(deps.db, (client) =>
    rotateSecret(client, id, deps.secrets.seal(secret, signingSecretSealing(id)), graceSeconds),
  );
  return { secret, previousExpiresAt };
}
