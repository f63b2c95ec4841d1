import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  findIdempotencyRecord,
} from "./idempotency-keys-store.ts";
import { idempotentAnswerSealing } from "@event-hub/shared";

// A request that claimed an Idempotency-Key and died before answering must not block the key
// until pruning: after IDEMPOTENCY_IN_PROGRESS_SECONDS a repeat runs anew.
describe("Idempotency-Key of a request that never answered", () => {
  let harness: TestHarness;
  const inProgressSeconds = 60;
  beforeAll(async () => {
    harness = await buildTestApp({ idempotencyInProgressSeconds: inProgressSeconds });
  });
  afterAll(async () => harness?.close());

  const body = { name: "idempotent", scopes: ["events:read"] };
  const post = (key: string) =>
    harness.call({ method: "POST", url: "/v1/keys", payload: body, headers: { "idempotency-key": key } });
  /** What the crashed request left: a claim with the same request hash and no answer. */
  const crashedClaim = (key: string) =>
    claimIdempotencyKey(harness.db, {
      principal: "admin",
      key,
      requestHash: createHash("sha256")
        .update(`${JSON.stringify(["POST", "/v1/keys", {}, {}])}\n${JSON.stringify(body)}`)
        .digest("hex"),
      staleAfterSeconds: inProgressSeconds,
    });
  /** Moves the claim's start back, as if the time had passed (no waiting in tests). */
  const age = (key: string, seconds: number) =>
    harness.db.query(
      `UPDATE idempotency_keys SET created_at = created_at - make_interval(secs => $2) WHERE idempotency_key = $1`,
      [key, seconds],
    );

  it("is in progress (409) while younger than the limit, then a repeat runs and is stored", async () => {
    const key = uniqueName("crashed");
    const staleToken = await crashedClaim(key);
    expect(staleToken).toBeDefined();

    const blocked = await post(key);
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().error.code).toBe("error.hub.idempotencyKeyInProgress");

    await age(key, inProgressSeconds + 1);
    const retried = await post(key);
    expect(retried.statusCode).toBe(201);
    expect(retried.headers["idempotent-replayed"]).toBeUndefined();

    const replayed = await post(key);
    expect(replayed.statusCode).toBe(201);
    expect(replayed.headers["idempotent-replayed"]).toBe("true");
    expect(replayed.json().result.id).toBe(retried.json().result.id);

    // Had the first request only hung, its late answer must not replace the one the client got.
    await completeIdempotencyKey(harness.db, {
      principal: "admin",
      key,
      token: staleToken ?? "",
      statusCode: 500,
      body: "{}",
    });
    expect((await post(key)).json().result.id).toBe(retried.json().result.id);
  });

  it("stores the answer sealed: the API key shown once is not at rest in plaintext", async () => {
    const key = uniqueName("sealed");
    const created = await post(key);
    expect(created.statusCode).toBe(201);
    const apiKey: string = created.json().result.key;
    const stored = await findIdempotencyRecord(harness.db, "admin", key);
    expect(stored?.response_body).not.toContain(apiKey);
    expect(
      harness.secrets.open(stored?.response_body ?? "", idempotentAnswerSealing("admin", key)),
    ).toContain(apiKey);
    const replayed = await post(key);
    expect(replayed.headers["idempotent-replayed"]).toBe("true");
    expect(replayed.json().result.key).toBe(apiKey);
  });

  it("never takes over a key whose request answered, however old", async () => {
    const key = uniqueName("answered");
    const first = await post(key);
    expect(first.statusCode).toBe(201);
    await age(key, inProgressSeconds + 1);
    const again = await post(key);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json().result.id).toBe(first.json().result.id);
  });

  it("frees the key at once when the request fails on the hub's side (5xx)", async () => {
    const key = uniqueName("failed");
    const broken = await buildTestApp();
    try {
      await broken.pubsub.close(); // creating a subscription now fails inside the hub
      const failed = await broken.call({
        method: "POST",
        url: "/v1/subscriptions",
        payload: { name: uniqueName("sub"), triggers: ["**"] },
        headers: { "idempotency-key": key },
      });
      expect(failed.statusCode).toBeGreaterThanOrEqual(500);
      expect(await findIdempotencyRecord(broken.db, "admin", key)).toBeUndefined();
    } finally {
      await broken.close();
    }
  });

  it("takes another spelling of the same route for the same request, not for another body", async () => {
    const key = uniqueName("spelled");
    const first = await post(key);
    expect(first.statusCode).toBe(201);
    const spelled = await harness.call({
      method: "POST",
      url: "/%761/keys",
      payload: body,
      headers: { "idempotency-key": key },
    });
    expect(spelled.headers["idempotent-replayed"]).toBe("true");
    expect(spelled.json()).toEqual(first.json());
  });

  it("replays POST …/test and …/rotate-secret instead of sending or rotating again", async () => {
    const webhook = await harness.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: "https://example.com/hook", triggers: ["hub.test"] },
    });
    const id: string = webhook.json().result.id;
    const call = (action: string, key: string) =>
      harness.call({
        method: "POST",
        url: `/v1/webhooks/${id}/${action}`,
        headers: { "idempotency-key": key },
      });
    const testKey = uniqueName("test");
    const sent = await call("test", testKey);
    expect(sent.statusCode).toBe(202);
    const repeated = await call("test", testKey);
    expect(repeated.headers["idempotent-replayed"]).toBe("true");
    expect(repeated.json()).toEqual(sent.json());
    const { rows } = await harness.db.query(
      "SELECT count(*)::int AS n FROM deliveries WHERE destination_id = $1",
      [id],
    );
    expect(rows[0].n).toBe(1);

    const rotateKey = uniqueName("rotate");
    const rotated = await call("rotate-secret", rotateKey);
    expect(rotated.statusCode).toBe(201);
    const again = await call("rotate-secret", rotateKey);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json().result.secret).toBe(rotated.json().result.secret);
    const stored = await findIdempotencyRecord(harness.db, "admin", rotateKey);
    expect(stored?.response_body).not.toContain(rotated.json().result.secret);
  });
});
