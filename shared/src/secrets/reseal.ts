import type { Pool, PoolClient } from "pg";
import { withTransaction } from "../db/pool.ts";
import type { SealContext, SecretBox } from "../secrets.ts";
import {
  SEALED_CONFIG_PATHS,
  connectorApiKeySealing,
  destinationConfigSealing,
  idempotentAnswerSealing,
  signingSecretSealing,
} from "./sealed-columns.ts";

/**
 * Re-seals every sealed value the hub stores with the current SECRETS_KEY, in the current (v2,
 * context-bound) format, so SECRETS_KEY_PREVIOUS can be retired. Each location is walked in
 * batches by key; a batch is one transaction that locks its rows (`FOR UPDATE`), so a service
 * writing the same row meanwhile waits rather than being overwritten. Values already current are
 * left alone, so running it again changes nothing.
 */

export type ResealCounts = { resealed: number; current: number; failed: number };

/** Counts per location (`table.column`, jsonb fields as `destinations.config.<path>`). */
export type ResealReport = Map<string, ResealCounts>;

/** A value that could not be opened: where it is, never what it holds. */
export type ResealFailure = { location: string; id: string; reason: string };

export type ResealOptions = {
  batchSize?: number;
  onFailure?: (failure: ResealFailure) => void;
};

type Outcome = { kind: "current" } | { kind: "resealed"; value: string } | { kind: "failed"; reason: string };

type Walker = (client: PoolClient, after: string | undefined, limit: number) => Promise<string | undefined>;

const DEFAULT_BATCH_SIZE = 200;

export async function resealAll(
  db: Pool,
  box: SecretBox,
  options: ResealOptions = {},
): Promise<ResealReport> {
  // Every location is reported, even with nothing stored in it.
  const report: ResealReport = new Map(
    [
      connectorApiKeySealing(""),
      signingSecretSealing(""),
      ...SEALED_CONFIG_PATHS.map((path) => destinationConfigSealing("", path)),
      idempotentAnswerSealing("", ""),
    ].map((context) => [`${context.table}.${context.column}`, { resealed: 0, current: 0, failed: 0 }]),
  );
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const record = (context: SealContext, sealed: string): Outcome => {
    const location = `${context.table}.${context.column}`;
    const counts = report.get(location) ?? { resealed: 0, current: 0, failed: 0 };
    report.set(location, counts);
    const outcome = resealValue(box, sealed, context);
    counts[outcome.kind] += 1;
    if (outcome.kind === "failed") options.onFailure?.({ location, id: context.id, reason: outcome.reason });
    return outcome;
  };
  const walkers: Walker[] = [
    (client, after, limit) => resealConnectorKeys(client, record, after, limit),
    (client, after, limit) => resealSigningSecrets(client, record, after, limit),
    (client, after, limit) => resealDestinationConfigs(client, record, after, limit),
    (client, after, limit) => resealIdempotentAnswers(client, record, after, limit),
  ];
  for (const walk of walkers) {
    let cursor: string | undefined;
    do cursor = await withTransaction(db, (client) => walk(client, cursor, batchSize));
    while (cursor !== undefined);
  }
  return report;
}

function resealValue(box: SecretBox, sealed: string, context: SealContext): Outcome {
  if (box.isCurrent(sealed)) {
    // Current key and format: it must also open where it is, or it was copied here.
    try {
      box.open(sealed, context);
      return { kind: "current" };
    } catch (error) {
      return { kind: "failed", reason: (error as Error).message };
    }
  }
  try {
    return { kind: "resealed", value: box.seal(box.open(sealed, context), context) };
  } catch (error) {
    return { kind: "failed", reason: (error as Error).message };
  }
}

type Recorder = (context: SealContext, sealed: string) => Outcome;

/** The last key of a full batch (there may be more), or undefined when the walk is done. */
const nextCursor = (keys: string[], limit: number) => (keys.length < limit ? undefined : keys.at(-1));

async function resealConnectorKeys(client: PoolClient, record: Recorder, after = "", limit: number) {
  const { rows } = await client.query<{ id: string; api_key_sealed: string }>(
    `SELECT id, api_key_sealed FROM connectors
      WHERE api_key_sealed IS NOT NULL AND id > $1 ORDER BY id LIMIT $2 FOR UPDATE`,
    [after, limit],
  );
  for (const row of rows) {
    const outcome = record(connectorApiKeySealing(row.id), row.api_key_sealed);
    if (outcome.kind === "resealed")
      await client.query(`UPDATE connectors SET api_key_sealed = $2 WHERE id = $1`, [row.id, outcome.value]);
  }
  return nextCursor(
    rows.map((row) => row.id),
    limit,
  );
}

