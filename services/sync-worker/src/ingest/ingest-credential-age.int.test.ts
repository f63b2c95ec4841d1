import { createHash, randomBytes } from "node:crypto";
import { ensureTopic } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import {
  buildDeps,
  createMigratedTestPool,
  emulatorPubSub,
  insertConnector,
  newTestConnector,
  type TestConnector,
} from "../../test/harness.ts";
import { buildApp, type SyncWorkerDeps } from "../app.ts";
import { createEventPublisher } from "./event-publisher.ts";

// INGEST_CREDENTIAL_MAX_AGE_MS: what a credential read from Postgres may still accept, against real Postgres.
describe("ingest credential max age", () => {
  const topicName = uniqueName("events");
  let db: Pool;
  let pubsub: PubSub;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    db = await createMigratedTestPool();
    pubsub = emulatorPubSub();
    await ensureTopic(pubsub, topicName);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await pubsub.close();
    await db.end();
  });

  const start = async (credentialMaxAgeMs: number) => {
    const deps = {
      ...buildDeps({ db, publisher: createEventPublisher(pubsub, topicName) }),
      credentialMaxAgeMs,
    };
    const app = await buildApp(deps);
    apps.push(app);
    const post = async (connector: TestConnector, key = connector.ingestKey) =>
      (
        await app.inject({
          method: "POST",
          url: `/v1/ingest/${connector.id}`,
          headers: { "content-type": "application/json", "x-api-key": key },
          payload: { trigger: "a.b" },
        })
      ).statusCode;
    return { post, deps };
  };

  const registered = async () => {
    const connector = newTestConnector();
    await insertConnector(db, connector);
    return connector;
  };
  const disable = (connector: TestConnector) =>
    db.query(`UPDATE connectors SET enabled = false WHERE id = $1`, [connector.id]);
  const rotate = async (connector: TestConnector) => {
    const key = `ingk_${randomBytes(16).toString("base64url")}`;
    await db.query(`UPDATE connectors SET ingest_key_hash = $2 WHERE id = $1`, [
      connector.id,
      createHash("sha256").update(key).digest("hex"),
    ]);
    return key;
  };

  it("accepts from the copy within the max age: a Connector disabled since is still accepted", async () => {
    const { post } = await start(60_000);
    const connector = await registered();
    expect(await post(connector)).toBe(202);
    await disable(connector);
    expect(await post(connector)).toBe(202); // read from Postgres under a minute ago
  });

  it("refuses a disabled Connector at once with max age 0 (Postgres for every event)", async () => {
    const { post } = await start(0);
    const connector = await registered();
    expect(await post(connector)).toBe(202);
    await disable(connector);
    expect(await post(connector)).toBe(403);
  });

  it("refuses once the copy is read again from Postgres (the registry's refresh)", async () => {
    const { post, deps } = await start(60_000);
    const connector = await registered();
    expect(await post(connector)).toBe(202);
    await disable(connector);
    await (deps as SyncWorkerDeps).registry.refresh();
    expect(await post(connector)).toBe(403);
  });

  it("accepts a rotated credential at once and refuses the old one from then on", async () => {
    const { post } = await start(60_000);
    const connector = await registered();
    expect(await post(connector)).toBe(202);
    const newKey = await rotate(connector);
    // A credential the copy does not know is checked against Postgres before any refusal.
    expect(await post(connector, newKey)).toBe(202);
    expect(await post(connector)).toBe(401);
  });

  it("checks a wrong credential against Postgres, however fresh the copy", async () => {
    const { post } = await start(60_000);
    const connector = await registered();
    expect(await post(connector)).toBe(202);
    expect(await post(connector, "wrong")).toBe(401);
    expect(await post(connector)).toBe(202);
  });
});
