import { randomBytes } from "node:crypto";
import {
  destinationConfigSealing,
  newId,
  signingSecretSealing,
  withTransaction,
  type SecretBox,
} from "@event-hub/shared";
import type { Pool } from "pg";
import { connectorIdsForNew, type ConnectorAccess } from "../auth/connector-access.ts";
import { buildDestination, type DestinationInput, type SealField } from "./destination-input.ts";
import { insertDestination, type DestinationRow } from "./destinations-store.ts";

export type CreateWebhookDeps = { db: Pool; secrets: SecretBox };

export type CreatedDestination = { destination: DestinationRow; secret: string; warnings: string[] };

/** Standard Webhooks secrets: `whsec_` + base64 of 24–64 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * Creates destinations (each with its first signing secret, returned once) in one transaction.
 * A key limited to Connectors creates destinations limited to them: absent `connectorIds` takes
 * the key's list, a wider one is a 403.
 */
export async function createDestinations(
  deps: CreateWebhookDeps,
  inputs: readonly DestinationInput[],
  access: ConnectorAccess,
): Promise<CreatedDestination[]> {
  // Ids first: every sealed value is bound to its row (secrets/sealed-columns.ts in shared).
  const built = inputs.map((input) => {
    const id = newId("whk");
    const seal: SealField = (plain, path) => deps.secrets.seal(plain, destinationConfigSealing(id, path));
    const connectorIds = connectorIdsForNew(access, input.connectorIds, "body/connectorIds");
    return { id, ...buildDestination(connectorIds === undefined ? input : { ...input, connectorIds }, seal) };
  });
  return withTransaction(deps.db, async (client) => {
    const created: CreatedDestination[] = [];
    for (const { id, fields, warnings } of built) {
      const secret = newSigningSecret();
      const sealedSecret = deps.secrets.seal(secret, signingSecretSealing(id));
      const destination = await insertDestination(client, id, fields, sealedSecret);
      created.push({ destination, secret, warnings });
    }
    return created;
  });
}

export async function createWebhook(
  deps: CreateWebhookDeps,
  input: DestinationInput,
  access: ConnectorAccess,
): Promise<CreatedDestination> {
  const [created] = await createDestinations(deps, [input], access);
  return created as CreatedDestination;
}