/** The table has no key of its own: batches go by destination, a row by (destination, value). */
async function resealSigningSecrets(client: PoolClient, record: Recorder, after = "", limit: number) {
  const { rows: owners } = await client.query<{ destination_id: string }>(
    `SELECT DISTINCT destination_id FROM destination_secrets
      WHERE destination_id > $1 ORDER BY destination_id LIMIT $2`,
    [after, limit],
  );
  const ids = owners.map((row) => row.destination_id);
  const { rows } = await client.query<{ destination_id: string; secret_sealed: string }>(
    `SELECT destination_id, secret_sealed FROM destination_secrets
      WHERE destination_id = ANY($1) FOR UPDATE`,
    [ids],
  );
  for (const row of rows) {
    const outcome = record(signingSecretSealing(row.destination_id), row.secret_sealed);
    if (outcome.kind === "resealed")
      await client.query(
        `UPDATE destination_secrets SET secret_sealed = $3 WHERE destination_id = $1 AND secret_sealed = $2`,
        [row.destination_id, row.secret_sealed, outcome.value],
      );
  }
  return nextCursor(ids, limit);
}

/** Sealed fields inside the config jsonb (SEALED_CONFIG_PATHS); the row is written once if any changed. */
async function resealDestinationConfigs(client: PoolClient, record: Recorder, after = "", limit: number) {
  const { rows } = await client.query<{ id: string; config: Record<string, unknown> }>(
    `SELECT id, config FROM destinations WHERE id > $1 ORDER BY id LIMIT $2 FOR UPDATE`,
    [after, limit],
  );
  for (const row of rows) {
    let changed = false;
    for (const path of SEALED_CONFIG_PATHS) {
      const field = locate(row.config, path);
      const sealed = field?.parent[field.name];
      if (!field || typeof sealed !== "string") continue;
      const outcome = record(destinationConfigSealing(row.id, path), sealed);
      if (outcome.kind !== "resealed") continue;
      field.parent[field.name] = outcome.value;
      changed = true;
    }
    if (changed)
      await client.query(`UPDATE destinations SET config = $2 WHERE id = $1`, [row.id, row.config]);
  }
  return nextCursor(
    rows.map((row) => row.id),
    limit,
  );
}

/** The object holding the field a dotted path names, if the config has it. */
function locate(
  config: unknown,
  path: string,
): { parent: Record<string, unknown>; name: string } | undefined {
  const names = path.split(".");
  const name = names.pop() as string;
  let parent: unknown = config;
  for (const step of names) parent = isObject(parent) ? parent[step] : undefined;
  return isObject(parent) ? { parent, name } : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Stored answers; one stored before answers were sealed (a JSON object) is not a sealed value and is
 * skipped. The cursor is the JSON of the (principal, key) pair, the table's primary key.
 */
async function resealIdempotentAnswers(
  client: PoolClient,
  record: Recorder,
  after: string | undefined,
  limit: number,
) {
  const [principal, key] = after ? (JSON.parse(after) as [string, string]) : ["", ""];
  const { rows } = await client.query<{ principal: string; idempotency_key: string; response_body: string }>(
    `SELECT principal, idempotency_key, response_body FROM idempotency_keys
      WHERE (principal, idempotency_key) > ($1, $2) AND response_body IS NOT NULL
      ORDER BY principal, idempotency_key LIMIT $3 FOR UPDATE`,
    [principal, key, limit],
  );
  for (const row of rows) {
    if (row.response_body.startsWith("{")) continue;
    const outcome = record(idempotentAnswerSealing(row.principal, row.idempotency_key), row.response_body);
    if (outcome.kind === "resealed")
      await client.query(
        `UPDATE idempotency_keys SET response_body = $3 WHERE principal = $1 AND idempotency_key = $2`,
        [row.principal, row.idempotency_key, outcome.value],
      );
  }
  return nextCursor(
    rows.map((row) => JSON.stringify([row.principal, row.idempotency_key])),
    limit,
  );
}
