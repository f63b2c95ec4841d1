import {
  AppError,
  destinationConfigSealing,
  signingSecretSealing,
  unparkDeliveries,
  withTransaction,
  type SecretBox,
} from "@event-hub/shared";
import type { Pool } from "pg";
import { checkConnectorIds, type ConnectorAccess } from "../auth/connector-access.ts";
import { newSigningSecret } from "./create-webhook.ts";
import { buildDestination, type DestinationInput } from "./destination-input.ts";
import {
  deleteDestination,
  findDestination,
  rotateSecret,
  setDestinationEnabled,
  updateDestination,
  type DestinationRow,
} from "./destinations-store.ts";

type Deps = { db: Pool; secrets: SecretBox };

/** Every function takes the caller's ConnectorAccess: a destination beyond it is "not found". */

function webhookNotFound(id: string): AppError {
  return new AppError("error.hub.webhookNotFound", `no webhook "${id}"`, 404);
}

export async function findWebhook(db: Pool, id: string, access: ConnectorAccess): Promise<DestinationRow> {
  const row = await findDestination(db, id, access);
  if (!row) throw webhookNotFound(id);
  return row;
}

/**
 * PATCH: absent fields keep their value; the row is locked so two updates never interleave. A
 * limited key may only set a Connector list within its own.
 */
export async function updateWebhook(
  deps: Deps,
  id: string,
  input: DestinationInput,
  access: ConnectorAccess,
): Promise<{ destination: DestinationRow; warnings: string[] }> {
  return withTransaction(deps.db, async (client) => {
    const current = await findDestination(client, id, access, "forUpdate");
    if (!current) throw webhookNotFound(id);
    if (input.connectorIds !== undefined) {
      input = { ...input, connectorIds: checkConnectorIds(access, input.connectorIds, "body/connectorIds") };
    }
    const { fields, warnings } = buildDestination(
      input,
      (plain, path) => deps.secrets.seal(plain, destinationConfigSealing(id, path)),
      current,
    );
    const destination = await updateDestination(client, id, fields, access);
    if (!destination) throw webhookNotFound(id);
    return { destination, warnings };
  });
}

/** Disable: no new deliveries; what waits stays pending (the dispatcher's auto-disable parks it). */
export async function disableWebhook(
  db: Pool,
  id: string,
  reason: string,
  access: ConnectorAccess,
): Promise<DestinationRow> {
  const row = await setDestinationEnabled(db, id, false, reason, access);
  if (!row) throw webhookNotFound(id);
  return row;
}

/**
 * Enable: the destination takes new events again and its parked deliveries are due again, in one
 * transaction. It does not create deliveries for events that arrived while it was disabled: that
 * needs a window and can be large, so it is `recover`'s job (see recoverDeliveries).
 */
export async function enableWebhook(
  db: Pool,
  id: string,
  access: ConnectorAccess,
): Promise<{ destination: DestinationRow; unparked: number }> {
  return withTransaction(db, async (client) => {
    const destination = await setDestinationEnabled(client, id, true, null, access);
    if (!destination) throw webhookNotFound(id);
    return { destination, unparked: await unparkDeliveries(client, id, access) };
  });
}

export async function removeWebhook(db: Pool, id: string, access: ConnectorAccess): Promise<void> {
  if (!(await deleteDestination(db, id, access))) throw webhookNotFound(id);
}

/** A new signing secret (returned once); the previous ones keep signing for `graceSeconds`. */
export async function rotateWebhookSecret(
  deps: Deps,
  id: string,
  graceSeconds: number,
  access: ConnectorAccess,
): Promise<{ secret: string; previousExpiresAt: Date }> {
  const secret = newSigningSecret();
  const previousExpiresAt = await withTransaction(deps.db, async (client) => {
    if (!(await findDestination(client, id, access, "forUpdate"))) throw webhookNotFound(id);
    return rotateSecret(client, id, deps.secrets.seal(secret, signingSecretSealing(id)), graceSeconds);
  });
  return { secret, previousExpiresAt };
}
