import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMigrations } from "../db/migrate.ts";
import { createPool } from "../db/pool.ts";
import { createSecretBox, generateSecretsKey, type SecretBox } from "../secrets.ts";
import { sealAsV1 } from "./legacy-v1-sealing.ts";
import {
  connectorApiKeySealing,
  destinationConfigSealing,
  idempotentAnswerSealing,
  signingSecretSealing,
} from "./sealed-columns.ts";

const CLI = fileURLToPath(new URL("./reseal-cli.ts", import.meta.url));
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL must be set");
const logger = { error: () => undefined };

const oldKey = generateSecretsKey();
const newKey = generateSecretsKey();
const CONNECTORS = ["con_a", "con_b", "con_c"];

/** The command `make reseal` runs, against the test's schema. */
async function reseal(url: string, env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI], {
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: url, RESEAL_BATCH_SIZE: "2", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** `location  resealed  current  failed` rows of the printed report. */
function countsOf(stdout: string): Record<string, number[]> {
  const rows = stdout.split("\n").filter((line) => /^\w+\.\S+\s+\d/.test(line));
  return Object.fromEntries(
    rows.map((line) => line.split(/\s{2,}/)).map(([name, ...n]) => [name, n.map(Number)]),
  );
}

describe("make reseal", () => {
  const schema = `reseal_${randomUUID().replaceAll("-", "")}`;
  let admin: Pool;
  let db: Pool;
  let url: string;

  beforeAll(async () => {
    admin = createPool({ connectionString: databaseUrl, max: 1, applicationName: "reseal-test", logger });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const scoped = new URL(databaseUrl);
    scoped.searchParams.set("options", `-c search_path=${schema}`);
    url = scoped.toString();
    db = createPool({ connectionString: url, max: 2, applicationName: "reseal-test", logger });
    await runMigrations(db);
    await storeSealedWithOldKey(db);
  });

  afterAll(async () => {
    await db?.end();
    await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin?.end();
  });

  it("re-seals v1 values sealed with the old key, so everything opens once the old key is gone", async () => {
    const first = await reseal(url, { SECRETS_KEY: newKey, SECRETS_KEY_PREVIOUS: oldKey });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(countsOf(first.stdout)).toStrictEqual({
      "connectors.api_key_sealed": [3, 0, 0],
      "destination_secrets.secret_sealed": [3, 0, 0],
      "destinations.config.authentication.apiKeySealed": [1, 0, 0],
      "destinations.config.authentication.clientSecretSealed": [1, 0, 0],
      "destinations.config.urlSealed": [1, 0, 0],
      "idempotency_keys.response_body": [1, 0, 0],
    });
    expect(first.stdout).toContain("SECRETS_KEY_PREVIOUS can be removed");

    await expectEverythingOpens(db, createSecretBox({ key: newKey }));
  });

  it("is idempotent: a second run finds every value current and changes nothing", async () => {
    const before = await snapshot(db);
    const second = await reseal(url, { SECRETS_KEY: newKey });
    expect(second.code).toBe(0);
    expect(countsOf(second.stdout)).toMatchObject({
      "connectors.api_key_sealed": [0, 3, 0],
      "destination_secrets.secret_sealed": [0, 3, 0],
      "idempotency_keys.response_body": [0, 1, 0],
    });
    expect(await snapshot(db)).toStrictEqual(before);
  });

  it("reports a value copied to another row as failed, naming where it is, and exits 1", async () => {
    await db.query(`UPDATE connectors SET api_key_sealed = (SELECT api_key_sealed FROM connectors WHERE id = 'con_a')
                     WHERE id = 'con_b'`);
    const run = await reseal(url, { SECRETS_KEY: newKey });
    expect(run.code).toBe(1);
    expect(countsOf(run.stdout)["connectors.api_key_sealed"]).toStrictEqual([0, 2, 1]);
    expect(run.stderr).toContain("connectors.api_key_sealed of con_b");
    expect(run.stderr).toContain("keep SECRETS_KEY_PREVIOUS");
    expect(run.stderr).not.toContain("key-of-con_a");
  });

  it("reports a value sealed with a key it was not given as failed", async () => {
    await db.query(`UPDATE connectors SET api_key_sealed = $1 WHERE id = 'con_b'`, [
      sealAsV1(oldKey, "key-of-con_b"),
    ]);
    const run = await reseal(url, { SECRETS_KEY: newKey });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/con_b: secret was sealed with key [0-9a-f]{8}, which is neither SECRETS_KEY/);
  });

  it("stops with one line when SECRETS_KEY is missing", async () => {
    const run = await reseal(url, {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^reseal: SECRETS_KEY is required/);
  });
});

const SIGNING_SECRETS: Array<[string, string]> = [
  ["whk_1", "whsec_one"],
  ["whk_1", "whsec_two"],
  ["whk_2", "whsec_three"],
];

/** What a hub before v2 stored: every value sealed as v1 with the old key. */
async function storeSealedWithOldKey(db: Pool): Promise<void> {
  for (const id of CONNECTORS)
    await db.query(
      `INSERT INTO connectors (id, name, base_url, api_key_sealed, ingest_key_hash) VALUES ($1, $1, 'http://c', $2, 'h')`,
      [id, sealAsV1(oldKey, `key-of-${id}`)],
    );
  const destinations: Array<[string, string, object]> = [
    [
      "whk_1",
      "webhook",
      {
        url: "https://r",
        authentication: { type: "ApiKey", headerName: "x", apiKeySealed: sealAsV1(oldKey, "ak") },
      },
    ],
    [
      "whk_2",
      "webhook",
      {
        url: "https://r",
        authentication: {
          type: "OAuth2",
          accessTokenUrl: "https://t",
          clientId: "c",
          clientSecretSealed: sealAsV1(oldKey, "cs"),
        },
      },
    ],
    ["whk_3", "amqp", { urlSealed: sealAsV1(oldKey, "amqp://u:p@mq"), exchange: "e" }],
    ["whk_4", "batch", { url: "https://r", publishIntervalSeconds: 5 }],
  ];
  for (const [id, type, config] of destinations)
    await db.query(`INSERT INTO destinations (id, type, triggers, config) VALUES ($1, $2, '{**}', $3)`, [
      id,
      type,
      config,
    ]);
  for (const [destinationId, secret] of SIGNING_SECRETS)
    await db.query(`INSERT INTO destination_secrets (destination_id, secret_sealed) VALUES ($1, $2)`, [
      destinationId,
      sealAsV1(oldKey, secret),
    ]);
  await db.query(
    `INSERT INTO idempotency_keys (principal, idempotency_key, request_hash, status_code, response_body)
     VALUES ('admin', 'k-sealed', 'h', 201, $1), ('admin', 'k-plain', 'h', 201, '{"result":{}}'),
            ('admin', 'k-running', 'h', NULL, NULL)`,
    [sealAsV1(oldKey, '{"result":{"key":"hub_x"}}')],
  );
}

async function expectEverythingOpens(db: Pool, box: SecretBox): Promise<void> {
  const connectors = await db.query(`SELECT id, api_key_sealed FROM connectors ORDER BY id`);
  expect(
    connectors.rows.map((row) => box.open(row.api_key_sealed, connectorApiKeySealing(row.id))),
  ).toStrictEqual(CONNECTORS.map((id) => `key-of-${id}`));
  const secrets = await db.query(`SELECT destination_id, secret_sealed FROM destination_secrets`);
  expect(
    secrets.rows.map((row) => [
      row.destination_id,
      box.open(row.secret_sealed, signingSecretSealing(row.destination_id)),
    ]),
  ).toEqual(expect.arrayContaining(SIGNING_SECRETS));
  const configs = Object.fromEntries(
    (await db.query(`SELECT id, config FROM destinations`)).rows.map((row) => [row.id, row.config]),
  );
  expect(
    box.open(
      configs.whk_1.authentication.apiKeySealed,
      destinationConfigSealing("whk_1", "authentication.apiKeySealed"),
    ),
  ).toBe("ak");
  expect(
    box.open(
      configs.whk_2.authentication.clientSecretSealed,
      destinationConfigSealing("whk_2", "authentication.clientSecretSealed"),
    ),
  ).toBe("cs");
  expect(box.open(configs.whk_3.urlSealed, destinationConfigSealing("whk_3", "urlSealed"))).toBe(
    "amqp://u:p@mq",
  );
  expect(configs.whk_4).toStrictEqual({ url: "https://r", publishIntervalSeconds: 5 });
  const answers = await db.query(`SELECT idempotency_key, response_body FROM idempotency_keys ORDER BY 1`);
  const [plain, running, sealed] = answers.rows;
  expect(plain.response_body).toBe('{"result":{}}');
  expect(running.response_body).toBeNull();
  expect(box.open(sealed.response_body, idempotentAnswerSealing("admin", "k-sealed"))).toContain("hub_x");
}

async function snapshot(db: Pool) {
  const read = async (sql: string) => (await db.query(sql)).rows;
  return Promise.all([
    read(`SELECT id, api_key_sealed FROM connectors ORDER BY id`),
    read(`SELECT destination_id, secret_sealed FROM destination_secrets ORDER BY 1, 2`),
    read(`SELECT id, config FROM destinations ORDER BY id`),
    read(`SELECT idempotency_key, response_body FROM idempotency_keys ORDER BY 1`),
  ]);
}
